"""The Colab edition (inception.course.book.colab): each conversion on small synthetic
markdown, the check that no MyST is left, and the edition of the current book."""

import json
import re
from pathlib import Path

import pytest
import yaml

import inception
from inception.course.book import colab as C
from inception.course.book.sphinx import colab_buttons

ROOT = Path(__file__).resolve().parents[2]
PAGES = "https://inception-book.github.io/googlenet-inception/"


def ctx(**kw):
    base = dict(
        glue={"n": {"text/plain": "'6,998,552'"}, "acc": {"text/plain": "0.9123"},
              "word": {"text/plain": "'agree'"}, "md": {"text/markdown": "**bold**", "text/plain": "'x'"},
              "fig": {"image/png": "iVBORw0KGgo=", "text/plain": "<figure 4x3 in>"},
              "tab": {"text/html": "<table><tr><td>1</td></tr></table>", "text/plain": "  1"}},
        citations={"szegedy2015going": ("Szegedy et al.", "2015"), "lin2014network": ("Lin et al.", "2014")},
        titles={"book/03_inception_module": "The Inception module", "book/09_references": "References"},
        labels={"sec-naive-module": ("book/03_inception_module", "The naive module")},
        docname="book/07_results", repository_url="https://github.com/inception-book/googlenet-inception",
        bibliography=["Szegedy, C. (2015). *Going deeper*."],
    )
    base.update(kw)
    return C.Context(**base)


def md(text, **kw):
    parts = C.convert_markdown(text, ctx(**kw))
    assert all(k == "markdown" for k, _ in parts), parts
    return "\n\n".join(t for _, t in parts)


# ---------------------------------------------------------------- addresses


def test_addresses_come_from_the_one_repository_constant():
    assert C.pages_url() == PAGES
    assert inception.REPOSITORY_URL == "https://github.com/inception-book/googlenet-inception"
    assert C.page_url("book/07_results", "sec-x") == PAGES + "book/07_results.html#sec-x"
    assert C.colab_url("book/07_results") == ("https://colab.research.google.com/github/inception-book/"
                                              "googlenet-inception/blob/colab/07_results.ipynb")
    assert C.pages_url("https://github.com/Some-Org/repo.git") == "https://some-org.github.io/repo/"
    with pytest.raises(ValueError):
        C.pages_url("https://gitlab.com/a/b")


def test_the_colab_button_opens_the_edition():
    context = {"header_buttons": [
        {"type": "group", "label": "launch-buttons", "buttons": [
            {"text": "Binder", "url": "https://mybinder.org/v2/gh/x/y/main?urlpath=tree/book/07_results.ipynb"},
            {"text": "Colab", "url": "https://colab.research.google.com/github/inception-book/googlenet-inception/"
                                     "blob/main/book/07_results.ipynb"}]},
        {"type": "link", "url": "https://github.com/inception-book/googlenet-inception"}]}
    colab_buttons(None, "book/07_results", "page.html", context, None)
    launch = context["header_buttons"][0]["buttons"]
    assert launch[1]["url"] == C.colab_url("book/07_results")
    assert launch[0]["url"].startswith("https://mybinder.org/")  # others untouched
    assert context["header_buttons"][1]["url"] == inception.REPOSITORY_URL


def test_the_pages_workflow_writes_the_edition_to_the_branch_the_buttons_open():
    wf = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    build = wf["jobs"]["build"]["steps"]
    runs = [s.get("run", "") for s in build]
    write = next(i for i, r in enumerate(runs) if "inception.course.book colab" in r)
    assert write > next(i for i, r in enumerate(runs) if "bash .ci/build-book" in r)
    assert "--executed _build/jupyter_execute" in runs[write]
    publish = " ".join(s.get("run", "") for s in wf["jobs"]["colab-edition"]["steps"])
    assert f"git init -q -b {C.EDITION_BRANCH}" in publish and publish.rstrip().endswith(C.EDITION_BRANCH)
    assert wf["jobs"]["colab-edition"]["permissions"]["contents"] == "write"


# ---------------------------------------------------------------- roles


