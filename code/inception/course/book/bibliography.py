"""Citations: the bibliography read with pybtex, who cites what across the chapters."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Dict, List, Union

from .notebooks import _read, _source, notebook_title


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
