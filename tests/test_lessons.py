"""The small computations behind chapters 1-4 (inception.lessons)."""

import math

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from inception import lessons as L  # noqa: E402


def test_alexnet_2012_is_the_two_gpu_network():
    a = L.alexnet_2012_counts()
    assert a["params"] == 60_965_224  # the 2012 network: about 60.97M
    rows = {r["model"]: r for r in L.neighbours()}
    tv = rows["AlexNet (one column)"]
    assert tv["params"] == 61_100_840 > a["params"]  # torchvision's: more parameters ...
    assert tv["MACs"] < a["MACs"]  # ... and fewer multiply-adds
    assert tv["top-5 error"] is None and rows["GoogLeNet (bn)"]["top-5 error"] is None
    assert rows["GoogLeNet (paper)"]["top-5 error"] == pytest.approx(0.0667)


def test_single_model_and_twelvefold():
    s = L.single_model_result()
    assert (s["single_error"], s["ensemble_error"], s["ensemble_cost"]) == (0.1007, 0.0667, 1008)
    t = L.twelvefold()
    assert t["quoted_ratio"] == 12 and 8 < t["ratio"] < t["ratio_trunk"] < 12


def test_task_shares_reproduce_the_slides():
    rows = L.task_shares()
    assert L.papers_total() == 117
    assert round(100 * rows[0]["share"], 2) == 17.95 and round(100 * rows[1]["share"], 2) == 9.40


def test_pooling_schedule_quarters_the_cost():
    rows = L.pooling_schedule()
    assert [r["grid"] for r in rows] == ["112x112", "56x56", "28x28", "14x14", "7x7"]
    assert sum(r["share"] for r in rows) == pytest.approx(1)
    assert rows[3]["MACs without the pool before"] == 4 * rows[3]["MACs"]
    assert rows[3]["blocks"].count("inception") == 5


def test_batch_norm_formula_matches_torch():
    r = L.batch_norm_check()
    assert r["max_diff_train"] < 1e-5 and r["max_diff_running_mean"] < 1e-6
    assert r["max_diff_running_var"] < 1e-5
    assert r["x_hat_mean"] < 1e-5 and r["x_hat_std"] == pytest.approx(1, abs=1e-4)
    assert r["eval_differs_by"] > 0.1  # one step of running statistics is not the batch's


def test_label_smoothing():
    q = L.label_smoothing(2, 4, 0.1)
    assert q == pytest.approx([0.025, 0.025, 0.925, 0.025]) and sum(q) == pytest.approx(1)
    assert L.smoothed_logit_gap(1000, 0.1) == pytest.approx(math.log(0.9001 / 0.0001))
    assert L.smoothed_logit_gap(10, 0) == math.inf
    with pytest.raises(ValueError):
        L.label_smoothing(0, 4, 1.0)


def test_rmsprop_normalises_the_step_unless_eps_is_large():
    rows = L.rmsprop_steps()
    # TensorFlow's form (eps inside the root), by hand for 2 steps, g = 1, eps = 1
    (r,) = L.rmsprop_steps(gradients=(1.0,), eps=(1.0,), steps=2)
    assert r["distance"] == pytest.approx(0.01 / math.sqrt(0.1 + 1) + 0.01 / math.sqrt(0.19 + 1))
    # PyTorch's form (eps outside) is torch.optim.RMSprop's, and differs
    (t,) = L.rmsprop_steps(gradients=(1.0,), eps=(1.0,), steps=2, form="pytorch")
    assert t["distance"] == pytest.approx(0.01 / (math.sqrt(0.1) + 1) + 0.01 / (math.sqrt(0.19) + 1))
    with pytest.raises(ValueError):
        L.rmsprop_steps(form="keras")
    small = [r["distance"] for r in rows if r["eps"] < 1e-3]
    assert max(small) == pytest.approx(min(small), rel=1e-3)
    big = {r["gradient"]: r["distance"] for r in rows if r["eps"] == 1.0}
    assert big[0.01] < big[1.0] < big[100.0]


def test_grid_reduction_options():
    conv_first, pool_first, parallel = L.grid_reduction_options(35, 320)
    assert parallel["MACs"] * 2 == pool_first["MACs"] < conv_first["MACs"]
    assert pool_first["bottleneck"] and not parallel["bottleneck"]
    assert pool_first["smallest representation"] * 2 == parallel["smallest representation"]


def test_stems_and_the_v4_stem_figure():
    v1, v1_at_299, v3 = L.stem_comparison()
    # convolution weights alike in every row: no biases, no batch norm
    assert v1["weights"] == v1_at_299["weights"] == 7 * 7 * 3 * 64 and v3["ReLUs"] == 3
    assert v3["weights"] == 9 * (3 * 32 + 32 * 32 + 32 * 64)
    assert v3["output"] == v1_at_299["output"]
    fig = L.v4_stem_figure()
    assert len(fig.axes) == 4
    assert "Filter concat\n35x35x384" in [t.get_text() for t in fig.axes[-1].texts]


def test_version_names_cover_both_v2s():
    rows = {r["network"].split(" (")[0]: r for r in L.VERSION_NAMES}
    assert rows["BN-Inception"]["v4 paper (2017)"] == "Inception-v2"
    assert any(r["slides"] == "Inception v2" and r["v3 paper (2016)"] == "Inception-v2"
               for r in L.VERSION_NAMES)


def test_bn_vs_paper_explains_the_whole_difference():
    import torch
    import torchvision

    from inception.torch import googlenet

    with torch.device("meta"):
        tv = torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=True)
        paper = googlenet(variant="paper", aux_logits=False)
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert L.bn_vs_paper()["difference"] == count(paper) - count(tv)


def test_ensemble_steps_from_table3():
    s = L.ensemble_steps()
    assert s["passes"] == [1, 10, 144, 7, 70, 1008]
    assert s["crops_1_10"] == pytest.approx(0.0092)  # 10.07% -> 9.15%
    assert s["crops_10_144"] == pytest.approx(0.0126)  # 9.15% -> 7.89%
    assert s["models_1_7"] == pytest.approx(0.0198)  # 10.07% -> 8.09%
    assert s["whole"] == pytest.approx(0.034)


def test_input_size_scaling_is_the_area_ratio_but_for_the_classifier():
    s = L.input_size_scaling(256)
    assert s["grids"] == [128, 64, 32, 16, 8] and s["base_grids"] == [112, 56, 28, 14, 7]
    assert (s["macs"], s["base_macs"]) == (2_066_849_792, 1_582_671_872)
    assert s["classifier_macs"] == 1024 * 1000
    assert s["trunk_ratio"] == pytest.approx(64 / 49, rel=1e-12)  # exact: 256 = 224 * 8 / 7
    assert s["ratio"] < s["area_ratio"] == pytest.approx(64 / 49)
