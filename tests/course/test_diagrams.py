"""The diagrams are drawn from the spec: what they show must follow it."""

import re

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from inception.course import diagrams  # noqa: E402
from inception.counting import count_blocks  # noqa: E402
from inception.spec import INCEPTION_ROWS, TABLE1, googlenet_spec, with_row  # noqa: E402


def branch_boxes(fig):
    """Boxes of the branches (not the input/output boxes)."""
    return {g: t for g, t in diagrams.drawn_boxes(fig).items() if re.fullmatch(r"box:\d+:\d+", g)}


@pytest.mark.parametrize("name", [r.name for r in INCEPTION_ROWS])
def test_reduced_module_has_one_box_per_conv_plus_the_pool(name):
    block = googlenet_spec().block(name)
    fig = diagrams.inception_module_diagram(block)
    assert isinstance(fig, Figure)
    boxes = branch_boxes(fig)
    convs = [t for t in boxes.values() if "conv" in t]
    pools = [t for t in boxes.values() if "pool" in t]
    assert len(convs) == len(block.convs()) == 6
    assert len(pools) == 1
    # every conv's output channel count appears in a label, in branch order
    texts = [boxes[f"box:{i}:{j}"] for i, j in ((0, 0), (1, 0), (1, 1), (2, 0), (2, 1), (3, 1))]
    for conv, text in zip(block.convs(), texts):
        assert text.split("\n")[1].split(" -> ")[-1] == str(conv.out_channels)
        assert f"{conv.kernel}x{conv.kernel}" in text
    io = diagrams.drawn_boxes(fig)
    assert io["box:input"].endswith(str(block.in_channels))
    assert io["box:output"].endswith(str(block.out_channels))


def test_naive_module_has_no_reductions_and_keeps_the_pool_channels():
    block = googlenet_spec().block("inception3a")
    boxes = branch_boxes(diagrams.inception_module_diagram(block, reduced=False, grid=28))
    assert len(boxes) == 4  # 1x1, 3x3, 5x5, pool: one box per branch
    assert [t.split("\n")[0] for t in boxes.values()] == ["1x1 conv", "3x3 conv", "5x5 conv", "3x3 max pool"]
    out = diagrams.drawn_boxes(diagrams.inception_module_diagram(block, reduced=False, grid=28))["box:output"]
    assert out.endswith(f"28x28x{block.c1x1 + block.c3x3 + block.c5x5 + block.in_channels}")


def test_changing_a_row_changes_the_drawn_label():
    table = with_row(TABLE1, "inception3a", c5x5=40, c5x5_reduce=24)
    before = branch_boxes(diagrams.inception_module_diagram(googlenet_spec().block("inception3a")))
    after = branch_boxes(diagrams.inception_module_diagram(googlenet_spec(table=table).block("inception3a")))
    assert before["box:2:1"].endswith("16 -> 32")
    assert after["box:2:1"].endswith("24 -> 40")
    assert after["box:2:0"].endswith("192 -> 24")


def test_bn_variant_draws_its_3x3_branch():
    block = googlenet_spec("bn").block("inception4a")
    assert branch_boxes(diagrams.inception_module_diagram(block))["box:2:1"].startswith("3x3 conv")


def test_draw_branches_is_generic():
    branches = [[("1x1 conv", "a")], [("1x7 conv", "b"), ("7x1 conv", "c"), ("3x3 conv", "d")]]
    fig = diagrams.draw_branches(branches, "in", "out", orientation="horizontal")
    boxes = branch_boxes(fig)
    assert sorted(boxes) == ["box:0:0", "box:1:0", "box:1:1", "box:1:2"]
    assert boxes["box:1:2"] == "3x3 conv\nd"
    # one arrow into each box and one from each branch into the output
    arrows = [p for p in fig.axes[0].patches if p.get_gid() == "arrow"]
    assert len(arrows) == 4 + 2
    with pytest.raises(ValueError):
        diagrams.draw_branches([[]])
    with pytest.raises(ValueError):
        diagrams.draw_branches(branches, orientation="diagonal")


def test_aux_head_diagram_follows_the_spec():
    spec = googlenet_spec(num_classes=21)
    aux = spec.aux[0]
    fig = diagrams.aux_head_diagram(aux, grid=14)
    boxes = branch_boxes(fig)
    texts = list(boxes.values())
    assert len(texts) == 5
    assert "4x4" in texts[0]  # 5x5/3 pool on 14x14
    assert texts[1].endswith(f"{aux.in_channels} -> {aux.conv_channels}")
    assert texts[2].endswith(f"{aux.conv_channels * 16} -> {aux.fc_units}")
    assert texts[4].endswith(f"{aux.fc_units} -> 21")
    assert diagrams.drawn_boxes(fig)["box:output"].endswith("0.3")


