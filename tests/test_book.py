"""The book's helpers (inception.book) and the book's structure: the toc, the
chapters' titles and Colab cells, the configuration, the bibliography."""

import json
import re
import sys
import types
from pathlib import Path

import pytest
import yaml

import inception
from inception import book

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))

#: The chapters of the course, in order (one per section of the slides).
CHAPTERS = [
    "book/01_introduction",
    "book/02_motivation",
    "book/03_inception_module",
    "book/04_versions",
    "book/05_architecture",
    "book/06_implementation",
    "book/07_results",
    "book/08_conclusion",
    "book/09_references",
]


def toc_files():
    files = [TOC["root"]]

    def walk(entries):
        for e in entries or []:
            if "file" in e:
                files.append(e["file"])
            walk(e.get("sections"))

    for part in TOC.get("parts", []):
        walk(part.get("chapters"))
    walk(TOC.get("chapters"))
    return files


def source_of(docname):
    for suffix in (".ipynb", ".md"):
        path = ROOT / (docname + suffix)
        if path.exists():
            return path
    return None


def notebooks():
    return [p for p in (source_of(f) for f in toc_files()) if p is not None and p.suffix == ".ipynb"]


# --------------------------------------------------------------------------
# The smoke switch
# --------------------------------------------------------------------------


@pytest.mark.parametrize("value, smoke", [
    ("1", True), ("true", True), ("YES", True), (" on ", True),
    ("0", False), ("false", False), ("No", False), ("off", False),
])
def test_smoke_switch_values(value, smoke):
    assert book.is_smoke({book.SMOKE_ENV: value}) is smoke


def test_smoke_switch_rejects_other_values():
    with pytest.raises(ValueError, match="INCEPTION_SMOKE"):
        book.is_smoke({book.SMOKE_ENV: "maybe"})


@pytest.mark.parametrize("cuda", [True, False])
def test_smoke_default_follows_the_gpu(monkeypatch, cuda):
    monkeypatch.setattr(book, "_cuda_available", lambda: cuda)
    assert book.is_smoke({}) is (not cuda)
    assert book.is_smoke({book.SMOKE_ENV: ""}) is (not cuda)


def test_smoke_attribute_reads_the_environment_when_asked(monkeypatch):
    monkeypatch.setenv(book.SMOKE_ENV, "1")
    assert book.SMOKE is True
    monkeypatch.setenv(book.SMOKE_ENV, "0")
    assert book.SMOKE is False
    assert book.mode_name() == "full"
    with pytest.raises(AttributeError):
        book.NOT_A_THING  # noqa: B018


def test_choose(monkeypatch):
    monkeypatch.setenv(book.SMOKE_ENV, "1")
    assert book.choose(smoke=1, full=30) == 1
    assert book.choose(1, 30, environ={book.SMOKE_ENV: "0"}) == 30


# --------------------------------------------------------------------------
# Colab
# --------------------------------------------------------------------------


def test_colab_cell_installs_from_the_repository_without_touching_frameworks():
    src = book.colab_cell_source()
    assert f'"git+{inception.REPOSITORY_URL}"' in src
    assert 'if "google.colab" in sys.modules:' in src
    install_lines = [l for l in src.splitlines() if "pip install" in l]
    assert install_lines and all(l.startswith("    %pip install") for l in install_lines)
    assert any("--no-deps" in l and "git+" in l for l in install_lines)
    for heavy in ("torch ", "torchvision", "tensorflow", "keras", "-U", "--upgrade", "--force"):
        assert all(heavy not in l.split("git+")[0] for l in install_lines), heavy
    assert src.rstrip().endswith("colab_setup()")


def test_colab_setup_is_silent_off_colab(capsys, monkeypatch):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    assert book.colab_setup() is None
    assert capsys.readouterr().out == ""


