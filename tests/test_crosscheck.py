"""crosscheck.plain_model_check: a hand-written GoogLeNet against the package's.

The hand-written models are the ones chapter 6 shows: their definitions are
read from the notebook, so the chapter's code cannot drift from the package
without this failing.
"""

import json
from pathlib import Path

import pytest
import torch  # before keras: see the README's note on Triton
from torch import nn

from inception import crosscheck

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "book" / "06_implementation.ipynb"
SIZE, CLASSES = 64, 5


def chapter_definitions(replace=()):
    """Run the chapter's imports and its class and function definitions
    (with ``replace``: (old, new) edits of their source); return the namespace."""
    cells = json.loads(CHAPTER.read_text(encoding="utf-8"))["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    wanted = [src for src in code
              if src.startswith(("import os\nfrom collections import", "class ", "def "))]
    assert len(wanted) >= 7, "the chapter's model definitions were not found"
    namespace = {}
    for src in wanted:
        for old, new in replace:
            src = src.replace(old, new)
        exec(compile(src, str(CHAPTER), "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def chapter():
    return chapter_definitions()


def test_chapter_pytorch_googlenet_is_the_bn_variant(chapter):
    res = crosscheck.plain_model_check(chapter["GoogLeNet"](CLASSES), "bn", CLASSES, SIZE)
    assert res["framework"] == "PyTorch"
    assert res["counts_match"] and res["layers"] > 100
    total = res["rows"][-1]
    assert total["layer"] == "total" and total["plain"] == total["package"] == total["analytic"]
    assert res["output_scale"] > 1.0  # random weights: outputs far from zero
    assert res["max_abs_diff"] <= 1e-5 * res["output_scale"]


def test_chapter_keras_googlenet_is_the_bn_variant(chapter):
    res = crosscheck.plain_model_check(chapter["googlenet"](CLASSES, SIZE), "bn", CLASSES, SIZE)
    assert res["framework"] == "Keras"
    assert res["counts_match"]
    assert res["max_abs_diff"] <= 1e-5 * res["output_scale"]


def test_a_real_5x5_branch_is_caught_layer_by_layer(chapter):
    plain = chapter["GoogLeNet"](CLASSES)
    plain.stage1.inception3a.branch3[1] = chapter["BasicConv2d"](16, 32, 5, padding=2)
    res = crosscheck.plain_model_check(plain, "bn", CLASSES, SIZE)
    bad = [r for r in res["rows"] if not r["match"]]
    assert [r["layer"] for r in bad] == ["inception3a.branch3.1.conv", "total"]
    assert (bad[0]["analytic"], bad[0]["plain"]) == (16 * 32 * 9, 16 * 32 * 25)
    assert res["max_abs_diff"] is None  # nothing to copy into a layer of another shape


def test_a_wrong_flatten_order_is_caught_by_the_outputs():
    chapter = chapter_definitions(replace=[(
        "layers.Flatten()(layers.Permute((3, 1, 2))(x))", "layers.Flatten()(x)")])
    res = crosscheck.plain_model_check(chapter["googlenet"](CLASSES, SIZE), "bn", CLASSES, SIZE)
    assert res["counts_match"]  # the same weights, read in another order
    assert res["max_abs_diff"] > 1e-2 * res["output_scale"]


def test_layers_must_pair_up_by_name(chapter):
    plain = chapter["GoogLeNet"](CLASSES)
    plain.extra = nn.Linear(2, 2)
    with pytest.raises(ValueError, match="pair up by name"):
        crosscheck.plain_model_check(plain, "bn", CLASSES, SIZE)


def test_stage_prefixes_are_dropped_longest_match_first():
    from inception import torch as it

    reference = it.googlenet("bn", CLASSES, input_size=SIZE)
    plain = nn.Module()
    plain.stage = nn.Sequential()
    for name, module in reference.named_children():
        plain.stage.add_module(name, module)
    names = crosscheck._plain_torch_names(plain, reference)
    assert names["stage.aux1.fc1.weight"] == "aux1.fc1.weight"
    assert names["stage.fc.weight"] == "fc.weight"
    assert len(names) == len(reference.state_dict())
