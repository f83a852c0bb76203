"""The Pages workflow's data step (.github/workflows/book.yml), run against a
local HTTP server as the download tests do: it downloads and verifies the
data where the build looks for it, the cache keeps exactly that folder, and a
run that finds the cached folder does no network work."""

from __future__ import annotations

import shlex
from pathlib import Path

import yaml
from data_fixtures import http_server, small_archive  # noqa: F401 (fixtures)

from inception.data import default_data_dir, find_data_dir, scan
from inception.data import download as dl
from inception.data.__main__ import main

ROOT = Path(__file__).resolve().parents[2]
PREFIX = [".venv/bin/python", "-m", "inception.data", "download"]


def steps():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    return workflow["jobs"]["build"]["steps"]


def index_of(predicate):
    found = [i for i, s in enumerate(steps()) if predicate(s)]
    assert len(found) == 1, found
    return found[0]


def download_step():
    return steps()[index_of(lambda s: s.get("run", "").startswith(" ".join(PREFIX)))]


def data_dir_argument(argv):
    return argv[argv.index("--data-dir") + 1]


def test_the_data_is_cached_downloaded_then_the_book_built():
    setup = index_of(lambda s: s.get("run") == "bash .ci/setup")
    cache = index_of(lambda s: s.get("uses", "").startswith("actions/cache@"))
    download = index_of(lambda s: s.get("run", "").startswith(" ".join(PREFIX)))
    build = index_of(lambda s: "bash .ci/build-book" in s.get("run", ""))
    assert setup < cache < download < build
    argv = shlex.split(download_step()["run"])
    cached = steps()[cache]["with"]
    # the cache keeps exactly the folder the step writes, which is where the
    # book looks by default (no UCMERCED_DIR in the workflow)
    assert cached["path"] == data_dir_argument(argv) == "data/ucmerced"
    assert (ROOT / cached["path"]).resolve() == default_data_dir().resolve()
    assert "hashFiles('code/inception/data/download.py')" in cached["key"]


def test_the_download_step_against_a_local_server(tmp_path, monkeypatch, http_server, small_archive):
    data, size, sha = small_archive
    http_server.routes["/UCMerced_LandUse.zip"] = data
    monkeypatch.setattr(dl, "URLS", [http_server.url("/UCMerced_LandUse.zip")])
    monkeypatch.setattr(dl, "ARCHIVE_SIZE", size)
    monkeypatch.setattr(dl, "ARCHIVE_SHA256", sha)
    monkeypatch.delenv("UCMERCED_DIR", raising=False)
    monkeypatch.chdir(tmp_path)  # a fresh checkout: the step's relative path lands here
    argv = shlex.split(download_step()["run"])
    assert argv[:4] == PREFIX

    assert main(argv[3:]) == 0
    images = find_data_dir(tmp_path / data_dir_argument(argv))
    assert len(scan(images.parent.parent).records) == 21 * 2
    assert http_server.requests == ["/UCMerced_LandUse.zip"]

    # the next run restores the cached folder: the same step makes no request
    assert main(argv[3:]) == 0
    assert http_server.requests == ["/UCMerced_LandUse.zip"]