def test_glue_roles_become_the_values_as_the_html_page_shows_them():
    assert md("GoogLeNet has {glue:text}`n` weights.") == "GoogLeNet has 6,998,552 weights."
    assert md("{glue:text}`acc:.1%` and {glue:text}`acc:.2f`") == "91.2% and 0.91"
    assert md("they {glue:text}`word`; {glue}`word`") == "they agree; 'agree'"  # {glue} keeps the quotes
    assert md("{glue:md}`md`") == "**bold**"
    assert md("{glue:text}`other_page.ipynb::n`") == "6,998,552"
    with pytest.raises(C.ConversionError, match="nothing was glued under 'missing'"):
        md("{glue:text}`missing`")


def test_citations_doc_and_ref_become_links_to_the_published_book():
    refs = PAGES + "book/09_references.html"
    assert md("as shown {cite:p}`szegedy2015going,lin2014network`.") == (
        f"as shown ([Szegedy et al. 2015]({refs}); [Lin et al. 2014]({refs})).")
    assert md("{cite:t}`lin2014network` say") == f"[Lin et al. (2014)]({refs}) say"
    assert md("see {doc}`03_inception_module`") == f"see [The Inception module]({PAGES}book/03_inception_module.html)"
    assert md("see {doc}`that chapter <03_inception_module>`") == (
        f"see [that chapter]({PAGES}book/03_inception_module.html)")
    assert md("in {ref}`sec-naive-module`, {ref}`this one <sec-naive-module>`") == (
        f"in [The naive module]({PAGES}book/03_inception_module.html#sec-naive-module), "
        f"[this one]({PAGES}book/03_inception_module.html#sec-naive-module)")
    with pytest.raises(C.ConversionError, match="not in the bibliography"):
        md("{cite:p}`nobody2020`")


def test_code_spans_and_math_are_left_as_they_are():
    text = "write `{glue:text}` like this, and $\\frac{in}{out}$ or $$\\mathrm{x}_{i}$$, then {glue:text}`n`"
    assert md(text) == text.replace("{glue:text}`n`", "6,998,552")


def test_labels_comments_and_block_breaks_disappear():
    assert md("(sec-x)=\n## Title\n% a comment\n+++\ntext") == "## Title\ntext"


# ---------------------------------------------------------------- directives


def test_an_admonition_becomes_a_blockquote_with_a_bold_title():
    out = md("```{admonition} Learning objectives\n:class: tip\nAfter this chapter you can\n\n"
             "- count {glue:text}`n` weights.\n```")
    assert out == ("> **Learning objectives**\n>\n> After this chapter you can\n>\n"
                   "> - count 6,998,552 weights.")
    assert md(":::{note}\nMind the gap.\n:::").startswith("> **Note**\n>\n> Mind the gap.")


def test_dropdowns_and_dropdown_admonitions_become_details():
    out = md("## Exercises\n\n1. Why?\n\n```{dropdown} Solution\nBecause {glue:text}`word`.\n```\n\nafter")
    assert out == "## Exercises\n\n1. Why?\n\n<details>\n<summary>Solution</summary>\n\nBecause agree.\n\n</details>\n\nafter"
    out = md(":::{admonition} How we know\n:class: dropdown\nBoth {glue:text}`word`.\n:::")
    assert out == "<details>\n<summary><b>How we know</b></summary>\n\nBoth agree.\n\n</details>"


def test_nested_blocks_and_code_inside_them():
    out = md("::::{admonition} Outer\n:::{dropdown} Inner\n```python\nx = {1: 2}\n```\n:::\n::::")
    assert out == ("> **Outer**\n>\n> <details>\n> <summary>Inner</summary>\n>\n> ```python\n> x = {1: 2}\n> ```\n>\n"
                   "> </details>")


def test_tabs_become_consecutive_headed_sections_and_literalinclude_code(tmp_path):
    pkg = tmp_path / "code" / "pkg"
    pkg.mkdir(parents=True)
    (pkg / "mod.py").write_text(
        "import math\nimport os\nfrom .other import helper, unused\n\nSCALE = 2\n\n\n"
        "@staticmethod\ndef area(r):\n    return SCALE * math.pi * helper(r)\n\n\ndef other():\n    return os\n")
    book = tmp_path / "book"
    book.mkdir()
    text = ("Before.\n\n::::{tab-set}\n:::{tab-item} PyTorch\n:sync: pytorch\n\n"
            "```{literalinclude} ../code/pkg/mod.py\n:language: python\n:pyobject: area\n```\n:::\n\n"
            ":::{tab-item} Keras\n:sync: keras\n\nNo code.\n:::\n::::\n\nAfter.")
    parts = C.convert_markdown(text, ctx(source_dir=book, code_root=tmp_path / "code"))
    assert [k for k, _ in parts] == ["markdown", "code", "markdown"]
    assert parts[0][1] == "Before.\n\n**PyTorch**"
    assert parts[1][1] == ("# area, from pkg.mod\nimport math\nfrom pkg.other import helper\nfrom pkg.mod import SCALE\n\n"
                           "@staticmethod\ndef area(r):\n    return SCALE * math.pi * helper(r)")
    assert parts[2][1] == "**Keras**\n\nNo code.\n\nAfter."
    ns = {}
    exec(compile("\n".join(parts[1][1].splitlines()[:2]), "x", "exec"), ns)  # the imports run


