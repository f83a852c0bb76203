"""GoogLeNet described once, as data.

``TABLE1`` is the paper's Table 1 (Szegedy et al. 2015, "Going deeper with
convolutions"), row by row, including the parameter and operation counts the
paper prints, so that the book can put them beside what the code computes.

``googlenet_spec(variant)`` expands the table into the list of blocks that both
builders (``inception.torch`` and ``inception.keras``) and the analytic counter
(``inception.counting``) walk. Change a row of ``TABLE1`` and every framework,
every count and every figure follows.

Block names are the module paths of torchvision's ``GoogLeNet`` (``conv1``,
``inception4a``, ``aux1``, ...), and the layers inside a block are named the
same way in both frameworks (``inception4a.branch2.1.conv``), so that porting
weights between frameworks is a loop over names.

Two variants come from the same table:

``"paper"``
    As published: convolutions with biases and ReLU, local response
    normalisation after ``conv1``'s pool and after ``conv3``, a true 5x5
    branch, dropout 0.4, auxiliary heads with a 5x5/3 average pool.
``"bn"``
    torchvision's ``googlenet``: convolutions without bias followed by batch
    norm (eps 0.001), the "5x5" branch built as a 3x3 (a known slip in the
    original torchvision port, kept for weight compatibility), no LRN, a 2x2
    ``maxpool4``, dropout 0.2, auxiliary heads with an adaptive 4x4 average pool.

Departures from the paper that both variants share, each for a reason:

* The final pool is a *global* average pool. The paper's 7x7/1 pool equals it
  at 224x224 input; at the slides' 256x256 input the last grid is 8x8 and a
  7x7/1 pool would leave 2x2, breaking the classifier.
* Max pools use ``ceil_mode`` (as Caffe's reference GoogLeNet and torchvision
  do): 112 -> 56 -> 28 -> 14 -> 7 without padding, the output sizes of Table 1.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional, Tuple, Union

from ..constants import IMAGENET_MEAN, IMAGENET_STD
from .layers import (
    LRN,
    AuxHead,
    Conv,
    ConvStyle,
    Head,
    InceptionBlock,
    NetworkSpec,
    Pool,
    check_positive_int as _check_positive_int,
    check_rate as _check_rate,
)

__all__ = [
    "TRANSFORM_INPUT_SCALE",
    "TRANSFORM_INPUT_SHIFT",
    "TableRow",
    "TABLE1",
    "INCEPTION_ROWS",
    "Conv",
    "Pool",
    "LRN",
    "InceptionBlock",
    "AuxHead",
    "Head",
    "Variant",
    "VARIANTS",
    "NetworkSpec",
    "googlenet_spec",
    "googlenet_aux",
    "with_row",
    "get_variant",
]

#: torchvision's ``transform_input`` (GoogLeNet, Inception-v3): ImageNet-normalised
#: input -> the ``(x - 0.5) / 0.5`` normalisation its Google-trained weights
#: expect, as ``x * scale + shift`` per channel. Both frameworks' builders use it.
TRANSFORM_INPUT_SCALE = tuple(s / 0.5 for s in IMAGENET_STD)
TRANSFORM_INPUT_SHIFT = tuple((m - 0.5) / 0.5 for m in IMAGENET_MEAN)


# --------------------------------------------------------------------------
# The paper's Table 1, as printed
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class TableRow:
    """One row of the paper's Table 1, with the paper's own numbers.

    ``paper_params_k`` is in thousands (the paper's "K" turns out to be 1024,
    see the book's chapter 5) and ``paper_ops_m`` in millions of
    multiply-adds, both as printed; ``None`` where the paper leaves the cell
    empty.
    """

    name: str
    type: str
    patch: Optional[int] = None  # patch size (kernel), square
    stride: Optional[int] = None
    output: Optional[Tuple[int, int, int]] = None  # H, W, C as printed
    depth: int = 0
    c1x1: Optional[int] = None  # #1x1
    c3x3_reduce: Optional[int] = None  # #3x3 reduce
    c3x3: Optional[int] = None  # #3x3
    c5x5_reduce: Optional[int] = None  # #5x5 reduce
    c5x5: Optional[int] = None  # #5x5
    pool_proj: Optional[int] = None  # pool proj
    paper_params_k: Optional[float] = None
    paper_ops_m: Optional[float] = None


# fmt: off
TABLE1: Tuple[TableRow, ...] = (
    TableRow("conv1", "convolution", 7, 2, (112, 112, 64), 1, paper_params_k=2.7, paper_ops_m=34),
    TableRow("maxpool1", "max pool", 3, 2, (56, 56, 64), 0),
    TableRow("conv2-3", "convolution", 3, 1, (56, 56, 192), 2, c3x3_reduce=64, c3x3=192,
             paper_params_k=112, paper_ops_m=360),
    TableRow("maxpool2", "max pool", 3, 2, (28, 28, 192), 0),
    TableRow("inception3a", "inception", None, None, (28, 28, 256), 2, 64, 96, 128, 16, 32, 32, 159, 128),
    TableRow("inception3b", "inception", None, None, (28, 28, 480), 2, 128, 128, 192, 32, 96, 64, 380, 304),
    TableRow("maxpool3", "max pool", 3, 2, (14, 14, 480), 0),
    TableRow("inception4a", "inception", None, None, (14, 14, 512), 2, 192, 96, 208, 16, 48, 64, 364, 73),
    TableRow("inception4b", "inception", None, None, (14, 14, 512), 2, 160, 112, 224, 24, 64, 64, 437, 88),
    TableRow("inception4c", "inception", None, None, (14, 14, 512), 2, 128, 128, 256, 24, 64, 64, 463, 100),
    TableRow("inception4d", "inception", None, None, (14, 14, 528), 2, 112, 144, 288, 32, 64, 64, 580, 119),
    TableRow("inception4e", "inception", None, None, (14, 14, 832), 2, 256, 160, 320, 32, 128, 128, 840, 170),
    TableRow("maxpool4", "max pool", 3, 2, (7, 7, 832), 0),
    TableRow("inception5a", "inception", None, None, (7, 7, 832), 2, 256, 160, 320, 32, 128, 128, 1072, 54),
    TableRow("inception5b", "inception", None, None, (7, 7, 1024), 2, 384, 192, 384, 48, 128, 128, 1388, 71),
    TableRow("avgpool", "avg pool", 7, 1, (1, 1, 1024), 0),
    TableRow("dropout", "dropout (40%)", None, None, (1, 1, 1024), 0),
    TableRow("fc", "linear", None, None, (1, 1, 1000), 1, paper_params_k=1000, paper_ops_m=1),
    TableRow("softmax", "softmax", None, None, (1, 1, 1000), 0),
)
# fmt: on

#: The nine Inception rows, in order.
INCEPTION_ROWS: Tuple[TableRow, ...] = tuple(r for r in TABLE1 if r.type == "inception")

#: Auxiliary classifiers sit on top of these blocks (paper, section 5).
AUX_AFTER = {"aux1": "inception4a", "aux2": "inception4d"}


@dataclass(frozen=True)
class Variant:
    """How a variant builds the blocks of Table 1."""

    name: str
    batch_norm: bool  # conv without bias + batch norm, else conv with bias
    lrn: bool  # local response normalisation in the stem
    branch3_kernel: int  # the "5x5" branch's kernel
    maxpool4_kernel: int
    dropout: float
    aux_pool: str
    aux_dropout: float = 0.7
    bn_eps: float = 1e-3
    bn_momentum: float = 0.1  # PyTorch's convention; Keras uses 1 - this
    description: str = ""

    @property
    def style(self) -> ConvStyle:
        """The variants differ in how a convolution unit is built, as
        torchvision's VGG variants differ by ``batch_norm=True``."""
        if self.batch_norm:
            return ConvStyle(batch_norm=True, bn_eps=self.bn_eps, bn_momentum=self.bn_momentum,
                             init="torchvision")
        return ConvStyle(batch_norm=False, conv_bias=True, init="he")


VARIANTS = {
    "paper": Variant(
        "paper", batch_norm=False, lrn=True, branch3_kernel=5, maxpool4_kernel=3,
        dropout=0.4, aux_pool="avg5s3",
        description="as published: ReLU convs with biases, LRN, true 5x5, dropout 0.4",
    ),
    "bn": Variant(
        "bn", batch_norm=True, lrn=False, branch3_kernel=3, maxpool4_kernel=2,
        dropout=0.2, aux_pool="adaptive4",
        description="torchvision-compatible: conv + batch norm, '5x5' branch as 3x3, dropout 0.2",
    ),
}


def get_variant(variant: Union[str, Variant]) -> Variant:
    """Return the :class:`Variant` named ``variant`` (or ``variant`` itself)."""
    if isinstance(variant, Variant):
        return variant
    if variant not in VARIANTS:
        raise ValueError(
            f"Unknown variant {variant!r}; expected one of {sorted(VARIANTS)}."
        )
    return VARIANTS[variant]


def googlenet_spec(
    variant: Union[str, Variant] = "paper",
    num_classes: int = 1000,
    aux_logits: bool = True,
    dropout: Optional[float] = None,
    aux_dropout: Optional[float] = None,
    in_channels: int = 3,
    table: Tuple[TableRow, ...] = TABLE1,
) -> NetworkSpec:
    """Expand Table 1 into the blocks of GoogLeNet for ``variant``.

    Args:
        variant: ``"paper"`` or ``"bn"`` (see the module docstring).
        num_classes: size of the classifier (and of the auxiliary classifiers).
        aux_logits: whether to attach the two auxiliary heads.
        dropout: dropout before the classifier; ``None`` takes the variant's.
        aux_dropout: dropout inside the auxiliary heads; ``None``: 0.7.
        in_channels: image channels.
        table: the rows to build from; pass a modified copy of ``TABLE1`` to
            experiment (both frameworks and the counters follow).
    """
    v = get_variant(variant)
    _check_positive_int("num_classes", num_classes)
    _check_positive_int("in_channels", in_channels)
    dropout = v.dropout if dropout is None else dropout
    aux_dropout = v.aux_dropout if aux_dropout is None else aux_dropout
    _check_rate("dropout", dropout)
    _check_rate("aux_dropout", aux_dropout)

    rows = {r.name: r for r in table}
    conv1, conv23 = rows["conv1"], rows["conv2-3"]
    blocks = []
    c = in_channels
    # Stem: conv1 7x7/2 -> pool -> (LRN) -> conv2 1x1 -> conv3 3x3 -> (LRN) -> pool.
    blocks.append(Conv("conv1", c, conv1.output[2], conv1.patch, conv1.stride, conv1.patch // 2))
    c = conv1.output[2]
    blocks.append(Pool("maxpool1", "max", 3, 2, ceil_mode=True))
    if v.lrn:
        blocks.append(LRN("lrn1"))
    blocks.append(Conv("conv2", c, conv23.c3x3_reduce, 1))
    blocks.append(Conv("conv3", conv23.c3x3_reduce, conv23.c3x3, 3, padding=1))
    c = conv23.c3x3
    if v.lrn:
        blocks.append(LRN("lrn2"))
    blocks.append(Pool("maxpool2", "max", 3, 2, ceil_mode=True))

    for r in table:
        if r.type == "inception":
            blk = InceptionBlock(
                r.name, c, r.c1x1, r.c3x3_reduce, r.c3x3, r.c5x5_reduce, r.c5x5,
                r.pool_proj, branch3_kernel=v.branch3_kernel,
            )
            blocks.append(blk)
            c = blk.out_channels
        elif r.type == "max pool" and r.name in ("maxpool3", "maxpool4"):
            # torchvision's maxpool4 is 2x2/2: same 14 -> 7 output, other windows.
            k = v.maxpool4_kernel if r.name == "maxpool4" else r.patch
            blocks.append(Pool(r.name, "max", k, r.stride, ceil_mode=True))

    fc = rows["fc"]
    del fc  # the classifier's width is num_classes, not the table's 1000
    head = Head(c, num_classes, dropout)

    aux = ()
    if aux_logits:
        names = [b.name for b in blocks]
        aux = tuple(
            googlenet_aux(aux_name, after, _block_out_channels(blocks[names.index(after)]),
                          num_classes, v.aux_pool, aux_dropout)
            for aux_name, after in AUX_AFTER.items()
        )
    return NetworkSpec("googlenet", in_channels, 224, tuple(blocks), head, aux, v.style,
                       v.description, variant=v)


def googlenet_aux(name: str, after: str, in_channels: int, num_classes: int,
                  pool: str = "avg5s3", dropout: float = 0.7) -> AuxHead:
    """An auxiliary classifier (paper, section 5): pool -> 1x1 conv 128 ->
    flatten (C, H, W) -> fc1 1024 + ReLU -> dropout -> fc2 ``num_classes``.

    The pool is the paper's 5x5/3 average pool (``pool="avg5s3"``) or
    torchvision's adaptive average pool to 4x4 (``"adaptive4"``); the two
    agree in output size at 224 and 256 input, not in the windows they average.
    """
    if pool == "adaptive4":
        p = Pool("avg", output_size=4, name="pool")
    elif pool == "avg5s3":
        p = Pool("avg", 5, 3, name="pool")
    else:
        raise ValueError(f"unknown auxiliary pool {pool!r}")
    return AuxHead(name, after, in_channels, (p, Conv("conv", in_channels, 128, 1)), num_classes,
                   fc_name="fc2", dropout=dropout, flatten="chw", hidden=(("fc1", 1024),))


def _block_out_channels(block) -> int:
    if isinstance(block, (Conv, InceptionBlock)):
        return block.out_channels
    raise TypeError(f"auxiliary heads attach to conv or inception blocks, not {block!r}")


def with_row(table: Tuple[TableRow, ...], name: str, **changes) -> Tuple[TableRow, ...]:
    """A copy of ``table`` with row ``name`` changed, e.g.
    ``with_row(TABLE1, "inception3a", c5x5=64)``."""
    if name not in {r.name for r in table}:
        raise KeyError(f"no row named {name!r} in the table")
    return tuple(replace(r, **changes) if r.name == name else r for r in table)
