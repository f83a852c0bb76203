"""Inception v2 (BN-Inception), v3 and v4 described once, as data.

GoogLeNet's modules have four branches with square kernels. The later
versions need more of the vocabulary of :mod:`inception.spec.layers`:
asymmetric kernels (1x7 then 7x1), strided convolutions inside modules
(grid-size reduction), average pools that do or do not count their zero
padding, and branches that split again (v3's figure-7 module, v4's
Inception-C: a 1x3 and a 3x1 convolution side by side on the same input).
Each module is a :class:`~inception.spec.layers.Block` holding one sequence;
the counter (:mod:`inception.counting`) and the runners of both frameworks
walk it.

Names. Every :class:`Conv` has a module path relative to its block, and the
full path (``Mixed_7b.branch3x3_2a``) is the PyTorch module path and the Keras
layer name prefix (``Mixed_7b.branch3x3_2a.conv``, ``...bn``), so that weights
are ported by name. The paths are those of the
implementations people load checkpoints into:

* Inception-v3: torchvision's ``Inception3`` (``Conv2d_1a_3x3``, ``Mixed_5b``,
  ``AuxLogits``, ``fc``), so torchvision's state dict loads strictly;
* Inception-v4: timm's ``inception_v4`` (``features.0`` ... ``features.21``,
  ``last_linear``), itself the port of TF-slim's model;
* BN-Inception: GoogLeNet's names (``conv1``,
  ``inception3a.branch2.1``), since no checkpoint format is standard.

Every departure from the papers is flagged where the spec is written.
"""

from __future__ import annotations

from typing import Tuple

from .layers import (
    AuxHead,
    Block,
    Concat,
    ConvStyle,
    Head,
    NetworkSpec,
    Pool,
    check_positive_int as _check_positive_int,
    check_rate as _check_rate,
    conv,
    out_channels,
)

__all__ = [
    "inception_v3_spec",
    "inception_v4_spec",
    "bn_inception_spec",
    "bn_inception_block",
    "BN_INCEPTION_TABLE",
    "version_spec",
    "VERSIONS",
    "v3_inception_a", "v3_reduction_a", "v3_inception_b", "v3_reduction_b", "v3_inception_c",
    "v4_stem", "v4_inception_a", "v4_reduction_a", "v4_inception_b", "v4_reduction_b",
    "v4_inception_c",
]

VersionSpec = NetworkSpec


def _single(name: str, kind: str, c_in: int, c_out: int, kernel, stride=1, padding=0, figure="") -> Block:
    return Block(name, kind, c_in, (conv("", c_in, c_out, kernel, stride, padding),), figure)


def _pool_block(name: str, c: int, kind="max", kernel=3, stride=2, padding=0, ceil_mode=False, figure="") -> Block:
    return Block(name, "pool", c, (Pool(kind, kernel, stride, padding, ceil_mode),), figure)




# --------------------------------------------------------------------------
# Inception-v3 (Szegedy et al. 2016), as torchvision and TF release it
# --------------------------------------------------------------------------

V3_REF = "Szegedy et al. 2016"


def _v3_avg(name=None) -> Pool:
    # torchvision: F.avg_pool2d(x, kernel_size=3, stride=1, padding=1), so
    # count_include_pad=True (TF's 'SAME' average pool would exclude the padding).
    return Pool("avg", 3, 1, 1, count_include_pad=True, name=name)


def v3_inception_a(name: str, c_in: int, pool_features: int) -> Block:
    """The 35x35 module (paper: figure 5): N x c_in x 35 x 35 -> N x (224 +
    pool_features) x 35 x 35 at 299x299 input. Departure, as released by Google
    and torchvision: besides the double 3x3 branch it keeps a 1x1 -> 5x5
    branch (``branch5x5``), which figure 5 has replaced by two 3x3."""
    return Block(name, "inception_a", c_in, (Concat((
        (conv("branch1x1", c_in, 64, 1),),
        (conv("branch5x5_1", c_in, 48, 1), conv("branch5x5_2", 48, 64, 5, padding=2)),
        (conv("branch3x3dbl_1", c_in, 64, 1), conv("branch3x3dbl_2", 64, 96, 3, padding=1),
         conv("branch3x3dbl_3", 96, 96, 3, padding=1)),
        (_v3_avg(), conv("branch_pool", c_in, pool_features, 1)),
    )),), f"{V3_REF}, figure 5")


