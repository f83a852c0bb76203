"""The synthetic stand-in (inception.data.synthetic)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from inception.data import CLASSES, find_data_dir, scan, verify
from inception.data.synthetic import make_synthetic_ucmerced, synthetic_image


@pytest.mark.parametrize("ext", [".png", ".jpg", ".tif"])
def test_layout_names_and_formats(tmp_path, ext):
    root = make_synthetic_ucmerced(tmp_path, per_class=2, size=12, ext=ext)
    assert root == tmp_path
    first = tmp_path / "UCMerced_LandUse" / "Images" / "agricultural" / f"agricultural00{ext}"
    assert first.is_file()
    with Image.open(first) as img:
        assert img.size == (12, 12) and img.mode == "RGB"
    assert verify(root, per_class=2).n_images == 42


def test_images_are_deterministic_in_seed(tmp_path):
    a = make_synthetic_ucmerced(tmp_path / "a", per_class=1, size=8, layout="flat")
    b = make_synthetic_ucmerced(tmp_path / "b", per_class=1, size=8, layout="flat")
    c = make_synthetic_ucmerced(tmp_path / "c", per_class=1, size=8, layout="flat", seed=1)
    pa, pb, pc = (find_data_dir(x) / "river" / "river00.png" for x in (a, b, c))
    assert pa.read_bytes() == pb.read_bytes() != pc.read_bytes()


def test_bad_arguments_are_rejected(tmp_path):
    with pytest.raises(ValueError, match="layout"):
        make_synthetic_ucmerced(tmp_path, layout="nested")
    with pytest.raises(ValueError, match="ext"):
        make_synthetic_ucmerced(tmp_path, ext=".gif")
    with pytest.raises(ValueError, match="per_class"):
        make_synthetic_ucmerced(tmp_path, per_class=0)


def test_junk_files_are_ignored(tmp_path):
    root = make_synthetic_ucmerced(tmp_path, per_class=1, size=8, junk_files=True)
    layout = scan(root)
    assert len(layout.records) == 21 and len(layout.ignored) == 42


def _features(img: np.ndarray) -> np.ndarray:
    a = img.astype(float) / 255
    grey = a.mean(2)
    edges = np.abs(np.diff(grey, axis=0)).mean() + np.abs(np.diff(grey, axis=1)).mean()
    return np.r_[a.mean((0, 1)), a.std((0, 1)), edges]


def test_classes_are_learnable_from_rotation_invariant_cues():
    """A nearest-centroid rule on colour and edge statistics (unchanged by flips and
    rotations) separates the 21 classes on held-out images: a small network can too."""
    rng = np.random.default_rng(0)
    X = np.array([_features(np.rot90(synthetic_image(k, 32, rng), i % 4)) for k in range(21) for i in range(10)])
    y = np.repeat(np.arange(21), 10)
    train = np.arange(len(y)) % 10 < 6
    centroids = np.array([X[train & (y == k)].mean(0) for k in range(21)])
    scale = X[train].std(0)
    pred = np.argmin((((X[~train, None] - centroids[None]) / scale) ** 2).sum(-1), axis=1)
    assert (pred == y[~train]).mean() > 0.95
    assert len(CLASSES) == 21
