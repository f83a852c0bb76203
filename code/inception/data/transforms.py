"""Preprocessing and augmentation parameters shared by the PyTorch and tf.data pipelines.

Evaluation preprocessing (identical in both frameworks, tested to 1e-6)::

    uint8 image, already resized whole to S x S by the cache (Pillow bilinear, antialiased)
    -> float32 / 255
    -> (x - IMAGENET_MEAN) / IMAGENET_STD, per channel
    -> PyTorch: (N, 3, S, S) NCHW;  TensorFlow: (N, S, S, 3) NHWC

Training augmentation (same distribution in both frameworks, not bit-identical;
all applied to the cached S x S uint8 image, so nothing is decoded again):

1. random resized crop: a box of ``scale`` (fraction of the image area) and
   ``ratio`` (width / height, log-uniform), clipped to the image and placed
   uniformly, resized back to S x S (bilinear; it only enlarges, so no
   antialiasing is involved);
2. a uniformly random symmetry of the square (the dihedral group D4: the four
   90-degree rotations, each optionally mirrored), drawn as three fair coins:
   transpose, horizontal flip, vertical flip. Aerial scenes have no "up";
3. mild colour jitter, factors uniform in ``[1 - a, 1 + a]``, applied in this
   order and clipped to [0, 1] after each: brightness (multiply), contrast
   (blend with the image's mean grey), saturation (blend with each pixel's grey);
4. the evaluation normalisation.

The scale range starts at 0.25 rather than ImageNet's 0.08: a land-use class
is a property of the whole scene, and an 8% crop of a 256-pixel tile often
shows a single roof or a patch of grass.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from ._base import IMAGENET_MEAN, IMAGENET_STD

#: ITU-R 601 luma weights, used for "grey" by both frameworks' colour jitter.
GRAY_WEIGHTS: tuple[float, float, float] = (0.299, 0.587, 0.114)


@dataclass(frozen=True)
class AugmentConfig:
    """Training augmentation parameters (both frameworks read the same object).

    Attributes:
        scale: range of the crop's area as a fraction of the image's.
        ratio: range of the crop's width / height (sampled log-uniformly).
        flips: random transpose + horizontal + vertical flips (all of D4).
        brightness, contrast, saturation: jitter strength ``a``; the factor is
            uniform in ``[1 - a, 1 + a]``; 0 turns it off.
    """

    scale: tuple[float, float] = (0.25, 1.0)
    ratio: tuple[float, float] = (3 / 4, 4 / 3)
    flips: bool = True
    brightness: float = 0.2
    contrast: float = 0.2
    saturation: float = 0.2

    def __post_init__(self):
        lo, hi = self.scale
        if not 0 < lo <= hi <= 1:
            raise ValueError(f"scale must satisfy 0 < min <= max <= 1, got {self.scale!r}")
        lo, hi = self.ratio
        if not 0 < lo <= hi:
            raise ValueError(f"ratio must satisfy 0 < min <= max, got {self.ratio!r}")
        for name in ("brightness", "contrast", "saturation"):
            v = getattr(self, name)
            if not 0 <= v < 1:
                raise ValueError(f"{name} must be in [0, 1), got {v!r}")

    def to_dict(self) -> dict:
        return asdict(self)


DEFAULT_AUGMENT = AugmentConfig()


def crop_box(u: np.ndarray | list[float], cfg: AugmentConfig = DEFAULT_AUGMENT) -> tuple[float, float, float, float]:
    """Crop box from four uniform numbers in [0, 1): ``(top, left, height, width)`` as fractions.

    Written out once here; the PyTorch and TensorFlow pipelines apply the same
    arithmetic to their own random numbers (the TF version vectorised).
    """
    area = cfg.scale[0] + (cfg.scale[1] - cfg.scale[0]) * float(u[0])
    log_r = math.log(cfg.ratio[0]) + (math.log(cfg.ratio[1]) - math.log(cfg.ratio[0])) * float(u[1])
    r = math.exp(log_r)
    w = min(1.0, math.sqrt(area * r))
    h = min(1.0, math.sqrt(area / r))
    top = (1.0 - h) * float(u[2])
    left = (1.0 - w) * float(u[3])
    return top, left, h, w


def crop_box_pixels(box: tuple[float, float, float, float], size: int) -> tuple[int, int, int, int]:
    """Round a fractional box to whole pixels inside a ``size x size`` image (at least 1 pixel)."""
    top, left, h, w = box
    hp = max(1, min(size, round(h * size)))
    wp = max(1, min(size, round(w * size)))
    y0 = min(size - hp, int(top * size))
    x0 = min(size - wp, int(left * size))
    return y0, x0, hp, wp


def normalize_numpy(images: np.ndarray) -> np.ndarray:
    """Reference evaluation preprocessing in NumPy: uint8 ``(..., H, W, 3)`` -> float32 NHWC."""
    x = images.astype(np.float32) / np.float32(255)
    return (x - np.asarray(IMAGENET_MEAN, np.float32)) / np.asarray(IMAGENET_STD, np.float32)


def denormalize_numpy(x: np.ndarray, channels_last: bool = True) -> np.ndarray:
    """Undo the normalisation for display: float NHWC (or NCHW) -> uint8 NHWC."""
    x = np.asarray(x, np.float32)
    if not channels_last:
        x = np.moveaxis(x, -3, -1)
    x = x * np.asarray(IMAGENET_STD, np.float32) + np.asarray(IMAGENET_MEAN, np.float32)
    return np.clip(np.round(x * 255), 0, 255).astype(np.uint8)
