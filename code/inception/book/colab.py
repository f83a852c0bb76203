"""The Colab edition: the book's chapters as plain Jupyter notebooks.

Colab shows a notebook's markdown as plain Jupyter markdown; it knows no MyST.
``python -m inception.book colab --out DIR`` writes one notebook per chapter and
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
import base64
import copy
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from .. import REPOSITORY_URL
from .cell import COLAB_CELL_TAG
from .notebooks import _read, _source, _write, notebook_title

#: The branch of the repository that holds the Colab edition (written by the Pages workflow).
EDITION_BRANCH = "colab"
COLAB_BASE = "https://colab.research.google.com"
#: The page of the HTML book that lists the references (holds the ``{bibliography}``).
REFERENCES_PAGE = "book/09_references"

PathLike = Union[str, os.PathLike]


# --------------------------------------------------------------------------
# Addresses, all from the one repository constant
# --------------------------------------------------------------------------


def _owner_repo(repository_url: str = REPOSITORY_URL) -> Tuple[str, str]:
    m = re.match(r"https://github\.com/([^/]+)/([^/]+?)(?:\.git)?/?$", repository_url)
    if not m:
        raise ValueError(f"not a GitHub repository URL: {repository_url!r}")
    return m.group(1), m.group(2)


def pages_url(repository_url: str = REPOSITORY_URL) -> str:
    """The published HTML book (GitHub Pages): ``https://<owner>.github.io/<repo>/``."""
    owner, repo = _owner_repo(repository_url)
    return f"https://{owner.lower()}.github.io/{repo}/"


def page_url(docname: str, anchor: str = "", repository_url: str = REPOSITORY_URL) -> str:
    """The published page of ``docname`` (``book/07_results``), with an optional ``#anchor``."""
    return pages_url(repository_url) + docname + ".html" + (f"#{anchor}" if anchor else "")


def edition_path(docname: str) -> str:
    """Where the edition of ``docname`` (``book/07_results``) lies in its branch: ``07_results.ipynb``."""
    return Path(docname).name + ".ipynb"


def colab_url(docname: str, repository_url: str = REPOSITORY_URL, branch: str = EDITION_BRANCH) -> str:
    """The Colab address that opens the edition of ``docname`` from :data:`EDITION_BRANCH`."""
    owner, repo = _owner_repo(repository_url)
    return f"{COLAB_BASE}/github/{owner}/{repo}/blob/{branch}/{edition_path(docname)}"


# --------------------------------------------------------------------------
# What the conversion needs to know about the book
# --------------------------------------------------------------------------


@dataclass
class Context:
    """What converting one notebook's markdown needs.

    ``glue``: name -> the glued output's data (mime type -> content, without
    myst-nb's ``application/papermill.record/`` prefix); ``citations``: bib key ->
    ``(author, year)``; ``titles``: docname -> page title; ``labels``: label ->
    ``(docname, title)``; ``source_dir``: the folder of the notebook (for
    ``literalinclude``); ``code_root``: the folder holding the package (for
    module names).
    """

    glue: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    citations: Dict[str, Tuple[str, str]] = field(default_factory=dict)
    titles: Dict[str, str] = field(default_factory=dict)
    labels: Dict[str, Tuple[str, str]] = field(default_factory=dict)
    docname: str = "book/page"
    source_dir: Path = Path(".")
    code_root: Optional[Path] = None
    repository_url: str = REPOSITORY_URL
    bibliography: List[str] = field(default_factory=list)


class ConversionError(ValueError):
    """The book's source holds something the converter cannot turn into plain markdown."""


_GLUE_PREFIX = "application/papermill.record/"


