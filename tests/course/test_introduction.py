"""Chapter 1's numbers (inception.course.introduction): results as printed, depth, the neighbours."""

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from inception.counting import googlenet_totals  # noqa: E402
from inception.course import introduction  # noqa: E402
from inception.spec import googlenet_spec  # noqa: E402


def test_alexnet_2012_is_the_two_gpu_network():
    a = introduction.alexnet_2012_counts()
    assert a["params"] == 60_965_224  # the 2012 network: about 60.97M
    rows = {r["model"]: r for r in introduction.neighbours()}
    tv = rows["AlexNet (one column)"]
    assert tv["params"] == 61_100_840 > a["params"]  # torchvision's: more parameters ...
    assert tv["MACs"] < a["MACs"]  # ... and fewer multiply-adds
    assert tv["top-5 error"] is None and rows["GoogLeNet (bn)"]["top-5 error"] is None
    assert rows["GoogLeNet (paper)"]["top-5 error"] == pytest.approx(0.0667)

def test_single_model_and_twelvefold():
    s = introduction.single_model_result()
    assert (s["single_error"], s["ensemble_error"], s["ensemble_cost"]) == (0.1007, 0.0667, 1008)
    t = introduction.twelvefold()
    assert t["quoted_ratio"] == 12 and 8 < t["ratio"] < t["ratio_trunk"] < 12

def test_task_shares_reproduce_the_slides():
    rows = introduction.task_shares()
    assert introduction.papers_total() == 117
    assert round(100 * rows[0]["share"], 2) == 17.95 and round(100 * rows[1]["share"], 2) == 9.40

def test_bn_vs_paper_explains_the_whole_difference():
    import torch
    import torchvision

    from inception.torch import googlenet

    with torch.device("meta"):
        tv = torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=True)
        paper = googlenet(variant="paper", aux_logits=False)
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert introduction.bn_vs_paper()["difference"] == count(paper) - count(tv)

def test_depth_is_22_and_27_with_pools():
    assert introduction.depth() == 22
    assert introduction.depth(count_pools=True) == 27
    assert introduction.table1_depth() == 22
    steps = introduction.depth_path()
    assert [s.name for s in steps][:3] == ["conv1", "maxpool1", "conv2"]
    assert steps[-1].name == "fc" and steps[-1].depth == 22
    assert sum(s.kind == "inception" for s in steps) == 9
    assert all(s.weighted == 2 for s in steps if s.kind == "inception")

def test_depth_follows_the_spec_not_a_constant():
    # The bn variant has no LRN; LRN has no parameters, so the depth is the same.
    assert introduction.depth(googlenet_spec("bn", aux_logits=False)) == 22

def test_weighted_layer_count():
    assert introduction.weighted_layer_count() == {"conv": 57, "linear": 1, "aux conv": 2, "aux linear": 4}

def test_reference_models_are_torchvisions_counts():
    rows = {r["model"]: r for r in introduction.reference_models()}
    assert rows["AlexNet"]["params"] == 61_100_840
    assert rows["VGG-16"]["params"] == 138_357_544
    assert rows["GoogLeNet (bn)"]["params"] == 6_624_904
    paper = rows["GoogLeNet (paper)"]
    totals = googlenet_totals("paper", aux_logits=False)
    assert (paper["params"], paper["MACs"]) == (totals.params, totals.macs) == (6_998_552, 1_582_671_872)
    assert rows["VGG-16"]["MACs"] == 15_470_264_320
    assert rows["GoogLeNet (bn)"]["top-5 error"] == pytest.approx(0.0667)

def test_torch_macs_matches_the_counter_at_256():
    import torch

    from inception.torch import googlenet

    with torch.device("meta"):
        model = googlenet("paper", aux_logits=False)
    assert introduction.torch_macs(model, 256) == googlenet_totals("paper", aux_logits=False, input_size=256).macs
    assert model.training  # mode restored


def test_ensemble_steps_from_table3():
    s = introduction.ensemble_steps()
    assert s["passes"] == [1, 10, 144, 7, 70, 1008]
    assert s["crops_1_10"] == pytest.approx(0.0092)  # 10.07% -> 9.15%
    assert s["crops_10_144"] == pytest.approx(0.0126)  # 9.15% -> 7.89%
    assert s["models_1_7"] == pytest.approx(0.0198)  # 10.07% -> 8.09%
    assert s["whole"] == pytest.approx(0.034)


def test_input_size_scaling_is_the_area_ratio_but_for_the_classifier():
    s = introduction.input_size_scaling(256)
    assert s["grids"] == [128, 64, 32, 16, 8] and s["base_grids"] == [112, 56, 28, 14, 7]
    assert (s["macs"], s["base_macs"]) == (2_066_849_792, 1_582_671_872)
    assert s["classifier_macs"] == 1024 * 1000
    assert s["trunk_ratio"] == pytest.approx(64 / 49, rel=1e-12)  # exact: 256 = 224 * 8 / 7
    assert s["ratio"] < s["area_ratio"] == pytest.approx(64 / 49)


def test_plot_neighbours_draws_the_counted_values():
    rows = [{"model": "A", "params": 2e6, "MACs": 3e9}, {"model": "B", "params": 5e6, "MACs": 1e9}]
    fig = introduction.plot_neighbours(rows, ["B", "A"])
    left, right = fig.axes
    assert [p.get_width() for p in left.patches] == pytest.approx([5.0, 2.0])
    assert [p.get_width() for p in right.patches] == pytest.approx([1.0, 3.0])
    with pytest.raises(ValueError):
        introduction.plot_neighbours(rows, ["C"])
