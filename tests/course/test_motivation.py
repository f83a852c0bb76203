"""Chapter 2's numbers (inception.course.motivation): kernel sizes, widening, pooling."""

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from inception.course import motivation  # noqa: E402


def test_pooling_schedule_quarters_the_cost():
    rows = motivation.pooling_schedule()
    assert [r["grid"] for r in rows] == ["112x112", "56x56", "28x28", "14x14", "7x7"]
    assert sum(r["share"] for r in rows) == pytest.approx(1)
    assert rows[3]["MACs without the pool before"] == 4 * rows[3]["MACs"]
    assert rows[3]["blocks"].count("inception") == 5

def test_kernel_costs_grow_with_the_square():
    rows = motivation.kernel_costs()
    assert [r["vs 1x1"] for r in rows] == [1, 9, 25, 49]
    assert rows[2]["MACs"] == 28 * 28 * 128 * 25 * 192

def test_widening_is_quadratic():
    w = motivation.widening_cost(factor=2)  # input width fixed: 2c + 4c over c + c
    assert (w["ratio"], w["first_ratio"], w["second_ratio"]) == (3, 2, 4)
    assert w["before"] == 2 * 28 * 28 * 128 * 9 * 128
    assert motivation.widening_cost(factor=3)["ratio"] == 6  # (3 + 9) / 2
