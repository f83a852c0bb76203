"""Chapter 6 (inception.course.implementation): the slides' Keras summary reconstructed, the
layer-by-layer cross-check, a few training steps in both frameworks."""

import math

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from inception import crosscheck  # noqa: E402,F401
from inception.counting import conv_params, count_blocks, count_layers, googlenet_totals, inception_cost  # noqa: E402,F401
from inception.course import (  # noqa: E402,F401
    architecture,
    conclusion,
    implementation,
    inception_module,
    introduction,
    motivation,
    versions,
)
from inception.spec import INCEPTION_ROWS, TABLE1, InceptionBlock, googlenet_spec, with_row  # noqa: E402,F401


@pytest.mark.parametrize("variant,aux", [("paper", True), ("paper", False), ("bn", True), ("bn", False)])
def test_summary_params_reproduces_our_builders(variant, aux):
    t = googlenet_totals(variant, 21, aux, input_size=256)
    if variant == "paper":
        cfg = implementation.SummaryConfig(aux=("aux1", "aux2") if aux else ())
    else:
        cfg = implementation.SummaryConfig(branch3_kernel=3, conv_bias=False, batch_norm=("all",), bn_replaces_bias=True,
                               aux=("aux1", "aux2") if aux else ())
    assert implementation.summary_params(cfg, 21) == (t.params, t.non_trainable)

def test_summary_search_finds_a_planted_configuration():
    cfg = implementation.SummaryConfig(batch_norm=("conv1", "conv3"), aux=("aux2",), aux_units=512, head="flatten", head_grid=2)
    total, nt = implementation.summary_params(cfg, 21)
    assert nt == 2 * (64 + 192)
    res = implementation.search_summary_configs(total, nt, 21)
    assert cfg in [r["config"] for r in res["exact"]]

def test_slides_summary_is_not_reproduced_by_the_searched_configurations():
    """The finding the book reports: no configuration in the searched space
    gives 8,222,063 parameters with 512 non-trainable."""
    res = implementation.search_summary_configs()
    assert res["searched"] > 10_000
    assert res["exact"] == []
    assert res["nearest"] and all(r["non_trainable"] == 512 for r in res["nearest"])
    rows = {r["model"]: r for r in implementation.slides_reconciliation()}
    assert rows["ours, paper variant, both aux heads"]["params"] == 10_367_855
    assert rows["the slides' Keras summary"]["params"] == 8_222_063
    bn_lrn = rows["paper + batch norm instead of LRN (after conv1, conv3), both aux heads"]
    assert bn_lrn["non_trainable"] == 512 and bn_lrn["params"] == 10_367_855 + 4 * (64 + 192)

def test_summary_config_describe():
    assert implementation.SummaryConfig().describe().startswith("ours")
    assert "aux=('aux1',)" in implementation.SummaryConfig(aux=("aux1",)).describe()

def test_layer_crosscheck_and_summaries_agree():
    pytest.importorskip("torch")
    pytest.importorskip("keras")
    pytest.importorskip("torchinfo")
    from inception import keras as ik
    from inception import torch as it

    tm = it.googlenet("paper", 21, True, input_size=96)
    km = ik.googlenet("paper", 21, True, input_size=96)
    rows = crosscheck.layer_crosscheck("paper", 21, True, 96, torch_model=tm, keras_model=km)
    spec = googlenet_spec("paper", 21, True)
    assert len(rows) == len(count_layers(spec, 96)) + 1
    assert all(r["match"] for r in rows)
    total = googlenet_totals("paper", 21, True, input_size=96).params
    assert rows[-1]["analytic"] == rows[-1]["pytorch"] == rows[-1]["keras"] == total
    s = crosscheck.model_summaries("paper", 21, True, 96, torch_model=tm, keras_model=km)
    assert s["torch_total"] == s["keras_total"] == total
    assert f"{total:,}" in s["torch_text"] and f"{total:,}" in s["keras_text"]

def test_tiny_training_run_torch_loss_goes_down():
    pytest.importorskip("torch")
    rows = implementation.tiny_training_run(steps=4, batch=4, input_size=64, frameworks=("torch",))
    losses = [r["torch_loss"] for r in rows]
    assert losses[-1] < losses[0]
    # bn variant, std-0.01 initialisation: every head starts near ln(21)
    assert abs(losses[0] - 1.6 * math.log(21)) < 0.5
    r = rows[0]
    assert r["torch_loss"] == pytest.approx(r["torch_main"] + 0.3 * (r["torch_aux1"] + r["torch_aux2"]), rel=1e-5)

@pytest.mark.slow
def test_tiny_training_run_same_losses_in_both_frameworks():
    pytest.importorskip("keras")
    rows = implementation.tiny_training_run(steps=2, batch=2, input_size=64)
    first, second = rows
    # same weights, same batch, no dropout: the same loss before any update
    for k in ("loss", "main", "aux1", "aux2"):
        assert first[f"keras_{k}"] == pytest.approx(first[f"torch_{k}"], rel=1e-5)
    # after one update the runs may drift (float32 rounding can flip max-pool
    # argmaxes), but only a little
    assert second["keras_loss"] == pytest.approx(second["torch_loss"], rel=1e-2)

def test_text_excerpt():
    text = "\n".join(str(i) for i in range(100))
    ex = implementation.text_excerpt(text, head=3, tail=2)
    assert ex.splitlines()[:3] == ["0", "1", "2"] and ex.splitlines()[-2:] == ["98", "99"]
    assert "95 lines" in ex
    assert implementation.text_excerpt("a\nb", 3, 2) == "a\nb"