def test_the_glue_directive_and_the_bibliography():
    parts = C.convert_markdown("A table:\n\n```{glue} tab\n```\n\n```{bibliography}\n:all:\n```", ctx())
    assert parts == [("markdown", "A table:"), ("glue", "tab"), ("markdown", "- Szegedy, C. (2015). *Going deeper*.")]
    assert C._glue_cell(ctx(), "fig")["attachments"] == {"fig.png": {"image/png": "iVBORw0KGgo="}}
    assert C._glue_cell(ctx(), "tab")["source"] == ["<table><tr><td>1</td></tr></table>"]


def test_an_unknown_directive_or_role_is_an_error_not_silence():
    with pytest.raises(C.ConversionError, match="directive {mystery}"):
        md("```{mystery}\nx\n```")
    with pytest.raises(C.ConversionError, match="role {mystery}"):
        md("{mystery}`x`")
    with pytest.raises(C.ConversionError, match="unclosed"):
        md(":::{note}\nnever closed")


# ---------------------------------------------------------------- cells


def nb(*cells):
    return {"cells": [dict(c, metadata=c.get("metadata", {})) for c in cells], "metadata": {}}


def code(src, tags=()):
    return {"cell_type": "code", "source": src, "metadata": {"tags": list(tags)} if tags else {},
            "outputs": [{"output_type": "stream", "name": "stdout", "text": "old"}], "execution_count": 3}


def mdcell(src):
    return {"cell_type": "markdown", "source": src}


def test_cells_hidden_in_the_book_run_collapsed_and_glue_leaves_visible_code():
    book_nb = nb(mdcell("# Title\n\nIntro {glue:text}`n`."),
                 code("print('setup')", ["colab-setup", "remove-cell"]),
                 code("x = 1\nglue('n', x)", ["remove-cell"]),
                 code("y = 2\nglue('a',\n     y)\nprint(y)"),
                 code("glue('only', 1)"),
                 code("for k in range(2):\n    glue(f'k{k}', k)"),
                 code("show(fig)", ["remove-input"]),
                 code("z = 3", ["remove-output"]))
    out = C.convert_notebook(book_nb, ctx())
    cells = out["cells"]
    assert "".join(cells[0]["source"]) == "# Title\n\nIntro 6,998,552."
    assert "web page" in "".join(cells[1]["source"])  # the link to the HTML page, after the title
    src = ["".join(c["source"]) for c in cells]
    setup, hidden, visible, loop, remove_input, remove_output = cells[2:]
    assert setup["metadata"]["cellView"] == "form" and src[2].startswith("#@title ") and "print('setup')" in src[2]
    assert hidden["metadata"]["jupyter"]["source_hidden"] and "glue('n', x)" in src[3]
    assert src[4] == "y = 2\nprint(y)" and "cellView" not in visible["metadata"]
    assert "glue(f'k{k}', k)" in src[5] and loop["metadata"]["cellView"] == "form"  # not removable: collapsed
    assert remove_input["metadata"]["jupyter"]["source_hidden"]
    assert remove_output["metadata"]["jupyter"]["outputs_hidden"] and src[7] == "z = 3"
    assert all(c.get("outputs") == [] and c["execution_count"] is None for c in cells if c["cell_type"] == "code")
    assert "glue('only', 1)" not in "".join(src)  # a cell of nothing but glue is gone
    assert out["metadata"]["kernelspec"]["name"] == "python3" and out["metadata"]["accelerator"] == "GPU"
    assert C.check_notebook(out) == []


