"""Faults on demand, for the tests of interrupted runs (no effect unless asked for).

``INCEPTION_FAULT=<point>:<n>[:<kind>]`` in the environment makes a training
process fail the ``n``-th time it reaches ``point``:

* points: ``step`` (after a training step), ``eval`` (after a validation or
  test pass, before its result is kept), ``checkpoint`` (half-way through
  writing a checkpoint file);
* kinds: ``kill`` (the default: SIGKILL, as a power cut or an out-of-memory
  killer would; nothing is cleaned up), ``term`` (SIGTERM, as a scheduler or
  ``kill`` sends to stop a run cleanly), ``enospc`` (an ``OSError`` "No space
  left on device", as a full disk gives).

A run must survive each of them: resumed, it reaches the same record as a run
that was never interrupted (``tests/test_train_resilience.py``).
"""

from __future__ import annotations

import errno
import os
import signal
from collections import Counter

__all__ = ["ENV", "POINTS", "reached"]

ENV = "INCEPTION_FAULT"
POINTS = ("step", "eval", "checkpoint")
_seen: Counter = Counter()


def _parse(spec: str):
    parts = spec.split(":")
    if len(parts) not in (2, 3) or parts[0] not in POINTS or not parts[1].isdigit():
        raise ValueError(f"{ENV}={spec!r}: expected <point>:<n>[:kill|term|enospc] with point one of "
                         f"{', '.join(POINTS)}")
    kind = parts[2] if len(parts) == 3 else "kill"
    if kind not in ("kill", "term", "enospc"):
        raise ValueError(f"{ENV}={spec!r}: the kind must be kill, term or enospc")
    return parts[0], int(parts[1]), kind


def reached(point: str, where: str = "") -> None:
    """Count a visit to ``point``; fail here if :data:`ENV` asks for this visit."""
    spec = os.environ.get(ENV)
    if not spec:
        return
    want, n, kind = _parse(spec)
    if point != want:
        return
    _seen[point] += 1
    if _seen[point] != n:
        return
    if kind == "enospc":
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), where or None)
    os.kill(os.getpid(), signal.SIGTERM if kind == "term" else signal.SIGKILL)
