"""Chapter 6 (inception.course.implementation): the slides' Keras summary reconstructed, the
layer-by-layer cross-check, a few training steps in both frameworks."""

import math

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from inception import crosscheck  # noqa: E402
from inception.counting import count_layers, googlenet_totals  # noqa: E402
from inception.course import implementation  # noqa: E402
from inception.spec import googlenet_spec  # noqa: E402


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


def test_adaptive_and_fixed_pool_windows_on_the_14x14_grid():
    # the auxiliary head at 224 px: 14x14 -> 4x4
    assert implementation.adaptive_pool_windows(14, 4) == [(0, 4), (3, 7), (7, 11), (10, 14)]
    assert implementation.fixed_pool_windows(14, 5, 3) == [(0, 5), (3, 8), (6, 11), (9, 14)]
    # divisible sizes: the adaptive windows tile the grid
    assert implementation.adaptive_pool_windows(8, 4) == [(0, 2), (2, 4), (4, 6), (6, 8)]


def test_adaptive_pool_windows_match_pytorch():
    import torch

    x = torch.arange(14.0).reshape(1, 1, 1, 14)
    y = torch.nn.functional.adaptive_avg_pool2d(x, (1, 4)).flatten().tolist()
    expect = [sum(range(a, b)) / (b - a) for a, b in implementation.adaptive_pool_windows(14, 4)]
    assert y == pytest.approx(expect)


def test_chance_sentence_uses_the_binomial_tail():
    s = implementation.chance_sentence(14, 105, 21)
    assert s == "14/105 correct would happen by guessing less than 1 time in 100 (binomial test)"
    s = implementation.chance_sentence(5, 105, 21)  # the expected count by guessing
    assert s.startswith("5/105 correct would happen by guessing about 1 time in ")
    assert s.endswith("not clearly better than guessing")


def test_training_sentence_follows_the_numbers():
    rising = {"PyTorch": [{"loss": 4.7, "val_loss": 3.1}, {"loss": 2.8, "val_loss": 3.3}],
              "Keras": [{"loss": 5.4, "val_loss": 3.3}, {"loss": 2.5, "val_loss": 4.4}]}
    s = implementation.training_sentence(rising, 21)
    assert s.startswith("The training loss fell in both frameworks.")
    assert "from 3.10 to 3.30 in PyTorch and from 3.30 to 4.40 in Keras" in s
    assert "ln 21 = 3.04" in s
    assert s.endswith("In both frameworks it rose, so nothing general is learnt yet.")
    mixed = {"PyTorch": [{"loss": 4.1, "val_loss": 3.07}, {"loss": 1.1, "val_loss": 3.32}],
             "Keras": [{"loss": 4.6, "val_loss": 3.14}, {"loss": 0.6, "val_loss": 1.04}]}
    assert implementation.training_sentence(mixed, 21).endswith(
        "In PyTorch it rose, so nothing general is learnt yet; "
        "in Keras it fell below guessing: the network starts to generalise.")
    acc = {"PyTorch": [{"loss": 4.1, "val_loss": 3.07, "val_accuracy": 0.048},
                       {"loss": 1.1, "val_loss": 3.32, "val_accuracy": 0.21}]}
    assert implementation.training_sentence(acc, 21, num_val=105).endswith(
        "In PyTorch it rose although the accuracy is above chance: more images are right, "
        "but the true class lost probability on others.")
    acc["PyTorch"][-1]["val_accuracy"] = 0.057  # 6/105: what guessing gives
    assert implementation.training_sentence(acc, 21, num_val=105).endswith(
        "In PyTorch it rose, so nothing general is learnt yet.")
    above = {"PyTorch": [{"loss": 4.7, "val_loss": 3.2}, {"loss": 2.8, "val_loss": 3.1}]}
    s = implementation.training_sentence(above, 21)
    assert s.startswith("The training loss fell.")
    assert s.endswith("In PyTorch it ended above guessing, so nothing general is learnt yet.")


def test_crosscheck_sentence():
    s = implementation.crosscheck_sentence({"Keras": 3e-6, "PyTorch": 0.0}, 5.0)
    assert s == "The differences are float32 rounding in Keras (at most 3.0e-06) and zero in PyTorch."
    assert "more than rounding" in implementation.crosscheck_sentence({"Keras": 1.0}, 5.0)
    assert implementation.crosscheck_sentence({"Keras": 0.0, "PyTorch": 0.0}, 5.0) == (
        "The differences are zero in both Keras and PyTorch: the models compute the same function.")


def test_config_in_words():
    assert implementation.config_in_words(implementation.SummaryConfig()) == (
        "the paper's network with both auxiliary heads")
    cfg = implementation.SummaryConfig(conv_bias=False, aux_units=256, head="flatten", head_grid=2,
                                       batch_norm=("conv1", "conv3"), aux_grid=8)
    assert implementation.config_in_words(cfg) == (
        "no biases; batch norm after conv1 and conv3; auxiliary heads flatten an 8x8 grid; "
        "auxiliary hidden layers of 256 units; "
        "main head flattens a 2x2 map")
