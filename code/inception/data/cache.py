"""Decode the images once into a memory-mapped uint8 array, reused by both frameworks.

A cache is two files in the cache folder (default ``data/cache/``, git-ignored)::

    ucmerced_128px_<key>.npy    # (N, S, S, 3) uint8, N = every image of the folder
    ucmerced_128px_<key>.json   # stems, labels, source folder, key, notes

``<key>`` hashes the source (folder path, every file's relative name, size and
modification time) and the image size, so a changed, added or removed file, or
another size, gives another key and the cache is rebuilt; the stale cache of
the same folder and size is then deleted, as are caches of folders that no
longer exist. Images are stored in canonical order
(class, then name), already resized whole to ``S x S`` by
:func:`inception.data.layout.decode_resized`; the split picks rows by stem.

Both files are written under temporary names and renamed into place, the
``.json`` last, so a cache that is visible is complete. A lock file keeps two
processes (for example DDP ranks) from decoding the same cache at once.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Mapping, Sequence

import numpy as np

from ._base import CLASSES, DataError, default_cache_dir
from .layout import Layout, open_rgb, resize_rgb, scan

CACHE_FORMAT = "ucmerced-cache-v1"
#: How images are brought to S x S; part of the key so a change invalidates caches.
RESIZE_METHOD = "pillow-bilinear-antialias-whole-image"


def cache_key(layout: Layout, image_size: int) -> str:
    """Hex digest identifying the decoded content of ``layout`` at ``image_size``."""
    h = hashlib.sha256()
    h.update(json.dumps([CACHE_FORMAT, RESIZE_METHOD, str(layout.root), int(image_size)]).encode())
    for rec in layout.records:
        st = rec.path.stat()
        h.update(f"\n{rec.path.relative_to(layout.root).as_posix()}\t{st.st_size}\t{st.st_mtime_ns}".encode())
    return h.hexdigest()


class DecodedCache:
    """A decoded, resized copy of every image of a data folder (see :func:`build_cache`).

    Attributes:
        images: ``(N, S, S, 3)`` uint8 array, memory-mapped read-only.
        labels: ``(N,)`` int64 class indices.
        stems: the ``"<class>/<name>"`` of each row.
        image_size: ``S``.
        source: the folder holding the class folders.
        path: the ``.npy`` file.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        meta_path = self.path.with_suffix(".json")
        try:
            self.meta = json.loads(meta_path.read_text())
            self.images = np.load(self.path, mmap_mode="r")
        except (OSError, ValueError) as exc:
            raise DataError(f"decoded cache {self.path} is unreadable ({exc}); delete it to rebuild") from exc
        self.stems: tuple[str, ...] = tuple(self.meta["stems"])
        self.labels = np.asarray(self.meta["labels"], dtype=np.int64)
        self.image_size = int(self.meta["image_size"])
        self.source = Path(self.meta["source"])
        self.key = self.meta["key"]
        expected = (len(self.stems), self.image_size, self.image_size, 3)
        if self.images.shape != expected or self.images.dtype != np.uint8:
            raise DataError(
                f"decoded cache {self.path} has shape {self.images.shape}, expected {expected}; delete it"
            )
        self._row = {s: i for i, s in enumerate(self.stems)}

    def __len__(self) -> int:
        return len(self.stems)

    def __repr__(self) -> str:
        return f"DecodedCache({len(self)} images, {self.image_size}px, source={str(self.source)!r})"

    def indices(self, stems: Sequence[str]) -> np.ndarray:
        """Row numbers of ``stems``; raises :class:`DataError` naming stems not in the cache."""
        missing = [s for s in stems if s not in self._row]
        if missing:
            shown = ", ".join(missing[:10]) + (f" ... ({len(missing)} in all)" if len(missing) > 10 else "")
            raise DataError(f"{len(missing)} split images are not in the data folder {self.source}: {shown}")
        return np.fromiter((self._row[s] for s in stems), dtype=np.int64, count=len(stems))

    def split_indices(self, split: Mapping[str, Sequence[tuple[str, int]]]) -> dict[str, np.ndarray]:
        """Row numbers for each part of a split (``{"train": array, ...}``)."""
        out = {}
        for part, entries in split.items():
            idx = self.indices([s for s, _ in entries])
            labels = np.asarray([lab for _, lab in entries], dtype=np.int64)
            if not np.array_equal(self.labels[idx], labels):
                raise DataError(f"split part {part!r}: labels disagree with the class folders of {self.source}")
            out[part] = idx
        return out


