"""Helpers for the book's notebooks: the smoke switch, the Colab cell, glue, tables.

The book's chapters are notebooks under ``book/`` that narrate and call the
package; this module holds what every chapter needs and nothing about
GoogLeNet itself.

The smoke switch
    One environment variable, ``INCEPTION_SMOKE``, picks the configuration a
    chapter runs: ``"1"`` a short CPU run (CI, the default local build, the
    nbval tests), ``"0"`` the full run. Unset, it is smoke unless a CUDA GPU
    is present (so Colab with a GPU runs the full configuration). Read it
    with :func:`is_smoke` or ``inception.course.book.SMOKE``; pick sizes with
    :func:`choose`.

The Colab cell
    The first code cell of every chapter is :func:`colab_cell_source`: on
    Colab it installs this package from :data:`inception.REPOSITORY_URL`
    (without touching Colab's torch and TensorFlow) and calls
    :func:`colab_setup`, which reports the GPU. Anywhere else it prints
    nothing. The cell cannot import the URL (the package is not installed yet
    when it runs), so it is written out from the constant by
    ``python -m inception.course.book sync-colab book/*.ipynb`` and a test checks
    that every chapter carries the current text.

Glue and tables
    :func:`glue` stores a value for the prose (myst-nb's ``{glue:text}``
    role) without displaying it; :func:`fmt_int` and friends format numbers
    the same way everywhere; :class:`Table` renders rows as an HTML table in
    the book and as aligned text in a terminal and in nbval's comparisons.

Where things are
    :mod:`~inception.course.book.cell` (the Colab cell),
    :mod:`~inception.course.book.glue` (glue, number formats, figures),
    :mod:`~inception.course.book.table`, :mod:`~inception.course.book.bibliography`,
    :mod:`~inception.course.book.notebooks` (execution, the Colab cell's text),
    :mod:`~inception.course.book.words` (prose words before the exercises, the
    learning-objectives box; ``python -m inception.course.book words book/*.ipynb``),
    :mod:`~inception.course.book.sphinx`, :mod:`~inception.course.book.colab` (the Colab
    edition: ``python -m inception.course.book colab --out DIR``); everything else
    is importable from here.

Refreshing the committed outputs
    ``python -m inception.course.book execute book/*.ipynb`` executes notebooks in
    place in smoke mode, as the build does.

A Sphinx extension
    ``_config.yml`` loads this module as an extension (:func:`setup`): it
    removes duplicated inline scripts from the pages (see
    :func:`dedupe_scripts`).
"""

from __future__ import annotations

import os
import sys
from typing import Any, Dict, Mapping, Optional

from .bibliography import bib_entries, cited_keys, citation_index, page_label
from .glue import FigurePNG, fmt_int, fmt_pct, fmt_ratio, fmt_si, fmt_words, glue, show
from .cell import COLAB_CELL_TAG, COLAB_EXTRA_PACKAGES, SMOKE_ENV, colab_cell_source  # noqa: F401
from .notebooks import (execute_notebook, find_colab_cell, is_photo_output,  # noqa: F401
                        notebook_title, sync_colab_cell)
from .cli import main  # noqa: F401
from .sphinx import dedupe_scripts, setup  # noqa: F401 (the Sphinx extension is inception.course.book)
from .table import Table, table
from .bibliography import _short_author  # noqa: F401 (tests)


__all__ = [
    "SMOKE_ENV",
    "is_smoke",
    "choose",
    "mode_name",
    "on_colab",
    "gpu_name",
    "colab_setup",
    "colab_cell_source",
    "COLAB_CELL_TAG",
    "glue",
    "show",
    "FigurePNG",
    "fmt_int",
    "fmt_si",
    "fmt_words",
    "fmt_pct",
    "fmt_ratio",
    "Table",
    "table",
    "bib_entries",
    "cited_keys",
    "citation_index",
    "page_label",
    "notebook_title",
    "find_colab_cell",
    "sync_colab_cell",
    "execute_notebook",
    "main",
]

# --------------------------------------------------------------------------
# The smoke switch
# --------------------------------------------------------------------------

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _cuda_available() -> bool:
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a requirement
        return False
    return bool(torch.cuda.is_available())


def is_smoke(environ: Optional[Mapping[str, str]] = None) -> bool:
    """Whether the book runs its short CPU ("smoke") configuration.

    ``INCEPTION_SMOKE=1`` (or true/yes/on) forces it, ``INCEPTION_SMOKE=0``
    (or false/no/off) forces the full configuration; unset or empty, the
    answer is "smoke unless a CUDA GPU is present". Any other value is an
    error rather than a silent guess.
    """
    env = os.environ if environ is None else environ
    value = env.get(SMOKE_ENV, "").strip().lower()
    if value == "":
        return not _cuda_available()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(
        f"{SMOKE_ENV}={env.get(SMOKE_ENV)!r} is not understood; use 1 (smoke) or 0 (full)."
    )


def choose(smoke: Any, full: Any, environ: Optional[Mapping[str, str]] = None) -> Any:
    """``smoke`` in the smoke configuration, ``full`` otherwise.

    ``epochs = choose(smoke=1, full=30)``.
    """
    return smoke if is_smoke(environ) else full


def mode_name(environ: Optional[Mapping[str, str]] = None) -> str:
    """``"smoke"`` or ``"full"``, for captions and logs."""
    return "smoke" if is_smoke(environ) else "full"


def __getattr__(name: str):
    # ``inception.course.book.SMOKE`` is read when asked for, not at import time, so
    # that a notebook which sets the variable before asking sees its value.
    if name == "SMOKE":
        return is_smoke()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --------------------------------------------------------------------------
# Colab
# --------------------------------------------------------------------------


def on_colab() -> bool:
    """True inside a Google Colab runtime."""
    return "google.colab" in sys.modules


def gpu_name() -> Optional[str]:
    """The name of the first CUDA GPU, or ``None``."""
    if not _cuda_available():
        return None
    import torch

    return torch.cuda.get_device_name(0)


def colab_setup(force: bool = False) -> Optional[Dict[str, Any]]:
    """Report the runtime on Colab; do nothing (and print nothing) elsewhere.

    On Colab it prints the GPU it found (or how to get one) and the
    configuration the chapter will run, and returns them as a dict.
    ``force=True`` reports outside Colab too.
    """
    if not (force or on_colab()):
        return None
    gpu = gpu_name()
    smoke = is_smoke()
    if gpu:
        print(f"GPU: {gpu}")
    else:
        print("No GPU found: Runtime > Change runtime type > GPU for the full configuration.")
    print(f"Configuration: {'smoke (short CPU run)' if smoke else 'full'}"
          f" (set {SMOKE_ENV}=1 or 0 to choose)")
    return {"gpu": gpu, "smoke": smoke}
