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

from dataclasses import dataclass, field, replace
from typing import Optional, Tuple, Union

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
    "get_variant",
]


from .data._base import IMAGENET_MEAN, IMAGENET_STD  # noqa: E402 (framework-free)

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


# --------------------------------------------------------------------------
# Blocks: what the builders and the counter walk
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Conv:
    """A convolution unit: conv (+ batch norm) + ReLU.

    Layers inside: ``{name}.conv`` and, with batch norm, ``{name}.bn``.
    ``padding`` is symmetric, in pixels, as in PyTorch.
    """

    name: str
    in_channels: int
    out_channels: int
    kernel: int
    stride: int = 1
    padding: int = 0


@dataclass(frozen=True)
class Pool:
    """A pooling layer. ``kind`` is ``"max"`` or ``"avg"``.

    ``ceil_mode`` follows PyTorch: the output size is rounded up, and the extra
    window at the bottom/right sees only real pixels (max pool).
    """

    name: str
    kind: str
    kernel: int
    stride: int
    padding: int = 0
    ceil_mode: bool = True


@dataclass(frozen=True)
class LRN:
    """Local response normalisation across channels, PyTorch's convention:

    ``b_c = a_c / (k + alpha / size * sum_{c' near c} a_{c'}^2) ** beta``.

    Values as in Caffe's reference GoogLeNet (``bvlc_googlenet``); the paper
    gives none.
    """

    name: str
    size: int = 5
    alpha: float = 1e-4
    beta: float = 0.75
    k: float = 1.0


@dataclass(frozen=True)
class InceptionBlock:
    """One Inception module with dimension reductions (the paper's Figure 2b).

    Four parallel branches, concatenated along channels in this order:

    * ``branch1``: 1x1 conv (``c1x1``)
    * ``branch2``: 1x1 reduce (``c3x3_reduce``) -> 3x3 conv (``c3x3``)
    * ``branch3``: 1x1 reduce (``c5x5_reduce``) -> ``branch3_kernel`` conv (``c5x5``)
    * ``branch4``: 3x3/1 max pool -> 1x1 projection (``pool_proj``)

    Layer names: ``branch1``, ``branch2.0``, ``branch2.1``, ``branch3.0``,
    ``branch3.1``, ``branch4.1`` (``branch4.0`` is the pool), as in torchvision.
    """

    name: str
    in_channels: int
    c1x1: int
    c3x3_reduce: int
    c3x3: int
    c5x5_reduce: int
    c5x5: int
    pool_proj: int
    branch3_kernel: int = 5

    @property
    def out_channels(self) -> int:
        return self.c1x1 + self.c3x3 + self.c5x5 + self.pool_proj

    def convs(self) -> Tuple[Conv, ...]:
        """The block's six convolutions, named relative to the block."""
        k = self.branch3_kernel
        return (
            Conv("branch1", self.in_channels, self.c1x1, 1),
            Conv("branch2.0", self.in_channels, self.c3x3_reduce, 1),
            Conv("branch2.1", self.c3x3_reduce, self.c3x3, 3, padding=1),
            Conv("branch3.0", self.in_channels, self.c5x5_reduce, 1),
            Conv("branch3.1", self.c5x5_reduce, self.c5x5, k, padding=k // 2),
            Conv("branch4.1", self.in_channels, self.pool_proj, 1),
        )


@dataclass(frozen=True)
class AuxHead:
    """An auxiliary classifier (paper, section 5).

    ``pool`` -> 1x1 conv ``conv_channels`` + ReLU -> flatten -> FC ``fc_units``
    + ReLU -> dropout -> FC ``num_classes``. The pool is either the paper's
    5x5/3 average pool (``pool="avg5s3"``) or torchvision's adaptive average
    pool to 4x4 (``pool="adaptive4"``). Layers: ``{name}.conv``,
    ``{name}.fc1``, ``{name}.fc2``.

    The flatten runs in channels-first order (C, H, W) in both frameworks, so
    ``fc1``'s weights mean the same thing everywhere.
    """

    name: str
    after: str
    in_channels: int
    num_classes: int
    pool: str = "avg5s3"
    conv_channels: int = 128
    fc_units: int = 1024
    dropout: float = 0.7
    loss_weight: float = 0.3


@dataclass(frozen=True)
class Head:
    """The classifier: global average pool -> dropout -> FC ``num_classes``."""

    in_channels: int
    num_classes: int
    dropout: float


Block = Union[Conv, Pool, LRN, InceptionBlock]


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


@dataclass(frozen=True)
class NetworkSpec:
    """A whole network: ``blocks`` in order, then ``head``; ``aux`` heads
    attached after the blocks they name."""

    name: str
    variant: Variant
    in_channels: int
    blocks: Tuple[Block, ...]
    head: Head
    aux: Tuple[AuxHead, ...] = field(default=())

    @property
    def num_classes(self) -> int:
        return self.head.num_classes

    def block(self, name: str) -> Block:
        for b in self.blocks:
            if b.name == name:
                return b
        raise KeyError(name)


def _check_positive_int(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")


def _check_rate(name: str, value) -> None:
    if not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be a float in [0, 1), got {value!r}.")


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
    blocks.append(Pool("maxpool1", "max", 3, 2))
    if v.lrn:
        blocks.append(LRN("lrn1"))
    blocks.append(Conv("conv2", c, conv23.c3x3_reduce, 1))
    blocks.append(Conv("conv3", conv23.c3x3_reduce, conv23.c3x3, 3, padding=1))
    c = conv23.c3x3
    if v.lrn:
        blocks.append(LRN("lrn2"))
    blocks.append(Pool("maxpool2", "max", 3, 2))

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
            blocks.append(Pool(r.name, "max", k, r.stride))

    fc = rows["fc"]
    del fc  # the classifier's width is num_classes, not the table's 1000
    head = Head(c, num_classes, dropout)

    aux = ()
    if aux_logits:
        names = [b.name for b in blocks]
        aux = tuple(
            AuxHead(
                aux_name, after, _block_out_channels(blocks[names.index(after)]),
                num_classes, pool=v.aux_pool, dropout=aux_dropout,
            )
            for aux_name, after in AUX_AFTER.items()
        )
    return NetworkSpec("googlenet", v, in_channels, tuple(blocks), head, aux)


def _block_out_channels(block: Block) -> int:
    if isinstance(block, (Conv, InceptionBlock)):
        return block.out_channels
    raise TypeError(f"auxiliary heads attach to conv or inception blocks, not {block!r}")


def with_row(table: Tuple[TableRow, ...], name: str, **changes) -> Tuple[TableRow, ...]:
    """A copy of ``table`` with row ``name`` changed, e.g.
    ``with_row(TABLE1, "inception3a", c5x5=64)``."""
    if name not in {r.name for r in table}:
        raise KeyError(f"no row named {name!r} in the table")
    return tuple(replace(r, **changes) if r.name == name else r for r in table)