def v3_reduction_a(name: str, c_in: int) -> Block:
    """35x35 -> 17x17 grid reduction (paper: figure 10): stride-2 convolutions
    beside a stride-2 max pool, concatenated. N x 288 x 35 x 35 -> N x 768 x 17 x 17."""
    return Block(name, "reduction_a", c_in, (Concat((
        (conv("branch3x3", c_in, 384, 3, stride=2),),
        (conv("branch3x3dbl_1", c_in, 64, 1), conv("branch3x3dbl_2", 64, 96, 3, padding=1),
         conv("branch3x3dbl_3", 96, 96, 3, stride=2)),
        (Pool("max", 3, 2),),
    )),), f"{V3_REF}, figure 10")


def v3_inception_b(name: str, c_in: int, c7: int) -> Block:
    """The 17x17 module with asymmetric factorisation, n = 7 (paper: figure 6):
    every 7x7 is a 1x7 followed by a 7x1. N x 768 x 17 x 17 -> N x 768 x 17 x 17."""
    return Block(name, "inception_b", c_in, (Concat((
        (conv("branch1x1", c_in, 192, 1),),
        (conv("branch7x7_1", c_in, c7, 1), conv("branch7x7_2", c7, c7, (1, 7), padding="same"),
         conv("branch7x7_3", c7, 192, (7, 1), padding="same")),
        (conv("branch7x7dbl_1", c_in, c7, 1), conv("branch7x7dbl_2", c7, c7, (7, 1), padding="same"),
         conv("branch7x7dbl_3", c7, c7, (1, 7), padding="same"),
         conv("branch7x7dbl_4", c7, c7, (7, 1), padding="same"),
         conv("branch7x7dbl_5", c7, 192, (1, 7), padding="same")),
        (_v3_avg(), conv("branch_pool", c_in, 192, 1)),
    )),), f"{V3_REF}, figure 6 (n = 7)")


def v3_reduction_b(name: str, c_in: int) -> Block:
    """17x17 -> 8x8 grid reduction (torchvision's ``InceptionD``):
    N x 768 x 17 x 17 -> N x 1280 x 8 x 8."""
    return Block(name, "reduction_b", c_in, (Concat((
        (conv("branch3x3_1", c_in, 192, 1), conv("branch3x3_2", 192, 320, 3, stride=2)),
        (conv("branch7x7x3_1", c_in, 192, 1), conv("branch7x7x3_2", 192, 192, (1, 7), padding="same"),
         conv("branch7x7x3_3", 192, 192, (7, 1), padding="same"), conv("branch7x7x3_4", 192, 192, 3, stride=2)),
        (Pool("max", 3, 2),),
    )),), f"{V3_REF}, figure 10")


def v3_inception_c(name: str, c_in: int) -> Block:
    """The 8x8 module with expanded filter banks (paper: figure 7): the 3x3
    outputs split into a 1x3 and a 3x1 side by side, concatenated.
    N x c_in x 8 x 8 -> N x 2048 x 8 x 8."""
    return Block(name, "inception_c", c_in, (Concat((
        (conv("branch1x1", c_in, 320, 1),),
        (conv("branch3x3_1", c_in, 384, 1), Concat((
            (conv("branch3x3_2a", 384, 384, (1, 3), padding="same"),),
            (conv("branch3x3_2b", 384, 384, (3, 1), padding="same"),),
        ), name="branch3x3")),
        (conv("branch3x3dbl_1", c_in, 448, 1), conv("branch3x3dbl_2", 448, 384, 3, padding=1), Concat((
            (conv("branch3x3dbl_3a", 384, 384, (1, 3), padding="same"),),
            (conv("branch3x3dbl_3b", 384, 384, (3, 1), padding="same"),),
        ), name="branch3x3dbl")),
        (_v3_avg(), conv("branch_pool", c_in, 192, 1)),
    )),), f"{V3_REF}, figure 7")


