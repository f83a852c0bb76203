"""Pieces both engines share: per-epoch seeds and the list of user-facing errors."""

from __future__ import annotations

import numpy as np

__all__ = ["derive_seed", "user_errors"]


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


def user_errors() -> tuple:
    """Exception types whose message is for the user (printed without a traceback)."""
    from ..port import WeightsError
    from .config import ConfigError

    errs = [ConfigError, WeightsError]
    try:
        from ..data import DataError

        errs.append(DataError)
    except ImportError:  # pragma: no cover
        pass
    return tuple(errs)
