"""inception.overview: the numbers of chapters 1, 2 and 8."""

import matplotlib

matplotlib.use("Agg")

import pytest

from inception import overview
from inception.counting import googlenet_totals, inception_cost
from inception.spec import TABLE1, googlenet_spec, with_row


def test_depth_is_22_and_27_with_pools():
    assert overview.depth() == 22
    assert overview.depth(count_pools=True) == 27
    assert overview.table1_depth() == 22
    steps = overview.depth_path()
    assert [s.name for s in steps][:3] == ["conv1", "maxpool1", "conv2"]
    assert steps[-1].name == "fc" and steps[-1].depth == 22
    assert sum(s.kind == "inception" for s in steps) == 9
    assert all(s.weighted == 2 for s in steps if s.kind == "inception")


def test_depth_follows_the_spec_not_a_constant():
    # The bn variant has no LRN; LRN has no parameters, so the depth is the same.
    assert overview.depth(googlenet_spec("bn", aux_logits=False)) == 22


def test_weighted_layer_count():
    assert overview.weighted_layer_count() == {"conv": 57, "linear": 1, "aux conv": 2, "aux linear": 4}


def test_reference_models_are_torchvisions_counts():
    rows = {r["model"]: r for r in overview.reference_models()}
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
    assert overview.torch_macs(model, 256) == googlenet_totals("paper", aux_logits=False, input_size=256).macs
    assert model.training  # mode restored


def test_kernel_costs_grow_with_the_square():
    rows = overview.kernel_costs()
    assert [r["vs 1x1"] for r in rows] == [1, 9, 25, 49]
    assert rows[2]["MACs"] == 28 * 28 * 128 * 25 * 192


def test_widening_is_quadratic():
    w = overview.widening_cost(factor=2)  # input width fixed: 2c + 4c over c + c
    assert (w["ratio"], w["first_ratio"], w["second_ratio"]) == (3, 2, 4)
    assert w["before"] == 2 * 28 * 28 * 128 * 9 * 128
    assert overview.widening_cost(factor=3)["ratio"] == 6  # (3 + 9) / 2


def test_naive_network_grows_block_after_block():
    rows = overview.naive_vs_reduced()
    assert len(rows) == 9
    first = rows[0]
    assert (first["naive in"], first["naive out"]) == (192, 64 + 128 + 32 + 192)
    assert first["naive MACs"] == inception_cost(28, 28, 192, 64, 96, 128, 16, 32, 32, reduced=False)["macs"]
    for a, b in zip(rows, rows[1:]):
        assert b["naive in"] == a["naive out"] < b["naive out"]
    assert rows[-1]["naive out"] == 4944 and rows[-1]["reduced out"] == 1024
    assert all(r["naive MACs"] > r["reduced MACs"] for r in rows)
    # the reduced side is GoogLeNet itself
    assert sum(r["reduced params"] for r in rows) < googlenet_totals("paper", aux_logits=False).params


def test_naive_network_totals():
    t = overview.naive_network_totals()
    assert t["reduced_params"] == 6_998_552 and t["reduced_macs"] == 1_582_671_872
    assert t["naive_final_channels"] == 4944
    assert t["naive_macs"] == 12_568_061_056
    assert t["naive_params"] == 97_526_008


def test_naive_vs_reduced_follows_a_changed_table():
    table = with_row(TABLE1, "inception3a", c5x5=64)
    rows = overview.naive_vs_reduced(table)
    assert rows[0]["naive out"] == 64 + 128 + 64 + 192
    block = {r[""]: r for r in overview.naive_vs_reduced_block("inception3a", table)}
    assert block["output channels"]["with reductions"] == 64 + 128 + 64 + 32


def test_verification_summary_all_agree():
    rows = overview.verification_summary(include_keras=False)
    assert len(rows) >= 10
    assert all(r["agrees"] for r in rows), [r for r in rows if not r["agrees"]]


def test_figures_are_drawn_from_the_spec():
    fig = overview.draw_naive_module("inception4a")
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "14x14x480" in texts and "192 + 208 + 48 + 480 = 928" in texts
    with pytest.raises(ValueError):
        overview.draw_naive_module("maxpool3")
    fig = overview.plot_naive_growth()
    assert len(fig.axes) == 2


def test_plot_neighbours_draws_the_counted_values():
    rows = [{"model": "A", "params": 2e6, "MACs": 3e9}, {"model": "B", "params": 5e6, "MACs": 1e9}]
    fig = overview.plot_neighbours(rows, ["B", "A"])
    left, right = fig.axes
    assert [p.get_width() for p in left.patches] == pytest.approx([5.0, 2.0])
    assert [p.get_width() for p in right.patches] == pytest.approx([1.0, 3.0])
    with pytest.raises(ValueError):
        overview.plot_neighbours(rows, ["C"])
