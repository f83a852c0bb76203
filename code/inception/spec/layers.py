"""The one vocabulary every network of the package is written in.

GoogLeNet (:mod:`inception.spec.googlenet`) and BN-Inception, Inception-v3
and v4 (:mod:`inception.spec.versions`) are data made of these classes; the
analytic counter (:mod:`inception.counting`) and one runner per framework
(:mod:`inception.torch`, :mod:`inception.keras`) walk them.

A module is a small graph written as nested tuples:

* a *sequence* is a tuple of layers applied one after the other;
* a layer is a :class:`Conv` (conv + batch norm or bias + ReLU, as the
  network's :class:`ConvStyle` says), a :class:`Pool`, an :class:`LRN`, or a
  :class:`Concat` whose ``branches`` are sequences run on the same input and
  concatenated along channels.

A network (:class:`NetworkSpec`) is a tuple of top-level blocks, each a
:class:`Block` (a named sequence), an :class:`InceptionBlock` (GoogLeNet's
four-branch module, with the paper's Table 1 numbers), or a single named
:class:`Conv`, :class:`Pool` or :class:`LRN`; then auxiliary heads
(:class:`AuxHead`) and the classifier (:class:`Head`).

Names. Every :class:`Conv` has a module path relative to its block; the full
path (``Mixed_7b.branch3x3_2a``, ``inception4a.branch2.1``) is the PyTorch
module path and the Keras layer-name prefix (``... .conv``, ``... .bn``), so
that weights are ported by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterator, Optional, Tuple, Union

__all__ = [
    "Conv", "conv", "Pool", "LRN", "Concat", "InceptionBlock", "Block", "AuxHead", "Head",
    "ConvStyle", "NetworkSpec", "VersionSpec", "iter_convs", "iter_pools", "join", "out_channels",
    "pair", "block_layers", "block_kind",
]

Pair = Tuple[int, int]
POOL_KINDS = ("max", "avg")


def pair(value, what: str = "value") -> Pair:
    """``3 -> (3, 3)``; a pair of ints is returned as a tuple."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value)
    if (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        return (int(value[0]), int(value[1]))
    raise ValueError(f"{what} must be an int or a pair of ints, got {value!r}")


def join(prefix: str, name: str) -> str:
    """``join("Mixed_5b", "branch1x1") == "Mixed_5b.branch1x1"``; empty parts vanish."""
    return ".".join(p for p in (prefix, name) if p)


def check_positive_int(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")


def check_rate(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be a float in [0, 1), got {value!r}.")


# --------------------------------------------------------------------------
# Layers
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Conv:
    """A convolution unit: conv -> batch norm (or a bias) -> ReLU.

    ``kernel``, ``stride`` and ``padding`` are an int (square) or a
    ``(height, width)`` pair, as in PyTorch (``kernel=(1, 7), padding=(0, 3)``
    is a 1x7 convolution that keeps the grid). ``name`` is the module path
    relative to the block; the layers inside are ``{path}.conv`` and, with
    batch norm, ``{path}.bn``.
    """

    name: str
    in_channels: int
    out_channels: int
    kernel: Union[int, Pair]
    stride: Union[int, Pair] = 1
    padding: Union[int, Pair] = 0


def conv(name: str, in_channels: int, out_channels: int, kernel, stride=1, padding=0) -> Conv:
    """Build a :class:`Conv` with pairs from ints or pairs. ``padding="same"``
    pads ``kernel // 2`` on each axis (the grid is kept at stride 1)."""
    k = pair(kernel, "kernel")
    s = pair(stride, "stride")
    p = (k[0] // 2, k[1] // 2) if padding == "same" else pair(padding, "padding")
    for what, v in (("in_channels", in_channels), ("out_channels", out_channels)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"{name or 'conv'}: {what} must be a positive integer, got {v!r}")
    return Conv(name, in_channels, out_channels, k, s, p)


@dataclass(frozen=True, init=False)
class Pool:
    """A max or average pool (square window), PyTorch's conventions.

    ``Pool(kind, kernel, stride, padding=0, ...)``; GoogLeNet's table names its
    pools first, so ``Pool(name, kind, kernel, stride, ...)`` is accepted too.

    ``ceil_mode`` follows PyTorch: the output size is rounded up, and the
    extra window at the bottom/right sees only real pixels.
    ``count_include_pad`` (average pools with padding): ``True`` divides every
    window by ``kernel**2`` (PyTorch's default, torchvision's Inception-v3);
    ``False`` by the number of real pixels (TF's ``'SAME'`` average pool, so
    TF-slim's models and timm's Inception-v4). ``output_size``: an adaptive
    pool to ``output_size x output_size`` (torchvision's GoogLeNet auxiliary
    heads); ``kernel`` and ``stride`` are then unused.

    ``name``: a module path where the reference implementation registers the
    pool as a module (timm's ``branch3.0``), ``None`` where it is a function
    call. Pools have no weights, so this only names layers.
    """

    kind: str
    kernel: int
    stride: int
    padding: int = 0
    ceil_mode: bool = False
    count_include_pad: bool = True
    name: Optional[str] = None
    output_size: Optional[int] = None

    def __init__(self, *args, **kwargs):
        if len(args) > 1 and args[0] not in POOL_KINDS and args[1] in POOL_KINDS:
            kwargs["name"], args = args[0], args[1:]  # GoogLeNet's Pool(name, kind, ...)
        self._set(*args, **kwargs)

    def _set(self, kind, kernel=None, stride=None, padding=0, ceil_mode=False,
             count_include_pad=True, name=None, output_size=None):
        if kind not in POOL_KINDS:
            raise ValueError(f"pool kind must be 'max' or 'avg', got {kind!r}")
        if output_size is None and (kernel is None or stride is None):
            raise TypeError("a pool needs a kernel and a stride (or an output_size)")
        values = dict(kind=kind, kernel=kernel or 0, stride=stride or 0, padding=padding,
                      ceil_mode=ceil_mode, count_include_pad=count_include_pad, name=name,
                      output_size=output_size)
        for key, value in values.items():
            object.__setattr__(self, key, value)


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
class Concat:
    """Parallel branches on the same input, concatenated along channels in
    order. Each branch is a sequence (a tuple of layers; an empty tuple passes
    the input through). ``name`` names the concatenation (Keras layer
    ``{block}.{name}``)."""

    branches: Tuple[Tuple["Layer", ...], ...]
    name: str = "concat"


Layer = Union[Conv, Pool, LRN, Concat]


def iter_convs(layers) -> Iterator[Conv]:
    """Every :class:`Conv` in a sequence, depth first, in execution order."""
    for layer in layers:
        if isinstance(layer, Conv):
            yield layer
        elif isinstance(layer, Concat):
            for branch in layer.branches:
                yield from iter_convs(branch)


def iter_pools(layers) -> Iterator[Pool]:
    """Every :class:`Pool` in a sequence, depth first."""
    for layer in layers:
        if isinstance(layer, Pool):
            yield layer
        elif isinstance(layer, Concat):
            for branch in layer.branches:
                yield from iter_pools(branch)


def out_channels(layers, in_channels: int) -> int:
    """Channels out of a sequence fed ``in_channels`` (no shapes needed)."""
    c = in_channels
    for layer in layers:
        if isinstance(layer, Conv):
            if layer.in_channels != c:
                raise ValueError(f"{layer.name}: expects {layer.in_channels} input channels, gets {c}")
            c = layer.out_channels
        elif isinstance(layer, Concat):
            c = sum(out_channels(branch, c) for branch in layer.branches)
    return c


# --------------------------------------------------------------------------
# Blocks
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class InceptionBlock:
    """One Inception module with dimension reductions (the paper's Figure 2b),
    with the numbers of a row of Table 1.

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

    kind = "inception"

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

    @property
    def layers(self) -> Tuple[Layer, ...]:
        """The module as a sequence of the general vocabulary (one concat)."""
        b1, r3, c3, r5, c5, proj = self.convs()
        # ceil_mode at stride 1 changes nothing; kept to match torchvision.
        pool = Pool("branch4.0", "max", 3, 1, 1, ceil_mode=True)
        return (Concat(((b1,), (r3, c3), (r5, c5), (pool, proj))),)


@dataclass(frozen=True)
class Block:
    """One top-level step of a network.

    ``name`` is its module path (``Mixed_5b``, ``features.6``); ``layers`` a
    sequence whose convolutions are named relative to it. A block that is a
    single convolution has one :class:`Conv` named ``""`` (its layers are then
    ``{block}.conv`` and ``{block}.bn``, torchvision's ``Conv2d_1a_3x3.conv``).
    ``kind`` groups blocks for tables (``"stem"``, ``"inception_a"``, ...) and
    ``figure`` says where the paper draws it.
    """

    name: str
    kind: str
    in_channels: int
    layers: Tuple[Layer, ...]
    figure: str = ""

    def convs(self) -> Tuple[Conv, ...]:
        return tuple(iter_convs(self.layers))


TopBlock = Union[Block, InceptionBlock, Conv, Pool, LRN]


def block_layers(block: TopBlock) -> Tuple[Layer, ...]:
    """The sequence a top-level block runs, its names relative to ``block.name``."""
    if isinstance(block, (Block, InceptionBlock)):
        return block.layers
    if isinstance(block, Conv):
        return (replace(block, name=""),)  # layers {block}.conv, {block}.bn
    if isinstance(block, (Pool, LRN)):
        return (block,)
    raise TypeError(f"not a block: {block!r}")


def block_kind(block) -> str:
    """``"conv"``, ``"pool"``, ``"lrn"``, ``"inception"`` or a :class:`Block`'s kind."""
    if isinstance(block, (Block, InceptionBlock)):
        return block.kind
    return {Conv: "conv", Pool: "pool", LRN: "lrn"}[type(block)]


@dataclass(frozen=True)
class AuxHead:
    """An auxiliary classifier: ``layers`` (pools and convs), then either a
    global average pool (``flatten="global"``) or a flatten in PyTorch's
    channels-first order (``flatten="chw"``, so that the next layer's weights
    mean the same in both frameworks), ``hidden`` fully connected ReLU layers
    (``(name, units)`` pairs), dropout and the classifier ``{name}.{fc_name}``.

    GoogLeNet's (paper, section 5): 5x5/3 average pool (torchvision: adaptive
    to 4x4) -> 1x1 conv 128 -> flatten -> fc1 1024 -> dropout 0.7 -> fc2.
    Inception-v3's (torchvision's ``InceptionAux``): 5x5/3 average pool ->
    1x1 conv 128 -> 5x5 conv 768 -> global average -> fc.
    """

    name: str
    after: str
    in_channels: int
    layers: Tuple[Layer, ...]
    num_classes: int
    fc_name: str = "fc"
    dropout: float = 0.0
    loss_weight: float = 0.3
    flatten: str = "global"
    hidden: Tuple[Tuple[str, int], ...] = ()

    @property
    def fc_in(self) -> int:
        """Features into the first fully connected layer, after a global pool."""
        convs = tuple(iter_convs(self.layers))
        return convs[-1].out_channels if convs else self.in_channels

    # GoogLeNet's descriptions of its head (the book's diagrams use them).
    @property
    def pool(self) -> str:
        """``"adaptive4"`` (torchvision) or ``"avg5s3"`` (the paper)."""
        p = next(iter_pools(self.layers), None)
        if p is not None and p.output_size:
            return f"adaptive{p.output_size}"
        return f"{p.kind}{p.kernel}s{p.stride}" if p is not None else ""

    @property
    def conv_channels(self) -> int:
        return self.fc_in

    @property
    def fc_units(self) -> int:
        return self.hidden[-1][1] if self.hidden else self.fc_in


@dataclass(frozen=True)
class Head:
    """The classifier: global average pool -> dropout -> fc ``fc_name``."""

    in_channels: int
    num_classes: int
    dropout: float
    fc_name: str = "fc"


@dataclass(frozen=True)
class ConvStyle:
    """How every convolution unit of a network is built.

    ``batch_norm``: conv -> batch norm -> ReLU; else conv (with bias) -> ReLU
    (GoogLeNet as published). ``bn_scale=False`` drops batch norm's gamma
    (TF-slim's and keras.applications' Inception models: the next layer's
    weights can absorb a scale in front of a ReLU). ``conv_bias=True`` keeps
    a bias in the convolution (always without batch norm; in front of it in
    the Caffe BN-Inception model, where the batch norm's shift makes it
    redundant). ``init``: ``"he"`` (He-normal convolutions and hidden layers,
    classifiers normal with std 0.01), ``"torchvision"`` (torchvision's
    GoogLeNet: everything normal with std 0.01) or ``"torchvision_v3"``
    (truncated normal, std 0.1; the auxiliary head's last conv 0.01 and fc 0.001).
    """

    batch_norm: bool = True
    bn_scale: bool = True
    conv_bias: bool = False
    bn_eps: float = 1e-3
    bn_momentum: float = 0.1  # PyTorch's convention; Keras' momentum is 1 - this
    init: str = "he"

    def __post_init__(self):
        if self.init not in ("he", "torchvision", "torchvision_v3"):
            raise ValueError(f"unknown init {self.init!r}")


@dataclass(frozen=True)
class NetworkSpec:
    """A whole network: ``blocks`` in order, ``aux`` heads attached after the
    blocks they name, then ``head``. ``input_size`` is the native input size
    (224 or 299); ``variant`` GoogLeNet's (:class:`~inception.spec.Variant`),
    ``None`` for the other networks."""

    name: str
    in_channels: int
    input_size: int
    blocks: Tuple[TopBlock, ...]
    head: Head
    aux: Tuple[AuxHead, ...] = field(default=())
    style: ConvStyle = field(default_factory=ConvStyle)
    description: str = ""
    variant: Optional[object] = None

    @property
    def num_classes(self) -> int:
        return self.head.num_classes

    def block(self, name: str):
        for b in self.blocks:
            if b.name == name:
                return b
        raise KeyError(name)

    def without_aux(self) -> "NetworkSpec":
        return replace(self, aux=())

    def with_classes(self, num_classes: int) -> "NetworkSpec":
        """The same network with ``num_classes`` outputs (main and auxiliary)."""
        return replace(self, head=replace(self.head, num_classes=num_classes),
                       aux=tuple(replace(a, num_classes=num_classes) for a in self.aux))


#: The name the v2-v4 code used; the same class.
VersionSpec = NetworkSpec
