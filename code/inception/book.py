"""Helpers for the book's notebooks: the smoke switch, the Colab cell, glue, tables.

The book's chapters are notebooks under ``book/`` that narrate and call the
package; this module holds what every chapter needs and nothing about
GoogLeNet itself.

The smoke switch
    One environment variable, ``INCEPTION_SMOKE``, picks the configuration a
    chapter runs: ``"1"`` a short CPU run (CI, the default local build, the
    nbval tests), ``"0"`` the full run. Unset, it is smoke unless a CUDA GPU
    is present (so Colab with a GPU runs the full configuration). Read it
    with :func:`is_smoke` or ``inception.book.SMOKE``; pick sizes with
    :func:`choose`.

The Colab cell
    The first code cell of every chapter is :func:`colab_cell_source`: on
    Colab it installs this package from :data:`inception.REPOSITORY_URL`
    (without touching Colab's torch and TensorFlow) and calls
    :func:`colab_setup`, which reports the GPU. Anywhere else it prints
    nothing. The cell cannot import the URL (the package is not installed yet
    when it runs), so it is written out from the constant by
    ``python -m inception.book sync-colab book/*.ipynb`` and a test checks
    that every chapter carries the current text.

Glue and tables
    :func:`glue` stores a value for the prose (myst-nb's ``{glue:text}``
    role) without displaying it; :func:`fmt_int` and friends format numbers
    the same way everywhere; :class:`Table` renders rows as an HTML table in
    the book and as aligned text in a terminal and in nbval's comparisons.

Refreshing the committed outputs
    ``python -m inception.book execute book/*.ipynb`` executes notebooks in
    place in smoke mode, as the build does.

A Sphinx extension
    ``_config.yml`` loads this module as an extension (:func:`setup`): it
    removes duplicated inline scripts from the pages (see
    :func:`dedupe_scripts`).
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import sys
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Union

from . import REPOSITORY_URL

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

#: The environment variable that selects the smoke configuration.
SMOKE_ENV = "INCEPTION_SMOKE"

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


def __getattr__(name: str):
    # ``inception.book.SMOKE`` is read when asked for, not at import time, so
    # that a notebook which sets the variable before asking sees its value.
    if name == "SMOKE":
        return is_smoke()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def choose(smoke: Any, full: Any, environ: Optional[Mapping[str, str]] = None) -> Any:
    """``smoke`` in the smoke configuration, ``full`` otherwise.

    ``epochs = choose(smoke=1, full=30)``.
    """
    return smoke if is_smoke(environ) else full


def mode_name(environ: Optional[Mapping[str, str]] = None) -> str:
    """``"smoke"`` or ``"full"``, for captions and logs."""
    return "smoke" if is_smoke(environ) else "full"


# --------------------------------------------------------------------------
# Colab
# --------------------------------------------------------------------------

#: Tag carried by the Colab cell of every chapter (tests look for it).
COLAB_CELL_TAG = "colab-setup"

#: Light dependencies the package needs beyond what Colab ships.
COLAB_EXTRA_PACKAGES = ("torchinfo",)


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


def colab_cell_source(repository_url: str = REPOSITORY_URL) -> str:
    """The exact source of every chapter's first code cell.

    On Colab: install the package from the repository with ``--no-deps``
    (Colab's torch, torchvision, TensorFlow and Keras stay as they are), add
    the few light dependencies Colab lacks, then report the GPU.
    """
    extras = " ".join(COLAB_EXTRA_PACKAGES)
    return (
        "# Runs on Colab only: install this book's package (Colab's torch and TensorFlow are kept).\n"
        "import sys\n"
        "if \"google.colab\" in sys.modules:\n"
        f"    %pip install -q --no-deps \"git+{repository_url}\"\n"
        f"    %pip install -q {extras}\n"
        "from inception.book import colab_setup\n"
        "colab_setup()"
    )


# --------------------------------------------------------------------------
# Numbers in prose
# --------------------------------------------------------------------------


class FigurePNG:
    """A matplotlib figure rendered to PNG for display and glue.

    IPython shows a figure as an image only when the inline backend is
    active; a kernel started with ``MPLBACKEND=Agg`` (as some CI scripts set)
    would glue nothing but ``<Figure ...>``. This wrapper renders the PNG
    itself, whatever the backend, and has a fixed text form, so nbval can
    compare it.
    """

    def __init__(self, fig, dpi: int = 120) -> None:
        self.fig = fig
        self.dpi = dpi

    def _repr_png_(self) -> bytes:
        import io

        buf = io.BytesIO()
        self.fig.savefig(buf, format="png", dpi=self.dpi, bbox_inches="tight")
        return buf.getvalue()

    def __repr__(self) -> str:
        w, h = self.fig.get_size_inches()
        return f"<figure {w:g}x{h:g} in>"


def _is_figure(value: Any) -> bool:
    return hasattr(value, "savefig") and hasattr(value, "get_size_inches")


def show(fig, dpi: int = 120) -> FigurePNG:
    """Display a matplotlib figure as a PNG whatever the backend: make it
    the last expression of a cell (``show(fig)``)."""
    return FigurePNG(fig, dpi)


def glue(name: str, value: Any, fmt: Union[None, str, Callable[[Any], str]] = None,
         display: bool = False) -> None:
    """Glue ``value`` under ``name`` for ``{glue:text}`name``` in the prose.

    ``fmt`` turns the value into the text the reader sees: a format spec
    (``","``, ``".1f"``) or a function (:func:`fmt_int`, :func:`fmt_words`).
    Numbers are formatted here rather than in the markdown so that every
    chapter writes them the same way. Returns nothing, so that a ``glue``
    call ending a cell displays nothing. Outside a notebook (no myst-nb) it
    does nothing.

    Use the ``{glue:text}`` role in the prose: it strips the quotes of a
    glued string (``{glue:}`` would show them). A matplotlib figure is glued
    as a PNG (see :class:`FigurePNG`), for the ``{glue:figure}`` directive.
    """
    text: Any = value
    if _is_figure(value):
        text = FigurePNG(value)
    elif callable(fmt):
        text = str(fmt(value))
    elif isinstance(fmt, str):
        text = format(value, fmt)
    try:
        from myst_nb import glue as _glue
    except ImportError:  # pragma: no cover - myst-nb is a requirement
        return None
    _glue(name, text, display=display)
    return None


def fmt_int(n: int) -> str:
    """``6998552`` -> ``"6,998,552"``."""
    return f"{int(n):,}"


_SI = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "K"))


def fmt_si(x: float, digits: int = 3, unit: str = "") -> str:
    """Short decimal form: ``1582671872`` -> ``"1.58 G"``, ``112896000`` -> ``"113 M"``.

    ``digits`` significant digits; ``unit`` is appended (``"MACs"``).
    """
    x = float(x)
    for scale, prefix in _SI:
        if abs(x) >= scale:
            value, suffix = x / scale, prefix
            break
    else:
        value, suffix = x, ""
    text = f"{value:.{digits}g}"
    tail = (suffix + unit) if (suffix or unit) else ""
    return f"{text} {tail}".strip() if tail else text


_WORDS = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"), (1e3, "thousand"))


def fmt_words(x: float, digits: int = 3) -> str:
    """Large numbers for prose: ``1582671872`` -> ``"1.58 billion"``,
    ``714188480`` -> ``"714 million"``; below a thousand, the number itself."""
    x = float(x)
    for scale, word in _WORDS:
        if abs(x) >= scale:
            return f"{x / scale:.{digits}g} {word}"
    return f"{x:.{digits}g}"


def fmt_pct(x: float, digits: int = 1) -> str:
    """A fraction as a percentage: ``0.0667`` -> ``"6.7%"``."""
    return f"{100 * float(x):.{digits}f}%"


def fmt_ratio(x: float, digits: int = 1) -> str:
    """A ratio as a factor: ``8.73`` -> ``"8.7x"``."""
    return f"{float(x):.{digits}f}x"


# --------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------


class Table:
    """Rows shown as an HTML table in the book and as aligned text elsewhere.

    ``rows`` are dicts (keys become columns, in first-seen order, unless
    ``columns`` names them) or sequences (then ``columns`` is required).
    ``formats`` maps a column to a format spec or function; ints get
    thousands separators and floats three significant digits by default.
    ``highlight(row) -> bool`` marks rows (bold in HTML, ``*`` in text);
    ``headers`` maps a column to the heading shown; ``align`` forces
    ``"left"``/``"right"`` (numbers are right-aligned by default).

    Why not a pandas DataFrame: the book's tables mark rows and format
    columns, which in pandas needs a ``Styler``. A Styler's text form is
    ``<pandas.io.formats.style.Styler object at 0x...>`` and its HTML carries
    a random id (``#T_e5620_row1_col0``), so both change on every run and
    nbval's comparison of the checked cells would fail; a plain DataFrame
    adds an index column, shows ints without thousands separators and cannot
    mark a row. This class gives the same text and HTML on every run.
    """

    def __init__(
        self,
        rows: Iterable[Union[Mapping[str, Any], Sequence[Any]]],
        columns: Optional[Sequence[str]] = None,
        formats: Optional[Mapping[str, Union[str, Callable[[Any], str]]]] = None,
        caption: Optional[str] = None,
        highlight: Optional[Callable[[Mapping[str, Any]], bool]] = None,
        align: Optional[Mapping[str, str]] = None,
        headers: Optional[Mapping[str, str]] = None,
    ) -> None:
        rows = list(rows)
        if columns is None:
            columns = []
            for r in rows:
                if not isinstance(r, Mapping):
                    raise ValueError("rows that are sequences need `columns`")
                for k in r:
                    if k not in columns:
                        columns.append(k)
        self.columns: List[str] = list(columns)
        self.rows: List[Dict[str, Any]] = []
        for r in rows:
            if isinstance(r, Mapping):
                self.rows.append({c: r.get(c) for c in self.columns})
            else:
                r = list(r)
                if len(r) != len(self.columns):
                    raise ValueError(
                        f"a row has {len(r)} cells but there are {len(self.columns)} columns"
                    )
                self.rows.append(dict(zip(self.columns, r)))
        self.formats = dict(formats or {})
        self.caption = caption
        self.highlight = highlight
        self.align = dict(align or {})
        self.headers = dict(headers or {})

    def header(self, column: str) -> str:
        """The heading shown for ``column`` (``headers`` renames columns)."""
        return self.headers.get(column, column)

    # -- cells --------------------------------------------------------------
    def cell(self, row: Mapping[str, Any], column: str) -> str:
        """The text of one cell."""
        value = row.get(column)
        fmt = self.formats.get(column)
        if value is None:
            return ""
        if callable(fmt):
            return str(fmt(value))
        if isinstance(fmt, str):
            return format(value, fmt)
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, int):
            return f"{value:,}"
        if isinstance(value, float):
            return f"{value:,.3g}" if abs(value) < 1e3 else f"{value:,.0f}"
        return str(value)

    def _is_numeric(self, column: str) -> bool:
        values = [r[column] for r in self.rows if r[column] is not None]
        return bool(values) and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in values
        )

    def _align(self, column: str) -> str:
        return self.align.get(column, "right" if self._is_numeric(column) else "left")

    def _marked(self, row: Mapping[str, Any]) -> bool:
        return bool(self.highlight and self.highlight(row))

    # -- renderings ---------------------------------------------------------
    def to_text(self) -> str:
        cells = [[self.cell(r, c) for c in self.columns] for r in self.rows]
        heads = [self.header(c) for c in self.columns]
        widths = [max([len(h)] + [len(row[i]) for row in cells]) for i, h in enumerate(heads)]

        def line(values, mark=" "):
            parts = []
            for i, (v, c) in enumerate(zip(values, self.columns)):
                parts.append(v.rjust(widths[i]) if self._align(c) == "right" else v.ljust(widths[i]))
            return (mark + " " + "  ".join(parts)).rstrip()

        out = []
        if self.caption:
            out.append(self.caption)
        out.append(line(heads))
        out.append("  " + "  ".join("-" * w for w in widths))
        for r, values in zip(self.rows, cells):
            out.append(line(values, "*" if self._marked(r) else " "))
        return "\n".join(out)

    def to_html(self) -> str:
        esc = html.escape
        cell = "padding: 0.2em 0.7em; border-bottom: 1px solid #ddd"
        parts = ['<div style="overflow-x: auto">'
                 '<table class="inception-table" style="border-collapse: collapse; font-size: 0.9em">']
        if self.caption:
            parts.append(f"<caption>{esc(self.caption)}</caption>")
        parts.append("<thead><tr>")
        for c in self.columns:
            parts.append(f'<th style="text-align: {self._align(c)}; {cell}">{esc(self.header(c))}</th>')
        parts.append("</tr></thead><tbody>")
        for r in self.rows:
            mark = ' class="inception-highlight" style="font-weight: bold"' if self._marked(r) else ""
            parts.append(f"<tr{mark}>")
            for c in self.columns:
                nowrap = "; white-space: nowrap" if self._align(c) == "right" else ""
                parts.append(f'<td style="text-align: {self._align(c)}; {cell}{nowrap}">{esc(self.cell(r, c))}</td>')
            parts.append("</tr>")
        parts.append("</tbody></table></div>")
        return "".join(parts)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return self.to_text()

    def __len__(self) -> int:
        return len(self.rows)


def table(rows, columns=None, **kwargs) -> Table:
    """Shortcut for :class:`Table`."""
    return Table(rows, columns, **kwargs)


# --------------------------------------------------------------------------
# Citations
# --------------------------------------------------------------------------

_CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")


def _plain(latex: str) -> str:
    """BibTeX field text as plain text: braces dropped, accents decoded
    (``M{\\"u}ller`` -> ``Müller``)."""
    from pybtex.richtext import Text

    return Text.from_latex(latex).render_as("text")


def bib_entries(path: Union[str, os.PathLike]) -> Dict[str, Dict[str, str]]:
    """The entries of a BibTeX file, read with pybtex (as sphinxcontrib-bibtex
    reads it for the bibliography): key -> fields as plain text (``type``,
    ``title``, ``author`` as ``"Last, First and Last, First"``, ``year``,
    ...)."""
    from pybtex.database import parse_file

    entries: Dict[str, Dict[str, str]] = {}
    for key, entry in parse_file(str(path), bib_format="bibtex").entries.items():
        fields = {"type": entry.type.lower()}
        fields.update({name.lower(): _plain(value) for name, value in entry.fields.items()})
        for role, people in entry.persons.items():
            fields[role.lower()] = " and ".join(_plain(str(p)) for p in people)
        entries[key] = fields
    return entries


def cited_keys(text: str) -> List[str]:
    """Keys cited with ``{cite}``/``{cite:p}``/``{cite:t}`` roles in ``text``, in order."""
    keys: List[str] = []
    for group in _CITE.findall(text):
        for key in re.split(r"[,;]", group):
            key = key.strip()
            if key and key not in keys:
                keys.append(key)
    return keys


def _short_author(authors: str) -> str:
    names = [a.strip() for a in authors.split(" and ") if a.strip()]
    if not names:
        return ""
    surname = names[0].split(",")[0].strip()
    if len(names) == 1:
        return surname
    if len(names) == 2:
        return f"{surname} & {names[1].split(',')[0].strip()}"
    return f"{surname} et al."


def page_label(path: Union[str, os.PathLike]) -> str:
    """How the book names a page: ``"5 The GoogLeNet architecture"`` for
    ``05_architecture.ipynb`` (the chapter number and its ``# Title``), the
    title alone for a page without a number, the file name without a title."""
    path = Path(path)
    if path.suffix == ".ipynb":
        title = notebook_title(path)
    else:
        first = path.read_text(encoding="utf-8").lstrip().splitlines()[:1]
        title = first[0][2:].strip() if first and first[0].startswith("# ") else None
    number = re.match(r"(\d+)_", path.stem)
    if title is None:
        return path.stem
    return f"{int(number.group(1))} {title}" if number else title


def citation_index(book_dir: Union[str, os.PathLike] = ".",
                   bibfile: Union[str, os.PathLike] = "../references.bib") -> List[Dict[str, Any]]:
    """Which chapter cites which work: one row per entry of ``bibfile``
    (work, title, the pages that cite it, see :func:`page_label`), from the
    ``{cite}`` roles in the notebooks and markdown files of ``book_dir``.
    Works cited nowhere are listed as further reading. Empty when the files
    are not there (a single notebook opened on Colab)."""
    book_dir, bibfile = Path(book_dir), Path(bibfile)
    if not bibfile.is_file() or not book_dir.is_dir():
        return []
    cited: Dict[str, List[str]] = {}
    pages = sorted(list(book_dir.glob("*.ipynb")) + list(book_dir.glob("*.md")),
                   key=lambda p: (not re.match(r"\d", p.stem), p.stem))
    for page in pages:
        if page.suffix == ".ipynb":
            text = "\n".join(_source(c) for c in _read(page).get("cells", [])
                             if c.get("cell_type") == "markdown")
        else:
            text = page.read_text(encoding="utf-8")
        for key in cited_keys(text):
            cited.setdefault(key, []).append(page_label(page))
    rows = []
    for key, e in bib_entries(bibfile).items():
        rows.append({
            "work": f"{_short_author(e.get('author', ''))} ({e.get('year', '')})",
            "title": e.get("title", ""),
            "cited in": "; ".join(cited.get(key, [])) or "(further reading)",
        })
    return rows


# --------------------------------------------------------------------------
# Notebooks: structure, the Colab cell, execution
# --------------------------------------------------------------------------


def _source(cell: Mapping[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _read(path: Union[str, os.PathLike]) -> Dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def notebook_title(nb: Union[str, os.PathLike, Mapping[str, Any]]) -> Optional[str]:
    """The ``# Title`` of a notebook: the first level-1 heading of its first
    markdown cell, or ``None``."""
    if not isinstance(nb, Mapping):
        nb = _read(nb)
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        for line in _source(cell).splitlines():
            if line.startswith("# "):
                return line[2:].strip()
        return None
    return None


def find_colab_cell(nb: Mapping[str, Any]) -> Optional[int]:
    """Index of the notebook's first code cell, if it is the Colab cell
    (tagged :data:`COLAB_CELL_TAG`); otherwise ``None``."""
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") == "code":
            tags = cell.get("metadata", {}).get("tags", [])
            return i if COLAB_CELL_TAG in tags else None
    return None


def _colab_cell() -> Dict[str, Any]:
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {"tags": [COLAB_CELL_TAG, "remove-cell"]},
        "outputs": [],
        "source": colab_cell_source().splitlines(keepends=True),
    }


def sync_colab_cell(path: Union[str, os.PathLike]) -> bool:
    """Make the first code cell of the notebook at ``path`` the current Colab
    cell (inserting one after the title cell if there is none), hidden from
    the book with the ``remove-cell`` tag. Returns whether the file changed."""
    nb = _read(path)
    cells = nb.setdefault("cells", [])
    i = find_colab_cell(nb)
    if i is None:
        first_md = next((k for k, c in enumerate(cells) if c.get("cell_type") == "markdown"), -1)
        cells.insert(first_md + 1, _colab_cell())
        changed = True
    else:
        tags = cells[i].setdefault("metadata", {}).setdefault("tags", [])
        changed = _source(cells[i]) != colab_cell_source() or "remove-cell" not in tags
        cells[i]["source"] = colab_cell_source().splitlines(keepends=True)
        if "remove-cell" not in tags:  # plumbing: runs on Colab, not shown in the book
            tags.append("remove-cell")
    if changed:
        _write(path, nb)
    return changed


def _write(path: Union[str, os.PathLike], nb: Mapping[str, Any]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(nb, f, indent=1, ensure_ascii=False)
        f.write("\n")


def is_photo_output(output: Mapping[str, Any]) -> bool:
    """A display output holding a JPEG: a photograph of the data set."""
    return "image/jpeg" in output.get("data", {})


def execute_notebook(path: Union[str, os.PathLike], smoke: bool = True, timeout: int = 1800,
                     kernel_name: str = "python3", keep_stderr: bool = False,
                     keep_photos: bool = False) -> float:
    """Execute the notebook at ``path`` in place, in its own folder, with the
    smoke switch set (``smoke=False`` for the full configuration) and
    TensorFlow's C++ logging silenced. Returns the seconds it took.

    Outputs are saved as the build produces them, except stderr streams
    (TensorFlow's start-up logs, progress bars), which the book does not
    show either (``stderr_output: remove`` in ``_config.yml``); pass
    ``keep_stderr=True`` to keep them. Photographs of the data set (JPEG
    outputs, see ``inception.results.show_photos``) are dropped too: the
    repository holds no data-set images, and the book build, which executes
    every chapter where the data is, shows them. Execution timestamps are not
    recorded, so re-running an unchanged notebook leaves a small diff.
    """
    import time

    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    saved = {k: os.environ.get(k) for k in (SMOKE_ENV, "TF_CPP_MIN_LOG_LEVEL")}
    os.environ[SMOKE_ENV] = "1" if smoke else "0"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    start = time.perf_counter()
    try:
        client = NotebookClient(
            nb, timeout=timeout, kernel_name=kernel_name, record_timing=False,
            resources={"metadata": {"path": str(path.parent.resolve())}},
        )
        client.execute()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    for cell in nb.cells:
        if cell.get("outputs"):
            cell.outputs = [o for o in cell.outputs
                            if (keep_stderr or not (o.get("output_type") == "stream" and o.get("name") == "stderr"))
                            and (keep_photos or not is_photo_output(o))]
    nbformat.write(nb, path)
    return time.perf_counter() - start


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m inception.book execute|sync-colab NOTEBOOK...``."""
    parser = argparse.ArgumentParser(prog="python -m inception.book", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("execute", help="execute notebooks in place (smoke mode unless --full)")
    ex.add_argument("notebooks", nargs="+")
    ex.add_argument("--full", action="store_true", help="run the full configuration")
    ex.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    sy = sub.add_parser("sync-colab", help="write the current Colab cell into notebooks")
    sy.add_argument("notebooks", nargs="+")
    args = parser.parse_args(argv)
    if args.command == "execute":
        for nb in args.notebooks:
            seconds = execute_notebook(nb, smoke=not args.full, timeout=args.timeout)
            print(f"{nb}: executed in {seconds:.1f} s")
    else:
        for nb in args.notebooks:
            print(f"{nb}: {'updated' if sync_colab_cell(nb) else 'up to date'}")
    return 0


# --------------------------------------------------------------------------
# A small Sphinx extension (``extra_extensions: [inception.book]`` in _config.yml)
# --------------------------------------------------------------------------


def _script_key(js: Any) -> tuple:
    filename = getattr(js, "filename", js) or ""  # None and "" both mean an inline script
    attributes = getattr(js, "attributes", {}) or {}
    return (str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items())))


def dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    """Drop repeated ``<script>`` entries from a page.

    With Sphinx 7.4, inline scripts that sphinx-thebe and sphinx-togglebutton
    add while the build is under way end up twice in every page; the second
    ``const THEBE_JS_URL = ...`` is a JavaScript SyntaxError in the reader's
    browser. Keeping the first of identical entries removes it.
    """
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for js in scripts:
        key = _script_key(js)
        if key not in seen:
            seen.add(key)
            kept.append(js)
    # In place: listeners after this one (Sphinx's MathJax, for pages with
    # math) add their scripts to this same list object.
    scripts[:] = kept


def setup(app) -> Dict[str, Any]:
    """Sphinx entry point: connects :func:`dedupe_scripts`."""
    # Early: html-page-context stops at the first listener that returns a
    # template name, and the theme's listeners may.
    app.connect("html-page-context", dedupe_scripts, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
