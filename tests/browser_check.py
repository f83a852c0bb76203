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
* no JavaScript exception, and no local file (script, stylesheet, font,
  image) failed to load;
* every local link points to a file that exists, and to an anchor that
  exists in it.

A screenshot of each page goes to ``_build/screenshots/<page>.png``.

The browser is Debian's ``chromium`` (``/usr/bin/chromium``, or ``$CHROMIUM``),
driven through the Chrome DevTools Protocol over a pipe
(``--remote-debugging-pipe``): no port, no websocket library, nothing beyond
the standard library. Exit status 0 when every page passes, 1 otherwise.
``tests/test_browser.py`` runs the same checks under pytest.
"""

from __future__ import annotations

import base64
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--allow-file-access-from-files",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
)

VIEWPORT = (1280, 900)
MAX_SCREENSHOT_HEIGHT = 12000


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


# --------------------------------------------------------------------------
# The DevTools Protocol over a pipe
# --------------------------------------------------------------------------


class CDPError(RuntimeError):
    pass


class Browser:
    """A headless Chromium driven over ``--remote-debugging-pipe``: commands
    are JSON messages ended by a NUL byte, written to the browser's fd 3;
    replies and events come back on its fd 4."""

    def __init__(self, executable: str, timeout: float = 60.0) -> None:
        self.timeout = timeout
        self._profile = tempfile.mkdtemp(prefix="inception-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        flags = " ".join(CHROMIUM_FLAGS + (f"--user-data-dir={self._profile}",))
        # bash puts the two pipe ends on fds 3 and 4, where Chromium expects them.
        cmd = f'exec "{executable}" {flags} 3<&{to_browser_r} 4>&{from_browser_w} about:blank'
        self._proc = subprocess.Popen(
            ["bash", "-c", cmd], pass_fds=(to_browser_r, from_browser_w),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events: List[Dict[str, Any]] = []

    # -- low level ----------------------------------------------------------
    def _read_message(self, deadline: float) -> Dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from Chromium")
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                err = self._proc.stderr.read().decode(errors="replace") if self._proc.stderr else ""
                raise CDPError(f"Chromium closed the pipe (exit {self._proc.poll()}): {err[-2000:]}")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: Optional[Dict[str, Any]] = None,
             session: Optional[str] = None, timeout: Optional[float] = None) -> Dict[str, Any]:
        """Send one command and wait for its result (events meanwhile are kept)."""
        self._next_id += 1
        msg: Dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_browser, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise CDPError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_event(self, method: str, session: Optional[str] = None, timeout: Optional[float] = None):
        """Wait for an event (one that already arrived counts) and consume it."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            for i, ev in enumerate(self.events):
                if ev.get("method") == method and (session is None or ev.get("sessionId") == session):
                    return self.events.pop(i)
            msg = self._read_message(deadline)
            if "method" in msg:
                self.events.append(msg)

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=10)
        except Exception:
            pass
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        for fd in (self._to_browser, self._from_browser):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- a page -------------------------------------------------------------
    def new_page(self) -> str:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Network", "Log"):
            self.send(f"{domain}.enable", session=session)
        w, h = VIEWPORT
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": w, "height": h, "deviceScaleFactor": 1, "mobile": False}, session=session)
        return session

    def evaluate(self, session: str, expression: str, await_promise: bool = False, timeout: float = 30):
        result = self.send("Runtime.evaluate", {
            "expression": expression, "returnByValue": True, "awaitPromise": await_promise,
        }, session=session, timeout=timeout + 5)
        if "exceptionDetails" in result:
            raise CDPError(f"JavaScript failed: {result['exceptionDetails'].get('text')}")
        return result.get("result", {}).get("value")


# --------------------------------------------------------------------------
# The checks
# --------------------------------------------------------------------------

# Runs in the page once it has loaded and MathJax has finished.
PAGE_REPORT_JS = r"""
(() => {
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
  const images = [...main.querySelectorAll('img')].map(i => ({
      src: i.getAttribute('src'), complete: i.complete, width: i.naturalWidth}));
  return {
    title, errors, quoted, images,
    mathSource: main.querySelectorAll('.math').length,
    mathRendered: main.querySelectorAll('mjx-container').length,
    mathErrors: main.querySelectorAll('mjx-merror').length,
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    height: Math.max(document.body.scrollHeight, document.documentElement.scrollHeight),
  };
})()
"""

