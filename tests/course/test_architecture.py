"""Chapter 5 (inception.course.architecture): receptive fields with their positions, against the
gradient of built PyTorch models; Table 1 against the spec, each mismatch explained."""

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from inception.course import architecture  # noqa: E402
from inception.course import architecture as R  # noqa: E402
from inception.course.architecture import receptive  # noqa: E402
from inception.spec import TABLE1, conv, googlenet_spec  # noqa: E402
from inception.spec.layers import Concat, Pool  # noqa: E402

PAPER = googlenet_spec("paper", aux_logits=False)
BN = googlenet_spec("bn", aux_logits=False)


def test_one_layer_at_a_time():
    f = R.through(conv("c", 3, 8, 7, stride=2, padding=3))  # conv1
    assert f == R.Field(7, 2, -3) and f.span(0) == (-3, 3) and f.span(56) == (109, 115)
    f = R.through(Pool("max", 3, 2, ceil_mode=True), f)  # maxpool1: + 2 x jump 2
    assert f == R.Field(11, 4, -3)
    # a 1x7 convolution widens the field along the columns only
    wide = conv("w", 8, 8, (1, 7), padding=(0, 3))
    assert R.through(wide, f, axis=0) == f
    assert R.through(wide, f, axis=1) == R.Field(11 + 6 * 4, 4, -3 - 3 * 4)
    # branches: the union of their fields, each walked along its own path
    one = (conv("a", 8, 8, 1),)
    five = (conv("b", 8, 8, 1), conv("c", 8, 8, 5, padding=2))
    assert R.through(Concat((one, five)), f) == R.Field(11 + 4 * 4, 4, -3 - 2 * 4)
    assert R.through(Concat(((), one)), f) == f  # an empty branch passes the input


def test_stage_fields_by_hand_and_against_the_per_stage_table():
    rows = {r["block"]: r for r in R.stage_fields(PAPER)}
    assert rows["conv1"]["unit"] == 56 and rows["conv1"]["span"] == (109, 115)
    assert rows["maxpool2"]["field"] == 27 and rows["maxpool2"]["jump"] == 8
    e = rows["inception4e"]
    assert (e["grid"], e["unit"], e["jump"], e["field"]) == (14, 6, 16, 427)
    assert e["span"] == (-103, 323)  # 427 pixels, centred on pixel 110
    assert e["visible"] == (0, 223)  # a 4e unit of the paper's network sees all of the image
    assert {k: v[0] for k, v in e["branches"].items()} == {
        "branch1": 363, "branch2": 395, "branch3": 427, "branch4": 395}
    bn = {r["block"]: r for r in R.stage_fields(BN)}["inception4e"]
    assert bn["field"] == 235 and bn["span"] == (-7, 227)
    assert {k: v[0] for k, v in bn["branches"].items()} == {
        "branch1": 203, "branch2": 235, "branch3": 235, "branch4": 235}
    for spec in (PAPER, BN):  # the same sizes as receptive.receptive_fields
        ours = {r["block"]: r for r in R.stage_fields(spec)}
        for r in receptive.receptive_fields(spec):
            assert ours[r["block"]]["field"] == r["rf_max"], r["block"]
            if ours[r["block"]]["branches"]:
                assert ours[r["block"]]["branches"]["branch1"][0] == r["rf_min"]


def test_table1_stages():
    rows = R.table1_fields(PAPER)
    assert [r["stage"] for r in rows][:4] == ["conv1", "maxpool1", "conv2-3", "maxpool2"]
    assert rows[-1]["stage"] == "inception5b"
    assert next(r for r in rows if r["stage"] == "conv2-3")["block"] == "conv3"
    assert all(r["stage"] == r["block"] for r in rows if r["stage"] != "conv2-3")


def _agree(spec, size, blocks=None, units=None):
    ours = {r["block"]: r for r in R.stage_fields(spec, size)}
    seen = R.gradient_fields(spec, blocks, size, units)
    for g in seen:
        o = ours[g["block"]]
        f = R.block_fields(spec)[[b.name for b in spec.blocks].index(g["block"])][1]
        want = f.clipped(g["unit"], size)
        assert g["rows"] == g["cols"] == want and g["filled"], (g, o)
        assert g["pixels"] == (want[1] - want[0] + 1) ** 2
    return {g["block"]: g for g in seen}


def test_known_answer_a_unit_of_inception4e_in_torchvisions_googlenet():
    """The bn model (torchvision's GoogLeNet) at 256 pixels: the central unit
    of inception4e sees 235 x 235 pixels, all inside the image; every stage's
    field is where the spec says."""
    pytest.importorskip("torch")
    seen = _agree(BN, 256)
    e = seen["inception4e"]
    assert e["unit"] == 7 and e["rows"] == e["cols"] == (9, 243)  # 235 pixels
    assert e["pixels"] == 235 ** 2