def test_the_check_finds_what_a_reader_must_not_see():
    bad = nb(mdcell("a {glue:text}`n` role"), mdcell("```{note}\nx\n```"), mdcell(":::\n"),
             mdcell("(sec-x)=\n# T"), code("glue('x', 1)"))
    problems = C.check_notebook(bad)
    assert [p.split(":")[0] for p in problems] == ["cell 0", "cell 1", "cell 2", "cell 3", "cell 4"]
    assert "glue( in visible code" in problems[-1]
    ok = nb(mdcell("math $\\frac{in}{out}$ and $$\\hat{y}$$, code ```python\nd = {1: 2}\n```"),
            {"cell_type": "code", "source": "glue('x', 1)",
             "metadata": {"cellView": "form", "jupyter": {"source_hidden": True}}})
    assert C.check_notebook(ok) == []
    with pytest.raises(AssertionError, match="MyST left"):
        C.assert_plain(bad)


# ---------------------------------------------------------------- the book


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    out = tmp_path_factory.mktemp("edition")
    return C.write_edition(ROOT, out)


def test_every_chapter_and_appendix_of_the_toc_has_an_edition_with_no_myst(edition):
    names = [p.name for p in edition]
    toc = C.toc_docnames(ROOT)
    assert names == [C.edition_path(d) for d in toc] and "appendix_performance.ipynb" in names
    for path in edition:
        notebook = json.loads(path.read_text())
        C.assert_plain(notebook, path.name)  # no role, no fence with braces, no glue( in visible code
        first_code = next(c for c in notebook["cells"] if c["cell_type"] == "code")
        assert "colab-setup" in first_code["metadata"]["tags"]  # installs the package first
        assert f"git+{inception.REPOSITORY_URL}" in "".join(first_code["source"])


def test_the_edition_quotes_the_numbers_the_book_computed(edition):
    book = json.loads((ROOT / "book" / "07_results.ipynb").read_text())
    glued = C.glue_outputs(book)
    text = "\n".join("".join(c["source"]) for c in json.loads((edition[6]).read_text())["cells"]
                     if c["cell_type"] == "markdown")
    source = "\n".join("".join(c["source"]) for c in book["cells"] if c["cell_type"] == "markdown")
    used = set(re.findall(r"\{glue:text\}`([\w]+)`", source))
    assert len(used) > 20
    for name in used:
        assert C._format_plain_text(glued[name]["text/plain"], "") in text


def test_the_command_writes_the_edition(tmp_path, capsys):
    from inception.course.book import main

    assert main(["colab", "--root", str(ROOT), "--out", str(tmp_path)]) == 0
    assert (tmp_path / "07_results.ipynb").is_file()
    assert main(["colab", "--root", str(ROOT), "--out", str(tmp_path / "x"), "--executed", str(tmp_path / "none")]) == 1
    assert "error:" in capsys.readouterr().out


@pytest.mark.slow
def test_a_built_page_s_colab_button_opens_the_edition(tmp_path):
    """A small Sphinx site with the book's theme, launch buttons and extension."""
    from sphinx.cmd.build import build_main

    (tmp_path / "book").mkdir()
    (tmp_path / "index.md").write_text("# Home\n\n```{toctree}\nbook/07_results\n```\n")
    notebook = {"cells": [{"cell_type": "markdown", "id": "t", "metadata": {}, "source": ["# Results\n"]}],
                "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
                "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "book" / "07_results.ipynb").write_text(json.dumps(notebook))
    (tmp_path / "conf.py").write_text(
        "extensions = ['myst_nb', 'inception.course.book']\nhtml_theme = 'sphinx_book_theme'\n"
        "nb_execution_mode = 'off'\n"
        f"html_theme_options = {{'repository_url': {inception.REPOSITORY_URL!r}, 'repository_branch': 'main',"
        " 'path_to_docs': '', 'use_repository_button': True,"
        " 'launch_buttons': {'colab_url': 'https://colab.research.google.com', 'notebook_interface': 'classic'}}\n")
    assert build_main(["-q", "-b", "html", str(tmp_path), str(tmp_path / "_build")]) == 0
    page = (tmp_path / "_build" / "book" / "07_results.html").read_text()
    colab = set(re.findall(r'https://colab\.research\.google\.com/[^"\']+', page))
    assert colab == {C.colab_url("book/07_results")}
