"""Download and extraction (inception.data.download) against a local HTTP server."""

from __future__ import annotations

import hashlib
import os

import pytest
from data_fixtures import http_server, make_zip, small_archive  # noqa: F401 (fixtures)

from inception.data import DataError, DownloadError, find_data_dir, scan
from inception.data import download as dl
from inception.data.__main__ import main

QUIET = dict(progress=False, log=lambda msg: None)


def leftovers(folder):
    """Hidden temporary files or folders a failed run could have left."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_happy_path_downloads_verifies_extracts(tmp_path, http_server, small_archive):
    data, size, sha = small_archive
    http_server.routes["/UCMerced_LandUse.zip"] = data
    root = dl.download_and_extract(tmp_path, urls=[http_server.url("/UCMerced_LandUse.zip")], size=size, sha256=sha, **QUIET)
    assert root == (tmp_path / "UCMerced_LandUse" / "Images").resolve()
    assert (tmp_path / "UCMerced_LandUse.zip").read_bytes() == data
    layout = scan(tmp_path)
    assert len(layout.records) == 21 * 2 and layout.records[0].path.suffix == ".tif"
    assert leftovers(tmp_path) == []
    assert http_server.requests == ["/UCMerced_LandUse.zip"]

    # a second run finds the extracted data and does no network work
    assert dl.download_and_extract(tmp_path, urls=[http_server.url("/UCMerced_LandUse.zip")], size=size, sha256=sha, **QUIET) == root
    assert len(http_server.requests) == 1


def test_verified_archive_present_means_no_request(tmp_path, http_server, small_archive):
    data, size, sha = small_archive
    (tmp_path / "UCMerced_LandUse.zip").write_bytes(data)
    http_server.routes["/a.zip"] = b"never fetched"
    path = dl.download_archive(tmp_path, urls=[http_server.url("/a.zip")], size=size, sha256=sha, **QUIET)
    assert path.read_bytes() == data
    assert http_server.requests == []


def test_wrong_archive_present_is_replaced(tmp_path, http_server, small_archive):
    data, size, sha = small_archive
    (tmp_path / "UCMerced_LandUse.zip").write_bytes(b"x" * size)  # right size, wrong content
    http_server.routes["/a.zip"] = data
    messages = []
    dl.download_archive(tmp_path, urls=[http_server.url("/a.zip")], size=size, sha256=sha, progress=False, log=messages.append)
    assert (tmp_path / "UCMerced_LandUse.zip").read_bytes() == data
    assert any("deleting" in m and "SHA-256 mismatch" in m for m in messages)


def test_checksum_mismatch_is_deleted_and_never_extracted(tmp_path, http_server, small_archive):
    data, size, _ = small_archive
    http_server.routes["/a.zip"] = data
    with pytest.raises(DownloadError) as err:
        dl.download_and_extract(tmp_path, urls=[http_server.url("/a.zip")], size=size, sha256="0" * 64, **QUIET)
    msg = str(err.value)
    assert "SHA-256 mismatch" in msg and "by hand" in msg and str(tmp_path / "UCMerced_LandUse.zip") in msg
    assert list(tmp_path.iterdir()) == []  # no archive, no temporary file, nothing extracted


def test_truncated_transfer_is_deleted(tmp_path, http_server, small_archive):
    data, size, sha = small_archive
    http_server.routes["/a.zip"] = (data, "truncate")  # Content-Length says more than is sent
    with pytest.raises(DownloadError) as err:
        dl.download_archive(tmp_path, urls=[http_server.url("/a.zip")], size=size, sha256=sha, **QUIET)
    assert "IncompleteRead" in str(err.value) or "truncated" in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_short_file_on_server_is_reported_truncated(tmp_path, http_server, small_archive):
    data, size, sha = small_archive
    http_server.routes["/a.zip"] = data[:1000]  # a complete transfer of an incomplete file
    with pytest.raises(DownloadError, match=r"truncated: got 1,000 bytes"):
        dl.download_archive(tmp_path, urls=[http_server.url("/a.zip")], size=size, sha256=sha, **QUIET)
    assert list(tmp_path.iterdir()) == []


def test_falls_back_to_the_mirror(tmp_path, http_server, small_archive):
    data, size, sha = small_archive
    http_server.routes["/mirror.zip"] = data
    urls = [http_server.url("/missing.zip"), http_server.url("/mirror.zip")]
    path = dl.download_archive(tmp_path, urls=urls, size=size, sha256=sha, **QUIET)
    assert path.read_bytes() == data
    assert http_server.requests == ["/missing.zip", "/mirror.zip"]


def test_every_url_failing_gives_manual_instructions(tmp_path, http_server):
    urls = [http_server.url("/gone.zip"), "http://127.0.0.1:9/refused.zip"]  # 404, then connection refused
    with pytest.raises(DownloadError) as err:
        dl.download_archive(tmp_path, urls=urls, size=10, sha256="0" * 64, **QUIET)
    msg = str(err.value)
    assert "gone.zip" in msg and "404" in msg and "refused.zip" in msg
    assert "by hand" in msg and str(tmp_path / "UCMerced_LandUse.zip") in msg


def test_default_urls_and_checksum_are_the_official_ones():
    assert dl.URLS[0] == "http://weegee.vision.ucmerced.edu/datasets/UCMerced_LandUse.zip"
    assert dl.URLS[1].startswith("https://hf.co/datasets/torchgeo/ucmerced/resolve/7c5ef3454d9b1cccfa7ccde0c01fc8f00a45909a/")
    assert dl.ARCHIVE_SIZE == 332_468_434
    assert dl.ARCHIVE_SHA256 == "06c539ef28703a58fb07bd2837991ac7c48b813b00bb12ac197efd813a18daeb"


# --------------------------------------------------------------------------
# extraction
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "members, symlinks, reason",
    [
        ({"UCMerced_LandUse/ok.txt": b"ok", "UCMerced_LandUse/../../evil.txt": b"pwned"}, None, "contains '..'"),
        ({"UCMerced_LandUse/ok.txt": b"ok", "/tmp/evil.txt": b"pwned"}, None, "absolute path"),
        ({"UCMerced_LandUse/ok.txt": b"ok"}, {"UCMerced_LandUse/link": "/etc/passwd"}, "symbolic link"),
    ],
    ids=["zip-slip", "absolute", "symlink"],
)
def test_unsafe_member_rejects_whole_archive(tmp_path, members, symlinks, reason):
    archive = tmp_path / "a.zip"
    archive.write_bytes(make_zip(members, symlinks))
    dest = tmp_path / "out"
    with pytest.raises(DataError, match=reason) as err:
        dl.safe_extract(archive, dest)
    assert "refusing" in str(err.value)
    assert list(dest.iterdir()) == []  # not even the safe member was written
    assert not (tmp_path / "evil.txt").exists()


def test_interrupted_extraction_leaves_nothing(tmp_path, monkeypatch, small_archive):
    archive = tmp_path / "UCMerced_LandUse.zip"
    archive.write_bytes(small_archive[0])
    real = dl._extract_member
    calls = []

    def flaky(zf, info, root):
        calls.append(info.filename)
        if len(calls) == 10:
            raise KeyboardInterrupt  # e.g. Ctrl-C halfway
        real(zf, info, root)

    monkeypatch.setattr(dl, "_extract_member", flaky)
    with pytest.raises(KeyboardInterrupt):
        dl.safe_extract(archive, tmp_path)
    assert len(calls) == 10
    assert sorted(p.name for p in tmp_path.iterdir()) == ["UCMerced_LandUse.zip"]

    # the next run extracts everything
    monkeypatch.setattr(dl, "_extract_member", real)
    created = dl.safe_extract(archive, tmp_path)
    assert created == [tmp_path / "UCMerced_LandUse"]
    assert len(scan(tmp_path).records) == 42


def test_stale_partial_folder_is_cleaned_and_existing_target_refused(tmp_path, small_archive):
    archive = tmp_path / "a.zip"
    archive.write_bytes(small_archive[0])
    (tmp_path / ".partial-killed").mkdir()  # what a killed run leaves
    dl.safe_extract(archive, tmp_path)
    assert not (tmp_path / ".partial-killed").exists()
    with pytest.raises(DataError, match="already exist"):
        dl.safe_extract(archive, tmp_path)


def test_corrupt_zip_is_a_clear_error(tmp_path):
    archive = tmp_path / "a.zip"
    archive.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DataError, match="not a readable zip"):
        dl.safe_extract(archive, tmp_path / "out")


# --------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------


def test_cli_download_exit_codes(tmp_path, http_server, small_archive, monkeypatch, capsys):
    data, size, sha = small_archive
    monkeypatch.setattr(dl, "ARCHIVE_SIZE", size)
    monkeypatch.setattr(dl, "ARCHIVE_SHA256", sha)
    http_server.routes["/a.zip"] = data
    assert main(["download", "--data-dir", str(tmp_path / "d"), "--url", http_server.url("/a.zip"), "--no-progress"]) == 0
    assert find_data_dir(tmp_path / "d").name == "Images"

    assert main(["download", "--data-dir", str(tmp_path / "e"), "--url", http_server.url("/nothing.zip"), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "by hand" in err and "Traceback" not in err
