"""The architecture as data: Table 1 and its expansion into blocks."""

import pytest

from inception import counting
from inception.spec import (
    INCEPTION_ROWS, TABLE1, Conv, InceptionBlock, LRN, Pool, get_variant, googlenet_spec, with_row,
)


def test_table1_inception_rows_sum_to_printed_output_depth():
    assert [r.name for r in INCEPTION_ROWS] == [
        "inception3a", "inception3b", "inception4a", "inception4b", "inception4c",
        "inception4d", "inception4e", "inception5a", "inception5b"]
    for r in INCEPTION_ROWS:
        assert r.c1x1 + r.c3x3 + r.c5x5 + r.pool_proj == r.output[2], r.name


@pytest.mark.parametrize("variant", ["paper", "bn"])
def test_blocks_chain_channels(variant):
    spec = googlenet_spec(variant)
    c = spec.in_channels
    for b in spec.blocks:
        if isinstance(b, (Conv, InceptionBlock)):
            assert b.in_channels == c, b.name
            c = b.out_channels
    assert spec.head.in_channels == c == 1024
    assert [a.after for a in spec.aux] == ["inception4a", "inception4d"]
    assert [a.in_channels for a in spec.aux] == [512, 528]
    assert all(a.loss_weight == 0.3 and a.dropout == 0.7 for a in spec.aux)


def test_variants_differ_where_documented():
    paper, bn = googlenet_spec("paper"), googlenet_spec("bn")
    assert [b.name for b in paper.blocks if isinstance(b, LRN)] == ["lrn1", "lrn2"]
    assert not any(isinstance(b, LRN) for b in bn.blocks)
    assert paper.block("inception3a").branch3_kernel == 5
    assert bn.block("inception3a").branch3_kernel == 3
    assert paper.block("maxpool4").kernel == 3 and bn.block("maxpool4").kernel == 2
    assert paper.head.dropout == 0.4 and bn.head.dropout == 0.2
    assert {a.pool for a in paper.aux} == {"avg5s3"} and {a.pool for a in bn.aux} == {"adaptive4"}
    assert all(isinstance(b, Pool) and b.ceil_mode for b in paper.blocks if isinstance(b, Pool))


def test_no_aux_and_options():
    spec = googlenet_spec("bn", num_classes=21, aux_logits=False, dropout=0.5)
    assert spec.aux == () and spec.num_classes == 21 and spec.head.dropout == 0.5


@pytest.mark.parametrize("kwargs, message", [
    ({"variant": "resnet"}, "Unknown variant"),
    ({"num_classes": 0}, "num_classes"),
    ({"num_classes": 2.5}, "num_classes"),
    ({"num_classes": True}, "num_classes"),
    ({"dropout": 1.0}, "dropout"),
    ({"aux_dropout": -0.1}, "aux_dropout"),
])
def test_bad_arguments_are_rejected_with_their_name(kwargs, message):
    with pytest.raises(ValueError, match=message):
        googlenet_spec(**kwargs)


def test_get_variant_passthrough():
    v = get_variant("bn")
    assert get_variant(v) is v


def test_changing_a_row_changes_every_count():
    """A reader changes one row of the table and the counts follow."""
    table = with_row(TABLE1, "inception3a", c5x5=64)  # 32 -> 64 outputs of the 5x5 branch
    spec = googlenet_spec("paper", aux_logits=False, table=table)
    assert spec.block("inception3a").out_channels == 288
    assert spec.block("inception3b").in_channels == 288
    before = counting.totals(googlenet_spec("paper", aux_logits=False)).params
    after = counting.totals(spec).params
    # 5x5 branch: 25*16*32 more weights + 32 biases; 3b's four input convs see 32 more channels
    b3 = spec.block("inception3b")
    extra = 25 * 16 * 32 + 32 + 32 * (b3.c1x1 + b3.c3x3_reduce + b3.c5x5_reduce + b3.pool_proj)
    assert after - before == extra
    with pytest.raises(KeyError):
        with_row(TABLE1, "inception9z", c1x1=1)
