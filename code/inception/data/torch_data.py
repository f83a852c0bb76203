"""PyTorch datasets and loaders for UC Merced, reading the decoded cache.

Example::

    from inception.data.torch_data import make_loaders
    loaders = make_loaders("../shared/data/ucmerced-jpeg95", image_size=128, batch_size=32)
    for x, y in loaders["train"]:   # x: (32, 3, 128, 128) float32, y: (32,) int64
        ...

The preprocessing is described in :mod:`inception.data.transforms`; the
tf.data pipeline (:mod:`inception.data.tf_data`) applies the same steps with
the same parameters, and its evaluation output equals this one to 1e-6
(after moving channels: NCHW here, NHWC there).
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, DistributedSampler, Sampler, default_collate

from ._base import IMAGENET_MEAN, IMAGENET_STD
from .cache import DecodedCache, build_cache
from .split import PARTS, SplitLike, as_split
from .draws import N_UNIFORMS
from .transforms import DEFAULT_AUGMENT, GRAY_WEIGHTS, AugmentConfig, crop_box, crop_box_pixels

_MEAN = torch.tensor(IMAGENET_MEAN, dtype=torch.float32).view(3, 1, 1)
_STD = torch.tensor(IMAGENET_STD, dtype=torch.float32).view(3, 1, 1)


def _as_tensor(a) -> torch.Tensor:
    a = np.asarray(a)
    return torch.from_numpy(a if a.flags.writeable else a.copy())  # torch wants writable memory


def preprocess(images: np.ndarray | torch.Tensor) -> torch.Tensor:
    """Evaluation preprocessing of already-resized uint8 images.

    Args:
        images: ``(H, W, 3)`` or ``(N, H, W, 3)`` uint8 (NumPy or torch).

    Returns:
        float32 ``(3, H, W)`` or ``(N, 3, H, W)``: ``(x / 255 - mean) / std``.
    """
    x = images if isinstance(images, torch.Tensor) else _as_tensor(images)
    x = x.movedim(-1, -3).to(torch.float32) / 255
    return (x - _MEAN) / _STD


def _gray(x: torch.Tensor) -> torch.Tensor:
    w = GRAY_WEIGHTS
    return x[:, 0:1] * w[0] + x[:, 1:2] * w[1] + x[:, 2:3] * w[2]  # NCHW -> N1HW


@contextmanager
def _one_thread():
    """Run small per-batch ops on one intra-op thread.

    On a small CPU shared with other work, splitting a 32-image batch over
    threads costs more in synchronisation than it gains (measured: 5-10x
    slower with 2 threads on a busy 2-core machine). DataLoader workers already
    run with one thread; this does the same for ``num_workers=0``.
    """
    n = torch.get_num_threads()
    if n == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(n)


def _crop_weights(boxes: torch.Tensor, in_size: int, out_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Bilinear resampling matrices ``(B, S, H)`` for rows and columns of whole-pixel boxes.

    ``boxes`` is ``(B, 4)``: ``(y0, x0, hp, wp)`` in pixels of an ``H = in_size``
    image. Output pixel ``i`` (of ``S = out_size``) samples input coordinate
    ``c = y0 - 1/2 + (i + 1/2) * hp / S`` (``align_corners=False``), clamped
    to the image (edge pixels repeat), and mixes pixels ``floor(c)`` and
    ``floor(c) + 1`` linearly. Computed in float64;
    :func:`inception.data.tf_data.augment_batch` builds the same matrices.
    """
    b = boxes.to(torch.float64)
    i = torch.arange(out_size, dtype=torch.float64) + 0.5

    def weights(start, length):
        c = (start[:, None] - 0.5 + i[None, :] * (length[:, None] / out_size)).clamp(0, in_size - 1)
        lo = c.floor()
        f = c - lo
        lo = lo.long()
        hi = (lo + 1).clamp(max=in_size - 1)
        w = torch.zeros(len(b), out_size, in_size, dtype=torch.float64)
        w.scatter_add_(2, lo[..., None], (1 - f)[..., None])
        w.scatter_add_(2, hi[..., None], f[..., None])
        return w

    return weights(b[:, 0], b[:, 2]), weights(b[:, 1], b[:, 3])


