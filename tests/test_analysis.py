"""The chapters' numbers (inception.analysis), checked against hand counts,
the counter and the frameworks."""

import math

import pytest

from inception import analysis as an
from inception.counting import conv_params, count_blocks, count_layers, googlenet_totals
from inception.spec import INCEPTION_ROWS, TABLE1, InceptionBlock, googlenet_spec


# --------------------------------------------------------------------------
# 1x1 reductions and heads
# --------------------------------------------------------------------------


def test_slides_five_by_five_example():
    ex = an.five_by_five_example()
    assert ex["direct_macs"] == 14 * 14 * 48 * 5 * 5 * 480 == 112_896_000  # 112.9M
    assert ex["reduced_macs"] == 14 * 14 * 16 * 480 + 14 * 14 * 48 * 25 * 16 == 5_268_480  # 5.3M
    assert ex["reduce_macs"] + ex["conv5_macs"] == ex["reduced_macs"]
    assert ex["direct_weights"] == 25 * 480 * 48


def test_reduction_savings_matches_the_counter_block_by_block():
    spec = googlenet_spec("paper", aux_logits=False)
    rows = an.reduction_savings(spec)
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
    res = an.naive_blocks_totals()
    c = 192
    for r in INCEPTION_ROWS:
        c = r.c1x1 + r.c3x3 + r.c5x5 + c
    assert res["naive_out_channels"] == c
    assert res["reduced_out_channels"] == 1024
    assert res["naive_macs"] > 10 * res["reduced_macs"]


def test_head_savings():
    rows = {r["head"]: r for r in an.head_savings()}
    gap, flat = rows["GAP -> FC"], rows["flatten -> FC"]
    assert gap["head_params"] == 1024 * 1000 + 1000
    assert flat["head_params"] == 7 * 7 * 1024 * 1000 + 1000
    assert gap["network_params"] == googlenet_totals("paper", aux_logits=False).params
    assert flat["network_params"] - gap["network_params"] == flat["head_params"] - gap["head_params"]
    assert rows["flatten -> FC 1024 -> FC"]["head_params"] == 50176 * 1024 + 1024 + 1024 * 1000 + 1000
    assert gap["times_gap_head"] == 1.0
    # on the slides' 256x256 input the last grid is 8x8
    assert an.head_savings(googlenet_spec("paper", 21, False), 256)[1]["features"] == "8x8x1024"


# --------------------------------------------------------------------------
# Receptive fields
# --------------------------------------------------------------------------


def test_receptive_fields_by_hand():
    rf = {r["block"]: r for r in an.receptive_fields()}
    assert rf["conv1"]["rf_max"] == 7 and rf["conv1"]["jump"] == 2  # 7x7/2
    assert rf["maxpool1"]["rf_max"] == 7 + 2 * 2 == 11  # 3x3/2 on a jump of 2
    assert rf["conv2"]["rf_max"] == 11  # 1x1 adds nothing
    assert rf["conv3"]["rf_max"] == 11 + 2 * 4 == 19
    assert rf["maxpool2"]["rf_max"] == 19 + 2 * 4 == 27 and rf["maxpool2"]["jump"] == 8
    assert rf["inception3a"]["rf_min"] == 27 and rf["inception3a"]["rf_max"] == 27 + 4 * 8 == 59
    assert rf["inception5b"]["jump"] == 32
    # the bn variant's "5x5" branch is a 3x3: smaller fields
    bn = {r["block"]: r for r in an.receptive_fields(googlenet_spec("bn"))}
    assert bn["inception3a"]["rf_max"] == 27 + 2 * 8


def test_receptive_field_matches_the_gradient_of_a_built_model():
    """Backpropagate from one central output unit of a real PyTorch model: the
    input pixels with a non-zero gradient span exactly the receptive field."""
    torch = pytest.importorskip("torch")
    from inception import torch as it

    model = it.googlenet("paper", 10, aux_logits=False).eval()
    with torch.no_grad():  # positive weights and inputs: every ReLU passes, every path counts
        for m in model.modules():
            if isinstance(m, torch.nn.Conv2d):
                m.weight.abs_()
                m.bias.fill_(0.1)
    for name in ("maxpool1", "maxpool2", "maxpool3"):  # max pools route gradients to one pixel
        p = getattr(model, name)
        setattr(model, name, torch.nn.AvgPool2d(p.kernel_size, p.stride, p.padding, ceil_mode=p.ceil_mode))
    rf = {r["block"]: r for r in an.receptive_fields()}
    x = torch.rand(1, 3, 224, 224, requires_grad=True)
    out = x
    for name in model._order:
        out = getattr(model, name)(out)
        if name in ("conv3", "inception3a", "inception3b"):
            c = out.shape[-1] // 2
            (g,) = torch.autograd.grad(out[0, :, c, c].sum(), x, retain_graph=True)
            cols = torch.nonzero(g[0].abs().sum(dim=(0, 1)) > 0).flatten()
            assert int(cols.max() - cols.min() + 1) == rf[name]["rf_max"], name
        if name == "inception3b":
            break