WAIT_JS = r"""
(async () => {
  const waitImages = Promise.all([...document.images].map(img => img.complete ? null :
      new Promise(r => { img.addEventListener('load', r); img.addEventListener('error', r); })));
  const waitMath = (window.MathJax && MathJax.startup && MathJax.startup.promise)
      ? MathJax.startup.promise : Promise.resolve();
  const timeout = new Promise(r => setTimeout(() => r('timeout'), %d));
  const done = await Promise.race([Promise.all([waitImages, waitMath]).then(() => 'ok'), timeout]);
  return done;
})()
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


def check_page(browser: Browser, session: str, page: str, html_dir: Path,
               screenshot_dir: Optional[Path]) -> PageResult:
    path = (html_dir / f"{page}.html").resolve()
    url = path.as_uri()
    result = PageResult(page, url)
    if not path.exists():
        result.problems.append(f"page not built: {path}")
        return result
    browser.events.clear()
    browser.send("Page.navigate", {"url": url}, session=session)
    browser.wait_event("Page.loadEventFired", session=session)
    waited = browser.evaluate(session, WAIT_JS % 20000, await_promise=True, timeout=25)
    if waited != "ok":
        result.problems.append("images or MathJax still loading after 20 s")
    report = browser.evaluate(session, PAGE_REPORT_JS)

    result.title = report["title"]
    if not result.title:
        result.problems.append("no <h1> title on the page")
    result.problems += [f"error output: {e}" for e in report["errors"]]
    result.problems += [f"glued text shows quotes: {q}" for q in report["quoted"]]
    result.images = len(report["images"])
    for img in report["images"]:
        if not img["complete"] or img["width"] <= 0:
            result.problems.append(f"image not loaded: {img['src']}")
    result.math = report["mathSource"]
    if report["mathSource"] and report["mathRendered"] == 0:
        result.problems.append(f"{report['mathSource']} math elements but MathJax rendered none")
    if report["mathErrors"]:
        result.problems.append(f"{report['mathErrors']} MathJax errors")
    link_problems = check_links(report["links"], html_dir)
    result.links_checked = sum(1 for l in set(report["links"]) if l.startswith("file:"))
    result.problems += link_problems

    for ev in browser.events:
        if ev.get("sessionId") != session:
            continue
        method, params = ev.get("method"), ev.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            desc = details.get("exception", {}).get("description") or details.get("text")
            result.problems.append(f"JavaScript exception: {str(desc)[:300]}")
        elif method == "Network.loadingFailed" and not params.get("canceled"):
            req = params.get("requestId")
            urls = [e["params"]["request"]["url"] for e in browser.events
                    if e.get("method") == "Network.requestWillBeSent"
                    and e["params"].get("requestId") == req]
            failed = urls[0] if urls else "?"
            if failed.startswith("file:"):
                result.problems.append(f"failed to load {failed}: {params.get('errorText')}")

    if screenshot_dir is not None:
        screenshot_dir.mkdir(parents=True, exist_ok=True)
        height = min(int(report["height"]), MAX_SCREENSHOT_HEIGHT)
        shot = browser.send("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": VIEWPORT[0], "height": height, "scale": 1},
        }, session=session, timeout=60)
        out = screenshot_dir / (Path(page).name + ".png")
        out.write_bytes(base64.b64decode(shot["data"]))
        result.screenshot = str(out)
    return result


def check_book(html_dir: Path = ROOT / "_build" / "html", pages: Optional[List[str]] = None,
               screenshot_dir: Optional[Path] = None, chromium: Optional[str] = None) -> List[PageResult]:
    """Check ``pages`` (default: every page of ``_toc.yml``) of the book built in ``html_dir``."""
    html_dir = Path(html_dir)
    pages = pages or toc_pages()
    if screenshot_dir is None:
        screenshot_dir = html_dir.parent / "screenshots"
    chromium = chromium or find_chromium()
    if chromium is None:
        raise FileNotFoundError("Chromium not found: apt-get install chromium (or set $CHROMIUM)")
    results = []
    with Browser(chromium) as browser:
        session = browser.new_page()
        for page in pages:
            results.append(check_page(browser, session, page, html_dir, screenshot_dir))
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
