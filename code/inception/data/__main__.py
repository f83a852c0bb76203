"""Command line: ``python -m inception.data {verify,download,split,cache}``.

Exit status 0 on success, 1 when the data is missing or wrong (the message
names the file; no traceback), 2 for a usage error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ._base import ENV_DATA_DIR, IMAGES_PER_CLASS, DataError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m inception.data",
        description="UC Merced Land Use data: download, verify, split, decode cache.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    dd = dict(
        metavar="DIR",
        help=f"data folder (official layout DIR/UCMerced_LandUse/Images/<class>/, DIR/Images/<class>/ "
        f"or DIR/<class>/); default: ${ENV_DATA_DIR}, else data/ucmerced in the checkout",
    )

    v = sub.add_parser("verify", help="check 21 classes x 100 decodable images; print class counts")
    v.add_argument("--data-dir", **dd)
    v.add_argument("--per-class", type=int, default=IMAGES_PER_CLASS,
                   help="expected images per class (default 100; 0: any)")
    v.add_argument("--quick", action="store_true", help="check names and counts only, do not decode")
    v.add_argument("--no-progress", action="store_true")

    d = sub.add_parser("download", help="download, verify and extract the official archive")
    d.add_argument("--data-dir", **dd)
    d.add_argument("--url", action="append", dest="urls", metavar="URL",
                   help="try this URL (repeatable; default: the official one, then the mirror)")
    d.add_argument("--no-progress", action="store_true")

    s = sub.add_parser("split", help="check (or --write) the committed split file")
    s.add_argument("--write", action="store_true", help="regenerate data/splits/ucmerced_split.json")

    c = sub.add_parser("cache", help="decode the images into the cache at a size")
    c.add_argument("--data-dir", **dd)
    c.add_argument("--size", type=int, default=128, help="image side in pixels (default 128)")
    c.add_argument("--cache-dir", metavar="DIR", help="default: data/cache in the checkout")
    c.add_argument("--rebuild", action="store_true")
    c.add_argument("--no-progress", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "verify":
            from .layout import verify

            report = verify(
                args.data_dir,
                per_class=args.per_class or None,
                decode=not args.quick,
                progress=not args.no_progress,
            )
            print(report.summary())
            print("OK")
        elif args.command == "download":
            from . import download as dl

            # module attributes read here, not at import, so tests can point them at a small archive
            root = dl.download_and_extract(
                args.data_dir, urls=args.urls or dl.URLS, size=dl.ARCHIVE_SIZE, sha256=dl.ARCHIVE_SHA256,
                progress=not args.no_progress,
            )
            print(f"data ready in {root}")
        elif args.command == "split":
            from .split import load_split, make_split, split_file, write_split

            path = split_file()
            if args.write:
                print(f"wrote {write_split(path)}")
            elif not path.is_file():
                print(f"{path} is missing; run with --write", file=sys.stderr)
                return 1
            elif load_split(path) != make_split():
                print(f"{path} differs from the regenerated split; run with --write if intended", file=sys.stderr)
                return 1
            else:
                counts = {k: len(v) for k, v in load_split(path).items()}
                print(f"{path} matches the regenerated split: {counts}")
        elif args.command == "cache":
            from .cache import build_cache

            cache = build_cache(args.data_dir, args.size, cache_dir=args.cache_dir, rebuild=args.rebuild,
                                progress=not args.no_progress)
            print(f"{cache.path}: {cache.images.shape} uint8 (decoded in {cache.meta.get('decode_seconds')} s)")
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