# --------------------------------------------------------------------------
# Table 1
# --------------------------------------------------------------------------


def test_every_table1_mismatch_is_explained():
    rows = an.table1_report()
    assert [r["name"] for r in rows] == [r.name for r in TABLE1]
    for r in rows:
        mismatch = r["params_match"] is False or r["ops_match"] is False
        assert bool(r["note"]) == mismatch, r["name"]
        if mismatch:
            assert r["name"] in an.TABLE1_NOTES
            assert "{" not in r["note"] and "{" not in r["verdict"]
    by = {r["name"]: r for r in rows}
    assert {n for n, r in by.items() if r["verdict"] == "match"} == {"conv2-3", "inception3a", "inception3b",
                                                                     "fc"}
    assert set(an.TABLE1_NOTES) == {n for n, r in by.items() if r["note"]}


def test_conv1_is_a_depthwise_separable_convolution_with_multiplier_8():
    rows = an.conv1_hypotheses()
    plain = rows[0]
    assert plain["weights"] == 7 * 7 * 3 * 64 and not plain["matches"]
    hits = [r for r in rows if r["matches"]]
    assert len(hits) == 1 and "multiplier 8" in hits[0]["layer"]
    assert hits[0]["weights"] == 7 * 7 * 3 * 8 + 24 * 64 == 2712
    assert round(hits[0]["ops_m"]) == 34  # the printed 34M
    assert round(hits[0]["params_k"], 1) in (2.6, 2.7)


def _mult8(name):
    return [s for s in an.solve_table1_row(name) if s["multiple_of_8"]]


def test_table1_single_change_claims_hold():
    """What TABLE1_NOTES says about single filter changes is what the solver finds."""
    for name in ("inception3b", "inception4b", "inception5b"):
        assert _mult8(name) == [], name
    for name in ("inception4c", "inception4d", "inception4e"):
        sols = _mult8(name)
        assert sols and not any(s["ops_match"] for s in sols), name
    (fit,) = _mult8("inception5a")
    assert (fit["field"], fit["value"], fit["params_k"], fit["ops_match"]) == ("in_channels", 928, 1072.0, True)
    a4 = _mult8("inception4a")
    assert {s["field"] for s in a4} == {"in_channels", "c5x5"} and all(s["ops_match"] for s in a4)


def test_table1_printed_ops_imply_our_weights():
    """For an Inception block ops = H*W*weights, so the printed ops column gives
    the weights back; for the rows whose params disagree, it gives ours."""
    by = {r["name"]: r for r in an.table1_report()}
    for name in ("inception4b", "inception4c", "inception4d", "inception4e", "inception5b"):
        r = by[name]
        assert r["ops_match"]
        assert abs(r["implied_params_k"] - r["ours_params_k"]) / r["ours_params_k"] < 0.01, name
        assert abs(r["paper_params_k"] - r["ours_params_k"]) >= 1, name
    r = by["inception3b"]  # agrees with biases (379.6K), not with weights alone (379.0K)
    assert r["params_match"] and abs(r["paper_params_k"] - r["ours_params_k"]) < 1
    r = by["inception5a"]
    assert abs(r["implied_params_k"] - r["paper_params_k"]) / r["paper_params_k"] < 0.01


def test_solve_table1_row_rejects_non_inception_rows():
    with pytest.raises(ValueError):
        an.solve_table1_row("conv1")
    # a matching row: every solution is a genuine change
    assert all(s["value"] != s["ours"] for s in an.solve_table1_row("inception3a"))


# --------------------------------------------------------------------------
# The slides' Keras summary
# --------------------------------------------------------------------------


@pytest.mark.parametrize("variant,aux", [("paper", True), ("paper", False), ("bn", True), ("bn", False)])
def test_summary_params_reproduces_our_builders(variant, aux):
    t = googlenet_totals(variant, 21, aux, input_size=256)
    if variant == "paper":
        cfg = an.SummaryConfig(aux=("aux1", "aux2") if aux else ())
    else:
        cfg = an.SummaryConfig(branch3_kernel=3, conv_bias=False, batch_norm=("all",), bn_replaces_bias=True,
                               aux=("aux1", "aux2") if aux else ())
    assert an.summary_params(cfg, 21) == (t.params, t.non_trainable)