def inception_v3_spec(
    num_classes: int = 1000,
    aux_logits: bool = True,
    dropout: float = 0.5,
    bn_scale: bool = True,
    in_channels: int = 3,
) -> VersionSpec:
    """Inception-v3 as released (TF) and as torchvision builds it.

    Departures from the paper's Table 1, all as in the released model: the
    stem's 4th and 5th layers are a 1x1 (80) and a 3x3 (192) convolution
    followed by a max pool (the table: 3x3 80, 3x3/2 192, 3x3 288); there are
    4 figure-6 modules (``Mixed_6b``-``6e``), not 5; the figure-5 modules keep
    a 5x5 branch; the average pools count their zero padding (torchvision).
    Batch norm eps 0.001; ``bn_scale=False`` gives keras.applications' and
    TF-slim's batch norm (no gamma).
    """
    _check_positive_int("num_classes", num_classes)
    _check_positive_int("in_channels", in_channels)
    _check_rate("dropout", dropout)
    stem = "stem"
    blocks = [
        _single("Conv2d_1a_3x3", stem, in_channels, 32, 3, stride=2),
        _single("Conv2d_2a_3x3", stem, 32, 32, 3),
        _single("Conv2d_2b_3x3", stem, 32, 64, 3, padding=1),
        _pool_block("maxpool1", 64),
        _single("Conv2d_3b_1x1", stem, 64, 80, 1),
        _single("Conv2d_4a_3x3", stem, 80, 192, 3),
        _pool_block("maxpool2", 192),
        v3_inception_a("Mixed_5b", 192, 32),
        v3_inception_a("Mixed_5c", 256, 64),
        v3_inception_a("Mixed_5d", 288, 64),
        v3_reduction_a("Mixed_6a", 288),
        v3_inception_b("Mixed_6b", 768, 128),
        v3_inception_b("Mixed_6c", 768, 160),
        v3_inception_b("Mixed_6d", 768, 160),
        v3_inception_b("Mixed_6e", 768, 192),
        v3_reduction_b("Mixed_7a", 768),
        v3_inception_c("Mixed_7b", 1280),
        v3_inception_c("Mixed_7c", 2048),
    ]
    aux = ()
    if aux_logits:
        # torchvision's InceptionAux: batch norm in the auxiliary convolutions
        # too (the paper's "BN-auxiliary", section 7).
        aux = (AuxHead("AuxLogits", "Mixed_6e", 768, (
            Pool("avg", 5, 3),
            conv("conv0", 768, 128, 1),
            conv("conv1", 128, 768, 5),
        ), num_classes, fc_name="fc"),)
    return VersionSpec(
        "inception_v3", in_channels, 299, tuple(blocks), Head(2048, num_classes, dropout, "fc"), aux,
        ConvStyle(bn_scale=bn_scale, bn_eps=1e-3, init="torchvision_v3"),
        "Inception-v3 (Szegedy et al. 2016), torchvision's module paths",
    )


# --------------------------------------------------------------------------
# Inception-v4 (Szegedy et al. 2017), TF-slim's model with timm's paths
# --------------------------------------------------------------------------

V4_REF = "Szegedy et al. 2017"


def _v4_avg(name: str) -> Pool:
    # TF-slim: avg_pool2d(3x3, stride 1, 'SAME'): the padding is not counted.
    return Pool("avg", 3, 1, 1, count_include_pad=False, name=name)


def v4_stem(first: int, in_channels: int = 3) -> Tuple[Block, ...]:
    """The stem of Inception-v4 and Inception-ResNet-v2 (paper: figure 3):
    299x299x3 -> 35x35x384. Convolutions marked "V" in the figure are
    unpadded; the 1x7/7x1 order follows TF-slim (counts do not depend on it)."""
    f = lambda i: f"features.{first + i}"  # noqa: E731
    fig = f"{V4_REF}, figure 3"
    return (
        _single(f(0), "stem", in_channels, 32, 3, stride=2, figure=fig),
        _single(f(1), "stem", 32, 32, 3, figure=fig),
        _single(f(2), "stem", 32, 64, 3, padding=1, figure=fig),
        Block(f(3), "stem", 64, (Concat((
            (Pool("max", 3, 2, name="maxpool"),),
            (conv("conv", 64, 96, 3, stride=2),),
        )),), fig),
        Block(f(4), "stem", 160, (Concat((
            (conv("branch0.0", 160, 64, 1), conv("branch0.1", 64, 96, 3)),
            (conv("branch1.0", 160, 64, 1), conv("branch1.1", 64, 64, (1, 7), padding="same"),
             conv("branch1.2", 64, 64, (7, 1), padding="same"), conv("branch1.3", 64, 96, 3)),
        )),), fig),
        Block(f(5), "stem", 192, (Concat((
            (conv("conv", 192, 192, 3, stride=2),),
            (Pool("max", 3, 2, name="maxpool"),),
        )),), fig),
    )