def test_colab_setup_reports_the_gpu_on_colab(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(book, "gpu_name", lambda: "Tesla T4")
    monkeypatch.delenv(book.SMOKE_ENV, raising=False)
    monkeypatch.setattr(book, "_cuda_available", lambda: True)
    info = book.colab_setup()
    out = capsys.readouterr().out
    assert "GPU: Tesla T4" in out and "full" in out
    assert info == {"gpu": "Tesla T4", "smoke": False}


def test_colab_setup_without_gpu_says_how_to_get_one(capsys, monkeypatch):
    monkeypatch.setattr(book, "gpu_name", lambda: None)
    monkeypatch.setattr(book, "_cuda_available", lambda: False)
    monkeypatch.delenv(book.SMOKE_ENV, raising=False)
    book.colab_setup(force=True)
    out = capsys.readouterr().out
    assert "No GPU" in out and "smoke" in out


def _nb(cells):
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def test_sync_colab_cell_inserts_after_the_title_then_updates(tmp_path):
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(_nb([
        {"cell_type": "markdown", "metadata": {}, "source": ["# Title\n"]},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": ["1 + 1"]},
    ])))
    assert book.sync_colab_cell(path) is True
    nb = json.loads(path.read_text())
    assert book.find_colab_cell(nb) == 1
    assert "".join(nb["cells"][1]["source"]) == book.colab_cell_source()
    assert nb["cells"][1]["metadata"]["tags"] == [book.COLAB_CELL_TAG, "remove-cell"]
    assert book.sync_colab_cell(path) is False  # already current
    nb["cells"][1]["source"] = ["old text"]
    path.write_text(json.dumps(nb))
    assert book.sync_colab_cell(path) is True
    assert book.main(["sync-colab", str(path)]) == 0


# --------------------------------------------------------------------------
# Glue, formatting, tables, figures
# --------------------------------------------------------------------------


def test_formatting():
    assert book.fmt_int(6998552) == "6,998,552"
    assert book.fmt_si(1_582_671_872) == "1.58 G"
    assert book.fmt_si(112_896_000, unit="MACs") == "113 MMACs"
    assert book.fmt_si(12) == "12"
    assert book.fmt_words(1_582_671_872) == "1.58 billion"
    assert book.fmt_words(714_188_480) == "714 million"
    assert book.fmt_words(416) == "416"
    assert book.fmt_pct(0.0667, 2) == "6.67%"
    assert book.fmt_ratio(8.7349) == "8.7x"


def test_glue_formats_and_never_displays(monkeypatch):
    import myst_nb

    calls = []
    monkeypatch.setattr(myst_nb, "glue", lambda name, value, display: calls.append((name, value, display)))
    assert book.glue("a", 6998552, book.fmt_int) is None
    book.glue("b", 0.5, ".1f")
    book.glue("c", 22)
    assert calls == [("a", "6,998,552", False), ("b", "0.5", False), ("c", 22, False)]


