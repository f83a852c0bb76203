"""The Colab edition: the book's chapters as plain Jupyter notebooks.

Colab shows a notebook's markdown as plain Jupyter markdown; it knows no MyST.
``python -m inception.course.book colab --out DIR`` writes one notebook per chapter and
appendix of ``_toc.yml`` with the MyST turned into what Colab renders:

- glue roles (``{glue:text}``, ``{glue}``, ``{glue:md}``) become the values the
  book computed, formatted as myst-nb formats them on the HTML page, read from
  the glue outputs saved in the executed notebook (``book/`` by default, or
  ``--executed DIR``: the notebooks the HTML build executed);
  the ``{glue}`` directive becomes the glued figure or table;
- citations become "(Author Year)" linked to the published references page,
  ``{doc}`` and ``{ref}`` links to the published pages (:func:`pages_url`);
- admonitions become blockquotes with a bold title, dropdowns (and admonitions
  of class ``dropdown``) ``<details>`` blocks, tab-sets consecutive headed
  sections, a ``literalinclude`` a code cell with the included code and the
  imports it needs, the bibliography a list of the references;
- cells hidden in the book (``remove-cell``, ``remove-input``, ``hide-input``)
  keep their code and run as before, collapsed (Colab's form view, Jupyter's
  ``source_hidden``); ``glue(...)`` statements are removed from visible code
  (outside a book ``glue`` does nothing), and a visible cell that would still
  show one is collapsed too.

:func:`check_notebook` lists what MyST a converted notebook still shows; the
tests run it on every chapter. The Colab buttons of the HTML book open the
edition on the :data:`EDITION_BRANCH` branch (:func:`colab_url`), which the
Pages workflow writes.
"""

from __future__ import annotations

import ast
import copy
import re
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from inception import REPOSITORY_URL
from .cell import COLAB_CELL_TAG
from .myst import (COLAB_BASE, EDITION_BRANCH, REFERENCES_PAGE, ConversionError, Context,  # noqa: F401
                   PathLike, _format_plain_text, _glue_data, colab_url, convert_markdown, convert_roles,
                   edition_path, glue_outputs, page_url, pages_url)
from .notebooks import _read, _source, _write, notebook_title


# --------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------

_HIDDEN_TAGS = ("remove-cell", "remove-input", "hide-input", "hide-cell")
_OUTPUT_TAGS = ("remove-output", "hide-output")


