"""Chapter 3's numbers (inception.course.inception_module.costs): 1x1 reductions, the naive
module stacked, the heads, checked against hand counts and the counter."""

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from inception.counting import conv_params, count_blocks, googlenet_totals, inception_cost  # noqa: E402
from inception.course import inception_module  # noqa: E402
from inception.spec import INCEPTION_ROWS, TABLE1, googlenet_spec, with_row  # noqa: E402


def test_naive_network_grows_block_after_block():
    rows = inception_module.naive_vs_reduced()
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
    t = inception_module.naive_network_totals()
    assert t["reduced_params"] == 6_998_552 and t["reduced_macs"] == 1_582_671_872
    assert t["naive_final_channels"] == 4944
    assert t["naive_macs"] == 12_568_061_056
    assert t["naive_params"] == 97_526_008

def test_naive_vs_reduced_follows_a_changed_table():
    table = with_row(TABLE1, "inception3a", c5x5=64)
    rows = inception_module.naive_vs_reduced(table)
    assert rows[0]["naive out"] == 64 + 128 + 64 + 192
    block = {r[""]: r for r in inception_module.naive_vs_reduced_block("inception3a", table)}
    assert block["output channels"]["with reductions"] == 64 + 128 + 64 + 32

def test_figures_are_drawn_from_the_spec():
    fig = inception_module.draw_naive_module("inception4a")
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "14x14x480" in texts and "192 + 208 + 48 + 480 = 928" in texts
    with pytest.raises(ValueError):
        inception_module.draw_naive_module("maxpool3")
    fig = inception_module.plot_naive_growth()
    assert len(fig.axes) == 2

def test_slides_five_by_five_example():
    ex = inception_module.five_by_five_example()
    assert ex["direct_macs"] == 14 * 14 * 48 * 5 * 5 * 480 == 112_896_000  # 112.9M
    assert ex["reduced_macs"] == 14 * 14 * 16 * 480 + 14 * 14 * 48 * 25 * 16 == 5_268_480  # 5.3M
    assert ex["reduce_macs"] + ex["conv5_macs"] == ex["reduced_macs"]
    assert ex["direct_weights"] == 25 * 480 * 48

def test_reduction_savings_matches_the_counter_block_by_block():
    spec = googlenet_spec("paper", aux_logits=False)
    rows = inception_module.reduction_savings(spec)
    blocks = {b.name: b for b in count_blocks(spec)}
    assert [r["block"] for r in rows[:-1]] == [r.name for r in INCEPTION_ROWS]
    for r in rows[:-1]:
        assert r["reduced_params"] == blocks[r["block"]].params
        assert r["reduced_macs"] == blocks[r["block"]].macs
        assert r["naive_macs"] > r["reduced_macs"]
    # inception3a's naive module by hand: 1x1, 3x3 and 5x5 straight on 192 channels, with biases
    a = rows[0]
    assert a["naive_params"] == conv_params(192, 64, 1) + conv_params(192, 128, 3) + conv_params(192, 32, 5)
    assert a["naive_macs"] == 28 * 28 * (192 * 64 + 9 * 192 * 128 + 25 * 192 * 32)
    assert a["naive_out"] == 64 + 128 + 32 + 192 and a["reduced_out"] == 256
    total = rows[-1]
    assert total["block"] == "all blocks"
    assert total["reduced_macs"] == sum(r["reduced_macs"] for r in rows[:-1])

def test_naive_network_piles_up_channels():
    res = inception_module.naive_blocks_totals()
    c = 192
    for r in INCEPTION_ROWS:
        c = r.c1x1 + r.c3x3 + r.c5x5 + c
    assert res["naive_out_channels"] == c
    assert res["reduced_out_channels"] == 1024
    assert res["naive_macs"] > 10 * res["reduced_macs"]

def test_head_savings():
    rows = {r["head"]: r for r in inception_module.head_savings()}
    gap, flat = rows["GAP -> FC"], rows["flatten -> FC"]
    assert gap["head_params"] == 1024 * 1000 + 1000
    assert flat["head_params"] == 7 * 7 * 1024 * 1000 + 1000
    assert gap["network_params"] == googlenet_totals("paper", aux_logits=False).params
    assert flat["network_params"] - gap["network_params"] == flat["head_params"] - gap["head_params"]
    assert rows["flatten -> FC 1024 -> FC"]["head_params"] == 50176 * 1024 + 1024 + 1024 * 1000 + 1000
    assert gap["times_gap_head"] == 1.0
    # on the slides' 256x256 input the last grid is 8x8
    assert inception_module.head_savings(googlenet_spec("paper", 21, False), 256)[1]["features"] == "8x8x1024"