def test_glued_figure_is_a_png_whatever_the_backend(monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import myst_nb

    calls = []
    monkeypatch.setattr(myst_nb, "glue", lambda name, value, display: calls.append(value))
    fig = plt.figure(figsize=(2, 1))
    book.glue("fig", fig)
    plt.close(fig)
    (value,) = calls
    assert isinstance(value, book.FigurePNG)
    assert value._repr_png_().startswith(b"\x89PNG")
    assert repr(value) == "<figure 2x1 in>"


def test_table_renders_text_and_html():
    t = book.table(
        [{"name": "conv1", "params": 9472, "ok": True}, {"name": "fc<", "params": 1025000, "ok": False}],
        headers={"params": "parameters"}, highlight=lambda r: not r["ok"],
    )
    text = repr(t).splitlines()
    assert text[0].split() == ["name", "parameters", "ok"]
    assert text[2].startswith("  conv1") and text[2].split()[1] == "9,472"
    assert text[3].startswith("* fc<")  # highlighted
    html = t._repr_html_()
    assert "<th" in html and "parameters" in html and "fc&lt;" in html  # escaped
    assert html.count("inception-highlight") == 1
    assert len(t) == 2


def test_table_from_sequences_needs_columns():
    with pytest.raises(ValueError):
        book.Table([[1, 2]])
    with pytest.raises(ValueError, match="2 cells"):
        book.Table([[1, 2]], columns=["a", "b", "c"])
    t = book.Table([[1, 2.5]], columns=["a", "b"], formats={"b": "{:.2f}".format})
    assert t.cell(t.rows[0], "b") == "2.50"


# --------------------------------------------------------------------------
# The Sphinx extension
# --------------------------------------------------------------------------


class _JS:
    def __init__(self, filename, **attributes):
        self.filename, self.attributes = filename, attributes


def test_dedupe_scripts_keeps_the_first_and_the_list_object():
    scripts = [_JS(None, body="const A = 1"), _JS("x.js"), _JS("", body="const A = 1"), _JS("x.js"),
               _JS("y.js", async_="async")]
    context = {"script_files": scripts}
    book.dedupe_scripts(None, "page", "page.html", context, None)
    assert context["script_files"] is scripts  # later listeners append to this list
    assert [(s.filename, s.attributes) for s in scripts] == [
        (None, {"body": "const A = 1"}), ("x.js", {}), ("y.js", {"async_": "async"})]


def test_extension_setup_connects_early():
    connected = []

    class App:
        def connect(self, event, fn, priority=500):
            connected.append((event, fn, priority))

    meta = book.setup(App())
    from inception.book.sphinx import execution_override

    # the execution override late among config-inited listeners, dedupe_scripts early among the page's
    assert sorted(connected, key=lambda c: c[0]) == [("config-inited", execution_override, 900),
                                                     ("html-page-context", book.dedupe_scripts, 100)]
    assert meta["parallel_read_safe"]


# --------------------------------------------------------------------------
# Executing notebooks
# --------------------------------------------------------------------------


def test_execute_notebook_runs_in_smoke_mode_and_drops_stderr(tmp_path, monkeypatch):
    monkeypatch.delenv(book.SMOKE_ENV, raising=False)
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps({
        "cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "id": "a",
                   "source": ["import os, sys\n", "print(os.environ['INCEPTION_SMOKE'], os.getcwd())\n",
                              "print('noise', file=sys.stderr)"]}],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    }))
    book.execute_notebook(path)
    outputs = json.loads(path.read_text())["cells"][0]["outputs"]
    assert [o["name"] for o in outputs] == ["stdout"]
    smoke, cwd = "".join(outputs[0]["text"]).split()
    assert smoke == "1" and Path(cwd).resolve() == tmp_path.resolve()
    assert book.SMOKE_ENV not in __import__("os").environ  # restored


# --------------------------------------------------------------------------
# The book's configuration and structure
# --------------------------------------------------------------------------


def test_config_uses_the_package_repository_url():
    assert CONFIG["repository"]["url"] == inception.REPOSITORY_URL
    assert CONFIG["launch_buttons"]["colab_url"] == "https://colab.research.google.com"


def test_config_executes_every_chapter_and_builds_only_the_toc():
    assert CONFIG["execute"]["execute_notebooks"] in ("force", "cache")
    assert CONFIG["execute"]["allow_errors"] is False
    assert CONFIG["only_build_toc_files"] is True
    for path in (".venv", "_build", "data", "tests", "code", "README.md"):
        assert path in CONFIG["exclude_patterns"]
    assert "inception.book" in CONFIG["sphinx"]["extra_extensions"]


def test_toc_lists_the_chapters_in_order():
    assert TOC["format"] == "jb-book"
    files = toc_files()
    assert [f for f in files if f in CHAPTERS] == CHAPTERS


@pytest.mark.parametrize("docname", toc_files())
def test_every_toc_entry_exists_and_has_a_title(docname):
    path = source_of(docname)
    assert path is not None, f"{docname} listed in _toc.yml but missing"
    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text(encoding="utf-8"))
        first = nb["cells"][0]
        assert first["cell_type"] == "markdown" and "".join(first["source"]).startswith("# "), (
            f"{path.name}: the first cell must be the markdown '# Title'")
        assert book.notebook_title(nb)
        assert nb["metadata"].get("kernelspec", {}).get("name") == "python3"
    else:
        assert path.read_text(encoding="utf-8").startswith("# ")