def glue_outputs(nb: Mapping[str, Any]) -> Dict[str, Dict[str, Any]]:
    """The values an executed notebook glued: name -> data by mime type, as
    myst-nb saves them (display outputs with ``metadata.scrapbook``)."""
    found: Dict[str, Dict[str, Any]] = {}
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []) or []:
            meta = (out.get("metadata") or {}).get("scrapbook")
            if not meta or "name" not in meta:
                continue
            prefix = meta.get("mime_prefix", _GLUE_PREFIX)
            data = {}
            for mime, value in (out.get("data") or {}).items():
                value = "".join(value) if isinstance(value, list) else value
                data[mime[len(prefix):] if mime.startswith(prefix) else mime] = value
            found[meta["name"]] = data
    return found


def _format_plain_text(text: str, fmt_spec: str) -> str:
    """myst-nb's formatting of a glued ``text/plain`` for ``{glue:text}``
    (``myst_nb.core.variables.format_plain_text``): the literal's value, then
    the format spec if one is given."""
    try:
        value = ast.literal_eval(text)
    except (SyntaxError, ValueError):
        value = text
    if fmt_spec == "":
        return str(value)
    kind = fmt_spec[-1]
    if kind == "s":
        value = str(value)
    elif kind in "bcdoxX":
        value = int(value)
    elif kind in "eEfFgGn%":
        value = float(value)
    return format(value, fmt_spec)


# --------------------------------------------------------------------------
# Roles
# --------------------------------------------------------------------------

_ROLE = re.compile(r"\{(?P<name>[A-Za-z][\w:.-]*)\}`(?P<content>[^`]*)`")
_TITLED = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.S)


def _split_titled(content: str) -> Tuple[Optional[str], str]:
    m = _TITLED.match(content.strip())
    return (m.group("text"), m.group("target").strip()) if m else (None, content.strip())


def _glue_data(ctx: Context, key: str) -> Dict[str, Any]:
    key = key.split("::")[-1]
    if key not in ctx.glue:
        raise ConversionError(f"{ctx.docname}: nothing was glued under {key!r} (execute the notebook first)")
    return ctx.glue[key]


def _glue_text(ctx: Context, content: str) -> str:
    """``{glue:text}`` ``name`` or ``name:format`` (or ``path::name:format``)."""
    key, _, fmt = content.rpartition("::")[2].partition(":")
    data = _glue_data(ctx, key)
    if "text/plain" not in data:
        raise ConversionError(f"{ctx.docname}: glue {key!r} has no text")
    return _format_plain_text(data["text/plain"], fmt)


def _glue_any(ctx: Context, key: str) -> str:
    """What ``{glue}`` shows: HTML as HTML, a figure as an image, else the text as stored."""
    data = _glue_data(ctx, key)
    if "text/html" in data:
        return data["text/html"]
    if "text/markdown" in data:
        return data["text/markdown"]
    return data.get("text/plain", "")


def _glue_md(ctx: Context, key: str) -> str:
    data = _glue_data(ctx, key.partition(":")[0])
    if "text/markdown" in data:
        return data["text/markdown"]
    return _format_plain_text(data.get("text/plain", ""), "")


def _cite(ctx: Context, content: str, textual: bool) -> str:
    url = page_url(REFERENCES_PAGE, repository_url=ctx.repository_url)
    parts = []
    for key in [k.strip() for k in re.split(r"[,;]", content) if k.strip()]:
        if key not in ctx.citations:
            raise ConversionError(f"{ctx.docname}: {key!r} is not in the bibliography")
        author, year = ctx.citations[key]
        parts.append(f"[{author} ({year})]({url})" if textual else f"[{author} {year}]({url})")
    return "; ".join(parts) if textual else "(" + "; ".join(parts) + ")"


def _doc(ctx: Context, content: str) -> str:
    text, target = _split_titled(content)
    base = str(Path(ctx.docname).parent)
    docname = target.lstrip("/") if target.startswith("/") else os.path.normpath(os.path.join(base, target))
    docname = re.sub(r"\.(ipynb|md)$", "", docname)
    title = text or ctx.titles.get(docname)
    if title is None:
        raise ConversionError(f"{ctx.docname}: {{doc}} to an unknown page {target!r}")
    return f"[{title}]({page_url(docname, repository_url=ctx.repository_url)})"


