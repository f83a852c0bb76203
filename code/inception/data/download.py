"""Download the official UC Merced archive, verify it, and extract it safely.

* The archive is fetched into a temporary file next to its destination, with a
  progress bar, and checked against the expected size and SHA-256 before it is
  renamed into place. A short or wrong file is deleted and the next URL tried.
* A verified archive already in place means no network access at all.
* Extraction checks every member first (no absolute paths, no ``..``, no
  symbolic links, no devices), writes into a temporary folder next to the
  target and renames the result into place only when all members are out, so
  an interrupted extraction leaves nothing half-made.

Every URL, the size and the hash are arguments, so the tests point them at a
local HTTP server and a small archive.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import stat
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path, PurePosixPath
from typing import Sequence

from ._base import DataError, default_data_dir, env_data_dir

#: Where the archive is fetched from, in order (the official site, then torchgeo's mirror).
URLS: tuple[str, ...] = (
    "http://weegee.vision.ucmerced.edu/datasets/UCMerced_LandUse.zip",
    "https://hf.co/datasets/torchgeo/ucmerced/resolve/7c5ef3454d9b1cccfa7ccde0c01fc8f00a45909a/UCMerced_LandUse.zip",
)
ARCHIVE_NAME = "UCMerced_LandUse.zip"
#: Size and SHA-256 of the official archive (as recorded by TensorFlow Datasets).
ARCHIVE_SIZE = 332_468_434
ARCHIVE_SHA256 = "06c539ef28703a58fb07bd2837991ac7c48b813b00bb12ac197efd813a18daeb"
#: The folder the archive extracts to.
ARCHIVE_TOP = "UCMerced_LandUse"

_CHUNK = 1 << 20
_PARTIAL_PREFIX = ".partial-"


class DownloadError(DataError):
    """No URL gave a verified archive; the message says how to get it by hand."""


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def check_archive(
    path: str | Path, size: int | None = ARCHIVE_SIZE, sha256: str | None = ARCHIVE_SHA256
) -> str | None:
    """Return ``None`` if ``path`` has the expected size and SHA-256, else what is wrong."""
    path = Path(path)
    actual = path.stat().st_size
    if size is not None and actual != size:
        kind = "truncated" if actual < size else "too long"
        return f"{kind}: {actual:,} bytes, expected {size:,}"
    if sha256 is not None:
        digest = sha256_file(path)
        if digest != sha256.lower():
            return f"SHA-256 mismatch: {digest}, expected {sha256.lower()}"
    return None


def _fetch(url: str, dest: Path, size: int | None, sha256: str | None, progress: bool, timeout: float) -> None:
    """Stream ``url`` into a temporary file beside ``dest``; rename only if verified."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    tmp = Path(tmp_name)
    h = hashlib.sha256()
    n = 0
    try:
        req = urllib.request.Request(url, headers={"User-Agent": "inception-book/0.1 (+python urllib)"})
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(req, timeout=timeout) as resp:
            total = resp.headers.get("Content-Length")
            total = int(total) if total and total.isdigit() else size
            bar = None
            if progress:
                from tqdm.auto import tqdm

                bar = tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=dest.name)
            try:
                while True:
                    block = resp.read(_CHUNK)
                    if not block:
                        break
                    out.write(block)
                    h.update(block)
                    n += len(block)
                    if bar is not None:
                        bar.update(len(block))
                    if size is not None and n > size:
                        raise DataError(f"more than the expected {size:,} bytes")
            finally:
                if bar is not None:
                    bar.close()
        if size is not None and n != size:
            raise DataError(f"truncated: got {n:,} bytes, expected {size:,}")
        if sha256 is not None and h.hexdigest() != sha256.lower():
            raise DataError(f"SHA-256 mismatch: got {h.hexdigest()}, expected {sha256.lower()}")
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)  # a failed or partial download is never kept


def download_archive(
    dest_dir: str | Path | None = None,
    *,
    urls: Sequence[str] = URLS,
    size: int | None = ARCHIVE_SIZE,
    sha256: str | None = ARCHIVE_SHA256,
    filename: str = ARCHIVE_NAME,
    progress: bool = True,
    timeout: float = 60.0,
    log=print,
) -> Path:
    """Make sure a verified archive is at ``dest_dir/filename``; download it if not.

    An archive already there is checked (size, then SHA-256); if it passes,
    nothing is downloaded. If it fails, it is deleted and downloaded again.

    Args:
        dest_dir: the data folder (default ``data/ucmerced`` in the checkout).
        urls: tried in order until one gives a verified file.
        size, sha256: expected size in bytes and SHA-256 (``None`` skips a check).
        filename: name of the archive in ``dest_dir``.
        progress: show a tqdm progress bar.
        timeout: seconds to wait for a server response.
        log: called with one-line status messages (``print`` by default).

    Raises:
        DownloadError: every URL failed; the message lists why and says where
            to put a manually downloaded copy.
    """
    dest_dir = Path(dest_dir) if dest_dir is not None else default_data_dir()
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / filename
    if dest.is_file():
        problem = check_archive(dest, size, sha256)
        if problem is None:
            log(f"{dest} is present and verified; nothing to download")
            return dest
        log(f"deleting {dest}: {problem}")
        dest.unlink()
    errors = []
    for url in urls:
        log(f"downloading {url}")
        try:
            _fetch(url, dest, size, sha256, progress, timeout)
        except DataError as exc:
            errors.append(f"{url}: {exc} (deleted)")
        except urllib.error.HTTPError as exc:
            errors.append(f"{url}: HTTP {exc.code} {exc.reason}")
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
            # no connection, timeouts, resets, a connection closed early (IncompleteRead)
            reason = getattr(exc, "reason", None) or exc
            errors.append(f"{url}: {type(exc).__name__}: {reason}")
        else:
            log(f"verified {dest} ({dest.stat().st_size:,} bytes)")
            return dest
        log(f"failed: {errors[-1]}")
    size_txt = f"{size:,} bytes" if size is not None else "unknown size"
    raise DownloadError(
        "Could not download the UC Merced archive:\n"
        + "\n".join(f"  - {e}" for e in errors)
        + f"\nDownload it by hand from {urls[0] if urls else URLS[0]} ({size_txt}"
        + (f", SHA-256 {sha256}" if sha256 else "")
        + f") and save it as {dest}, then run this command again; or point --data-dir "
        "(or UCMERCED_DIR) at an already extracted copy."
    )