@pytest.mark.parametrize("path", notebooks(), ids=lambda p: p.name)
def test_first_code_cell_is_the_current_colab_cell(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    i = book.find_colab_cell(nb)
    assert i is not None, f"{path.name}: first code cell must be the Colab cell (tag {book.COLAB_CELL_TAG!r})"
    assert "".join(nb["cells"][i]["source"]) == book.colab_cell_source(), (
        f"{path.name}: outdated Colab cell; run python -m inception.book sync-colab book/*.ipynb")
    # Off Colab it prints nothing, so a saved output can only be empty.
    assert not [o for o in nb["cells"][i].get("outputs", []) if o.get("output_type") != "stream"
                or "".join(o.get("text", "")).strip()]


def test_every_citation_is_in_the_bibliography():
    keys = set(book.bib_entries(ROOT / "references.bib"))
    for docname in toc_files():
        path = source_of(docname)
        if path.suffix == ".ipynb":
            text = "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"]
                             if c["cell_type"] == "markdown")
        else:
            text = path.read_text(encoding="utf-8")
        missing = set(book.cited_keys(text)) - keys
        assert not missing, f"{path.name} cites {sorted(missing)}, not in references.bib"


def test_bibliography_holds_the_required_works():
    entries = book.bib_entries(ROOT / "references.bib")
    for key, year, word in [
        ("szegedy2015going", "2015", "Going Deeper"),
        ("ioffe2015batch", "2015", "Batch Normalization"),
        ("szegedy2016rethinking", "2016", "Rethinking the Inception"),
        ("szegedy2017inception", "2017", "Inception-v4"),
        ("yang2010bag", "2010", "Land-Use"),
        ("zhou2016learning", "2016", "Discriminative Localization"),
        ("castelluccio2015land", "2015", "Land Use Classification"),
        ("krizhevsky2012imagenet", "2012", "ImageNet Classification"),
        ("simonyan2015very", "2015", "Very Deep"),
        ("lin2014network", "2014", "Network In Network"),
        ("arora2014provable", "2014", "Provable Bounds"),
        ("russakovsky2015imagenet", "2015", "Large Scale Visual Recognition"),
    ]:
        assert entries[key]["year"] == year and word in entries[key]["title"], key
    assert all("author" in e and "title" in e and "year" in e for e in entries.values())


def test_cited_keys_and_citation_index():
    assert book.cited_keys("see {cite:p}`a, b` and {cite}`c`; {cite:t}`a`") == ["a", "b", "c"]
    rows = book.citation_index(ROOT / "book", ROOT / "references.bib")
    by_work = {r["work"]: r for r in rows}
    assert "1 Introduction" in by_work["Szegedy et al. (2015)"]["cited in"]
    assert by_work["Yang & Newsam (2010)"]["title"].startswith("Bag-of-Visual-Words")
    assert by_work["Müller et al. (2019)"]["title"] == "When Does Label Smoothing Help?"  # accents, braces
    assert book.citation_index(ROOT / "nowhere", ROOT / "nothing.bib") == []


def test_bib_entries_reads_bibtex_with_pybtex(tmp_path):
    bib = tmp_path / "refs.bib"
    bib.write_text('''@article{a2020,
  title = {{GoogLeNet} and {\\"O}sterreich},
  author = {M{\\"u}ller, Rafael and Kornblith, Simon},
  year = 2020, journal = "J"}
@misc{b, author={Wightman, Ross}, title={timm}, year={2019}}''', encoding="utf-8")
    entries = book.bib_entries(bib)
    assert entries["a2020"] == {"type": "article", "title": "GoogLeNet and Österreich",
                                "author": "Müller, Rafael and Kornblith, Simon",
                                "year": "2020", "journal": "J"}
    assert entries["b"]["title"] == "timm"  # fields on one line are read too
    assert book._short_author(entries["a2020"]["author"]) == "Müller & Kornblith"


def test_page_label_numbers_chapters():
    assert book.page_label(ROOT / "book" / "05_architecture.ipynb").startswith("5 ")
    landing = book.page_label(ROOT / "book" / "intro.md")
    assert landing and not landing[0].isdigit()


def test_build_script_and_workflow_run_the_same_steps():
    script = (ROOT / ".ci" / "build-book").read_text()
    assert "bash .ci/setup" in script
    assert "jupyter-book build . -W --keep-going" in script
    assert "INCEPTION_SMOKE=${INCEPTION_SMOKE:-1}" in script
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    steps = [s.get("run", "") for job in workflow["jobs"].values() for s in job.get("steps", [])]
    assert any("bash .ci/build-book" in s for s in steps)