def test_summary_search_finds_a_planted_configuration():
    cfg = an.SummaryConfig(batch_norm=("conv1", "conv3"), aux=("aux2",), aux_units=512, head="flatten", head_grid=2)
    total, nt = an.summary_params(cfg, 21)
    assert nt == 2 * (64 + 192)
    res = an.search_summary_configs(total, nt, 21)
    assert cfg in [r["config"] for r in res["exact"]]


def test_slides_summary_is_not_reproduced_by_the_searched_configurations():
    """The finding the book reports: no configuration in the searched space
    gives 8,222,063 parameters with 512 non-trainable."""
    res = an.search_summary_configs()
    assert res["searched"] > 10_000
    assert res["exact"] == []
    assert res["nearest"] and all(r["non_trainable"] == 512 for r in res["nearest"])
    rows = {r["model"]: r for r in an.slides_reconciliation()}
    assert rows["ours, paper variant, both aux heads"]["params"] == 10_367_855
    assert rows["the slides' Keras summary"]["params"] == 8_222_063
    bn_lrn = rows["paper + batch norm instead of LRN (after conv1, conv3), both aux heads"]
    assert bn_lrn["non_trainable"] == 512 and bn_lrn["params"] == 10_367_855 + 4 * (64 + 192)


def test_summary_config_describe():
    assert an.SummaryConfig().describe().startswith("ours")
    assert "aux=('aux1',)" in an.SummaryConfig(aux=("aux1",)).describe()


# --------------------------------------------------------------------------
# Frameworks
# --------------------------------------------------------------------------


def test_layer_crosscheck_and_summaries_agree():
    pytest.importorskip("torch")
    pytest.importorskip("keras")
    pytest.importorskip("torchinfo")
    from inception import keras as ik
    from inception import torch as it

    tm = it.googlenet("paper", 21, True, input_size=96)
    km = ik.googlenet("paper", 21, True, input_size=96)
    rows = an.layer_crosscheck("paper", 21, True, 96, torch_model=tm, keras_model=km)
    spec = googlenet_spec("paper", 21, True)
    assert len(rows) == len(count_layers(spec, 96)) + 1
    assert all(r["match"] for r in rows)
    total = googlenet_totals("paper", 21, True, input_size=96).params
    assert rows[-1]["analytic"] == rows[-1]["pytorch"] == rows[-1]["keras"] == total
    s = an.model_summaries("paper", 21, True, 96, torch_model=tm, keras_model=km)
    assert s["torch_total"] == s["keras_total"] == total
    assert f"{total:,}" in s["torch_text"] and f"{total:,}" in s["keras_text"]


def test_tiny_training_run_torch_loss_goes_down():
    pytest.importorskip("torch")
    rows = an.tiny_training_run(steps=4, batch=4, input_size=64, frameworks=("torch",))
    losses = [r["torch_loss"] for r in rows]
    assert losses[-1] < losses[0]
    # bn variant, std-0.01 initialisation: every head starts near ln(21)
    assert abs(losses[0] - 1.6 * math.log(21)) < 0.5
    r = rows[0]
    assert r["torch_loss"] == pytest.approx(r["torch_main"] + 0.3 * (r["torch_aux1"] + r["torch_aux2"]), rel=1e-5)


@pytest.mark.slow
def test_tiny_training_run_same_losses_in_both_frameworks():
    pytest.importorskip("keras")
    rows = an.tiny_training_run(steps=2, batch=2, input_size=64)
    first, second = rows
    # same weights, same batch, no dropout: the same loss before any update
    for k in ("loss", "main", "aux1", "aux2"):
        assert first[f"keras_{k}"] == pytest.approx(first[f"torch_{k}"], rel=1e-5)
    # after one update the runs may drift (float32 rounding can flip max-pool
    # argmaxes), but only a little
    assert second["keras_loss"] == pytest.approx(second["torch_loss"], rel=1e-2)


def test_text_excerpt():
    text = "\n".join(str(i) for i in range(100))
    ex = an.text_excerpt(text, head=3, tail=2)
    assert ex.splitlines()[:3] == ["0", "1", "2"] and ex.splitlines()[-2:] == ["98", "99"]
    assert "95 lines" in ex
    assert an.text_excerpt("a\nb", 3, 2) == "a\nb"


def test_table1_report_follows_the_convention_that_reproduces_the_most_rows():
    """With biases 4 rows agree in both columns, with weights alone 3 (3b is the
    difference); K = 1000 reproduces none. The report takes the first."""
    def agreeing(biases):
        return {r["name"] for r in an.table1_report(explain=False, biases=biases)
                if r["params_match"] and r["ops_match"]}
    assert agreeing(True) == {"conv2-3", "inception3a", "inception3b", "fc"}
    assert agreeing(False) == {"conv2-3", "inception3a", "fc"}
    assert agreeing(None) == agreeing(True)
