"""Numbers in prose: glue for myst-nb and one way of formatting numbers everywhere."""

from __future__ import annotations

from typing import Any, Callable, Union


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
