"""Inception v2/v3/v4 specs and their analytic counts, against published numbers.

No framework is built here (see test_versions_torch.py and
test_versions_keras.py for the builds): these are the counts the builds are
then checked against, pinned to the numbers the implementations publish.
"""

import pytest

from inception import counting as v1_counting
from inception import counting
from inception.course import versions
from inception.spec import (
    Concat,
    Pool,
    bn_inception_spec,
    conv,
    inception_v3_spec,
    inception_v4_spec,
    version_spec,
)


# --------------------------------------------------------------------------
# Whole networks: the published counts
# --------------------------------------------------------------------------


def test_inception_v3_counts_are_torchvisions():
    with_aux = counting.totals(inception_v3_spec())
    no_aux = counting.totals(inception_v3_spec(aux_logits=False))
    assert with_aux.trainable == 27_161_264  # torchvision's meta["num_params"]
    assert no_aux.trainable == 23_834_568
    # moving statistics: 2 per batch-norm channel (17,216 in the trunk, 896 in the aux head)
    assert no_aux.non_trainable == 2 * 17_216 == 34_432
    assert with_aux.non_trainable == 2 * (17_216 + 128 + 768)
    # torchvision's meta["_ops"] is 5.713 "GFLOPS": multiply-adds, our count
    assert with_aux.macs == no_aux.macs == 5_713_216_096


def test_inception_v3_without_bn_scale_is_keras_applications():
    t = counting.totals(inception_v3_spec(aux_logits=False, bn_scale=False))
    assert (t.params, t.trainable, t.non_trainable) == (23_851_784, 23_817_352, 34_432)
    assert counting.bn_channels(inception_v3_spec(aux_logits=False)) == 17_216


def test_inception_v4_count_is_timms_and_tf_slims_is_explained():
    t = counting.totals(inception_v4_spec())
    assert t.trainable == 42_679_816  # timm's inception_v4 (1000 classes)
    assert t.non_trainable == 2 * 31_584
    assert t.macs == 12_253_974_624
    v4 = versions.inception_v4_comparison()
    assert v4["difference"] == 0
    changes = [r["change"] for r in v4["rows"]]
    # no batch-norm scale: -1 per channel; 1001 classes: +1536 weights +1 bias; TF-slim's aux head
    assert changes[1:] == [-31_584, 1_537, (1024 * 128 + 128) + (25 * 128 * 768 + 768) + (768 * 1001 + 1001)]
    assert v4["rows"][-1]["trainable"] == 46_009_106


def test_bn_inception_count_and_the_caffe_models():
    ours = counting.totals(bn_inception_spec())
    caffe = counting.totals(bn_inception_spec(conv_bias=True))
    assert ours.trainable == 11_285_224
    assert caffe.trainable == 11_295_240 == versions.PUBLISHED_COUNTS["BN-Inception (Caffe model)"]["params"]
    assert caffe.trainable - ours.trainable == counting.bn_channels(bn_inception_spec()) == 10_016
    assert ours.macs == 2_032_600_064


# --------------------------------------------------------------------------
# Shapes: the papers' grids and channel counts
# --------------------------------------------------------------------------


def _shapes(spec, size=None):
    return {b.name: b.output_shape for b in counting.count_blocks(spec, size)}


def test_inception_v3_shapes_match_torchvisions_comments():
    s = _shapes(inception_v3_spec())
    assert s["Conv2d_1a_3x3"] == (32, 149, 149)
    assert s["maxpool1"] == (64, 73, 73)
    assert s["maxpool2"] == (192, 35, 35)
    assert [s[f"Mixed_5{x}"] for x in "bcd"] == [(256, 35, 35), (288, 35, 35), (288, 35, 35)]
    assert s["Mixed_6a"] == s["Mixed_6e"] == (768, 17, 17)
    assert s["Mixed_7a"] == (1280, 8, 8)
    assert s["Mixed_7c"] == (2048, 8, 8)
    assert s["AuxLogits"] == s["fc"] == (1000,)


def test_inception_v4_shapes_follow_figure_9():
    s = _shapes(inception_v4_spec())
    assert s["features.5"] == (384, 35, 35)  # stem output (figure 3)
    assert all(s[f"features.{i}"] == (384, 35, 35) for i in range(6, 10))  # 4 x Inception-A
    assert s["features.10"] == (1024, 17, 17)  # Reduction-A
    assert all(s[f"features.{i}"] == (1024, 17, 17) for i in range(11, 18))  # 7 x Inception-B
    assert s["features.18"] == (1536, 8, 8)  # Reduction-B
    assert all(s[f"features.{i}"] == (1536, 8, 8) for i in range(19, 22))  # 3 x Inception-C
    kinds = [b.kind for b in inception_v4_spec().blocks]
    assert kinds.count("inception_a") == 4 and kinds.count("inception_b") == 7 and kinds.count("inception_c") == 3