def test_paper_network_and_an_off_centre_unit():
    pytest.importorskip("torch")
    seen = _agree(PAPER, 224, ["conv3", "inception3b", "inception4a", "inception4e"],
                  units={"inception4a": 0})
    assert seen["inception4a"]["rows"] == (0, 99)  # unit 0 sees pixels -71 ... 99
    assert seen["inception4e"]["rows"] == (0, 223)


def test_the_figure_and_the_photo_rule(monkeypatch, tmp_path):
    import numpy as np

    fig = R.fields_figure(BN)
    assert len(fig.axes) == 2
    assert R.show_fields(BN)._repr_png_().startswith(b"\x89PNG")
    photo = np.full((224, 224, 3), 128, np.uint8)
    shown = R.show_fields(PAPER, image=photo)
    assert shown._repr_jpeg_()[:2] == b"\xff\xd8" and not hasattr(shown, "_repr_png_")
    monkeypatch.setenv("UCMERCED_DIR", str(tmp_path / "nowhere"))
    assert R.example_image() is None


def test_receptive_fields_by_hand():
    rf = {r["block"]: r for r in architecture.receptive_fields()}
    assert rf["conv1"]["rf_max"] == 7 and rf["conv1"]["jump"] == 2  # 7x7/2
    assert rf["maxpool1"]["rf_max"] == 7 + 2 * 2 == 11  # 3x3/2 on a jump of 2
    assert rf["conv2"]["rf_max"] == 11  # 1x1 adds nothing
    assert rf["conv3"]["rf_max"] == 11 + 2 * 4 == 19
    assert rf["maxpool2"]["rf_max"] == 19 + 2 * 4 == 27 and rf["maxpool2"]["jump"] == 8
    assert rf["inception3a"]["rf_min"] == 27 and rf["inception3a"]["rf_max"] == 27 + 4 * 8 == 59
    assert rf["inception5b"]["jump"] == 32
    # the bn variant's "5x5" branch is a 3x3: smaller fields
    bn = {r["block"]: r for r in architecture.receptive_fields(googlenet_spec("bn"))}
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
    rf = {r["block"]: r for r in architecture.receptive_fields()}
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


def test_every_table1_mismatch_is_explained():
    rows = architecture.table1_report()
    assert [r["name"] for r in rows] == [r.name for r in TABLE1]
    for r in rows:
        mismatch = r["params_match"] is False or r["ops_match"] is False
        assert bool(r["note"]) == mismatch, r["name"]
        if mismatch:
            assert r["name"] in architecture.TABLE1_NOTES
            assert "{" not in r["note"] and "{" not in r["verdict"]
    by = {r["name"]: r for r in rows}
    assert {n for n, r in by.items() if r["verdict"] == "match"} == {"conv2-3", "inception3a", "inception3b",
                                                                     "fc"}
    assert set(architecture.TABLE1_NOTES) == {n for n, r in by.items() if r["note"]}


def test_conv1_is_a_depthwise_separable_convolution_with_multiplier_8():
    rows = architecture.conv1_hypotheses()
    plain = rows[0]
    assert plain["weights"] == 7 * 7 * 3 * 64 and not plain["matches"]
    hits = [r for r in rows if r["matches"]]
    assert len(hits) == 1 and "multiplier 8" in hits[0]["layer"]
    assert hits[0]["weights"] == 7 * 7 * 3 * 8 + 24 * 64 == 2712
    assert round(hits[0]["ops_m"]) == 34  # the printed 34M
    assert round(hits[0]["params_k"], 1) in (2.6, 2.7)


def test_table1_printed_ops_imply_our_weights():
    """For an Inception block ops = H*W*weights, so the printed ops column gives
    the weights back; for the rows whose params disagree, it gives ours."""
    by = {r["name"]: r for r in architecture.table1_report()}
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
        architecture.solve_table1_row("conv1")
    # a matching row: every solution is a genuine change
    assert all(s["value"] != s["ours"] for s in architecture.solve_table1_row("inception3a"))


def _mult8(name):
    return [s for s in R.solve_table1_row(name) if s["multiple_of_8"]]


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


def test_table1_report_follows_the_convention_that_reproduces_the_most_rows():
    """With biases 4 rows agree in both columns, with weights alone 3 (3b is the
    difference); K = 1000 reproduces none. The report takes the first."""
    def agreeing(biases):
        return {r["name"] for r in architecture.table1_report(explain=False, biases=biases)
                if r["params_match"] and r["ops_match"]}
    assert agreeing(True) == {"conv2-3", "inception3a", "inception3b", "fc"}
    assert agreeing(False) == {"conv2-3", "inception3a", "fc"}
    assert agreeing(None) == agreeing(True)


def test_full_view_central_and_every_unit():
    v = R.full_view(googlenet_spec("paper", aux_logits=False))
    # the central unit covers 0..223 from inception4b on (field 235) ...
    assert (v["central"], v["central_field"]) == ("inception4b", 235)
    # ... but in inception4e the last unit (13 of 14) still starts at pixel 9
    f = {b.name: f for b, f, _ in R.block_fields(googlenet_spec("paper", aux_logits=False))}
    assert f["inception4e"].span(13)[0] == 9
    assert v["every"] == "maxpool4"
