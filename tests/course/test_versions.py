"""Chapter 4's small computations (inception.course.versions.ideas): batch norm, label smoothing,
RMSProp, grid reduction, the stems."""

import math

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from inception.course import versions  # noqa: E402


def test_batch_norm_formula_matches_torch():
    r = versions.batch_norm_check()
    assert r["max_diff_train"] < 1e-5 and r["max_diff_running_mean"] < 1e-6
    assert r["max_diff_running_var"] < 1e-5
    assert r["x_hat_mean"] < 1e-5 and r["x_hat_std"] == pytest.approx(1, abs=1e-4)
    assert r["eval_differs_by"] > 0.1  # one step of running statistics is not the batch's

def test_label_smoothing():
    q = versions.label_smoothing(2, 4, 0.1)
    assert q == pytest.approx([0.025, 0.025, 0.925, 0.025]) and sum(q) == pytest.approx(1)
    assert versions.smoothed_logit_gap(1000, 0.1) == pytest.approx(math.log(0.9001 / 0.0001))
    assert versions.smoothed_logit_gap(10, 0) == math.inf
    with pytest.raises(ValueError):
        versions.label_smoothing(0, 4, 1.0)

def test_rmsprop_normalises_the_step_unless_eps_is_large():
    rows = versions.rmsprop_steps()
    # TensorFlow's form (eps inside the root), by hand for 2 steps, g = 1, eps = 1
    (r,) = versions.rmsprop_steps(gradients=(1.0,), eps=(1.0,), steps=2)
    assert r["distance"] == pytest.approx(0.01 / math.sqrt(0.1 + 1) + 0.01 / math.sqrt(0.19 + 1))
    # PyTorch's form (eps outside) is torch.optim.RMSprop's, and differs
    (t,) = versions.rmsprop_steps(gradients=(1.0,), eps=(1.0,), steps=2, form="pytorch")
    assert t["distance"] == pytest.approx(0.01 / (math.sqrt(0.1) + 1) + 0.01 / (math.sqrt(0.19) + 1))
    with pytest.raises(ValueError):
        versions.rmsprop_steps(form="keras")
    small = [r["distance"] for r in rows if r["eps"] < 1e-3]
    assert max(small) == pytest.approx(min(small), rel=1e-3)
    big = {r["gradient"]: r["distance"] for r in rows if r["eps"] == 1.0}
    assert big[0.01] < big[1.0] < big[100.0]

def test_grid_reduction_options():
    conv_first, pool_first, parallel = versions.grid_reduction_options(35, 320)
    assert parallel["MACs"] * 2 == pool_first["MACs"] < conv_first["MACs"]
    assert pool_first["bottleneck"] and not parallel["bottleneck"]
    assert pool_first["smallest representation"] * 2 == parallel["smallest representation"]

def test_stems_and_the_v4_stem_figure():
    v1, v1_at_299, v3 = versions.stem_comparison()
    # convolution weights alike in every row: no biases, no batch norm
    assert v1["weights"] == v1_at_299["weights"] == 7 * 7 * 3 * 64 and v3["ReLUs"] == 3
    assert v3["weights"] == 9 * (3 * 32 + 32 * 32 + 32 * 64)
    assert v3["output"] == v1_at_299["output"]
    fig = versions.v4_stem_figure()
    assert len(fig.axes) == 4
    assert "Filter concat\n35x35x384" in [t.get_text() for t in fig.axes[-1].texts]

def test_version_names_cover_both_v2s():
    rows = {r["network"].split(" (")[0]: r for r in versions.VERSION_NAMES}
    assert rows["BN-Inception"]["v4 paper (2017)"] == "Inception-v2"
    assert any(r["slides"] == "Inception v2" and r["v3 paper (2016)"] == "Inception-v2"
               for r in versions.VERSION_NAMES)
