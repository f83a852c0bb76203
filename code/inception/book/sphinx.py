"""A small Sphinx extension (``extra_extensions: [inception.book]`` in _config.yml)."""

from __future__ import annotations

from typing import Any, Dict


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
