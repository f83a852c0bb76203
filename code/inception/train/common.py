"""Pieces both engines share: per-epoch seeds and the list of user-facing errors."""

from __future__ import annotations

from ..data.draws import derive_seed

__all__ = ["derive_seed", "user_errors"]


def user_errors() -> tuple:
    """Exception types whose message is for the user (printed without a traceback)."""
    from ..port import WeightsError
    from .config import ConfigError
    from .records import StorageError

    errs = [ConfigError, StorageError, WeightsError]
    try:
        from ..data import DataError

        errs.append(DataError)
    except ImportError:  # pragma: no cover
        pass
    return tuple(errs)