# ---------------------------------------------------------------------------
# extraction
# ---------------------------------------------------------------------------


def _member_problem(info: zipfile.ZipInfo) -> str | None:
    """Why ``info`` must not be extracted, or ``None`` if it is safe."""
    name = info.filename
    mode = info.external_attr >> 16  # Unix mode bits, when the zip was made on Unix
    if stat.S_ISLNK(mode):
        return "is a symbolic link"
    if mode and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)) and stat.S_IFMT(mode):
        return "is not a regular file or folder"
    if "\\" in name:
        name = name.replace("\\", "/")  # Windows-made zips: judge the path Windows would use
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "has an absolute path"
    parts = PurePosixPath(name).parts
    if ".." in parts:
        return "contains '..'"
    if not parts:
        return "has an empty name"
    return None


def safe_extract(archive: str | Path, dest_dir: str | Path, *, progress: bool = False) -> list[Path]:
    """Extract ``archive`` into ``dest_dir``, all or nothing.

    Every member is checked before anything is written; one unsafe member
    rejects the whole archive. Members are written into a temporary folder
    inside ``dest_dir``, and each top-level entry is renamed into place only
    after all members are out. On any error (or Ctrl-C) the temporary folder is
    removed. Leftovers of a killed run (``.partial-*``) are removed first.

    Returns:
        The top-level paths created in ``dest_dir``.

    Raises:
        DataError: an unsafe member (named), a corrupt archive, or a top-level
            entry that already exists in ``dest_dir``.
    """
    archive, dest_dir = Path(archive), Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    for stale in dest_dir.glob(_PARTIAL_PREFIX + "*"):
        shutil.rmtree(stale, ignore_errors=True)
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataError(f"{archive}: not a readable zip archive ({exc})") from exc
    with zf:
        members = zf.infolist()
        bad = [f"{m.filename!r} {p}" for m in members if (p := _member_problem(m))]
        if bad:
            raise DataError(
                f"{archive}: refusing to extract, {len(bad)} unsafe member(s): " + "; ".join(bad[:5])
            )
        tops = sorted({PurePosixPath(m.filename.replace("\\", "/")).parts[0] for m in members})
        clashes = [t for t in tops if (dest_dir / t).exists()]
        if clashes:
            raise DataError(
                f"{archive}: {', '.join(str(dest_dir / t) for t in clashes)} already exist(s); "
                "move or delete it to extract again"
            )
        tmp = Path(tempfile.mkdtemp(prefix=_PARTIAL_PREFIX, dir=dest_dir))
        try:
            it = members
            if progress:
                from tqdm.auto import tqdm

                it = tqdm(members, desc=f"extracting {archive.name}", unit="file")
            for m in it:
                _extract_member(zf, m, tmp)
            created = []
            for t in tops:
                os.replace(tmp / t, dest_dir / t)
                created.append(dest_dir / t)
            return created
        except zipfile.BadZipFile as exc:
            raise DataError(f"{archive}: corrupt archive ({exc})") from exc
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def _extract_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, root: Path) -> None:
    target = root.joinpath(*PurePosixPath(info.filename.replace("\\", "/")).parts)
    # belt and braces: the resolved path must stay under root
    if not str(target.resolve()).startswith(str(root.resolve()) + os.sep):
        raise DataError(f"refusing to extract {info.filename!r}: it would land outside {root}")
    if info.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    with zf.open(info) as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst, _CHUNK)


def download_and_extract(
    data_dir: str | Path | None = None,
    *,
    urls: Sequence[str] = URLS,
    size: int | None = ARCHIVE_SIZE,
    sha256: str | None = ARCHIVE_SHA256,
    progress: bool = True,
    timeout: float = 60.0,
    keep_archive: bool = True,
    log=print,
) -> Path:
    """Fetch (if needed), verify and extract the archive into ``data_dir``.

    If ``data_dir`` already holds the extracted class folders, nothing happens.
    Returns the folder holding the class folders.

    Raises:
        DownloadError / DataError: with a message fit for the user.
    """
    from .layout import find_data_dir

    if data_dir is None:
        data_dir = env_data_dir() or default_data_dir()
    data_dir = Path(data_dir)
    try:
        found = find_data_dir(data_dir)
        log(f"class folders already present in {found}; nothing to download")
        return found
    except DataError:
        pass
    archive = download_archive(
        data_dir, urls=urls, size=size, sha256=sha256, progress=progress, timeout=timeout, log=log
    )
    log(f"extracting {archive}")
    safe_extract(archive, data_dir, progress=progress)
    found = find_data_dir(data_dir)
    if not keep_archive:
        archive.unlink()
    log(f"extracted to {found}")
    return found