def v4_inception_a(name: str, c_in: int = 384) -> Block:
    """35x35 Inception-A (paper: figure 4): N x 384 x 35 x 35 -> N x 384 x 35 x 35."""
    return Block(name, "inception_a", c_in, (Concat((
        (conv("branch0", c_in, 96, 1),),
        (conv("branch1.0", c_in, 64, 1), conv("branch1.1", 64, 96, 3, padding=1)),
        (conv("branch2.0", c_in, 64, 1), conv("branch2.1", 64, 96, 3, padding=1),
         conv("branch2.2", 96, 96, 3, padding=1)),
        (_v4_avg("branch3.0"), conv("branch3.1", c_in, 96, 1)),
    )),), f"{V4_REF}, figure 4")


def v4_reduction_a(name: str, c_in: int = 384, k: int = 192, l: int = 224, m: int = 256, n: int = 384) -> Block:
    """35x35 -> 17x17 Reduction-A (paper: figure 7, with Table 1's
    k, l, m, n = 192, 224, 256, 384 for Inception-v4):
    N x 384 x 35 x 35 -> N x 1024 x 17 x 17."""
    return Block(name, "reduction_a", c_in, (Concat((
        (conv("branch0", c_in, n, 3, stride=2),),
        (conv("branch1.0", c_in, k, 1), conv("branch1.1", k, l, 3, padding=1), conv("branch1.2", l, m, 3, stride=2)),
        (Pool("max", 3, 2, name="branch2"),),
    )),), f"{V4_REF}, figure 7")


def v4_inception_b(name: str, c_in: int = 1024) -> Block:
    """17x17 Inception-B (paper: figure 5), 1x7/7x1 order as TF-slim:
    N x 1024 x 17 x 17 -> N x 1024 x 17 x 17."""
    return Block(name, "inception_b", c_in, (Concat((
        (conv("branch0", c_in, 384, 1),),
        (conv("branch1.0", c_in, 192, 1), conv("branch1.1", 192, 224, (1, 7), padding="same"),
         conv("branch1.2", 224, 256, (7, 1), padding="same")),
        (conv("branch2.0", c_in, 192, 1), conv("branch2.1", 192, 192, (7, 1), padding="same"),
         conv("branch2.2", 192, 224, (1, 7), padding="same"), conv("branch2.3", 224, 224, (7, 1), padding="same"),
         conv("branch2.4", 224, 256, (1, 7), padding="same")),
        (_v4_avg("branch3.0"), conv("branch3.1", c_in, 128, 1)),
    )),), f"{V4_REF}, figure 5")


def v4_reduction_b(name: str, c_in: int = 1024) -> Block:
    """17x17 -> 8x8 Reduction-B (paper: figure 8): N x 1024 x 17 x 17 -> N x 1536 x 8 x 8."""
    return Block(name, "reduction_b", c_in, (Concat((
        (conv("branch0.0", c_in, 192, 1), conv("branch0.1", 192, 192, 3, stride=2)),
        (conv("branch1.0", c_in, 256, 1), conv("branch1.1", 256, 256, (1, 7), padding="same"),
         conv("branch1.2", 256, 320, (7, 1), padding="same"), conv("branch1.3", 320, 320, 3, stride=2)),
        (Pool("max", 3, 2, name="branch2"),),
    )),), f"{V4_REF}, figure 8")