def test_no_data_set_photographs_are_committed():
    """The repository holds no data-set images: photographs shown by the results
    chapter exist only in the built book, never in the committed notebooks."""
    for path in notebooks():
        nb = json.loads(path.read_text(encoding="utf-8"))
        photos = [i for i, c in enumerate(nb["cells"]) for o in c.get("outputs", []) if book.is_photo_output(o)]
        assert not photos, f"{path.name}: cells {photos} hold photographs; re-run python -m inception.book execute"


# --------------------------------------------------------------------------
# The chapters speak to the reader (the browser check reads the built pages too)
# --------------------------------------------------------------------------

#: Chapters whose sources are held to the course shape below.
COURSE_CHAPTERS = ["book/05_architecture", "book/06_implementation", "book/07_results", "book/08_conclusion"]
HIDDEN = {"remove-cell", "remove-input"}


def _cells(docname):
    return json.loads(source_of(docname).read_text(encoding="utf-8"))["cells"]


def _tags(cell):
    return set(cell.get("metadata", {}).get("tags", []))


#: Chapters still being rewritten for the reader; the check reports them without failing.
IN_REWRITE: set = set()


@pytest.mark.parametrize("docname", [
    pytest.param(c, marks=pytest.mark.xfail(reason="chapter still being rewritten", strict=False))
    if c in IN_REWRITE else c for c in CHAPTERS if source_of(c)], ids=lambda d: d[5:])
def test_plumbing_is_hidden_and_code_fits_the_page(docname):
    import browser_check

    for i, cell in enumerate(_cells(docname)):
        src = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            assert not browser_check.developer_words(src), (docname, i, browser_check.developer_words(src))
            continue
        if _tags(cell) & HIDDEN:
            continue
        assert book.COLAB_CELL_TAG not in _tags(cell), f"{docname}: the Colab cell is not hidden"
        assert "glue(" not in src and "NBVAL" not in src, f"{docname} cell {i}: visible plumbing"
        long = [line for line in src.splitlines() if len(line) > 88]
        assert not long, f"{docname} cell {i}: lines over 88 characters: {long}"


@pytest.mark.parametrize("docname", COURSE_CHAPTERS, ids=lambda d: d[5:])
def test_course_chapter_shape(docname):
    text = "\n".join("".join(c["source"]) for c in _cells(docname) if c["cell_type"] == "markdown")
    assert "```{admonition} Learning objectives" in text or "**After this chapter you can**" in text
    assert "After this chapter you can" in text
    assert "## Key takeaways" in text and "## Exercises" in text
    exercises = text.split("## Exercises", 1)[1]
    n = len(re.findall(r"^\d+\. ", exercises, flags=re.M))
    assert 3 <= n <= 6, f"{docname}: {n} exercises"
    assert exercises.count(":::{dropdown}") == n, f"{docname}: every exercise needs a dropdown"


def test_references_chapter_credits_the_slides_and_the_software():
    text = "\n".join("".join(c["source"]) for c in _cells("book/09_references"))
    for name in ("Maboudi", "Diaz", "Deep Learning", "geeksforgeeks", "towardsdatascience",
                 "paperswithcode"):
        assert name in text, name
    for key in ("maboudi2022slides", "marcel2010torchvision", "silberman2016tfslim",
                "wightman2019timm"):
        assert f"`{key}`" in text or f",{key}`" in text, key
    assert "citation_index(" in text


def test_book_execution_mode_can_be_set_from_the_environment(monkeypatch):
    """INCEPTION_BOOK_EXECUTE overrides myst-nb's execution mode (CI builds from the outputs nbval checked)."""
    from types import SimpleNamespace

    from sphinx.errors import ConfigError

    from inception.book.sphinx import EXECUTE_ENV, execution_override

    config = SimpleNamespace(nb_execution_mode="force")
    monkeypatch.delenv(EXECUTE_ENV, raising=False)
    execution_override(None, config)
    assert config.nb_execution_mode == "force"  # unset: _config.yml's mode stands
    monkeypatch.setenv(EXECUTE_ENV, "off")
    execution_override(None, config)
    assert config.nb_execution_mode == "off"
    monkeypatch.setenv(EXECUTE_ENV, "sometimes")
    with pytest.raises(ConfigError, match="expected one of"):
        execution_override(None, config)
