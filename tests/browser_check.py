"""Open every chapter of the built book in a real headless Chromium and check it.

    python tests/browser_check.py [_build/html]

For each page listed in ``_toc.yml`` (the landing page and every chapter):

* the page has its title (an ``<h1>``);
* no Python traceback or error output is shown, and no stderr output;
* every image inside the page content has loaded (``naturalWidth > 0``), and
  every figure has an image (a figure glued without one shows only its text);
* where the page has math, MathJax has rendered it (``mjx-container``
  elements, no ``mjx-merror``);
* no glued number shows its Python quotes (a ``{glue:}`` instead of
  ``{glue:text}``);
* the prose speaks to the reader, not about how the book is built: none of
  :data:`DEVELOPER_WORDS` appears outside the code cells, and no visible
  code cell calls ``glue(`` (those cells are hidden with a tag);
* no JavaScript exception, and no local file (script, stylesheet, font,
  image) failed to load;
* every local link points to a file that exists, and to an anchor that
  exists in it.

A screenshot of each page goes to ``_build/screenshots/<page>.png``.

The browser is Debian's ``chromium`` (``/usr/bin/chromium``, or
``$CHROMIUM``), driven by Playwright for Python through ``executable_path``:
Playwright downloads no browser of its own, and the pages are read from
``file://`` URLs, so the check runs offline. Exit status 0 when every page
passes, 1 otherwise. ``tests/test_browser.py`` runs the same checks under
pytest.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]

CHROMIUM_ARGS = (
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--allow-file-access-from-files",
    "--hide-scrollbars",
)

VIEWPORT = (1280, 900)
MAX_SCREENSHOT_HEIGHT = 12000

#: Words about how the book is built and checked, which a reader's page must
#: not contain (outside code cells): regular expressions, matched on the text.
#: "test" alone is not among them: a test set is part of the subject.
DEVELOPER_WORDS = (
    r"\bnbval\b", r"NBVAL", r"\bsmoke\b", r"\bCI\b", r"continuous integration",
    r"run_all\.sh", r"\bunit tests?\b", r"\btest suite\b", r"\bpytest\b",
    r"\btests/", r"\btest_\w+\.py\b", r"\bissues? #?\d+\b",
    r"\b(?:targets?|goals?) (?:met|missed|not met|reached)\b",
)


def find_chromium() -> Optional[str]:
    """The Chromium executable: ``$CHROMIUM``, else ``chromium`` on the PATH."""
    env = os.environ.get("CHROMIUM")
    if env:
        return env if Path(env).exists() else None
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def toc_pages(root: Path = ROOT) -> List[str]:
    """Document names from ``_toc.yml`` (``book/intro``, ``book/01_introduction``, ...), in order."""
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    pages = [toc["root"]]

    def walk(entries):
        for e in entries or []:
            if "file" in e:
                pages.append(e["file"])
            walk(e.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return [str(Path(p).with_suffix("")) for p in pages]


def developer_words(text: str) -> List[str]:
    """The developer words (see :data:`DEVELOPER_WORDS`) found in ``text``,
    each with a little context."""
    found = []
    for pattern in DEVELOPER_WORDS:
        for m in re.finditer(pattern, text):
            start, end = max(0, m.start() - 40), min(len(text), m.end() + 40)
            found.append(" ".join(text[start:end].split()))
    return found


# --------------------------------------------------------------------------
# The checks
# --------------------------------------------------------------------------

# Runs in the page once it has loaded and MathJax has finished.
PAGE_REPORT_JS = r"""
() => {
  const main = document.querySelector('main') || document.body;
  const h1 = main.querySelector('h1') || document.querySelector('h1');
  const title = h1 ? h1.textContent.replace(/[#¶]/g, '').trim() : '';
  const errors = [];
  main.querySelectorAll('.output.stderr, .output.traceback, .output.error, .traceback, .stderr')
      .forEach(e => errors.push(e.className + ': ' + e.textContent.trim().slice(0, 300)));
  const text = main.innerText || '';
  if (/Traceback \(most recent call last\)/.test(text)) errors.push('a Python traceback is printed on the page');
  for (const m of text.matchAll(/^\s*\w*(Error|Exception): .*$/gm)) errors.push('error text: ' + m[0].trim().slice(0, 200));
  const quoted = [...main.querySelectorAll('.pasted-text, .pasted-inline')]
      .map(e => e.textContent.trim()).filter(t => /^['"].*['"]$/.test(t));
  main.querySelectorAll('figure').forEach(f => { if (!f.querySelector('img, svg, object'))
      errors.push('figure without an image: ' + f.textContent.trim().slice(0, 120)); });
  // A table wider than the text column (the article, without the sidebars)
  // must scroll inside its own box.
  const column = (main.querySelector('article') || main).getBoundingClientRect();
  const cutTables = [];
  main.querySelectorAll('table').forEach(t => {
    const r = t.getBoundingClientRect();
    // not rendered: inside a closed dropdown
    if ((r.width === 0 && r.height === 0) || (t.checkVisibility && !t.checkVisibility())) return;
    let box = null;
    for (let e = t; e && e !== main; e = e.parentElement) {
      const ox = getComputedStyle(e).overflowX;
      if (ox === 'auto' || ox === 'scroll' || ox === 'hidden' || ox === 'clip') { box = e; break; }
    }
    const b = box ? box.getBoundingClientRect() : r;
    const scrolls = box && ['auto', 'scroll'].includes(getComputedStyle(box).overflowX);
    const outside = b.right > column.right + 1 || b.left < column.left - 1;
    const clipped = box && !scrolls && box.scrollWidth > box.clientWidth + 1;
    if (outside || clipped) cutTables.push(Math.round(r.width) + 'px wide in a '
        + Math.round(column.width) + 'px column: ' + t.textContent.trim().slice(0, 80));
  });
  const images = [...main.querySelectorAll('img')].map(i => ({
      src: i.getAttribute('src'), complete: i.complete, width: i.naturalWidth}));
  // The prose: the page's text without its code cells (input and output).
  const prose = main.cloneNode(true);
  prose.querySelectorAll('.cell, script, style').forEach(e => e.remove());
  const code = [...main.querySelectorAll('.cell .cell_input')].map(e => e.textContent);
  return {
    title, errors, quoted, images, cutTables,
    prose: prose.textContent || '',
    glueCalls: code.filter(c => /\bglue\(/.test(c)).map(c => c.trim().slice(0, 120)),
    mathSource: main.querySelectorAll('.math').length,
    mathRendered: main.querySelectorAll('mjx-container').length,
    mathErrors: main.querySelectorAll('mjx-merror').length,
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    height: Math.max(document.body.scrollHeight, document.documentElement.scrollHeight),
  };
}
"""

WAIT_JS = r"""
async (ms) => {
  const waitImages = Promise.all([...document.images].map(img => img.complete ? null :
      new Promise(r => { img.addEventListener('load', r); img.addEventListener('error', r); })));
  const waitMath = (window.MathJax && MathJax.startup && MathJax.startup.promise)
      ? MathJax.startup.promise : Promise.resolve();
  const timeout = new Promise(r => setTimeout(() => r('timeout'), ms));
  return await Promise.race([Promise.all([waitImages, waitMath]).then(() => 'ok'), timeout]);
}
"""


@dataclass
class PageResult:
    page: str
    url: str
    title: str = ""
    problems: List[str] = field(default_factory=list)
    images: int = 0
    math: int = 0
    links_checked: int = 0
    screenshot: Optional[str] = None

    @property
    def ok(self) -> bool:
        return not self.problems


_ID_CACHE: Dict[Path, set] = {}


def _anchors(path: Path) -> set:
    if path not in _ID_CACHE:
        text = path.read_text(encoding="utf-8", errors="replace")
        _ID_CACHE[path] = set(re.findall(r'\b(?:id|name)="([^"]+)"', text))
    return _ID_CACHE[path]


def check_links(links: List[str], html_dir: Path) -> List[str]:
    """Problems with the local links among ``links`` (absolute URLs)."""
    problems = []
    html_dir = html_dir.resolve()
    seen = set()
    for href in links:
        if href in seen:
            continue
        seen.add(href)
        parts = urlsplit(href)
        if parts.scheme != "file":
            continue  # external: not reachable from CI, not checked
        target = Path(unquote(parts.path))
        if target.is_dir():
            target = target / "index.html"
        if not target.exists():
            problems.append(f"broken link: {href} (no such file)")
            continue
        try:
            target.relative_to(html_dir)
        except ValueError:
            problems.append(f"link leaves the site: {href}")
            continue
        frag = unquote(parts.fragment)
        if frag and target.suffix == ".html" and frag not in _anchors(target):
            problems.append(f"broken anchor: {href}")
    return problems


def check_page(page_handle, page: str, html_dir: Path,
               screenshot_dir: Optional[Path]) -> PageResult:
    """Load ``page`` (a document name) in the Playwright page ``page_handle``
    and collect its problems."""
    path = (html_dir / f"{page}.html").resolve()
    url = path.as_uri()
    result = PageResult(page, url)
    if not path.exists():
        result.problems.append(f"page not built: {path}")
        return result

    exceptions: List[str] = []
    failed: List[str] = []
    on_error = lambda err: exceptions.append(str(err)[:300])  # noqa: E731

    def on_failed(request):
        if request.url.startswith("file:"):
            failed.append(f"failed to load {request.url}: {request.failure}")

    page_handle.on("pageerror", on_error)
    page_handle.on("requestfailed", on_failed)
    try:
        page_handle.goto(url, wait_until="load")
        if page_handle.evaluate(WAIT_JS, 20000) != "ok":
            result.problems.append("images or MathJax still loading after 20 s")
        report = page_handle.evaluate(PAGE_REPORT_JS)
    finally:
        page_handle.remove_listener("pageerror", on_error)
        page_handle.remove_listener("requestfailed", on_failed)

    result.title = report["title"]
    if not result.title:
        result.problems.append("no <h1> title on the page")
    result.problems += [f"error output: {e}" for e in report["errors"]]
    result.problems += [f"glued text shows quotes: {q}" for q in report["quoted"]]
    result.problems += [f"table cut off: {t}" for t in report["cutTables"]]
    result.problems += [f"developer talk in the prose: ...{w}..."
                        for w in developer_words(report["prose"])]
    result.problems += [f"visible code cell calls glue(: {c}" for c in report["glueCalls"]]
    result.images = len(report["images"])
    for img in report["images"]:
        if not img["complete"] or img["width"] <= 0:
            result.problems.append(f"image not loaded: {img['src']}")
    result.math = report["mathSource"]
    if report["mathSource"] and report["mathRendered"] == 0:
        result.problems.append(f"{report['mathSource']} math elements but MathJax rendered none")
    if report["mathErrors"]:
        result.problems.append(f"{report['mathErrors']} MathJax errors")
    result.links_checked = sum(1 for l in set(report["links"]) if l.startswith("file:"))
    result.problems += check_links(report["links"], html_dir)
    result.problems += [f"JavaScript exception: {e}" for e in exceptions]
    result.problems += failed

    if screenshot_dir is not None:
        screenshot_dir.mkdir(parents=True, exist_ok=True)
        height = min(int(report["height"]), MAX_SCREENSHOT_HEIGHT)
        out = screenshot_dir / (Path(page).name + ".png")
        page_handle.screenshot(path=str(out), full_page=True,
                               clip={"x": 0, "y": 0, "width": VIEWPORT[0], "height": height})
        result.screenshot = str(out)
    return result


def check_book(html_dir: Path = ROOT / "_build" / "html", pages: Optional[List[str]] = None,
               screenshot_dir: Optional[Path] = None, chromium: Optional[str] = None) -> List[PageResult]:
    """Check ``pages`` (default: every page of ``_toc.yml``) of the book built in ``html_dir``."""
    from playwright.sync_api import sync_playwright

    html_dir = Path(html_dir)
    pages = pages or toc_pages()
    if screenshot_dir is None:
        screenshot_dir = html_dir.parent / "screenshots"
    chromium = chromium or find_chromium()
    if chromium is None:
        raise FileNotFoundError("Chromium not found: apt-get install chromium (or set $CHROMIUM)")
    results = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True,
                                    args=list(CHROMIUM_ARGS))
        try:
            context = browser.new_context(
                viewport={"width": VIEWPORT[0], "height": VIEWPORT[1]}, device_scale_factor=1)
            page_handle = context.new_page()
            for page in pages:
                results.append(check_page(page_handle, page, html_dir, screenshot_dir))
        finally:
            browser.close()
    return results


def main(argv: Optional[List[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    html_dir = Path(argv[0]) if argv else ROOT / "_build" / "html"
    if not (html_dir / "index.html").exists():
        print(f"no built book in {html_dir}: run bash .ci/build-book first", file=sys.stderr)
        return 1
    t0 = time.monotonic()
    results = check_book(html_dir)
    for r in results:
        status = "ok  " if r.ok else "FAIL"
        print(f"{status} {r.page:28s} title={r.title!r:45s} images={r.images} math={r.math} "
              f"links={r.links_checked}")
        for p in r.problems:
            print(f"       - {p}")
    failed = sum(not r.ok for r in results)
    shots = results[0].screenshot and Path(results[0].screenshot).parent
    print(f"{len(results) - failed} passed, {failed} failed")
    print(f"browser check: {len(results)} pages in {time.monotonic() - t0:.1f} s; screenshots in {shots}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
