"""How long each chapter reads (inception.course.book.words) and the one form of the
learning-objectives box, checked on every page of the book's table of contents."""

import pytest

from inception.course.book import words
from test_book import TOC, source_of, toc_files


def _nb(*cells):
    return {"cells": [{"cell_type": t, "source": s} for t, s in cells]}


BOX = ("```{admonition} Learning objectives\n:class: tip\nAfter this chapter you can\n\n"
       "- count a layer's weights;\n- say why.\n```")


def test_prose_words_counts_prose_before_the_exercises_only():
    nb = _nb(
        ("markdown", "# Title\n\nOne two three.\n\n" + BOX),
        ("code", "not counted at all"),
        ("markdown", "Cost $k^2 C$ is {glue:text}`ch_x` per {cite:p}`key` image `code`:\n\n"
                     "$$\na = b\n$$\n\n| a | table |\n|---|---|\n\n"
                     ":::{dropdown} Solution\nhidden words here\n:::\n\n"
                     ":::{admonition} How we know\n:class: dropdown\nhidden too\n:::\n\n"
                     "```python\nx = 1\n```\n\nSee {doc}`03_inception_module`."),
        ("markdown", "## Key takeaways\n\n- four words right here.\n\n## Exercises\n\n1. Not counted."),
    )
    text = words.prose_text(nb)
    assert "hidden" not in text and "table" not in text and "Not counted" not in text
    # Title(1) + 3 + box: Learning objectives is an option line -> "After this chapter you can"(5)
    # + "count a layer's weights;"(4) + "say why."(2); then Cost, is, X, per, image (5);
    # See X (2); Key takeaways (2) + four words right here (4)
    assert words.prose_words(nb) == 1 + 3 + 5 + 4 + 2 + 5 + 2 + 2 + 4


def test_objectives_box_form():
    assert words.objectives_boxes(_nb(("markdown", "# T\n\nIntro.\n\n" + BOX))) == (1, 2)
    bold = "# T\n\n**After this chapter you can**\n\n- a;\n- b."
    assert words.objectives_boxes(_nb(("markdown", bold))) == (0, 1)
    no_stop = BOX.replace("say why.", "say why")
    assert words.objectives_boxes(_nb(("markdown", no_stop)))[0] == 0
    appendix = BOX.replace("this chapter", "this appendix")
    assert words.objectives_boxes(_nb(("markdown", appendix))) == (1, 2)


def test_limits():
    assert words.prose_limit("book/07_results.ipynb") == 2000
    assert words.prose_limit("book/04_versions.ipynb") == words.PROSE_LIMIT == 2500


def _chapters():
    out = []
    for part in TOC["parts"]:
        if part.get("caption") == "Chapters":
            out += [e["file"] for e in part["chapters"]]
    return out


@pytest.mark.parametrize("docname", _chapters(), ids=lambda d: d[5:])
def test_every_chapter_is_under_its_prose_limit(docname):
    path = source_of(docname)
    n, limit = words.prose_words(path), words.prose_limit(path)
    assert n <= limit, f"{path.name}: {n} words of prose before the exercises, limit {limit}"


@pytest.mark.parametrize("docname", [f for f in toc_files() if f != TOC["root"]], ids=lambda d: d[5:])
def test_every_page_has_one_learning_objectives_box_in_the_book_form(docname):
    path = source_of(docname)
    good, mentions = words.objectives_boxes(path)
    assert (good, mentions) == (1, 2), f"{path.name}: {good} boxes in form, {mentions} mentions"