def test_network_diagram_has_every_block_with_its_shape():
    spec = googlenet_spec()
    fig = diagrams.network_diagram(spec, 224)
    blocks = diagrams.drawn_boxes(fig, prefix="block:")
    for b in spec.blocks:
        assert f"block:{b.name}" in blocks
    assert len(blocks) == len(spec.blocks) + 5  # input, avgpool, dropout, fc, softmax
    aux = diagrams.drawn_boxes(fig, prefix="aux:")
    assert sorted(aux) == ["aux:aux1", "aux:aux2"]
    shapes = {t.get_text() for t in fig.axes[0].texts}
    for b in count_blocks(spec, 224):
        if len(b.output_shape) == 3:
            c, h, w = b.output_shape
            assert f"{h}x{w}x{c}" in shapes
    assert "4x4" in aux["aux:aux1"]


def test_network_diagram_follows_input_size_and_aux():
    spec = googlenet_spec("bn", 21, aux_logits=False)
    fig = diagrams.network_diagram(spec, 256)
    assert not diagrams.drawn_boxes(fig, prefix="aux:")
    shapes = {t.get_text() for t in fig.axes[0].texts}
    assert "8x8x1024" in shapes and "256x256x3" in shapes
    table = with_row(TABLE1, "inception5b", c1x1=256)
    text = diagrams.drawn_boxes(diagrams.network_diagram(googlenet_spec(table=table)), "block:")["block:inception5b"]
    assert text.split("\n")[1].startswith("256 |")


# --------------------------------------------------------------------------
# One colour per branch type
# --------------------------------------------------------------------------


def _fill(fig, gid):
    from matplotlib.colors import to_hex

    (patch,) = [p for p in fig.axes[0].patches if p.get_gid() == gid]
    return to_hex(patch.get_facecolor())


def test_the_palette_has_one_distinct_colour_per_branch_type():
    c = diagrams.BRANCH_COLOURS
    assert set(c) == {"1x1", "3x3", "5x5", "pool", "reduction"}
    assert len(set(c.values())) == len(c)
    assert not set(c.values()) & set(diagrams.OTHER_COLOURS.values())


@pytest.mark.parametrize("label, reduction, kind", [
    ("1x1 conv", False, "1x1"), ("1x1 conv", True, "reduction"), ("3x3 conv", False, "3x3"),
    ("1x3 | 3x1 conv", False, "3x3"), ("7x1 conv", False, "5x5"), ("5x5 conv", False, "5x5"),
    ("3x3 max pool", False, "pool"), ("5x5/3 avg pool", True, "pool"), ("FC + ReLU", False, "classifier"),
])
def test_box_kind(label, reduction, kind):
    assert diagrams.box_kind(label, reduction) == kind


def test_module_boxes_take_the_palette():
    c = diagrams.BRANCH_COLOURS
    reduced = diagrams.inception_module_diagram(googlenet_spec().block("inception3a"))
    assert _fill(reduced, "box:0:0") == c["1x1"]
    assert _fill(reduced, "box:1:0") == _fill(reduced, "box:3:1") == c["reduction"]
    assert _fill(reduced, "box:1:1") == c["3x3"]
    assert _fill(reduced, "box:2:1") == c["5x5"]
    assert _fill(reduced, "box:3:0") == c["pool"]
    naive = diagrams.inception_module_diagram(googlenet_spec().block("inception3a"), reduced=False)
    assert [_fill(naive, f"box:{i}:0") for i in range(4)] == [c["1x1"], c["3x3"], c["5x5"], c["pool"]]
    legend = [t.get_text() for t in naive.axes[0].get_legend().get_texts()]
    assert legend == [diagrams.BRANCH_NAMES[k] for k in ("1x1", "3x3", "5x5", "pool")]


def test_later_versions_use_the_same_palette():
    from inception.course import versions
    from inception.spec import inception_v3_spec

    fig = versions.module_diagram(inception_v3_spec().block("Mixed_6b"))
    fills = {_fill(fig, p.get_gid()) for p in fig.axes[0].patches if re.fullmatch(r"box:\d+:\d+", p.get_gid() or "")}
    assert fills <= set(diagrams.BRANCH_COLOURS.values())
