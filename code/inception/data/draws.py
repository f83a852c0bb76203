"""The random numbers of a training epoch, drawn once, in NumPy, for both frameworks.

A training epoch needs two kinds of randomness from the data pipeline: the
order in which the images are visited, and, for each image, the ten numbers
that fix its augmentation (four for the crop box, three coins for the
symmetry of the square, three jitter factors; see
:mod:`inception.data.transforms`). :func:`epoch_draws` draws both from
``(seed, epoch)`` alone. The PyTorch loader and the tf.data pipeline each
apply them with their own operations, so for the same seed and epoch they
produce the same batches, up to float rounding, and a resumed run repeats an
epoch exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["N_UNIFORMS", "EpochDraws", "derive_seed", "epoch_draws"]

#: Uniform numbers drawn per image for one augmentation (4 crop, 3 flips, 3 jitter).
N_UNIFORMS = 10


def derive_seed(seed: int, *keys) -> int:
    """A 63-bit seed that depends only on ``seed`` and ``keys`` (epoch, rank, purpose).

    Every random stream of a run is reseeded from this at the start of each
    epoch (data order, augmentation, dropout), so epoch ``e`` of a run does
    the same thing whether the run got there straight or through a resume.
    """
    words = [int(seed)]
    for k in keys:
        if isinstance(k, str):
            words.extend(k.encode())
        else:
            words.append(int(k))
    return int(np.random.SeedSequence(words).generate_state(2, np.uint64)[0] >> np.uint64(1))


@dataclass(frozen=True)
class EpochDraws:
    """One epoch's randomness for a training set of ``n`` images.

    Attributes:
        order: ``(n,)`` int64, a permutation of ``range(n)``: the visiting order.
        uniforms: ``(n, N_UNIFORMS)`` float32 in [0, 1); row ``i`` drives the
            augmentation of image ``i`` of the training set (not of the ``i``-th
            image visited), so a batch's numbers do not depend on how the
            order is cut into batches or shared between processes.
    """

    order: np.ndarray
    uniforms: np.ndarray

    def __post_init__(self):
        n = len(self.order)
        if self.uniforms.shape != (n, N_UNIFORMS):
            raise ValueError(f"uniforms must have shape ({n}, {N_UNIFORMS}), got {self.uniforms.shape}")

    def batches(self, batch_size: int) -> list[np.ndarray]:
        """The visiting order cut into batches of ``batch_size`` (the last may be short)."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        return [self.order[i:i + batch_size] for i in range(0, len(self.order), batch_size)]


def epoch_draws(seed: int, epoch: int, n: int, shuffle: bool = True) -> EpochDraws:
    """The order and augmentation numbers of epoch ``epoch`` of a run seeded ``seed``.

    ``shuffle=False`` keeps the images in their stored order (the numbers are
    drawn all the same).
    """
    if n < 0:
        raise ValueError(f"n must be 0 or more, got {n}")
    order_rng = np.random.default_rng(derive_seed(seed, epoch, "order"))
    aug_rng = np.random.default_rng(derive_seed(seed, epoch, "augment"))
    order = order_rng.permutation(n).astype(np.int64) if shuffle else np.arange(n, dtype=np.int64)
    uniforms = aug_rng.random((n, N_UNIFORMS), dtype=np.float32)
    return EpochDraws(order, uniforms)
