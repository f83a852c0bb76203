"""Rows rendered as an HTML table in the book and as aligned text in a terminal and in nbval."""

from __future__ import annotations

import html
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Union



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