def strip_glue_calls(source: str) -> str:
    """``source`` without its top-level ``glue(...)`` statements (they show the
    prose its numbers in the book and do nothing elsewhere)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics: leave the cell as it is
        return source
    lines = source.split("\n")
    drop = set()
    for node in tree.body:
        if (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Name) and node.value.func.id == "glue"):
            drop.update(range(node.lineno - 1, node.end_lineno))
    kept = [l for k, l in enumerate(lines) if k not in drop]
    return "\n".join(kept).strip("\n")


def _cell(kind: str, source: str, metadata: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    cell: Dict[str, Any] = {"cell_type": kind, "metadata": metadata or {}, "source": source.splitlines(keepends=True)}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def _collapse(cell: Dict[str, Any], title: str) -> None:
    """Collapse a code cell: Colab's form view (showing ``title``) and Jupyter's ``source_hidden``."""
    source = _source(cell)
    if not source.lstrip().startswith("#@title") and not source.lstrip().startswith("# @title"):
        source = f"#@title {title}\n" + source
    cell["source"] = source.splitlines(keepends=True)
    meta = cell.setdefault("metadata", {})
    meta["cellView"] = "form"
    meta.setdefault("jupyter", {})["source_hidden"] = True


def _glue_cell(ctx: Context, name: str) -> Dict[str, Any]:
    """A markdown cell showing a glued figure (as an attachment) or table."""
    data = _glue_data(ctx, name)
    if "image/png" in data:
        fname = f"{name}.png"
        return {"cell_type": "markdown", "metadata": {},
                "attachments": {fname: {"image/png": data["image/png"].strip()}},
                "source": [f"![{name}](attachment:{fname})"]}
    if "text/html" in data:
        return _cell("markdown", data["text/html"])
    if "text/markdown" in data:
        return _cell("markdown", data["text/markdown"])
    return _cell("markdown", "```\n" + data.get("text/plain", "") + "\n```")


def convert_notebook(nb: Mapping[str, Any], ctx: Context) -> Dict[str, Any]:
    """The Colab edition of one executed book notebook (see the module's docstring)."""
    cells: List[Dict[str, Any]] = []
    for cell in nb.get("cells", []):
        kind, source = cell.get("cell_type"), _source(cell)
        tags = list((cell.get("metadata") or {}).get("tags", []))
        if kind == "markdown":
            for part, text in convert_markdown(source, ctx):
                if part == "markdown":
                    cells.append(_cell("markdown", text))
                elif part == "code":
                    cells.append(_cell("code", text))
                else:
                    cells.append(_glue_cell(ctx, text))
            continue
        if kind != "code":
            cells.append(_cell(kind, source))
            continue
        new = _cell("code", source, {"tags": tags} if tags else {})
        if COLAB_CELL_TAG in tags:
            _collapse(new, "Set up: installs this book's package on Colab")
        elif any(t in tags for t in _HIDDEN_TAGS):
            _collapse(new, "Computes the numbers quoted in the text" if "glue(" in source
                      else "Code behind the text (double-click to show it)")
        else:
            stripped = strip_glue_calls(source)
            if not stripped.strip():
                continue  # nothing but glue: nothing to run off the book
            new["source"] = stripped.splitlines(keepends=True)
            if "glue(" in stripped:
                _collapse(new, "Computes the numbers quoted in the text")
        if any(t in tags for t in _OUTPUT_TAGS):
            new["metadata"].setdefault("jupyter", {})["outputs_hidden"] = True
        cells.append(new)
    title = notebook_title(nb) or Path(ctx.docname).name
    metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "accelerator": "GPU",
        "colab": {"name": f"{title}.ipynb", "provenance": []},
    }
    # Where the page reads best: right after the title cell.
    link = _cell("markdown", f"*This chapter as a web page, with every figure: "
                             f"[{title}]({page_url(ctx.docname, repository_url=ctx.repository_url)}). "
                             f"On Colab, pick a GPU (Runtime > Change runtime type) to run it at full size.*")
    at = next((k + 1 for k, c in enumerate(cells) if c["cell_type"] == "markdown"), 0)
    if cells and cells[at - 1]["source"] and "".join(cells[at - 1]["source"]).lstrip().startswith("# "):
        cells.insert(at, link)
    for k, cell in enumerate(cells):  # nbformat 4.5 cell ids, stable from one edition to the next
        cell["id"] = f"c{k:03d}"
    return {"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}


# --------------------------------------------------------------------------
# What a reader must not see
# --------------------------------------------------------------------------

_LEFT_ROLE = re.compile(r"\{[A-Za-z][\w:.-]*\}`")
_LEFT_FENCE = re.compile(r"^[ \t]*(`{3,}|:{3,})[ \t]*\{", re.M)
_LEFT_COLON = re.compile(r"^[ \t]*:::", re.M)
_LEFT_LABEL = re.compile(r"^\([\w.:-]+\)=[ \t]*$", re.M)


def _is_hidden(cell: Mapping[str, Any]) -> bool:
    meta = cell.get("metadata") or {}
    return bool((meta.get("jupyter") or {}).get("source_hidden")) or meta.get("cellView") == "form"


def check_notebook(nb: Mapping[str, Any]) -> List[str]:
    """What MyST a reader of the notebook would still see: a list of problems,
    empty when there is none. Markdown may hold no ``{name}``\\` role (math
    and code spans aside), no ``:::`` or backtick fence with braces, no label
    target; visible code holds no ``glue(``."""
    problems = []
    for k, cell in enumerate(nb.get("cells", [])):
        src = _source(cell)
        if cell.get("cell_type") == "markdown":
            prose = re.sub(r"\$\$.*?\$\$|(?<![\\$])\$[^$\n]+\$", "", src, flags=re.S)
            for pattern, what in ((_LEFT_ROLE, "a MyST role"), (_LEFT_FENCE, "a directive fence"),
                                  (_LEFT_COLON, "a ::: fence"), (_LEFT_LABEL, "a label target")):
                m = pattern.search(prose)
                if m:
                    start = max(0, m.start() - 40)
                    problems.append(f"cell {k}: {what}: ...{prose[start:m.end() + 40]!r}")
        elif cell.get("cell_type") == "code" and "glue(" in src and not _is_hidden(cell):
            problems.append(f"cell {k}: glue( in visible code")
    return problems


def assert_plain(nb: Mapping[str, Any], name: str = "notebook") -> None:
    """Raise ``AssertionError`` listing :func:`check_notebook`'s problems, if any."""
    problems = check_notebook(nb)
    assert not problems, f"{name}: MyST left for a Colab reader:\n" + "\n".join(problems)


# --------------------------------------------------------------------------
# The whole book
# --------------------------------------------------------------------------


def toc_docnames(root: PathLike) -> List[str]:
    """The chapters and appendices of ``_toc.yml`` (not the root page), in order."""
    import yaml

    toc = yaml.safe_load(Path(root, "_toc.yml").read_text(encoding="utf-8"))
    names: List[str] = []

    def walk(entries):
        for e in entries or []:
            if "file" in e:
                names.append(re.sub(r"\.(ipynb|md)$", "", e["file"]))
            walk(e.get("sections"))
            walk(e.get("chapters"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return names


def _page_title(path: Path) -> Optional[str]:
    if path.suffix == ".ipynb":
        return notebook_title(path)
    first = [l for l in path.read_text(encoding="utf-8").splitlines() if l.startswith("# ")][:1]
    return first[0][2:].strip() if first else None


def _labels(root: Path, docnames: Sequence[str]) -> Dict[str, Tuple[str, str]]:
    labels: Dict[str, Tuple[str, str]] = {}
    for doc in docnames:
        path = root / f"{doc}.ipynb"
        if not path.is_file():
            continue
        text = "\n".join(_source(c) for c in _read(path).get("cells", []) if c.get("cell_type") == "markdown")
        for m in re.finditer(r"^\(([\w.:-]+)\)=\s*\n+(#+\s+(.*))?", text, re.M):
            labels[m.group(1)] = (doc, (m.group(3) or "").strip() or m.group(1))
    return labels


def _citations(bibfile: Path) -> Tuple[Dict[str, Tuple[str, str]], List[str]]:
    from .bibliography import _short_author, bib_entries

    cites, listing = {}, []
    entries = bib_entries(bibfile)
    for key, e in entries.items():
        author = _short_author(e.get("author", "")) or e.get("editor", "") or key
        cites[key] = (author, e.get("year", ""))
    for key, e in sorted(entries.items(), key=lambda kv: (kv[1].get("author", ""), kv[1].get("year", ""))):
        venue = e.get("journal") or e.get("booktitle") or e.get("publisher") or e.get("howpublished") or ""
        venue = re.sub(r"\\url\s*", "", venue).strip()
        url = e.get("url") or (f"https://doi.org/{e['doi']}" if e.get("doi") else "")
        text = f"{e.get('author', '').replace(' and ', ', ')} ({e.get('year', '')}). *{e.get('title', '')}*."
        if venue:
            text += f" {venue}."
        if url:
            text += f" <{url}>"
        listing.append(text)
    return cites, listing


def book_context(root: PathLike, repository_url: str = REPOSITORY_URL) -> Context:
    """What every chapter's conversion shares: titles, labels, citations."""
    root = Path(root)
    docs = toc_docnames(root)
    titles = {}
    for doc in docs + [str(Path(d).parent / "intro") for d in docs[:1]]:
        for suffix in (".ipynb", ".md"):
            path = root / f"{doc}{suffix}"
            if path.is_file():
                titles[doc] = _page_title(path) or Path(doc).name
    cites, listing = _citations(root / "references.bib")
    return Context(citations=cites, titles=titles, labels=_labels(root, docs), repository_url=repository_url,
                   code_root=root / "code", bibliography=listing)


def convert_chapter(root: PathLike, docname: str, executed_dir: Optional[PathLike] = None,
                    shared: Optional[Context] = None) -> Dict[str, Any]:
    """The Colab edition of ``docname`` (``book/07_results``), its glue read from
    the executed copy in ``executed_dir`` (myst-nb's ``_build/jupyter_execute``)
    when given, else from the saved outputs of the notebook itself."""
    root = Path(root)
    shared = shared or book_context(root)
    path = root / f"{docname}.ipynb"
    nb = _read(path)
    executed = Path(executed_dir) / f"{docname}.ipynb" if executed_dir else path
    if not executed.is_file():
        raise ConversionError(f"no executed notebook {executed}: build the book first")
    ctx = copy.copy(shared)
    ctx.glue = glue_outputs(_read(executed))
    ctx.docname, ctx.source_dir = docname, path.parent
    return convert_notebook(nb, ctx)


def write_edition(root: PathLike, out: PathLike, executed_dir: Optional[PathLike] = None,
                  repository_url: str = REPOSITORY_URL) -> List[Path]:
    """Write the Colab edition of every chapter of ``_toc.yml`` into ``out``
    (``07_results.ipynb``...); checks each with :func:`assert_plain`. Returns the paths."""
    root, out = Path(root), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    shared = book_context(root, repository_url)
    written = []
    for doc in toc_docnames(root):
        if not (root / f"{doc}.ipynb").is_file():
            continue
        nb = convert_chapter(root, doc, executed_dir, shared)
        assert_plain(nb, doc)
        path = out / edition_path(doc)
        _write(path, nb)
        written.append(path)
    (out / "README.md").write_text(
        "# The Colab edition\n\nGenerated by `python -m inception.course.book colab` from the book's `book/` "
        f"folder; the book: {pages_url(repository_url)}\n", encoding="utf-8")
    return written
