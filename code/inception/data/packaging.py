"""The wheel's build step that ships the committed records with the package.

``pyproject.toml`` names :class:`BuildPy` as setuptools' ``build_py``
command. Besides the package's modules it copies the committed JSON records
the chapters read, ``data/runs``, ``data/crosscheck`` and ``data/benchmarks``
(about 1 MB), into ``inception/data/records/<kind>/`` of the build, so that a
non-editable install (``pip install git+URL``, what the chapters' Colab cell
runs) finds them where :func:`inception.data._base.records_dir` looks. The
repository keeps one copy, under ``data/``; an editable install reads it there.

setuptools loads this file by its path while it builds, before the package
is importable: it imports nothing from the package.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools.command.build_py import build_py as _build_py

#: The folders of ``data/`` shipped (``inception.data._base.RECORD_KINDS``) and the files taken from them.
KINDS = ("runs", "crosscheck", "benchmarks")
PATTERN = "**/*.json"


def record_files(data_dir: Path):
    """``(kind, path relative to data/<kind>)`` of every record to ship, sorted."""
    out = []
    for kind in KINDS:
        root = data_dir / kind
        if root.is_dir():
            out += [(kind, p.relative_to(root)) for p in sorted(root.glob(PATTERN)) if p.is_file()]
    return out


def copy_records(data_dir: Path, target: Path) -> int:
    """Copy the records of ``data_dir`` into ``target/<kind>/...``; returns how many."""
    files = record_files(data_dir)
    for kind, rel in files:
        dest = target / kind / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(data_dir / kind / rel, dest)
    return len(files)


class BuildPy(_build_py):
    """setuptools' ``build_py``, plus the committed records (not in an editable build,
    which reads ``data/`` of the checkout)."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        data_dir = Path.cwd() / "data"
        target = Path(self.build_lib) / "inception" / "data" / "records"
        n = copy_records(data_dir, target)
        if n == 0:
            raise RuntimeError(f"no records under {data_dir}: build the wheel from a checkout of the repository")
        self.announce(f"copied {n} records from {data_dir} into {target}", level=2)
