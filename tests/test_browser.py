"""The built book in a real headless Chromium (see tests/browser_check.py).

Runs only where there is something current to check: skipped when Chromium
is missing, when the book has not been built (``bash .ci/build-book``), or
when a chapter or the configuration changed after the last build. CI runs
``python tests/browser_check.py`` right after its build step instead.
"""

from pathlib import Path

import pytest

import browser_check

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"


def _stale_reason():
    if browser_check.find_chromium() is None:
        return "Chromium not installed (apt-get install chromium)"
    if not (HTML / "index.html").exists():
        return "book not built (bash .ci/build-book)"
    built = min(p.stat().st_mtime for p in HTML.glob("book/*.html")) if list(HTML.glob("book/*.html")) else 0
    sources = [ROOT / "_config.yml", ROOT / "_toc.yml", ROOT / "references.bib",
               *ROOT.glob("book/*.ipynb"), *ROOT.glob("book/*.md")]
    newer = [p.name for p in sources if p.exists() and p.stat().st_mtime > built]
    if newer:
        return f"built book is older than {', '.join(sorted(newer)[:3])}: rebuild it first"
    return None


REASON = _stale_reason()
NO_CHROMIUM = browser_check.find_chromium() is None


@pytest.fixture(scope="module")
def results():
    return {r.page: r for r in browser_check.check_book(HTML)}


@pytest.mark.skipif(REASON is not None, reason=REASON or "")
@pytest.mark.parametrize("page", browser_check.toc_pages())
def test_page_in_chromium(results, page):
    r = results[page]
    assert r.ok, "\n".join(r.problems)
    assert r.screenshot and Path(r.screenshot).stat().st_size > 0


BAD_PAGE = """<!DOCTYPE html><html><head><title>bad</title></head><body><main>
<h1>Bad page</h1>
<img src="missing.png">
<div class="cell_output"><div class="output stderr"><pre>Traceback (most recent call last):
ValueError: boom</pre></div></div>
<figure><p>&lt;Figure size 640x480 with 1 Axes&gt;</p><figcaption>lost</figcaption></figure>
<span class="math">\\(x^2\\)</span>
<span class="pasted-text">'6,998,552'</span>
<p>The nbval run in CI checks this; see tests/test_book.py and issue 14.</p>
<div class="cell"><div class="cell_input"><pre>glue("x", 1)</pre></div></div>
<div class="cell"><div class="cell_input"><pre># smoke in a code cell is not prose</pre></div></div>
<table><tr><td style="min-width: 3000px">a wide table in no box</td></tr></table>
<div style="overflow-x: hidden"><table><tr><td style="min-width: 3000px">clipped</td></tr></table></div>
<a href="nowhere.html">broken</a> <a href="good.html#nope">bad anchor</a> <a href="good.html#here">fine</a>
<script>undefinedFunction();</script>
</main></body></html>"""

GOOD_PAGE = """<!DOCTYPE html><html><head><title>good</title></head><body><main>
<h1 id="here">Good page</h1><a href="bad.html">a link</a>
<p>The test set is read once; the target distribution is smoothed.</p>
<div class="cell"><div class="cell_input"><pre>model = googlenet()  # smoke</pre></div></div>
<div style="overflow-x: auto"><table><tr><td style="min-width: 3000px">wide, scrolls</td></tr></table></div>
<details><summary>closed</summary><table><tr><td style="min-width: 3000px">hidden</td></tr></table></details>
</main></body></html>"""


@pytest.mark.skipif(NO_CHROMIUM, reason="Chromium not installed (apt-get install chromium)")
def test_the_checker_catches_what_it_should(tmp_path):
    html = tmp_path / "html"
    (html / "book").mkdir(parents=True)
    (html / "book" / "bad.html").write_text(BAD_PAGE)
    (html / "book" / "good.html").write_text(GOOD_PAGE)
    bad, good = browser_check.check_book(html, pages=["book/bad", "book/good"],
                                         screenshot_dir=tmp_path / "shots")
    assert good.ok, good.problems
    assert good.title == "Good page" and Path(good.screenshot).exists()
    problems = "\n".join(bad.problems)
    for expected in ("image not loaded", "error output", "a Python traceback", "MathJax rendered none",
                     "glued text shows quotes", "broken link", "broken anchor", "JavaScript exception",
                     "failed to load", "figure without an image", "visible code cell calls glue(",
                     "developer talk in the prose", "nbval run in CI", "tests/test_book.py", "issue 14",
                     "table cut off: ", "px column: a wide table in no box", "px column: clipped"):
        assert expected in problems, expected
    assert "good.html#here" not in problems
    assert "smoke in a code cell" not in problems  # code cells are not prose


def test_developer_words_spare_the_subject():
    assert browser_check.developer_words("the test set, the target labels, a unit of 1") == []
    found = browser_check.developer_words("run in smoke mode by CI (unit tests, issue 16)")
    assert len(found) == 4
