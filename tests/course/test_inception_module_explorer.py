"""The cost explorer (inception.course.inception_module.explorer): one Table 1 row changed, counted
by the analytic counter and by models built in PyTorch and Keras."""

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

import inception  # noqa: E402,F401 (before TensorFlow)
from inception.course import inception_module as E  # noqa: E402
from inception.spec import TABLE1  # noqa: E402


def test_changes_are_checked():
    with pytest.raises(ValueError, match="Inception row"):
        E.changed_table("maxpool3", c1x1=8)
    with pytest.raises(ValueError, match="unknown column"):
        E.changed_table("inception4a", c7x7=8)
    for bad in (0, -4, 2.5, True):
        with pytest.raises(ValueError, match="positive integer"):
            E.changed_table("inception4a", c5x5=bad)
    with pytest.raises(ValueError, match="frameworks"):
        E.explore_row("inception4a", frameworks=("jax",), c5x5=64)
    table = E.changed_table("inception4a", c5x5=64)
    assert next(r for r in table if r.name == "inception4a").c5x5 == 64
    assert next(r for r in TABLE1 if r.name == "inception4a").c5x5 == 48  # a copy


def test_a_wide_5x5_reduction_by_hand():
    """inception4a's 5x5 branch reduced to all 480 input channels, i.e. not
    reduced: the block's counts change by exactly the two convolutions'."""
    r = E.explore_row("inception4a", frameworks=(), c5x5_reduce=480)
    assert r["row"]["c5x5_reduce"] == (16, 480) and r["row"]["c5x5"] == (48, 48)
    old = 480 * 16 + 16 + 25 * 16 * 48 + 48  # weights and biases, paper variant
    new = 480 * 480 + 480 + 25 * 480 * 48 + 48
    assert r["analytic"]["block_params"] - r["before"]["block_params"] == new - old
    grid = 14 * 14
    d_macs = grid * (480 * 480 + 25 * 480 * 48 - 480 * 16 - 25 * 16 * 48)
    assert r["analytic"]["block_macs"] - r["before"]["block_macs"] == d_macs
    # the block's output width is unchanged, so the rest of the network is too
    assert r["analytic"]["network_macs"] - r["before"]["network_macs"] == d_macs
    assert r["agree"]  # nothing built: trivially


def test_no_change_is_table1():
    r = E.explore_row("inception3a", frameworks=())
    assert r["analytic"] == r["before"] and r["changes"] == {}
    weights = 192 * (64 + 96 + 16 + 32) + 9 * 96 * 128 + 25 * 16 * 32
    assert r["before"]["block_macs"] == weights * 28 * 28  # Table 1's 128M
    rows = E.explorer_table(r)
    assert [x["changed / Table 1"] for x in rows] == [1.0] * 4


@pytest.mark.parametrize("variant", ["paper", "bn"])
def test_three_counts_agree(variant):
    """A wider 5x5 branch: the block's output grows, so the next block's
    input does too. Counter, PyTorch and Keras give the same four numbers."""
    pytest.importorskip("torch")
    pytest.importorskip("keras")
    r = E.explore_row("inception4a", variant=variant, c5x5=96)
    assert r["agree"], {k: r[k] for k in ("analytic", "pytorch", "keras")}
    d_block = r["analytic"]["block_params"] - r["before"]["block_params"]
    d_net = r["analytic"]["network_params"] - r["before"]["network_params"]
    assert d_net > d_block > 0  # inception4b reads 48 more channels
    rows = E.explorer_table(r)
    assert all(x["changed"] == x["PyTorch"] == x["Keras"] for x in rows)


def test_branch_costs_and_the_chart():
    a = E.explore_row("inception4a", frameworks=(), c5x5_reduce=480)
    b = E.explore_row("inception4a", frameworks=(), c5x5=96)
    parts = a["branches"]["after"]
    assert sum(p["macs"] for p in parts.values()) == a["analytic"]["block_macs"]
    assert sum(p["params"] for p in parts.values()) == a["analytic"]["block_params"]
    assert parts["branch3.0"]["macs"] == 14 * 14 * 480 * 480
    fig = E.plot_explorations([a, b])
    assert len(fig.axes) == 2 and len(fig.axes[0].patches) == 6 * 3
    with pytest.raises(ValueError, match="same block"):
        E.plot_explorations([a, E.explore_row("inception3a", frameworks=(), c1x1=8)])