def _coin(u: torch.Tensor) -> torch.Tensor:
    return (u < 0.5).view(-1, 1, 1, 1)


def _factor(u: torch.Tensor, a: float, dtype: torch.dtype) -> torch.Tensor:
    return (1 + a * (2 * u.to(dtype) - 1)).view(-1, 1, 1, 1)


def augment_batch(
    images: np.ndarray | torch.Tensor,
    u: np.ndarray | torch.Tensor,
    cfg: AugmentConfig = DEFAULT_AUGMENT,
    out_size: int | None = None,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """Training augmentation of a ``(B, H, H, 3)`` uint8 batch, driven by ``(B, N_UNIFORMS)`` numbers in [0, 1).

    The crops are cut from the ``H x H`` images and resampled to
    ``out_size x out_size`` (default ``H``): with ``H`` larger than the
    training size, a small crop keeps real detail instead of being enlarged.
    Deterministic given ``u``: :func:`inception.data.tf_data.augment_batch`
    gives the same result for the same numbers, up to float rounding (tested).
    Returns normalised NCHW in ``dtype``. Batched so that each torch call does
    a batch's worth of work: per-image calls are slow on a small, busy CPU.
    """
    img = images if isinstance(images, torch.Tensor) else _as_tensor(images)
    u = torch.as_tensor(np.asarray(u, dtype=np.float32)) if not isinstance(u, torch.Tensor) else u.to(torch.float32)
    size = img.shape[1]
    out = int(out_size or size)
    x = img.permute(0, 3, 1, 2).to(dtype) / 255
    # 1. random resized crop: whole-pixel boxes resampled to out x out (bilinear,
    #    edge pixels repeated), as two small matrix products per image
    boxes = [crop_box_pixels(crop_box(uu[0:4].tolist(), cfg), size) for uu in u]
    if out != size or any(bx[2:] != (size, size) for bx in boxes):
        wy, wx = _crop_weights(torch.tensor(boxes, dtype=torch.float64).view(-1, 4), size, out)
        x = torch.einsum("boh,bchw,bpw->bcop", wy.to(dtype), x, wx.to(dtype))
    # 2. a random element of D4: transpose, then horizontal, then vertical flip
    if cfg.flips:
        x = torch.where(_coin(u[:, 4]), x.transpose(2, 3), x)
        x = torch.where(_coin(u[:, 5]), x.flip(3), x)
        x = torch.where(_coin(u[:, 6]), x.flip(2), x)
    # 3. colour jitter, clipped after each step (as torchvision does)
    if cfg.brightness:
        x = (x * _factor(u[:, 7], cfg.brightness, dtype)).clamp_(0, 1)
    if cfg.contrast:
        m = _gray(x).mean(dim=(1, 2, 3), keepdim=True)
        x = ((x - m) * _factor(u[:, 8], cfg.contrast, dtype) + m).clamp_(0, 1)
    if cfg.saturation:
        g = _gray(x)
        x = ((x - g) * _factor(u[:, 9], cfg.saturation, dtype) + g).clamp_(0, 1)
    return (x - _MEAN.to(dtype)) / _STD.to(dtype)


def augment_image(
    image: np.ndarray | torch.Tensor, u: Sequence[float] | torch.Tensor, cfg: AugmentConfig = DEFAULT_AUGMENT
) -> torch.Tensor:
    """:func:`augment_batch` for one ``(S, S, 3)`` uint8 image; returns float32 ``(3, S, S)``."""
    img = image if isinstance(image, torch.Tensor) else _as_tensor(image)
    return augment_batch(img[None], torch.as_tensor(np.asarray(u, dtype=np.float32)).view(1, -1), cfg)[0]


class CachedUCMerced(Dataset):
    """Rows of a :class:`~inception.data.DecodedCache` as ``(image, label)`` pairs.

    Args:
        cache: the decoded cache.
        indices: the cache rows of this dataset (e.g. a split part).
        augment: an :class:`AugmentConfig` for training, ``None`` for evaluation.
        seed: seeds the augmentation stream (reseeded per worker by
            :func:`seed_worker`, from the loader's generator), used until
            :meth:`set_draws` hands the dataset an epoch's numbers.
        source: a cache of the same images at a larger size that training
            crops are cut from (resampled down to ``cache.image_size``);
            default ``cache`` itself.
        dtype: the floating-point type of the images returned.

    Returns ``(float (3, S, S), int label)``.
    """

    def __init__(
        self, cache: DecodedCache, indices: Sequence[int], augment: AugmentConfig | None = None, seed: int = 0,
        source: DecodedCache | None = None, dtype: torch.dtype = torch.float32,
    ):
        self.cache = cache
        self.indices = np.asarray(indices, dtype=np.int64)
        self.augment = augment
        self.generator = torch.Generator().manual_seed(seed)
        self.source = cache if source is None else source
        if self.source.stems != cache.stems:
            raise ValueError(f"the source cache {self.source.path} does not hold the images of {cache.path}")
        self.dtype = dtype
        self.uniforms: np.ndarray | None = None

    def set_draws(self, uniforms: np.ndarray | None) -> None:
        """Use these augmentation numbers (row ``i`` for item ``i``; see
        :class:`inception.data.draws.EpochDraws`) instead of the generator."""
        if uniforms is not None and uniforms.shape != (len(self), N_UNIFORMS):
            raise ValueError(f"uniforms must have shape ({len(self)}, {N_UNIFORMS}), got {uniforms.shape}")
        self.uniforms = uniforms

    def __len__(self) -> int:
        return len(self.indices)

    @property
    def labels(self) -> np.ndarray:
        return self.cache.labels[self.indices]

    def _batch(self, positions) -> tuple[torch.Tensor, torch.Tensor]:
        positions = np.asarray(positions, dtype=np.int64)
        rows = self.indices[positions]
        with _one_thread():
            if self.augment is None:
                x = preprocess(torch.from_numpy(self.cache.images[rows])).to(self.dtype)
            else:
                if self.uniforms is not None:
                    u = torch.from_numpy(self.uniforms[positions])
                else:
                    u = torch.rand(len(rows), N_UNIFORMS, generator=self.generator)
                # fancy indexing copies out of the memory map
                images = torch.from_numpy(self.source.images[rows])
                x = augment_batch(images, u, self.augment, self.cache.image_size, self.dtype)
        return x, torch.from_numpy(self.cache.labels[rows])

    def __getitem__(self, i: int):
        x, y = self._batch([i])
        return x[0], int(y[0])

    def __getitems__(self, positions: list[int]) -> list[tuple[torch.Tensor, int]]:
        """Batched fetch, used by ``DataLoader`` when batching: one augmentation call per batch."""
        x, y = self._batch(positions)
        return list(zip(x.unbind(0), y.tolist()))


def collate(samples):
    """``default_collate`` on one intra-op thread (see :func:`_one_thread`)."""
    with _one_thread():
        return default_collate(samples)


def seed_worker(worker_id: int) -> None:
    """``worker_init_fn``: give each worker's dataset copy its own augmentation stream.

    ``torch.initial_seed()`` in a worker is the loader's per-epoch base seed plus
    the worker id, so streams differ between workers and epochs and repeat
    exactly for the same ``seed``.
    """
    info = torch.utils.data.get_worker_info()
    if info is not None and isinstance(info.dataset, CachedUCMerced):
        info.dataset.generator.manual_seed(info.seed % 2**63)


def make_loaders(
    data_dir: str | Path | None = None,
    image_size: int = 128,
    batch_size: int = 32,
    augment: bool | AugmentConfig = True,
    num_workers: int = 0,
    seed: int = 0,
    *,
    split: SplitLike = None,
    cache_dir: str | Path | None = None,
    eval_batch_size: int | None = None,
    distributed: bool = False,
    rank: int | None = None,
    world_size: int | None = None,
    train_sampler: Sampler | None = None,
    drop_last: bool = False,
    pin_memory: bool = False,
    progress: bool = True,
) -> dict[str, DataLoader]:
    """PyTorch loaders for the train, val and test parts of a split.

    Args:
        data_dir: a data folder (see :func:`inception.data.find_data_dir`).
        image_size: side of the square model input; the cache is decoded at it.
        batch_size: training batch size (per process when distributed).
        augment: ``True`` for :data:`~inception.data.transforms.DEFAULT_AUGMENT`,
            an :class:`AugmentConfig`, or ``False`` (training data preprocessed
            like evaluation data).
        num_workers: loader worker processes (0: load in the main process).
        seed: training order and augmentation; the same seed repeats a run.
        split: ``None`` (the committed split for the full data set, a
            proportional one for smaller stand-ins), a split name or file, or a
            mapping; see :func:`inception.data.split.as_split`.
        cache_dir: where the decoded cache lives (default ``data/cache/``).
        eval_batch_size: batch size of val/test (default ``batch_size``).
        distributed: shard the training set with a :class:`DistributedSampler`
            (rank and world size from ``torch.distributed`` unless given). Call
            ``loaders["train"].sampler.set_epoch(epoch)`` every epoch. Val and
            test are not sharded: each process sees all of them.
        rank, world_size: shard explicitly (implies ``distributed``).
        train_sampler: any sampler for the training set (overrides the above).
        drop_last: drop the last incomplete training batch.
        pin_memory: passed to the loaders (useful with a GPU).
        progress: progress bar if the cache has to be decoded.

    Returns:
        ``{"train": DataLoader, "val": DataLoader, "test": DataLoader}`` giving
        ``(x, y)``: ``x`` float32 ``(N, 3, S, S)``, ``y`` int64 ``(N,)``.
    """
    cfg = (DEFAULT_AUGMENT if augment is True else augment) if augment else None
    if cfg is not None and not isinstance(cfg, AugmentConfig):
        raise TypeError(f"augment must be a bool or an AugmentConfig, got {augment!r}")
    cache = build_cache(data_dir, image_size, cache_dir=cache_dir, progress=progress)
    parts = cache.split_indices(as_split(split, cache.stems))
    loader_gen = torch.Generator().manual_seed(seed)
    common = dict(num_workers=num_workers, pin_memory=pin_memory, worker_init_fn=seed_worker,
                  persistent_workers=num_workers > 0, collate_fn=collate)

    if train_sampler is None and (distributed or rank is not None or world_size is not None):
        if rank is None or world_size is None:
            import torch.distributed as dist

            if not dist.is_available() or not dist.is_initialized():
                raise ValueError("distributed=True needs torch.distributed initialised, or rank= and world_size=")
            rank = dist.get_rank() if rank is None else rank
            world_size = dist.get_world_size() if world_size is None else world_size
    # each process its own augmentation stream (the sampler gives each its own images)
    aug_seed = seed if not rank else hash((seed, rank)) & (2**63 - 1)
    loader_gen.manual_seed(aug_seed)
    train = CachedUCMerced(cache, parts["train"], augment=cfg, seed=aug_seed)
    if train_sampler is None and rank is not None:
        train_sampler = DistributedSampler(
            train, num_replicas=world_size, rank=rank, shuffle=True, seed=seed, drop_last=drop_last
        )
    loaders = {
        "train": DataLoader(
            train,
            batch_size=batch_size,
            shuffle=train_sampler is None,
            sampler=train_sampler,
            drop_last=drop_last,
            generator=loader_gen,
            **common,
        )
    }
    for part in PARTS[1:]:
        ds = CachedUCMerced(cache, parts[part], augment=None)
        loaders[part] = DataLoader(ds, batch_size=eval_batch_size or batch_size, shuffle=False, **common)
    return loaders
