"""Per-epoch progress that reads well on a terminal, in a notebook and in a log file.

Two modes, one look (both use tqdm's own meter format)::

    epoch 3/40 train:  50%|#####     | 23/46 [00:31<00:31,  1.35s/it, loss=1.234, acc=0.456]

* ``bar``: a live tqdm bar on stderr, refreshed at most once a second,
  fixed width (``dynamic_ncols=False``); used when stderr is a terminal.
* ``lines``: one complete line every 10% of the steps (25% in a notebook, to
  keep a long run's output short) and at the end, on stdout; used in
  notebooks and when output goes to a file, where a bar's carriage returns
  would pile up into one unreadable line.

The statistics shown (``postfix``) come from a callable that is only called
when a line is about to be printed, so the engines need not synchronise the
GPU at every step just to feed the display.
"""

from __future__ import annotations

import sys
import time
from typing import Callable, Dict, Optional

__all__ = ["Progress", "resolve_mode"]


def _in_notebook() -> bool:
    ip = sys.modules.get("IPython")
    if ip is None:
        return False
    try:
        shell = ip.get_ipython()  # type: ignore[attr-defined]
    except Exception:  # pragma: no cover
        return False
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def resolve_mode(mode: str) -> str:
    if mode != "auto":
        return mode
    if _in_notebook():
        return "lines"
    try:
        return "bar" if sys.stderr.isatty() else "lines"
    except (AttributeError, ValueError):
        return "lines"


class Progress:
    """Progress over ``total`` steps; call :meth:`update` once per step, :meth:`close` at the end.

    Args:
        total: number of steps.
        desc: prefix (``"epoch 3/40 train"``).
        mode: ``auto``, ``bar``, ``lines`` or ``none``.
        postfix: returns the statistics to show (``{"loss": 1.23}``).
        every: fraction of the steps between lines in ``lines`` mode (default
            0.1, or 0.25 in a notebook).
        unit: tqdm's unit.
    """

    def __init__(self, total: int, desc: str = "", mode: str = "auto",
                 postfix: Optional[Callable[[], Dict[str, float]]] = None,
                 every: Optional[float] = None, unit: str = "step", file=None):
        self.total = int(total)
        self.desc = desc
        self.mode = resolve_mode(mode)
        self.postfix = postfix
        self.unit = unit
        self.n = 0
        self.start = time.monotonic()
        self._bar = None
        self._next_line = 0
        if every is None:
            every = 0.25 if _in_notebook() else 0.1
        self._step = max(1, int(round(self.total * every))) if self.total else 1
        self._last_postfix = 0.0
        if self.mode == "bar":
            from tqdm import tqdm

            self._bar = tqdm(total=self.total, desc=desc, unit=unit, file=file or sys.stderr,
                             mininterval=1.0, dynamic_ncols=False, ncols=110, leave=True)
        self._file = file or sys.stdout

    def _postfix_str(self) -> str:
        if self.postfix is None:
            return ""
        return ", ".join(f"{k}={_fmt(v)}" for k, v in self.postfix().items())

    def update(self, n: int = 1) -> None:
        self.n += n
        if self.mode == "bar":
            now = time.monotonic()
            if self.postfix is not None and (now - self._last_postfix >= 1.0 or self.n >= self.total):
                self._bar.set_postfix_str(self._postfix_str(), refresh=False)
                self._last_postfix = now
            self._bar.update(n)
        elif self.mode == "lines":
            if self.n >= self._next_line + self._step or self.n >= self.total:
                self._print_line()
                self._next_line = self.n - (self.n % self._step)

    def _print_line(self) -> None:
        from tqdm import tqdm

        line = tqdm.format_meter(self.n, self.total, time.monotonic() - self.start, ncols=110,
                                 prefix=self.desc, unit=self.unit, postfix=self._postfix_str() or None)
        print(line, file=self._file, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            if self.postfix is not None:
                self._bar.set_postfix_str(self._postfix_str(), refresh=False)
            self._bar.close()
            self._bar = None
        elif self.mode == "lines" and self.n < self.total and self.n > self._next_line:
            self._print_line()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)
