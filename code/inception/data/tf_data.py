"""tf.data pipelines for UC Merced, reading the decoded cache.

Example::

    from inception.data.tf_data import make_datasets
    ds = make_datasets("../shared/data/ucmerced-jpeg95", image_size=128, batch_size=32)
    model.fit(ds["train"], validation_data=ds["val"], epochs=...)
    # batches: x float32 (32, 128, 128, 3) NHWC, y int64 (32,)

Same preprocessing and augmentation parameters as
:mod:`inception.data.torch_data` (see :mod:`inception.data.transforms`); the
evaluation output equals PyTorch's to 1e-6 after moving channels. Batches are
gathered from the memory-mapped cache with one ``tf.numpy_function`` call each
and augmented batch-wise with stateless random ops, seeded from
``tf.data.Dataset.random(seed)`` so that a seed repeats a run and every epoch
differs.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import tensorflow as tf

from ._base import IMAGENET_MEAN, IMAGENET_STD
from .cache import DecodedCache, build_cache
from .split import PARTS, SplitLike, as_split
from .draws import N_UNIFORMS, EpochDraws
from .transforms import DEFAULT_AUGMENT, GRAY_WEIGHTS, AugmentConfig

_MEAN = tf.constant(IMAGENET_MEAN, tf.float32)
_STD = tf.constant(IMAGENET_STD, tf.float32)


def preprocess(images) -> tf.Tensor:
    """Evaluation preprocessing of already-resized uint8 images, NHWC in, NHWC out.

    ``(x / 255 - mean) / std`` in float32, the same arithmetic as
    :func:`inception.data.torch_data.preprocess`.
    """
    x = tf.cast(images, tf.float32) / 255.0
    return (x - _MEAN) / _STD


def _gray(x: tf.Tensor) -> tf.Tensor:
    w = GRAY_WEIGHTS
    return x[..., 0:1] * w[0] + x[..., 1:2] * w[1] + x[..., 2:3] * w[2]  # the torch pipeline's order


def _crop_weights(u: tf.Tensor, size: int, cfg: AugmentConfig, out_size: int) -> tuple[tf.Tensor, tf.Tensor]:
    """Bilinear resampling matrices ``(B, S, H)`` for the random resized crops' rows and columns.

    Same arithmetic as :func:`inception.data.transforms.crop_box` and
    :func:`~inception.data.transforms.crop_box_pixels` (the box, vectorised)
    and :func:`inception.data.torch_data._crop_weights` (the matrices), in
    float64: output pixel ``i`` samples input ``y0 - 1/2 + (i + 1/2) * hp / S``,
    clamped to the image.
    """
    u = tf.cast(u, tf.float64)
    lo_a, hi_a = cfg.scale
    lo_r, hi_r = math.log(cfg.ratio[0]), math.log(cfg.ratio[1])
    area = lo_a + (hi_a - lo_a) * u[:, 0]
    r = tf.exp(lo_r + (hi_r - lo_r) * u[:, 1])
    w = tf.minimum(tf.sqrt(area * r), 1.0)
    h = tf.minimum(tf.sqrt(area / r), 1.0)
    top = (1.0 - h) * u[:, 2]
    left = (1.0 - w) * u[:, 3]
    s = float(size)
    hp = tf.clip_by_value(tf.round(h * s), 1.0, s)
    wp = tf.clip_by_value(tf.round(w * s), 1.0, s)
    y0 = tf.minimum(s - hp, tf.floor(top * s))
    x0 = tf.minimum(s - wp, tf.floor(left * s))
    i = tf.range(out_size, dtype=tf.float64) + 0.5

    def weights(start, length):
        c = tf.clip_by_value(start[:, None] - 0.5 + i[None, :] * (length[:, None] / out_size), 0.0, s - 1)
        lo = tf.floor(c)
        f = c - lo
        lo = tf.cast(lo, tf.int32)
        hi = tf.minimum(lo + 1, size - 1)
        return (tf.one_hot(lo, size, dtype=tf.float64) * (1.0 - f)[..., None]
                + tf.one_hot(hi, size, dtype=tf.float64) * f[..., None])

    return weights(y0, hp), weights(x0, wp)


def augment_batch(images: tf.Tensor, u: tf.Tensor, cfg: AugmentConfig = DEFAULT_AUGMENT,
                  out_size: int | None = None, dtype=tf.float32) -> tf.Tensor:
    """Training augmentation of a ``(B, H, H, 3)`` uint8 batch, driven by ``(B, N_UNIFORMS)`` numbers in [0, 1).

    Crops are cut from the ``H x H`` images and resampled to ``out_size``
    (default ``H``). Deterministic given ``u`` (see
    :func:`inception.data.torch_data.augment_batch`, which gives the same
    result for the same numbers up to float rounding). Returns normalised NHWC
    in ``dtype``.
    """
    size = images.shape[1]
    out = int(out_size or size)
    u = tf.convert_to_tensor(u)
    x = tf.cast(images, dtype) / 255.0
    # 1. random resized crop: whole-pixel boxes resampled to out x out (bilinear,
    #    edge pixels repeated), as two small matrix products per image
    wy, wx = _crop_weights(u, size, cfg, out)
    x = tf.einsum("boh,bhwc,bpw->bopc", tf.cast(wy, dtype), x, tf.cast(wx, dtype))
    # 2. a random element of D4: transpose, then horizontal, then vertical flip
    if cfg.flips:
        def coin(j):
            return tf.reshape(u[:, j] < 0.5, [-1, 1, 1, 1])

        x = tf.where(coin(4), tf.transpose(x, [0, 2, 1, 3]), x)
        x = tf.where(coin(5), tf.reverse(x, [2]), x)
        x = tf.where(coin(6), tf.reverse(x, [1]), x)
    # 3. colour jitter, clipped after each step
    def factor(j, a):
        return tf.reshape(1.0 + a * (2.0 * tf.cast(u[:, j], dtype) - 1.0), [-1, 1, 1, 1])

    if cfg.brightness:
        x = tf.clip_by_value(x * factor(7, cfg.brightness), 0.0, 1.0)
    if cfg.contrast:
        m = tf.reduce_mean(_gray(x), axis=[1, 2, 3], keepdims=True)
        x = tf.clip_by_value((x - m) * factor(8, cfg.contrast) + m, 0.0, 1.0)
    if cfg.saturation:
        g = _gray(x)
        x = tf.clip_by_value((x - g) * factor(9, cfg.saturation) + g, 0.0, 1.0)
    return (x - tf.cast(_MEAN, dtype)) / tf.cast(_STD, dtype)


def _gather(cache: DecodedCache):
    images, size = cache.images, cache.image_size

    def gather(rows: tf.Tensor) -> tf.Tensor:
        # one call per batch (not per image): the GIL is taken once per batch
        out = tf.numpy_function(lambda r: np.asarray(images[r]), [rows], tf.uint8, stateful=False)
        out.set_shape([None, size, size, 3])
        return out

    return gather


def dataset_from_cache(
    cache: DecodedCache,
    indices,
    *,
    batch_size: int = 32,
    augment: AugmentConfig | None = None,
    shuffle: bool = False,
    seed: int = 0,
    drop_remainder: bool = False,
    shard: tuple[int, int] | None = None,
    draws: EpochDraws | None = None,
    source: DecodedCache | None = None,
    dtype=tf.float32,
) -> tf.data.Dataset:
    """A batched ``tf.data.Dataset`` of ``(x, y)`` over the given cache rows.

    With ``draws`` (one epoch's :class:`~inception.data.draws.EpochDraws` for
    these rows), the batches follow ``draws.order`` and each image is
    augmented with its own row of ``draws.uniforms``: the PyTorch engine's
    batches, to float rounding. Otherwise ``shuffle`` and ``seed`` drive
    tf.data's own random streams. ``source``: a larger cache of the same
    images that training crops are cut from (resampled to
    ``cache.image_size``).
    """
    labels = tf.constant(cache.labels, tf.int64)
    indices = np.asarray(indices, dtype=np.int64)
    src = cache if source is None else source
    if src.stems != cache.stems:
        raise ValueError(f"the source cache {src.path} does not hold the images of {cache.path}")
    out_size = cache.image_size
    if draws is not None:
        if augment is None:
            raise ValueError("draws drive the augmentation: pass augment= too")
        if shard is not None:
            raise ValueError("draws and shard exclude each other")
        if len(draws.order) != len(indices):
            raise ValueError(f"draws are for {len(draws.order)} images, indices has {len(indices)}")
        ds = tf.data.Dataset.from_tensor_slices((indices[draws.order], draws.uniforms[draws.order]))
        ds = ds.batch(batch_size, drop_remainder=drop_remainder)
        gather = _gather(src)
        ds = ds.map(lambda r, u: (augment_batch(gather(r), u, augment, out_size, dtype), tf.gather(labels, r)),
                    num_parallel_calls=tf.data.AUTOTUNE)
        return ds.prefetch(tf.data.AUTOTUNE)
    ds = tf.data.Dataset.from_tensor_slices(indices)
    if shard is not None:
        ds = ds.shard(*shard)
    if shuffle:
        ds = ds.shuffle(len(indices), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    if augment is None:
        gather = _gather(cache)
        ds = ds.map(lambda r: (tf.cast(preprocess(gather(r)), dtype), tf.gather(labels, r)),
                    num_parallel_calls=tf.data.AUTOTUNE)
    else:
        gather = _gather(src)
        seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)

        def train_map(r, s):
            u = tf.random.stateless_uniform([tf.shape(r)[0], N_UNIFORMS], seed=s)
            return augment_batch(gather(r), u, augment, out_size, dtype), tf.gather(labels, r)

        ds = tf.data.Dataset.zip((ds, seeds)).map(train_map, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)


def make_datasets(
    data_dir: str | Path | None = None,
    image_size: int = 128,
    batch_size: int = 32,
    augment: bool | AugmentConfig = True,
    seed: int = 0,
    *,
    split: SplitLike = None,
    cache_dir: str | Path | None = None,
    eval_batch_size: int | None = None,
    drop_remainder: bool = False,
    shard: tuple[int, int] | None = None,
    progress: bool = True,
) -> dict[str, tf.data.Dataset]:
    """tf.data datasets for the train, val and test parts of a split.

    Args:
        data_dir, image_size, batch_size, augment, seed, split, cache_dir,
        eval_batch_size, progress: as in :func:`inception.data.torch_data.make_loaders`.
        drop_remainder: drop the last incomplete training batch.
        shard: ``(num_shards, index)`` to give this worker every num_shards-th
            training image (multi-worker training); val and test are not sharded.

    Returns:
        ``{"train", "val", "test"}`` -> batched datasets of ``(x, y)``: ``x``
        float32 ``(N, S, S, 3)``, ``y`` int64 ``(N,)``. ``"train"`` is
        reshuffled and re-augmented on every pass.
    """
    cfg = (DEFAULT_AUGMENT if augment is True else augment) if augment else None
    if cfg is not None and not isinstance(cfg, AugmentConfig):
        raise TypeError(f"augment must be a bool or an AugmentConfig, got {augment!r}")
    cache = build_cache(data_dir, image_size, cache_dir=cache_dir, progress=progress)
    parts = cache.split_indices(as_split(split, cache.stems))
    out = {
        "train": dataset_from_cache(
            cache, parts["train"], batch_size=batch_size, augment=cfg, shuffle=True, seed=seed,
            drop_remainder=drop_remainder, shard=shard,
        )
    }
    for part in PARTS[1:]:
        out[part] = dataset_from_cache(cache, parts[part], batch_size=eval_batch_size or batch_size)
    return out