def _ref(ctx: Context, content: str) -> str:
    text, label = _split_titled(content)
    if label not in ctx.labels:
        raise ConversionError(f"{ctx.docname}: {{ref}} to an unknown label {label!r}")
    docname, title = ctx.labels[label]
    return f"[{text or title}]({page_url(docname, label, repository_url=ctx.repository_url)})"


def convert_roles(text: str, ctx: Context) -> str:
    """Replace every MyST role in ``text`` (outside code spans and math) by plain markdown."""

    def one(m: re.Match) -> str:
        name, content = m.group("name"), m.group("content")
        if name == "glue:text":
            return _glue_text(ctx, content)
        if name in ("glue", "glue:any"):
            return _glue_any(ctx, content)
        if name == "glue:md":
            return _glue_md(ctx, content)
        if name in ("cite:p", "cite:ps", "cite"):
            return _cite(ctx, content, textual=False)
        if name in ("cite:t", "cite:ts"):
            return _cite(ctx, content, textual=True)
        if name == "doc":
            return _doc(ctx, content)
        if name in ("ref", "numref"):
            return _ref(ctx, content)
        if name == "math":
            return f"${content}$"
        if name in ("sub", "sup"):
            return f"<{name}>{content}</{name}>"
        if name == "abbr":
            return re.sub(r"\s*\(.*\)$", "", content)
        if name in ("kbd", "guilabel", "command", "file", "code", "samp"):
            return f"`{content}`"
        raise ConversionError(f"{ctx.docname}: no plain form for the role {{{name}}}")

    def token(m: re.Match) -> str:
        return one(m) if m.group("name") else m.group(0)

    return _TOKENS.sub(token, text)


#: Left to right: a role, else display math, a code span or inline math (kept as they are).
_TOKENS = re.compile(_ROLE.pattern + r"|\$\$.*?\$\$|`[^`\n]+`|(?<![\\$])\$[^$\n]+\$", re.S)


# --------------------------------------------------------------------------
# Directives
# --------------------------------------------------------------------------

_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}[ \t]*(?P<arg>.*?)[ \t]*$")
_ANY_OPEN = re.compile(r"^[ \t]*(?P<fence>`{3,}|:{3,})[ \t]*\S")
_CLOSE = re.compile(r"^[ \t]*(?P<fence>`{3,}|:{3,})[ \t]*$")
_OPTION = re.compile(r"^:(?P<key>[\w-]+):[ \t]*(?P<value>.*)$")

_ADMONITIONS = {"note": "Note", "tip": "Tip", "hint": "Hint", "important": "Important", "warning": "Warning",
                "caution": "Caution", "attention": "Attention", "danger": "Danger", "error": "Error",
                "seealso": "See also"}


def _find_close(lines: List[str], start: int, fence: str) -> int:
    """Index of the line closing the fence opened at ``start - 1``."""
    stack: List[str] = []
    for i in range(start, len(lines)):
        line = lines[i]
        close = _CLOSE.match(line)
        if close:
            f = close.group("fence")
            if stack and f[0] == stack[-1][0] and len(f) >= len(stack[-1]):
                stack.pop()
                continue
            if not stack and f[0] == fence[0] and len(f) >= len(fence):
                return i
            continue
        opened = _ANY_OPEN.match(line)
        if opened:  # a nested block (a directive, or code with a language)
            stack.append(opened.group("fence"))
    raise ConversionError(f"unclosed {fence} fence")


def _options(body: List[str]) -> Tuple[Dict[str, str], List[str]]:
    opts: Dict[str, str] = {}
    i = 0
    if body and body[0].strip() == "---":  # YAML options block
        end = next((k for k in range(1, len(body)) if body[k].strip() == "---"), None)
        if end is not None:
            for line in body[1:end]:
                key, _, value = line.partition(":")
                opts[key.strip()] = value.strip()
            return opts, body[end + 1:]
    while i < len(body):
        m = _OPTION.match(body[i])
        if not m:
            break
        opts[m.group("key")] = m.group("value")
        i += 1
    return opts, body[i:]


