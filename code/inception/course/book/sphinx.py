"""A small Sphinx extension (``extra_extensions: [inception.course.book]`` in _config.yml)."""

from __future__ import annotations

import os
from typing import Any, Dict

#: ``INCEPTION_BOOK_EXECUTE=off`` builds the book from the notebooks' stored
#: outputs instead of executing every chapter (``_config.yml``'s
#: ``execute_notebooks: force``). CI sets it right after nbval has run every
#: notebook top to bottom and compared it with those outputs, which would
#: otherwise be executed a second time. Any of myst-nb's execution modes
#: (``off``, ``force``, ``auto``, ``cache``, ``inline``) may be given.
EXECUTE_ENV = "INCEPTION_BOOK_EXECUTE"
EXECUTION_MODES = ("off", "force", "auto", "cache", "inline")


# --------------------------------------------------------------------------
# A small Sphinx extension (``extra_extensions: [inception.course.book]`` in _config.yml)
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


def execution_override(app, config) -> None:
    """Apply :data:`EXECUTE_ENV` to myst-nb's ``nb_execution_mode``, if set."""
    mode = os.environ.get(EXECUTE_ENV, "").strip()
    if not mode:
        return
    if mode not in EXECUTION_MODES:
        from sphinx.errors import ConfigError

        raise ConfigError(f"{EXECUTE_ENV}={mode!r}: expected one of {', '.join(EXECUTION_MODES)}")
    config.nb_execution_mode = mode


def colab_buttons(app, pagename, templatename, context, doctree) -> None:
    """Point the page's Colab launch button at the Colab edition of the page.

    sphinx-book-theme's button opens ``book/<page>.ipynb`` of the repository,
    whose MyST Colab cannot render; the edition of the page
    (``python -m inception.course.book colab``, published on the edition branch by
    the Pages workflow) is plain markdown. The address comes from
    :data:`inception.REPOSITORY_URL` through :func:`inception.course.book.colab.colab_url`.
    """
    from .colab import COLAB_BASE, colab_url

    def walk(buttons):
        for button in buttons or []:
            if isinstance(button, dict):
                if str(button.get("url", "")).startswith(COLAB_BASE):
                    button["url"] = colab_url(pagename)
                walk(button.get("buttons"))

    walk(context.get("header_buttons"))


def setup(app) -> Dict[str, Any]:
    """Sphinx entry point: connects :func:`dedupe_scripts`, :func:`colab_buttons` and :func:`execution_override`."""
    app.connect("config-inited", execution_override, priority=900)
    # Early: html-page-context stops at the first listener that returns a
    # template name, and the theme's listeners may.
    app.connect("html-page-context", dedupe_scripts, priority=100)
    # After sphinx-book-theme adds the launch buttons (priority 501).
    app.connect("html-page-context", colab_buttons, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