def test_bn_inception_shapes_follow_the_filter_numbers():
    s = _shapes(bn_inception_spec())
    expected = {"inception3a": 256, "inception3b": 320, "inception3c": 576, "inception4a": 576,
                "inception4b": 576, "inception4c": 608, "inception4d": 608, "inception4e": 1056,
                "inception5a": 1024, "inception5b": 1024}
    assert {k: s[k][0] for k in expected} == expected
    assert s["inception3b"][1:] == (28, 28) and s["inception3c"][1:] == (14, 14)
    assert s["inception4e"][1:] == (7, 7) and s["inception5b"][1:] == (7, 7)


def test_smallest_inputs():
    assert counting.min_input_size(inception_v3_spec(aux_logits=False)) == 75  # torchvision's min_size
    assert counting.min_input_size(inception_v3_spec()) == 299  # the aux head's 5x5 conv needs 17x17
    assert counting.min_input_size(inception_v4_spec()) == 75
    assert counting.min_input_size(bn_inception_spec()) == 63
    with pytest.raises(ValueError, match="too small"):
        counting.count_layers(inception_v3_spec(), 298)
    # BN-Inception's stride-2 modules need even grids: conv rounds down, ceil-mode pool up
    counting.count_layers(bn_inception_spec(), 97)
    with pytest.raises(ValueError, match="inception3c.*different grids"):
        counting.count_layers(bn_inception_spec(), 107)


# --------------------------------------------------------------------------
# Modules and factorisations
# --------------------------------------------------------------------------


def test_factorisation_savings_reproduce_the_papers_claims():
    rows = {r["factorisation"]: r for r in versions.factorisation_savings()}
    five = rows["5x5 -> two 3x3"]
    assert five["saving"] == pytest.approx(0.28) and round(100 * five["saving"]) == 28
    three = rows["3x3 -> 1x3 + 3x1"]
    assert three["saving"] == pytest.approx(1 / 3) and round(100 * three["saving"]) == 33
    assert rows["7x7 -> 1x7 + 7x1"]["saving"] == pytest.approx(1 - 14 / 49)
    for r in rows.values():  # same grid before and after: MACs save what parameters save
        assert r["MAC saving"] == pytest.approx(r["saving"])
    # independent of width and grid
    other = {r["factorisation"]: r["saving"] for r in versions.factorisation_savings(channels=17, size=9)}
    assert other == {k: r["saving"] for k, r in rows.items()}


def test_module_comparison_agrees_with_googlenets_counter():
    rows = {r["key"]: r for r in versions.module_comparison(size=35)}
    assert {r["out"] for k, r in rows.items() if k != "v1_naive"} == {256}
    ref = v1_counting.inception_cost(35, 35, 192, 64, 96, 128, 16, 32, 32, reduced=True, bias=False)
    naive = v1_counting.inception_cost(35, 35, 192, 64, 96, 128, 16, 32, 32, reduced=False, bias=False)
    assert (rows["v1"]["params"], rows["v1"]["MACs"]) == (ref["params"], ref["macs"]) == (163_328, 200_076_800)
    assert (rows["v1_naive"]["params"], rows["v1_naive"]["MACs"], rows["v1_naive"]["out"]) == (
        naive["params"], naive["macs"], naive["out_channels"])
    # v3's module in the comparison is torchvision's Mixed_5b
    mixed_5b = next(b for b in counting.count_blocks(inception_v3_spec()) if b.name == "Mixed_5b")
    assert rows["v3_fig5"]["params"] == mixed_5b.weights
    # the factorised designs are cheaper than the ones they factorise
    assert rows["v3_fig6"]["params"] < rows["v2"]["params"]
    assert rows["v3_fig7"]["params"] < rows["v2"]["params"]
    assert rows["v2"]["depth"] == 3 and rows["v3_fig6"]["depth"] == 5


def test_block_branches_draw_nested_splits_as_one_box():
    v4c = versions.v4_blocks()[-1]
    branches = versions.block_branches(v4c)
    assert len(branches) == 4
    assert branches[1][-1] == ("1x3 | 3x1 conv", "384 -> 256 + 256")
    fig = versions.module_diagram(v4c, title="Inception-C")
    assert fig.axes


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="num_classes"):
        inception_v3_spec(num_classes=0)
    with pytest.raises(ValueError, match="dropout"):
        inception_v4_spec(dropout=1.0)
    with pytest.raises(ValueError, match="Unknown version"):
        version_spec("inception_v5")
    with pytest.raises(ValueError, match="kernel"):
        conv("x", 3, 8, (1, 2, 3))
    with pytest.raises(ValueError, match="pool kind"):
        Pool("min", 3, 1)


def test_branches_on_different_grids_cannot_be_concatenated():
    bad = (Concat(((conv("a", 8, 8, 3, stride=2),), (conv("b", 8, 8, 1),))),)
    with pytest.raises(ValueError, match="different grids"):
        counting.sequence_cost(bad, 8, 17)
