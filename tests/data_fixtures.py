"""Fixtures and helpers for the data-pipeline tests (``tests/test_data_*.py``).

Kept out of ``conftest.py`` on purpose: a test module imports what it uses
(``from data_fixtures import ...``), so these never clash with other fixtures.
"""

from __future__ import annotations

import hashlib
import io
import stat
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from inception.data.synthetic import make_synthetic_ucmerced

REAL_COPY = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ucmerced-jpeg95"


# --------------------------------------------------------------------------
# synthetic data sets
# --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def synthetic_root(tmp_path_factory) -> Path:
    """A read-only-by-convention synthetic set: 10 PNGs of 32x32 per class, official layout."""
    return make_synthetic_ucmerced(tmp_path_factory.mktemp("synthetic"), per_class=10, size=32)


@pytest.fixture
def fresh_synthetic(tmp_path) -> Path:
    """A synthetic set a test may modify: 5 PNGs of 24x24 per class, with junk files."""
    return make_synthetic_ucmerced(tmp_path / "ucm", per_class=5, size=24, junk_files=True)


# --------------------------------------------------------------------------
# zip archives
# --------------------------------------------------------------------------


def make_zip(members: dict[str, bytes], symlinks: dict[str, str] | None = None) -> bytes:
    """A zip in memory: ``name -> content`` files, plus ``name -> target`` symbolic links."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)  # writestr keeps names as given, '..' and '/' included
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3  # Unix, so external_attr carries the mode
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return buf.getvalue()


def zip_of_folder(folder: Path) -> bytes:
    """A zip of every file under ``folder``, names relative to ``folder``."""
    members = {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
    return make_zip(members)


@pytest.fixture(scope="session")
def small_archive(tmp_path_factory) -> tuple[bytes, int, str]:
    """A tiny stand-in for ``UCMerced_LandUse.zip``: (bytes, size, sha256).

    Same top folder and layout as the real archive: ``UCMerced_LandUse/Images/<class>/<class>NN.tif``.
    """
    src = make_synthetic_ucmerced(tmp_path_factory.mktemp("archive_src"), per_class=2, size=16, ext=".tif")
    data = zip_of_folder(src)
    return data, len(data), hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------
# a local HTTP server
# --------------------------------------------------------------------------


class LocalServer:
    """Serves ``routes`` on 127.0.0.1: path -> bytes, or (bytes, "truncate") to
    announce the full length but close the connection halfway. Counts requests."""

    def __init__(self):
        self.routes: dict[str, object] = {}
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                server.requests.append(self.path)
                route = server.routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                data, mode = route if isinstance(route, tuple) else (route, "full")
                self.send_response(200)
                self.send_header("Content-Type", "application/zip")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if mode == "truncate":
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                else:
                    self.wfile.write(data)

            def log_message(self, *args):  # keep test output clean
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path


@pytest.fixture
def http_server():
    """A :class:`LocalServer`, started and stopped around the test."""
    srv = LocalServer()
    srv.thread.start()
    try:
        yield srv
    finally:
        srv.httpd.shutdown()
        srv.httpd.server_close()