def v4_inception_c(name: str, c_in: int = 1536) -> Block:
    """8x8 Inception-C (paper: figure 6): two expanded filter banks.
    N x 1536 x 8 x 8 -> N x 1536 x 8 x 8."""
    return Block(name, "inception_c", c_in, (Concat((
        (conv("branch0", c_in, 256, 1),),
        (conv("branch1_0", c_in, 384, 1), Concat((
            (conv("branch1_1a", 384, 256, (1, 3), padding="same"),),
            (conv("branch1_1b", 384, 256, (3, 1), padding="same"),),
        ), name="branch1")),
        (conv("branch2_0", c_in, 384, 1), conv("branch2_1", 384, 448, (3, 1), padding="same"),
         conv("branch2_2", 448, 512, (1, 3), padding="same"), Concat((
             (conv("branch2_3a", 512, 256, (1, 3), padding="same"),),
             (conv("branch2_3b", 512, 256, (3, 1), padding="same"),),
         ), name="branch2")),
        (_v4_avg("branch3.0"), conv("branch3.1", c_in, 256, 1)),
    )),), f"{V4_REF}, figure 6")


def inception_v4_spec(
    num_classes: int = 1000,
    aux_logits: bool = False,
    dropout: float = 0.2,
    bn_scale: bool = True,
    in_channels: int = 3,
) -> VersionSpec:
    """Inception-v4 (paper: figure 9): stem, 4 x Inception-A, Reduction-A,
    7 x Inception-B, Reduction-B, 3 x Inception-C, average pool, dropout
    (keep 0.8), softmax. 299x299 input.

    Module paths are timm's (``features.0`` ... ``features.21``,
    ``last_linear``), which load its TF-slim-converted checkpoint. The paper
    draws no auxiliary head; ``aux_logits=True`` adds TF-slim's (on
    ``Mixed_6h`` = ``features.17``: 5x5/3 average pool, 1x1 conv 128, 5x5 conv
    768, fc), only to account for TF-slim's parameter count.
    """
    _check_positive_int("num_classes", num_classes)
    _check_positive_int("in_channels", in_channels)
    _check_rate("dropout", dropout)
    blocks = list(v4_stem(0, in_channels))
    i = len(blocks)
    for _ in range(4):
        blocks.append(v4_inception_a(f"features.{i}"))
        i += 1
    blocks.append(v4_reduction_a(f"features.{i}"))
    i += 1
    for _ in range(7):
        blocks.append(v4_inception_b(f"features.{i}"))
        i += 1
    blocks.append(v4_reduction_b(f"features.{i}"))
    i += 1
    for _ in range(3):
        blocks.append(v4_inception_c(f"features.{i}"))
        i += 1
    aux = ()
    if aux_logits:
        aux = (AuxHead("AuxLogits", "features.17", 1024, (
            Pool("avg", 5, 3),
            conv("conv0", 1024, 128, 1),
            conv("conv1", 128, 768, 5),
        ), num_classes, fc_name="fc"),)
    return VersionSpec(
        "inception_v4", in_channels, 299, tuple(blocks), Head(1536, num_classes, dropout, "last_linear"), aux,
        ConvStyle(bn_scale=bn_scale, bn_eps=1e-3),
        "Inception-v4 (Szegedy et al. 2017), timm's module paths",
    )


# --------------------------------------------------------------------------
# BN-Inception, "Inception-v2" (Ioffe and Szegedy 2015, figure 5)
# --------------------------------------------------------------------------

#: The Inception rows of the table in Ioffe and Szegedy (2015), figure 5:
#: (name, stride, #1x1, #3x3 reduce, #3x3, double #3x3 reduce, double #3x3,
#: pool, pool proj). ``pool proj = 0`` is the table's "pass through"; the
#: stride-2 modules have no 1x1 branch.
BN_INCEPTION_TABLE = (
    ("inception3a", 1, 64, 64, 64, 64, 96, "avg", 32),
    ("inception3b", 1, 64, 64, 96, 64, 96, "avg", 64),
    ("inception3c", 2, 0, 128, 160, 64, 96, "max", 0),
    ("inception4a", 1, 224, 64, 96, 96, 128, "avg", 128),
    ("inception4b", 1, 192, 96, 128, 96, 128, "avg", 128),
    ("inception4c", 1, 160, 128, 160, 128, 160, "avg", 128),
    ("inception4d", 1, 96, 128, 192, 160, 192, "avg", 128),
    ("inception4e", 2, 0, 128, 192, 192, 256, "max", 0),
    ("inception5a", 1, 352, 192, 320, 160, 224, "avg", 128),
    ("inception5b", 1, 352, 192, 320, 192, 224, "max", 128),
)

