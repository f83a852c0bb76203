"""MyST markdown as plain Jupyter markdown, for the Colab edition (:mod:`inception.course.book.colab`).

:func:`convert_markdown` turns one markdown cell of the book into plain
markdown and code parts: glue roles become the glued values as myst-nb formats
them, citations and ``{doc}``/``{ref}`` links to the published book
(:func:`pages_url`, from :data:`inception.REPOSITORY_URL`), admonitions
blockquotes, dropdowns ``<details>`` blocks, tab-sets consecutive sections, a
``literalinclude`` a code part. What it cannot convert is a
:class:`ConversionError`, never left in the text.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

from inception import REPOSITORY_URL

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