def _quote(text: str) -> str:
    return "\n".join(("> " + line) if line.strip() else ">" for line in text.strip("\n").split("\n"))


def _details(summary: str, body: str, open_: bool = False) -> str:
    return (f"<details{' open' if open_ else ''}>\n<summary>{summary}</summary>\n\n"
            f"{body.strip()}\n\n</details>")


def _literal_include(ctx: Context, arg: str, opts: Mapping[str, str]) -> str:
    path = (ctx.source_dir / arg).resolve()
    if not path.is_file():
        raise ConversionError(f"{ctx.docname}: literalinclude of a missing file {arg}")
    source = path.read_text(encoding="utf-8")
    module = _module_name(path, ctx.code_root)
    if "pyobject" in opts:
        code = _pyobject(source, opts["pyobject"], path)
        imports = _imports_for(source, code, module)
        header = f"# {opts['pyobject']}, from {module or path.name}"
        return "\n".join([header] + imports + ([""] if imports else []) + [code])
    lines = source.splitlines()
    if "lines" in opts:
        keep: List[str] = []
        for part in opts["lines"].split(","):
            a, _, b = part.strip().partition("-")
            keep += lines[int(a) - 1:(int(b) if b else int(a))]
        lines = keep
    return "\n".join(lines).rstrip()


def _module_name(path: Path, code_root: Optional[Path]) -> Optional[str]:
    if code_root is None:
        return None
    try:
        rel = path.resolve().relative_to(Path(code_root).resolve())
    except ValueError:
        return None
    parts = list(rel.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _pyobject(source: str, name: str, path: Path) -> str:
    tree = ast.parse(source)
    node: Any = tree
    for part in name.split("."):
        node = next((n for n in getattr(node, "body", [])
                     if isinstance(n, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == part), None)
        if node is None:
            raise ConversionError(f"{path.name} defines no {name}")
    start = min([node.lineno] + [d.lineno for d in node.decorator_list])
    return "\n".join(source.splitlines()[start - 1:node.end_lineno])


def _imports_for(source: str, code: str, module: Optional[str]) -> List[str]:
    """The module's top-level imports (relative ones made absolute) and its own
    top-level names that ``code`` uses, so that the included code runs on its own."""
    used = {n.id for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Name)}
    defined_here = {n.name for n in ast.parse(code).body if hasattr(n, "name")}
    used -= defined_here
    tree = ast.parse(source)
    package = module.rpartition(".")[0] if module else ""
    out: List[str] = []
    bound = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            for a in node.names:
                name = a.asname or a.name.split(".")[0]
                if name in used:
                    out.append(f"import {a.name}" + (f" as {a.asname}" if a.asname else ""))
                    bound.add(name)
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            base = node.module or ""
            if node.level:
                parts = package.split(".") if package else []
                parts = parts[:len(parts) - (node.level - 1)] if node.level > 1 else parts
                base = ".".join(parts + ([node.module] if node.module else []))
            names = [a for a in node.names if (a.asname or a.name) in used]
            if names:
                out.append(f"from {base} import " + ", ".join(
                    a.name + (f" as {a.asname}" if a.asname else "") for a in names))
                bound.update(a.asname or a.name for a in names)
    own = []
    for node in tree.body:
        targets: List[str] = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            targets = [node.name]
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target]):
                targets += [n.id for n in ast.walk(t) if isinstance(n, ast.Name)]
        own += [t for t in targets if t in used and t not in bound and t not in own]
    if own and module:
        out.append(f"from {module} import {', '.join(own)}")
    return out


def _bibliography(ctx: Context) -> str:
    return "\n".join(f"- {entry}" for entry in ctx.bibliography)


