"""How long a chapter reads: prose words before the exercises, and the
learning-objectives box every chapter opens with.

:func:`prose_words` counts what a student reads as running text: the words of
the markdown cells from the top of a notebook to its ``## Exercises`` heading,
leaving out code (fenced blocks and inline code), math, tables, and the text
inside collapsed boxes (dropdowns, admonitions with ``:class: dropdown``).
A glued value or a link to a chapter counts as one word, a citation as none.
:func:`objectives_boxes` finds the learning-objectives boxes written in the
book's one form::

    ```{admonition} Learning objectives
    :class: tip
    After this chapter you can

    - ...;
    - ....
    ```
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, List, Mapping, Tuple, Union

__all__ = ["prose_text", "prose_words", "objectives_boxes", "PROSE_LIMIT", "prose_limit"]

#: Prose words before the exercises, at most, per chapter; chapter 7 has less.
PROSE_LIMIT = 2500
_LIMITS = {"07_results": 2000}

_FENCE = re.compile(r"^(\s*)(`{3,}|:{3,}|~{3,})\s*(\{(\w[\w:-]*)\})?(.*)$")
_COLLAPSED = {"dropdown", "toggle"}
_WORD = re.compile(r"[A-Za-z0-9]")

Notebook = Union[str, os.PathLike, Mapping[str, Any]]


def prose_limit(name: str) -> int:
    """The limit for a chapter, by file name (``book/07_results.ipynb``)."""
    stem = os.path.splitext(os.path.basename(str(name)))[0]
    return _LIMITS.get(stem, PROSE_LIMIT)


def _cells(nb: Notebook) -> List[Mapping[str, Any]]:
    if not isinstance(nb, Mapping):
        with open(nb, encoding="utf-8") as f:
            nb = json.load(f)
    return list(nb["cells"])


def _source(cell: Mapping[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _strip_blocks(text: str) -> str:
    """Drop fenced code, math and collapsed boxes; keep the body of other
    directives (admonitions, notes) without their option lines."""
    out: List[str] = []
    stack: List[Tuple[str, bool]] = []  # (closing fence, body dropped)
    options = False
    for line in text.splitlines():
        m = _FENCE.match(line)
        if stack:
            fence, dropped = stack[-1]
            if line.strip() and set(line.strip()) == {fence[0]} and len(line.strip()) >= len(fence):
                stack.pop()
                options = False
                continue
        if m and (m.group(3) is not None or m.group(2)[0] == "`" or m.group(2)[0] == "~"):
            name = m.group(4) or ""
            inherited = bool(stack) and stack[-1][1]
            dropped = inherited or not name or name in _COLLAPSED or name in ("math", "code", "code-block",
                                                                             "glue", "glue:figure",
                                                                             "literalinclude", "figure")
            stack.append((m.group(2), dropped))
            options = True
            continue
        if stack:
            if stack[-1][1]:
                continue
            if options and line.strip().startswith(":") and re.match(r"^\s*:[\w-]+:", line):
                if "dropdown" in line or "toggle" in line:
                    stack[-1] = (stack[-1][0], True)
                continue
            options = False
        out.append(line)
    return "\n".join(out)


def _strip_inline(text: str) -> str:
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)
    text = re.sub(r"\\begin\{(\w+\*?)\}.*?\\end\{\1\}", " ", text, flags=re.S)
    text = re.sub(r"(?<![\\$])\$[^$\n]+\$", " ", text)
    text = re.sub(r"\{(glue(?::\w+)?|doc)\}`[^`]*`", " X ", text)  # a value or a title: one word
    text = re.sub(r"\{ref\}`([^`<]*?)\s*<[^`]*>`", r" \1 ", text)
    text = re.sub(r"\{[\w:-]+\}`[^`]*`", " ", text)  # citations and other roles
    text = re.sub(r"`[^`]*`", " ", text)  # inline code
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", text)  # images
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links: their text
    text = re.sub(r"<[^>\n]+>", " ", text)  # html tags
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("|")]  # tables
    return "\n".join(lines)


def prose_text(nb: Notebook) -> str:
    """The prose of ``nb`` before its ``## Exercises`` heading (see the module)."""
    parts = []
    for cell in _cells(nb):
        if cell.get("cell_type") != "markdown":
            continue
        src = _source(cell)
        m = re.search(r"^## Exercises\s*$", src, flags=re.M)
        if m:
            parts.append(src[: m.start()])
            break
        parts.append(src)
    return _strip_inline(_strip_blocks("\n\n".join(parts)))


def prose_words(nb: Notebook) -> int:
    """Words of prose before the exercises: tokens with a letter or digit."""
    return sum(1 for tok in prose_text(nb).split() if _WORD.search(tok))


_BOX = re.compile(
    r"^```\{admonition\} Learning objectives\n:class: tip\n"
    r"After this (?:chapter|appendix) you can\n\n"
    r"((?:- [^\n]+\n)+)```$", flags=re.M)


def objectives_boxes(nb: Notebook) -> Tuple[int, int]:
    """``(boxes in the book's form, any mention of learning objectives)``
    over the markdown cells of ``nb``. A box is in form when it is exactly
    the module's template, with at least two items, each but the last
    ending in ``;`` and the last in ``.``."""
    good = mentions = 0
    for cell in _cells(nb):
        if cell.get("cell_type") != "markdown":
            continue
        src = _source(cell)
        mentions += len(re.findall(r"Learning objectives|After this (?:chapter|appendix) you can", src))
        for m in _BOX.finditer(src):
            items = [ln for ln in m.group(1).splitlines() if ln.strip()]
            if len(items) >= 2 and all(i.endswith(";") for i in items[:-1]) and items[-1].endswith("."):
                good += 1
    return good, mentions
