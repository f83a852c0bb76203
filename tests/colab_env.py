"""A Colab-like Python for the book's notebooks, built offline from this machine's.

Colab runs a chapter with its own torch, TensorFlow and Jupyter, plus this
package installed from the repository, not editable (``pip install --no-deps
git+URL``), in an empty working folder; it has no jupyter-book, myst-nb or
Sphinx. :func:`make_env` builds the same shape here without a network: a
fresh virtual environment (``python -m venv --without-pip``) holding the
package installed from a wheel built from this checkout, that reads every
other package from the shared ``.venv``'s site-packages (added to its path,
not as a site folder, so the shared editable install of the package is not
seen), and in which jupyter-book, myst-nb, myst-parser, Sphinx and pybtex
cannot be imported. :func:`execute` runs a notebook in a Jupyter kernel of
that Python, from an empty folder.

``python tests/colab_env.py [NOTEBOOK...]`` (default: every chapter of the
Colab edition, converted first) is the slower check of all chapters.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[1]

#: What Colab does not ship and the book's build needs: these cannot be imported in the environment.
BLOCKED = ("jupyter_book", "myst_nb", "myst_parser", "sphinx", "sphinx_book_theme", "sphinx_design",
           "sphinxcontrib", "sphinx_thebe", "sphinx_togglebutton", "sphinx_copybutton",
           "sphinx_external_toc", "sphinx_comments", "sphinx_multitoc_numbering",
           "sphinx_jupyterbook_latex", "sphinx_mathjax_offline", "pybtex", "nbval")

_BLOCKER = '''"""Installed by tests/colab_env.py: packages Colab does not ship cannot be imported."""
import sys

BLOCKED = {blocked!r}


class _NotOnColab:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}} (not on Colab)", name=name)
        return None


sys.meta_path.insert(0, _NotOnColab)
'''

KERNEL_NAME = "colab-like"


def build_wheel(out_dir: Path) -> Path:
    """A wheel of the package, built (offline, no build isolation) from a copy of
    what ``pip install git+URL`` sees: pyproject.toml, README.md, code/ and data/."""
    src = Path(tempfile.mkdtemp(prefix="colab-src-"))
    try:
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(ROOT / name, src / name)
        shutil.copytree(ROOT / "code", src / "code",
                        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "records"))
        for kind in ("runs", "crosscheck", "benchmarks", "splits"):
            shutil.copytree(ROOT / "data" / kind, src / "data" / kind)
        out_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                        "--no-index", "-q", "-w", str(out_dir), str(src)], check=True,
                       stdout=subprocess.DEVNULL)
    finally:
        shutil.rmtree(src, ignore_errors=True)
    return next(out_dir.glob("inception_book-*.whl"))


def make_env(where: Path) -> Path:
    """Build the environment under ``where``; returns its Python."""
    where = Path(where)
    base = Path(sys.base_prefix) / "bin" / "python3"
    subprocess.run([str(base), "-m", "venv", "--without-pip", str(where / "venv")], check=True)
    python = where / "venv" / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    wheel = build_wheel(where / "wheel")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q",
                    "--target", str(site), str(wheel)], check=True, stdout=subprocess.DEVNULL)
    shared = sysconfig.get_paths()["purelib"]  # the shared .venv's site-packages
    (site / "_not_on_colab.py").write_text(_BLOCKER.format(blocked=BLOCKED))
    (site / "zz_colab_like.pth").write_text(
        f"import sys; sys.path.append({shared!r}); import _not_on_colab\n")
    spec = where / "jupyter" / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Colab-like", "language": "python",
        "env": {"PYTHONPATH": "", "PYTHONNOUSERSITE": "1"},
    }))
    return python


def probe(python: Path) -> dict:
    """Where the environment imports the package from, and which blocked packages it can import."""
    code = ("import importlib, json, inception\n"
            f"bad = []\nfor m in {BLOCKED!r}:\n"
            "    try:\n        importlib.import_module(m)\n        bad.append(m)\n"
            "    except ImportError:\n        pass\n"
            "from inception.data._base import records_dir\n"
            "print(json.dumps({'inception': inception.__file__, 'importable': bad,"
            " 'runs': str(records_dir('runs'))}))")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([str(python), "-c", code], check=True, capture_output=True, text=True,
                         cwd=tempfile.gettempdir(), env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def execute(notebook: Path, where: Path, workdir: Optional[Path] = None, timeout: int = 1800):
    """Execute ``notebook`` in the environment's kernel from ``workdir`` (an empty
    folder by default), in the short configuration; returns the executed notebook."""
    import nbformat
    from nbclient import NotebookClient

    workdir = Path(workdir or tempfile.mkdtemp(prefix="colab-run-"))
    nb = nbformat.read(notebook, as_version=4)
    saved = {k: os.environ.get(k) for k in ("JUPYTER_PATH", "INCEPTION_SMOKE", "TF_CPP_MIN_LOG_LEVEL")}
    os.environ["JUPYTER_PATH"] = str(Path(where) / "jupyter")
    os.environ["INCEPTION_SMOKE"] = "1"
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    try:
        NotebookClient(nb, timeout=timeout, kernel_name=KERNEL_NAME,
                       resources={"metadata": {"path": str(workdir)}}).execute()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return nb


def _main(argv=None) -> int:
    import argparse
    import time

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("notebooks", nargs="*", help="default: the Colab edition of every chapter")
    p.add_argument("--keep", help="build the environment here and keep it")
    args = p.parse_args(argv)
    where = Path(args.keep or tempfile.mkdtemp(prefix="colab-env-"))
    python = where / "venv" / "bin" / "python"
    if not python.exists():
        python = make_env(where)
    print("environment:", probe(python))
    notebooks = [Path(n) for n in args.notebooks]
    if not notebooks:
        sys.path.insert(0, str(ROOT / "code"))
        from inception.course.book.colab import write_edition

        notebooks = write_edition(ROOT, where / "edition")
    failed = 0
    for nb in notebooks:
        t0 = time.time()
        try:
            execute(nb, where)
            print(f"{nb.name}: ran in {time.time() - t0:.0f} s")
        except Exception as exc:  # report every chapter, then fail
            failed += 1
            print(f"{nb.name}: FAILED after {time.time() - t0:.0f} s: {str(exc)[-2000:]}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(_main())