def convert_markdown(text: str, ctx: Context) -> List[Tuple[str, str]]:
    """Plain markdown for one MyST markdown cell: a list of ``("markdown", text)``
    and ``("code", source)`` parts (a ``literalinclude`` becomes code)."""
    parts: List[Tuple[str, str]] = []
    lines = text.split("\n")
    buf: List[str] = []

    def flush():
        if buf:
            chunk = "\n".join(buf)
            parts.append(("markdown", convert_roles(chunk, ctx)))
            buf.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        m = _OPEN.match(line)
        if re.match(r"^\([\w.:-]+\)=\s*$", line) or re.match(r"^%", line) or line.strip() == "+++":
            i += 1  # a label target, a comment, a block break: nothing to show
            continue
        if not m:
            plain = _ANY_OPEN.match(line)
            if plain and plain.group("fence")[0] == "`":  # a plain code block: copy it unchanged
                end = _find_close(lines, i + 1, plain.group("fence"))
                buf.extend(lines[i:end + 1])
                i = end + 1
                continue
            buf.append(line)
            i += 1
            continue
        end = _find_close(lines, i + 1, m.group("fence"))
        name, arg = m.group("name"), m.group("arg")
        opts, body = _options(lines[i + 1:end])
        body_text = "\n".join(body)
        i = end + 1
        if name == "literalinclude":
            flush()
            parts.append(("code", _literal_include(ctx, arg, opts)))
            continue
        if name in ("glue", "glue:figure", "glue:any"):
            flush()
            parts.append(("glue", arg))
            caption = body_text.strip()
            if caption:
                parts.append(("markdown", convert_roles(f"*{caption}*", ctx)))
            continue
        inner_parts = convert_markdown(body_text, ctx) if name not in ("bibliography", "tableofcontents") else []
        if name in ("tab-set", "tab-item"):  # consecutive sections: included code stays a code cell
            flush()
            if name == "tab-item":
                parts.append(("markdown", f"**{convert_roles(arg, ctx)}**"))
            parts.extend(inner_parts)
            continue
        inner = _join(inner_parts)
        if name in ("admonition",) or name in _ADMONITIONS:
            title = arg if name == "admonition" else (_ADMONITIONS[name] + (f": {arg}" if arg else ""))
            title = convert_roles(title, ctx) if title else "Note"
            classes = opts.get("class", "").split()
            if "dropdown" in classes:
                out = _details(f"<b>{title}</b>", inner)
            else:
                out = f"> **{title}**\n>\n" + _quote(inner)
        elif name == "dropdown":
            out = _details(convert_roles(arg, ctx) or "Details", inner, open_="open" in opts)
        elif name == "bibliography":
            out = _bibliography(ctx)
        elif name in ("math",):
            out = "$$\n" + body_text.strip() + "\n$$"
        elif name == "code-block" or name == "code":
            out = f"```{arg}\n{body_text}\n```"
        elif name == "figure" or name == "image":
            out = f"![{opts.get('alt', '')}]({arg})" + (f"\n\n*{inner.strip()}*" if inner.strip() else "")
        elif name == "epigraph" or name == "pull-quote":
            out = _quote(inner)
        else:
            raise ConversionError(f"{ctx.docname}: no plain form for the directive {{{name}}}")
        buf.append(out)
    flush()
    return _merge(parts)


def _join(parts: List[Tuple[str, str]]) -> str:
    """Nested parts as one markdown text (code inside a block becomes a fenced block)."""
    return "\n\n".join(t if k == "markdown" else (f"```python\n{t}\n```" if k == "code" else f"{{glue}}{t}")
                       for k, t in parts)


def _merge(parts: List[Tuple[str, str]]) -> List[Tuple[str, str]]:
    out: List[Tuple[str, str]] = []
    for kind, text in parts:
        if kind == "markdown":
            text = text.strip("\n")
            if not text.strip():
                continue
        if out and kind == "markdown" and out[-1][0] == "markdown":
            out[-1] = ("markdown", out[-1][1].rstrip("\n") + "\n\n" + text.lstrip("\n"))
        else:
            out.append((kind, text))
    return out


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
        "# The Colab edition\n\nGenerated by `python -m inception.book colab` from the book's `book/` "
        f"folder; the book: {pages_url(repository_url)}\n", encoding="utf-8")
    return written
