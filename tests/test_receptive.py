"""Receptive fields with their positions (inception.receptive), against the
gradient of built PyTorch models."""

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from inception import analysis  # noqa: E402
from inception import receptive as R  # noqa: E402
from inception.spec import conv, googlenet_spec  # noqa: E402
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
    for spec in (PAPER, BN):  # the same sizes as analysis.receptive_fields
        ours = {r["block"]: r for r in R.stage_fields(spec)}
        for r in analysis.receptive_fields(spec):
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


def test_full_view_central_and_every_unit():
    v = R.full_view(googlenet_spec("paper", aux_logits=False))
    # the central unit covers 0..223 from inception4b on (field 235) ...
    assert (v["central"], v["central_field"]) == ("inception4b", 235)
    # ... but in inception4e the last unit (13 of 14) still starts at pixel 9
    f = {b.name: f for b, f, _ in R.block_fields(googlenet_spec("paper", aux_logits=False))}
    assert f["inception4e"].span(13)[0] == 9
    assert v["every"] == "maxpool4"
