"""Analytic counts against known answers: the paper, the slides, torchvision."""

import pytest

from inception import counting
from inception.counting import (
    conv_macs, count_blocks, count_layers, googlenet_totals, inception_cost, pool_out_size,
    table1_comparison, table1_convention, table1_conventions, totals,
)
from inception.spec import googlenet_spec


def test_paper_variant_known_totals():
    # From the paper's filter numbers, with biases and a true 5x5 branch, 1000 classes.
    assert googlenet_totals("paper", 1000, aux_logits=False).params == 6_998_552
    assert googlenet_totals("paper", 1000, aux_logits=True).params == 13_378_280
    macs = googlenet_totals("paper", 1000, aux_logits=False).macs
    assert round(macs / 1e9, 3) == 1.583  # "about 1.5 billion multiply-adds" in the paper


def test_bn_variant_matches_torchvision_counts():
    # torchvision counts parameters (trainable); the moving statistics are buffers.
    assert googlenet_totals("bn", 1000, aux_logits=False).trainable == 6_624_904
    assert googlenet_totals("bn", 1000, aux_logits=True).trainable == 13_004_888
    assert googlenet_totals("bn", 21, aux_logits=False).trainable == 5_621_429
    # moving mean and variance: two per batch-norm channel
    spec = googlenet_spec("bn", aux_logits=False)
    bn_channels = sum(l.output_shape[0] for l in count_layers(spec) if l.kind == "bn")
    assert googlenet_totals("bn", 1000, aux_logits=False).non_trainable == 2 * bn_channels == 14_560


def test_slides_example_5x5_vs_1x1_reduction():
    naive = conv_macs(14, 14, 480, 48, 5)
    reduced = conv_macs(14, 14, 480, 16, 1) + conv_macs(14, 14, 16, 48, 5)
    assert naive == 112_896_000 and f"{naive / 1e6:.1f}M" == "112.9M"
    assert reduced == 5_268_480 and f"{reduced / 1e6:.1f}M" == "5.3M"


def test_inception_cost_naive_vs_reduced_for_3a():
    reduced = inception_cost(28, 28, 192, 64, 96, 128, 16, 32, 32)
    naive = inception_cost(28, 28, 192, 64, 96, 128, 16, 32, 32, reduced=False)
    assert reduced["out_channels"] == 256
    assert naive["out_channels"] == 64 + 128 + 32 + 192  # the pool passes its 192 through
    assert reduced["macs"] == 163_328 * 28 * 28  # the paper's 159K weights x the 28x28 grid
    assert naive["macs"] == 28 * 28 * 192 * (64 + 9 * 128 + 25 * 32)
    assert 2.3 < naive["macs"] / reduced["macs"] < 2.4


@pytest.mark.parametrize("size, k, s, p, ceil, expected", [
    (112, 3, 2, 0, True, 56), (56, 3, 2, 0, True, 28), (14, 2, 2, 0, True, 7), (14, 3, 2, 0, True, 7),
    (57, 3, 2, 0, True, 28), (58, 3, 2, 0, True, 29), (5, 3, 2, 1, True, 3), (6, 3, 2, 1, True, 4),
    (14, 5, 3, 0, False, 4), (16, 5, 3, 0, False, 4), (12, 5, 3, 0, False, 3),
])
def test_pool_out_size_follows_pytorch(size, k, s, p, ceil, expected):
    assert pool_out_size(size, k, s, p, ceil) == expected


def test_too_small_input_is_a_clear_error():
    with pytest.raises(ValueError, match="too small"):
        totals(googlenet_spec("paper"), input_size=32)  # aux pool 5x5 on a 2x2 grid


def test_block_output_shapes_match_table1():
    rows = {r["name"]: r for r in table1_comparison()}
    for name, r in rows.items():
        assert r["ours_output"] == r["paper_output"], name


def test_table1_rows_that_match_and_those_that_do_not():
    """The paper counts weights without biases, K = 1024. Most rows agree within
    one printed unit; the others are pinned so that the book's explanations stay true."""
    rows = {r["name"]: r for r in table1_comparison()}
    assert rows["inception3a"]["ours_params_k"] == 159.5 and rows["inception3a"]["params_match"]
    assert rows["conv2-3"]["params_match"] and rows["fc"]["params_match"]
    param_mismatch = {n for n, r in rows.items() if r["params_match"] is False}
    ops_mismatch = {n for n, r in rows.items() if r["ops_match"] is False}
    assert param_mismatch == {"conv1", "inception3b", "inception4a", "inception4b", "inception4c",
                              "inception4d", "inception4e", "inception5a", "inception5b"}
    assert ops_mismatch == {"conv1", "inception5a"}
    assert rows["conv1"]["ours_params_k"] == 147 * 64 / 1024  # 7x7x3x64 weights
    # conv1's printed row is self-consistent: ops = params x the 112x112 grid
    assert abs(2.7 * 1024 * 112 * 112 / 1e6 - 34) < 1


@pytest.mark.parametrize("variant", ["paper", "bn"])
@pytest.mark.parametrize("size", [224, 256])
def test_layers_sum_to_blocks_sum_to_totals(variant, size):
    spec = googlenet_spec(variant, 21, aux_logits=True)
    layers, blocks, tot = count_layers(spec, size), count_blocks(spec, size), totals(spec, size)
    assert sum(l.params for l in layers) == sum(b.params for b in blocks) == tot.params
    assert tot.macs == sum(b.macs for b in blocks if b.kind != "aux")
    assert totals(spec, size, include_aux_macs=True).macs > tot.macs
    assert len({l.name for l in layers}) == len(layers)


def test_256_input_changes_macs_not_params():
    a, b = googlenet_totals("paper", 21, True, 224), googlenet_totals("paper", 21, True, 256)
    assert a.params == b.params
    assert b.macs > a.macs * (256 / 224) ** 2 * 0.95


def test_table1_conventions_count_the_rows_each_reproduces():
    """K = 1000 reproduces no row; K = 1024 with biases four, weights alone three."""
    by = {(c["biases"], c["K"]): c for c in table1_conventions()}
    assert all(c["rows"] == 12 for c in by.values())
    assert by[(False, 1000)]["agree"] == by[(True, 1000)]["agree"] == 0
    assert by[(False, 1024)]["agreeing"] == ["conv2-3", "inception3a", "fc"]
    assert by[(True, 1024)]["agreeing"] == ["conv2-3", "inception3a", "inception3b", "fc"]
    assert table1_convention() == by[(True, 1024)]
    rows = {r["name"]: r for r in table1_comparison(biases=True)}
    assert rows["inception3a"]["ours_params_k"] == (163328 + 368) / 1024  # + one bias per filter
