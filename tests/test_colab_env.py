"""The chapters on Colab: the package installed from a wheel (not editable) into
a Colab-like Python without jupyter-book, myst-nb or Sphinx, each notebook run
from an empty folder (tests/colab_env.py builds it, offline).

- The wheel carries the committed records and the package finds them there.
- The Colab edition of chapter 8 runs top to bottom.
- Chapters 7, 8 and the appendix, which read the records, compute there the
  same numbers as the saved outputs of the book (every glued value, every
  output nbval compares).

``python tests/colab_env.py`` runs the whole edition (slower: every chapter).
"""

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import colab_env
from inception.course.book import colab as C
from inception.data.packaging import record_files

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = sorted(f"{k}/{p.as_posix()}" for k, p in record_files(ROOT / "data"))


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    where = tmp_path_factory.mktemp("colab-env")
    python = colab_env.make_env(where)
    return where, python


def test_the_committed_records_are_the_ones_shipped():
    tracked = subprocess.run(["git", "-C", str(ROOT), "ls-files", "data/runs", "data/crosscheck", "data/benchmarks"],
                             capture_output=True, text=True, check=True).stdout.split()
    assert COMMITTED == sorted(t[len("data/"):] for t in tracked if t.endswith(".json"))
    assert len(COMMITTED) > 20


def test_the_wheel_ships_the_records_and_a_colab_like_python_finds_them(env):
    where, python = env
    wheel = next((where / "wheel").glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    shipped = sorted(n[len("inception/data/records/"):] for n in names if n.startswith("inception/data/records/"))
    assert shipped == COMMITTED
    found = colab_env.probe(python)
    site = str(where / "venv")
    assert found["inception"].startswith(site)  # the installed wheel, not this checkout
    assert found["importable"] == []  # no jupyter-book, myst-nb, Sphinx
    assert found["runs"].startswith(site) and found["runs"].endswith("inception/data/records/runs")


def outputs_nbval_compares(nb):
    """Per checked cell: its stdout and displayed text/plain and text/html, glue outputs aside."""
    out = []
    for cell in nb.cells if hasattr(nb, "cells") else nb["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.get("cell_type") != "code" or "nbval-check-output" not in tags:
            continue
        shown = []
        for o in cell.get("outputs", []):
            if "scrapbook" in (o.get("metadata") or {}):
                continue
            if o.get("output_type") == "stream" and o.get("name") == "stdout":
                shown.append(("stdout", "".join(o["text"]) if isinstance(o["text"], list) else o["text"]))
            for mime in ("text/plain", "text/html"):
                if mime in (o.get("data") or {}):
                    v = o["data"][mime]
                    shown.append((mime, "".join(v) if isinstance(v, list) else v))
        out.append(shown)
    return out


#: A stand-in for myst-nb's glue in the kernel: it keeps each value's text as
#: IPython displays it (what myst-nb saves), and a last cell prints them all.
RECORD_GLUE = """import sys, types
from IPython.lib.pretty import pretty
_glued = {}
sys.modules["myst_nb"] = types.SimpleNamespace(glue=lambda name, value, display=False: _glued.__setitem__(name, pretty(value)))
"""
PRINT_GLUE = "import json; print('GLUED' + json.dumps(_glued))"


@pytest.mark.slow
@pytest.mark.parametrize("chapter", ["07_results", "08_conclusion", "appendix_performance"])
def test_the_chapters_that_read_records_show_the_books_results_from_an_empty_folder(env, tmp_path, chapter):
    import nbformat

    where, _ = env
    book = ROOT / "book" / f"{chapter}.ipynb"
    nb = nbformat.read(book, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(RECORD_GLUE))
    nb.cells.append(nbformat.v4.new_code_cell(PRINT_GLUE))
    probe = tmp_path / "probe.ipynb"
    nbformat.write(nb, probe)
    workdir = tmp_path / "empty"
    workdir.mkdir()
    ran = colab_env.execute(probe, where, workdir)
    last = "".join(o.get("text", "") for o in ran.cells[-1].outputs if o.get("output_type") == "stream")
    glued = json.loads(last.split("GLUED", 1)[1])
    saved = nbformat.read(book, as_version=4)
    expected = {k: v.get("text/plain") for k, v in C.glue_outputs(saved).items()}
    assert len(expected) > 10
    differ = {k: (glued.get(k), v) for k, v in expected.items() if glued.get(k) != v}
    assert not differ, f"{chapter}: glued values that differ on Colab (Colab, book): {differ}"
    assert outputs_nbval_compares(ran) == outputs_nbval_compares(saved)
    assert sorted(p.name for p in workdir.iterdir()) == []  # nothing written into the folder


def test_the_colab_edition_of_chapter_8_runs_top_to_bottom(env, tmp_path):
    where, _ = env
    nb = C.convert_chapter(ROOT, "book/08_conclusion")
    C.assert_plain(nb, "08_conclusion")
    path = tmp_path / "08_conclusion.ipynb"
    path.write_text(json.dumps(nb))
    (tmp_path / "empty").mkdir()
    ran = colab_env.execute(path, where, tmp_path / "empty")
    errors = [o for c in ran.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []
    text = "\n".join(o.get("text", "") for c in ran.cells for o in c.get("outputs", [])
                     if o.get("output_type") == "stream")
    assert "not shown" not in text and "no run" not in text  # the records were found


def test_without_run_records_chapter_8_says_so_in_one_sentence(env, tmp_path, monkeypatch):
    where, _ = env
    (tmp_path / "no-runs").mkdir()
    monkeypatch.setenv("INCEPTION_RUNS_DIR", str(tmp_path / "no-runs"))
    ran = colab_env.execute(ROOT / "book" / "08_conclusion.ipynb", where, tmp_path / "no-runs")
    printed = [o["text"] for c in ran.cells for o in c.get("outputs", []) if o.get("output_type") == "stream"
               and o.get("name") == "stdout"]
    assert printed == ["The records of chapter 7's training runs are not here, so this page leaves out what "
                       "they showed.\n"]


def test_records_are_found_in_the_checkout_then_in_the_package_then_nowhere(tmp_path, monkeypatch):
    from inception.data import _base
    from inception.data.packaging import copy_records

    assert _base.records_dir("runs") == ROOT / "data" / "runs"  # a checkout reads its own data/
    with pytest.raises(ValueError, match="unknown kind"):
        _base.records_dir("weights")
    packaged = tmp_path / "records"
    assert copy_records(ROOT / "data", packaged) == len(COMMITTED)
    monkeypatch.setattr(_base, "repo_root", lambda: None)  # as installed from a wheel
    monkeypatch.setattr(_base, "PACKAGED_RECORDS", packaged)
    monkeypatch.chdir(tmp_path)
    assert _base.records_dir("crosscheck") == packaged / "crosscheck"
    from inception.course import performance, results

    assert results.load_crosschecks() == results.load_crosschecks(ROOT / "data" / "crosscheck") != {}
    assert list(results.load_runs()) == list(results.load_runs(ROOT / "data" / "runs"))
    assert performance.load_benchmarks() == performance.load_benchmarks(ROOT / "data" / "benchmarks") != {}
    monkeypatch.setattr(_base, "PACKAGED_RECORDS", tmp_path / "nowhere")
    assert _base.records_dir("runs") == tmp_path / "data" / "runs"  # absent: readers find no records
    assert results.load_runs() == {} and performance.load_benchmarks() == {}
