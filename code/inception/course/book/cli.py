"""The book's commands: ``python -m inception.course.book execute|sync-colab|words NOTEBOOK...``
and ``python -m inception.course.book colab --out DIR``."""

from __future__ import annotations

import argparse
from typing import Optional, Sequence

from .notebooks import execute_notebook, sync_colab_cell


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m inception.course.book execute|sync-colab|words NOTEBOOK...`` and ``colab --out DIR``."""
    parser = argparse.ArgumentParser(prog="python -m inception.course.book", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("execute", help="execute notebooks in place (smoke mode unless --full)")
    ex.add_argument("notebooks", nargs="+")
    ex.add_argument("--full", action="store_true", help="run the full configuration")
    ex.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    sy = sub.add_parser("sync-colab", help="write the current Colab cell into notebooks")
    sy.add_argument("notebooks", nargs="+")
    wo = sub.add_parser("words", help="prose words before the exercises, against the limit")
    wo.add_argument("notebooks", nargs="+")
    co = sub.add_parser("colab", help="write the Colab edition: one plain notebook per chapter of _toc.yml")
    co.add_argument("--out", required=True, help="folder to write the notebooks into")
    co.add_argument("--root", default=".", help="the book's root folder (with _toc.yml; default: .)")
    co.add_argument("--executed", help="read glue values from these executed notebooks "
                                       "(e.g. _build/jupyter_execute) instead of the saved outputs of book/")
    args = parser.parse_args(argv)
    if args.command == "colab":
        from .colab import ConversionError, write_edition

        try:
            written = write_edition(args.root, args.out, executed_dir=args.executed)
        except (ConversionError, AssertionError) as exc:
            print(f"error: {exc}")
            return 1
        for path in written:
            print(f"wrote {path}")
        return 0
    if args.command == "execute":
        for nb in args.notebooks:
            seconds = execute_notebook(nb, smoke=not args.full, timeout=args.timeout)
            print(f"{nb}: executed in {seconds:.1f} s")
    elif args.command == "words":
        from .words import prose_limit, prose_words

        over = 0
        for nb in args.notebooks:
            n, limit = prose_words(nb), prose_limit(nb)
            over += n > limit
            print(f"{nb}: {n:,} words of prose (limit {limit:,}){'  OVER' if n > limit else ''}")
        return 1 if over else 0
    else:
        for nb in args.notebooks:
            print(f"{nb}: {'updated' if sync_colab_cell(nb) else 'up to date'}")
    return 0
