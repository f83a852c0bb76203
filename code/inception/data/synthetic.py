"""A small synthetic stand-in for UC Merced, in the same folder layout.

Used by every offline test of the data chain and by the training tests: it
needs no download, takes a fraction of a second to write, and a small network
learns it in a few epochs.

Each class ``k`` combines one of 7 colours (``k % 7``) with one of 3 textures
(``k // 7``): stripes at a random angle, a grid of dots, or smooth blobs. Both
are unchanged by the training augmentation (rotations, flips, crops of a
quarter of the image or more, mild colour jitter), so the label stays
learnable. Each image has its own random phase, angle and noise.

Example::

    from inception.data.synthetic import make_synthetic_ucmerced
    root = make_synthetic_ucmerced(tmp_path, per_class=10, size=64)
    loaders = make_loaders(root, image_size=32, batch_size=16)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from ._base import CLASSES

#: Base colours (RGB, 0..1), one per ``class_index % 7``: far apart in hue and brightness.
PALETTE = np.array(
    [
        [0.85, 0.20, 0.15],  # red
        [0.20, 0.70, 0.25],  # green
        [0.20, 0.35, 0.90],  # blue
        [0.90, 0.80, 0.15],  # yellow
        [0.75, 0.25, 0.80],  # magenta
        [0.15, 0.80, 0.80],  # cyan
        [0.55, 0.55, 0.55],  # grey
    ],
    dtype=np.float64,
)

TEXTURES = ("stripes", "dots", "blobs")

_LAYOUT_DIRS = {"official": ("UCMerced_LandUse", "Images"), "images": ("Images",), "flat": ()}

#: Odd sizes (width, height) given to the first image of the first classes when ``odd_sizes=True``,
#: relative to ``size`` (like the real 247x247, 257x257, 242x256, 256x251).
ODD_SIZE_OFFSETS = ((-9, -9), (1, 1), (-14, 0), (0, -5))


def synthetic_image(
    label: int, size: int | tuple[int, int] = 64, rng: np.random.Generator | None = None
) -> np.ndarray:
    """One ``(H, W, 3)`` uint8 image of class ``label`` (``size`` is S or (width, height))."""
    rng = rng if rng is not None else np.random.default_rng(label)
    w, h = (size, size) if isinstance(size, int) else size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64) / max(w, h)
    texture = TEXTURES[(label // 7) % 3]
    if texture == "stripes":
        angle = rng.uniform(0, np.pi)
        t = xx * np.cos(angle) + yy * np.sin(angle)
        pattern = 0.5 + 0.5 * np.sign(np.sin(2 * np.pi * 6 * t + rng.uniform(0, 2 * np.pi)))
    elif texture == "dots":
        period = 1 / 6
        oy, ox = rng.uniform(0, period, 2)
        dy = ((yy + oy) % period) - period / 2
        dx = ((xx + ox) % period) - period / 2
        pattern = (np.hypot(dx, dy) < period * 0.28).astype(np.float64)
    else:  # smooth random blobs: a few Gaussian bumps
        pattern = np.zeros_like(xx)
        for cy, cx in rng.uniform(0, 1, (5, 2)):
            pattern += np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * 0.12**2))
        pattern = np.clip(pattern, 0, 1)
    colour = PALETTE[label % 7]
    img = (0.15 + 0.85 * pattern)[:, :, None] * colour[None, None, :]
    img += rng.normal(0, 0.03, img.shape)
    return np.clip(np.round(img * 255), 0, 255).astype(np.uint8)


def make_synthetic_ucmerced(
    root: str | Path,
    per_class: int = 10,
    size: int = 64,
    ext: str = ".png",
    *,
    layout: str = "official",
    odd_sizes: bool = False,
    grayscale: bool = False,
    junk_files: bool = False,
    seed: int = 0,
) -> Path:
    """Write a synthetic data set in the UC Merced layout and return ``root``.

    Args:
        root: folder to write into (created); pass it as ``data_dir``.
        per_class: images per class (named ``<class>00``, ``<class>01``, ...).
        size: side of the (square) images.
        ext: ``".png"``, ``".jpg"`` (quality 95) or ``".tif"``.
        layout: ``"official"`` (``root/UCMerced_LandUse/Images/<class>/``),
            ``"images"`` (``root/Images/<class>/``) or ``"flat"`` (``root/<class>/``).
        odd_sizes: give the first image of the first four classes a size that
            is not ``size x size`` (like the 44 odd real images).
        grayscale: save the second image of the first three classes as
            grayscale (mode ``L``); they lose their colour cue, nothing else.
        junk_files: add ``.DS_Store`` / ``Thumbs.db`` / a notes file that loaders must ignore.
        seed: the images' randomness (class patterns do not depend on it).
    """
    if layout not in _LAYOUT_DIRS:
        raise ValueError(f"layout must be one of {sorted(_LAYOUT_DIRS)}, got {layout!r}")
    ext = ext if ext.startswith(".") else "." + ext
    if ext.lower() not in (".png", ".jpg", ".jpeg", ".tif", ".tiff"):
        raise ValueError(f"ext must be .png, .jpg or .tif, got {ext!r}")
    if per_class < 1 or per_class > 100:
        raise ValueError(f"per_class must be in 1..100, got {per_class!r}")
    root = Path(root)
    images_dir = root.joinpath(*_LAYOUT_DIRS[layout])
    rng = np.random.default_rng(seed)
    for label, cls in enumerate(CLASSES):
        folder = images_dir / cls
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            wh: int | tuple[int, int] = size
            if odd_sizes and i == 0 and label < len(ODD_SIZE_OFFSETS):
                dw, dh = ODD_SIZE_OFFSETS[label]
                wh = (size + dw, size + dh)
            img = Image.fromarray(synthetic_image(label, wh, rng), "RGB")
            if grayscale and i == 1 and label < 3:
                img = img.convert("L")
            path = folder / f"{cls}{i:02d}{ext}"
            if ext.lower() in (".jpg", ".jpeg"):
                img.save(path, quality=95, subsampling=0)
            else:
                img.save(path)
        if junk_files:
            (folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
            (folder / "Thumbs.db").write_bytes(b"junk")
    if junk_files:
        (images_dir / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
        (images_dir / "README.txt").write_text("not an image\n")
    return root