BN_REF = "Ioffe and Szegedy 2015, figure 5"


def bn_inception_block(name: str, c_in: int, stride: int, c1: int, r3: int, c3: int, rd: int, cd: int,
                       pool: str, proj: int) -> Block:
    """One BN-Inception module: 1x1 | 1x1 -> 3x3 | 1x1 -> 3x3 -> 3x3 (the
    5x5 replaced by two 3x3) | pool -> 1x1 projection. Stride-2 modules (3c,
    4e) have no 1x1 branch, stride-2 3x3s, and pass the pooled input
    through. Pools use ceil mode, as in the Caffe model; so on an odd grid
    the stride-2 convolutions (rounding down) and the pool (rounding up)
    disagree and the branches cannot be concatenated: the network needs even
    grids at 3c and 4e (224x224 input gives 28 and 14)."""
    s = stride
    branches = []
    if c1:
        branches.append((conv("branch1", c_in, c1, 1),))
    branches.append((conv("branch2.0", c_in, r3, 1), conv("branch2.1", r3, c3, 3, s, 1)))
    branches.append((conv("branch3.0", c_in, rd, 1), conv("branch3.1", rd, cd, 3, 1, 1),
                     conv("branch3.2", cd, cd, 3, s, 1)))
    if s == 1:
        p = Pool(pool, 3, 1, 1, ceil_mode=True, count_include_pad=True)
    else:
        p = Pool(pool, 3, 2, 0, ceil_mode=True)
    branches.append((p, conv("branch4.1", c_in, proj, 1)) if proj else (p,))
    kind = "inception_bn" if s == 1 else "reduction_bn"
    return Block(name, kind, c_in, (Concat(tuple(branches)),), BN_REF)


def bn_inception_spec(
    num_classes: int = 1000,
    conv_bias: bool = False,
    dropout: float = 0.0,
    bn_scale: bool = True,
    in_channels: int = 3,
    table=BN_INCEPTION_TABLE,
) -> VersionSpec:
    """BN-Inception: GoogLeNet with batch norm after every convolution, the
    5x5 convolutions replaced by two 3x3, a third 28x28 module, and the grid
    reductions done inside modules 3c and 4e (stride-2 convolutions beside a
    max pool) instead of by pools between modules.

    Departures, flagged: the paper's first layer is a separable convolution
    (depth multiplier 8); here, as in the Caffe model everyone converts, it is
    a plain 7x7. No dropout (the paper removes it, section 4.2.1). Batch norm
    eps 1e-5 (the Caffe model's). ``conv_bias=True`` keeps the Caffe model's
    redundant convolution biases.
    """
    _check_positive_int("num_classes", num_classes)
    _check_positive_int("in_channels", in_channels)
    _check_rate("dropout", dropout)
    blocks = [
        _single("conv1", "stem", in_channels, 64, 7, stride=2, padding=3),
        _pool_block("maxpool1", 64, ceil_mode=True),
        _single("conv2", "stem", 64, 64, 1),
        _single("conv3", "stem", 64, 192, 3, padding=1),
        _pool_block("maxpool2", 192, ceil_mode=True),
    ]
    c = 192
    for row in table:
        blk = bn_inception_block(row[0], c, *row[1:])
        blocks.append(blk)
        c = out_channels(blk.layers, c)
    return VersionSpec(
        "bn_inception", in_channels, 224, tuple(blocks), Head(c, num_classes, dropout, "fc"), (),
        ConvStyle(bn_scale=bn_scale, conv_bias=conv_bias, bn_eps=1e-5),
        "BN-Inception (Ioffe and Szegedy 2015)",
    )


VERSIONS = {
    "bn_inception": bn_inception_spec,
    "inception_v3": inception_v3_spec,
    "inception_v4": inception_v4_spec,
}


def version_spec(name: str, **kwargs) -> VersionSpec:
    """``version_spec("inception_v3", num_classes=10)``."""
    if name not in VERSIONS:
        raise ValueError(f"Unknown version {name!r}; expected one of {sorted(VERSIONS)}.")
    return VERSIONS[name](**kwargs)