@contextmanager
def _lock(path: Path) -> Iterator[None]:
    """Exclusive lock on ``path`` (POSIX ``flock``; released if the process dies)."""
    try:
        import fcntl
    except ImportError:  # Windows: no lock; the renames keep caches whole anyway
        yield
        return
    with open(path, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _cache_paths(cache_dir: Path, image_size: int, key: str) -> tuple[Path, Path]:
    stem = f"ucmerced_{image_size}px_{key[:16]}"
    return cache_dir / f"{stem}.npy", cache_dir / f"{stem}.json"


def _remove_stale(cache_dir: Path, image_size: int, source: Path, keep: Path) -> None:
    """Delete other caches of ``source`` at this size, and caches whose source folder is gone
    (e.g. a test's temporary folder)."""
    for meta_path in cache_dir.glob("ucmerced_*px_*.json"):
        npy = meta_path.with_suffix(".npy")
        if npy == keep:
            continue
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, ValueError):
            continue
        same = meta.get("source") == str(source) and meta.get("image_size") == image_size
        if not same and Path(meta.get("source", "")).is_dir():
            continue
        meta_path.unlink(missing_ok=True)  # the .json first: without it the .npy is ignored
        npy.unlink(missing_ok=True)


def build_cache(
    data_dir: str | Path | None = None,
    image_size: int = 128,
    *,
    cache_dir: str | Path | None = None,
    rebuild: bool = False,
    progress: bool = True,
    workers: int | None = None,
) -> DecodedCache:
    """Return the decoded cache of a data folder at ``image_size``, building it if needed.

    Args:
        data_dir: see :func:`inception.data.find_data_dir`.
        image_size: side ``S`` of the stored images (the model's input size).
        cache_dir: where cache files go (default ``$UCMERCED_CACHE_DIR``, else
            ``data/cache/`` in the checkout).
        rebuild: decode again even if a matching cache exists.
        progress: show a tqdm progress bar while decoding.
        workers: decoding threads (Pillow releases the GIL while decoding);
            default: the number of CPU cores, at most 8.

    Raises:
        DataError: a class folder is missing or an image cannot be decoded
            (the message names the file); nothing is left behind.
    """
    if int(image_size) < 1:
        raise ValueError(f"image_size must be positive, got {image_size!r}")
    image_size = int(image_size)
    layout = scan(data_dir)
    key = cache_key(layout, image_size)
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    cache_dir.mkdir(parents=True, exist_ok=True)
    npy, meta_path = _cache_paths(cache_dir, image_size, key)

    def usable() -> bool:
        if rebuild or not (npy.is_file() and meta_path.is_file()):
            return False
        try:
            return json.loads(meta_path.read_text()).get("key") == key
        except (OSError, ValueError):
            return False

    if usable():
        return DecodedCache(npy)
    with _lock(cache_dir / f".ucmerced_{image_size}px.lock"):
        if not usable():  # another process may have built it while we waited
            _decode_into(layout, image_size, key, npy, meta_path, progress, workers)
    _remove_stale(cache_dir, image_size, layout.root, keep=npy)
    return DecodedCache(npy)


def _decode_into(
    layout: Layout, size: int, key: str, npy: Path, meta_path: Path, progress: bool, workers: int | None
) -> None:
    n = len(layout.records)
    tmp_npy = npy.with_name(f".{npy.name}.tmp-{os.getpid()}")
    tmp_meta = meta_path.with_name(f".{meta_path.name}.tmp-{os.getpid()}")
    converted: dict[str, str] = {}
    sizes: dict[str, tuple[int, int]] = {}
    start = time.perf_counter()
    try:
        arr = np.lib.format.open_memmap(tmp_npy, mode="w+", dtype=np.uint8, shape=(n, size, size, 3))

        def work(i: int) -> None:
            rec = layout.records[i]
            img, conv = open_rgb(rec.path)
            sizes[rec.stem] = img.size
            if conv:
                converted[rec.stem] = conv
            arr[i] = resize_rgb(img, size)

        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=n, desc=f"decoding {n} images to {size}x{size}", unit="img")
        workers = workers or min(8, os.cpu_count() or 1)
        try:
            if workers <= 1:
                for i in range(n):
                    work(i)
                    if bar is not None:
                        bar.update()
            else:
                pool = ThreadPoolExecutor(workers)
                try:
                    for _ in pool.map(work, range(n)):
                        if bar is not None:
                            bar.update()
                finally:
                    pool.shutdown(wait=True, cancel_futures=True)  # on an error, skip the rest
        finally:
            if bar is not None:
                bar.close()
        arr.flush()
        del arr
        common = max(set(sizes.values()), key=list(sizes.values()).count) if sizes else None
        meta = {
            "format": CACHE_FORMAT,
            "key": key,
            "source": str(layout.root),
            "image_size": size,
            "resize": RESIZE_METHOD,
            "classes": list(CLASSES),
            "stems": [r.stem for r in layout.records],
            "labels": [r.label for r in layout.records],
            "converted_to_rgb": converted,
            "odd_sizes": {s: list(wh) for s, wh in sorted(sizes.items()) if wh != common},
            "decode_seconds": round(time.perf_counter() - start, 3),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        tmp_meta.write_text(json.dumps(meta, indent=1))
        os.replace(tmp_npy, npy)
        os.replace(tmp_meta, meta_path)  # last: its presence marks a complete cache
    except BaseException:
        tmp_npy.unlink(missing_ok=True)
        tmp_meta.unlink(missing_ok=True)
        raise
