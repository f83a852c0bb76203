"""A small UC Merced subset as NumPy arrays, for a training run a reader can watch.

:func:`small_ucmerced` takes the first images of each class from the
committed split's training and validation parts, resized to a small square,
and returns them normalised as ``(N, H, W, 3)`` float32 arrays (channels last:
transpose for PyTorch). When the images are not on this machine it returns
synthetic images of the same shape and classes instead
(:func:`inception.data.synthetic.synthetic_image`), and says so in
``source``. No cache and no framework: a few hundred images decode in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._base import CLASSES, DataError, default_data_dir, env_data_dir, shared_copy_dir
from .layout import decode_resized, find_data_dir, scan
from .split import load_split
from .synthetic import synthetic_image
from .transforms import normalize_numpy

__all__ = ["SmallSet", "small_ucmerced", "find_images"]

#: ``source`` of a :class:`SmallSet` made of the real images, and of a synthetic stand-in.
REAL, SYNTHETIC = "UC Merced", "synthetic"


@dataclass
class SmallSet:
    """Training and validation images (normalised, ``(N, H, W, 3)`` float32)
    and labels (int64), where they came from, and the class names."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    source: str
    data_dir: Path | None = None
    classes: tuple = CLASSES

    @property
    def image_size(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def num_classes(self) -> int:
        return len(self.classes)


def find_images(data_dir: str | Path | None = None) -> Path | None:
    """The folder holding the class folders, or ``None`` when the images are
    not on this machine (``$UCMERCED_DIR``, ``data/ucmerced``, then the shared
    copy next to the checkout are tried). A ``data_dir`` given must hold them
    (:class:`~inception.data.DataError` otherwise)."""
    if data_dir is not None:
        return find_data_dir(data_dir)  # asked for: an error if it is not there
    candidates = [c for c in (env_data_dir(), default_data_dir(), shared_copy_dir()) if c is not None]
    for c in candidates:
        try:
            return find_data_dir(c)
        except DataError:
            continue
    return None


def _first(part, per_class):
    """The first ``per_class`` (stem, label) pairs of each class, in split order
    (all of them when ``per_class`` is ``None``)."""
    taken: dict = {}
    out = []
    for stem, label in part:
        if per_class is None or taken.get(label, 0) < per_class:
            taken[label] = taken.get(label, 0) + 1
            out.append((stem, label))
    return out


def small_ucmerced(image_size: int = 64, train_per_class: int | None = 10, val_per_class: int | None = 5,
                   data_dir: str | Path | None = None, synthetic: bool = True, seed: int = 0) -> SmallSet:
    """The first ``train_per_class`` training and ``val_per_class`` validation
    images of each class (``None``: all of them; the split has 70 and 10),
    resized to ``image_size``.

    Without the images (see :func:`find_images`) the same numbers of synthetic
    images are returned, ``source == "synthetic"``; ``synthetic=False`` raises
    :class:`~inception.data.DataError` instead.
    """
    split = load_split()
    parts = {"train": _first(split["train"], train_per_class), "val": _first(split["val"], val_per_class)}
    root = find_images(data_dir)
    if root is None:
        if not synthetic:
            raise DataError("the UC Merced images are not on this machine")
        rng = np.random.default_rng(seed)
        arrays = {p: np.stack([synthetic_image(label, image_size, rng) for _, label in items])
                  for p, items in parts.items()}
        source = SYNTHETIC
    else:
        by_stem = scan(root, require_all_classes=False).by_stem()
        missing = [s for items in parts.values() for s, _ in items if s not in by_stem]
        if missing:
            raise DataError(f"{len(missing)} images of the split are missing from {root}: {missing[:5]}")
        arrays = {p: np.stack([decode_resized(by_stem[s].path, image_size) for s, _ in items])
                  for p, items in parts.items()}
        source = REAL
    labels = {p: np.array([label for _, label in items], dtype=np.int64) for p, items in parts.items()}
    return SmallSet(normalize_numpy(arrays["train"]), labels["train"], normalize_numpy(arrays["val"]),
                    labels["val"], source, root)
