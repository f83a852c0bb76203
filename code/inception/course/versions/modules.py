"""One module per Inception version, side by side, and the factorisation
savings the papers claim, reproduced from the counts.

Everything is a spec sequence (:mod:`inception.spec`) counted by
:func:`inception.counting.sequence_cost` and drawn by
:func:`module_diagram`, so the numbers and the pictures come from the same data.

The comparison size. GoogLeNet's first module (``inception3a``),
BN-Inception's (``3a``) and Inception-v3's (``Mixed_5b``) all take 192
channels and give 256; v3 runs it on a 35x35 grid, the others on 28x28. So
:func:`module_designs` puts every design on one 35x35x192 input with a
256-channel output (the naive module excepted: its pool branch passes the
192 input channels through, so its output is wider, as in the paper).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from inception.counting import sequence_cost
from inception.spec import INCEPTION_ROWS
from inception.spec.layers import Block, Concat, Conv, ConvStyle, Pool, conv
from inception.spec.versions import (
    BN_INCEPTION_TABLE,
    bn_inception_block,
    v3_inception_a,
    v4_inception_a,
    v4_inception_b,
    v4_inception_c,
    v4_reduction_a,
    v4_reduction_b,
)

__all__ = [
    "Design",
    "FACTORISATIONS",
    "factorisation_savings",
    "googlenet_module",
    "module_designs",
    "module_comparison",
    "v4_blocks",
    "block_branches",
    "module_diagram",
]


# --------------------------------------------------------------------------
# Factorising one convolution
# --------------------------------------------------------------------------

#: (name, claim in the paper, kernels before, kernels after). Each kernel maps
#: C channels to C channels ("same" padding, stride 1), the setting of the
#: papers' arguments.
FACTORISATIONS = (
    ("5x5 -> two 3x3", 0.28, ((5, 5),), ((3, 3), (3, 3)),
     "Szegedy et al. 2016, section 3.1: (9 + 9) / 25, a 28% relative gain"),
    ("3x3 -> 1x3 + 3x1", 0.33, ((3, 3),), ((1, 3), (3, 1)),
     "Szegedy et al. 2016, section 3.2: the two-layer solution is 33% cheaper"),
    ("7x7 -> 1x7 + 7x1", None, ((7, 7),), ((1, 7), (7, 1)),
     "Szegedy et al. 2016, section 3.2: the saving grows with n (no figure given)"),
)


def _chain(kernels, channels: int, prefix: str) -> Tuple[Conv, ...]:
    return tuple(conv(f"{prefix}{i}", channels, channels, k, padding="same") for i, k in enumerate(kernels))


def factorisation_savings(channels: int = 64, size: int = 17) -> List[Dict[str, object]]:
    """Parameters and MACs of one convolution and its factorised form
    (``channels`` in and out, ``size x size`` grid), and the relative saving
    beside the paper's claim. The saving does not depend on ``channels`` or
    ``size``: it is the ratio of kernel areas."""
    rows = []
    for name, claim, before, after, source in FACTORISATIONS:
        b = sequence_cost(_chain(before, channels, "a"), channels, size)
        a = sequence_cost(_chain(after, channels, "b"), channels, size)
        rows.append({
            "factorisation": name,
            "params before": b["params"], "params after": a["params"],
            "MACs before": b["macs"], "MACs after": a["macs"],
            "saving": 1 - a["params"] / b["params"],
            "MAC saving": 1 - a["macs"] / b["macs"],
            "paper": claim,
            "source": source,
        })
    return rows


# --------------------------------------------------------------------------
# One module per version, same input and output
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Design:
    """One module design: ``layers`` is a spec sequence on ``in_channels``."""

    key: str
    version: str
    label: str
    layers: Tuple
    in_channels: int
    note: str = ""


def googlenet_module(name: str = "inception3a", reduced: bool = True) -> Block:
    """A GoogLeNet module (a row of :data:`inception.spec.INCEPTION_ROWS`)
    as a versions :class:`~inception.spec.Block`; ``reduced=False``
    is the paper's naive module (figure 2a): no 1x1 reductions, and the
    pool's output concatenated as it is."""
    c = 192  # conv3's output, the input of inception3a
    for r in INCEPTION_ROWS:
        if r.name == name:
            break
        c = r.c1x1 + r.c3x3 + r.c5x5 + r.pool_proj
    else:
        raise KeyError(f"no GoogLeNet module named {name!r}")
    maxpool = Pool("max", 3, 1, 1)
    if reduced:
        branches = (
            (conv("branch1", c, r.c1x1, 1),),
            (conv("branch2.0", c, r.c3x3_reduce, 1), conv("branch2.1", r.c3x3_reduce, r.c3x3, 3, padding=1)),
            (conv("branch3.0", c, r.c5x5_reduce, 1), conv("branch3.1", r.c5x5_reduce, r.c5x5, 5, padding=2)),
            (maxpool, conv("branch4.1", c, r.pool_proj, 1)),
        )
        fig = "Szegedy et al. 2015, figure 2b"
    else:
        branches = (
            (conv("branch1", c, r.c1x1, 1),),
            (conv("branch2", c, r.c3x3, 3, padding=1),),
            (conv("branch3", c, r.c5x5, 5, padding=2),),
            (maxpool,),
        )
        fig = "Szegedy et al. 2015, figure 2a"
    return Block(name, "inception" if reduced else "naive", c, (Concat(branches),), fig)


def _asymmetric(c_in: int, c_out: int, n: int, name: str) -> Tuple[Conv, Conv]:
    """An n x n convolution factorised as 1 x n (keeps the width) then n x 1
    (changes it), the pattern of v3's figure 6 and torchvision's modules."""
    return (conv(f"{name}a", c_in, c_in, (1, n), padding="same"),
            conv(f"{name}b", c_in, c_out, (n, 1), padding="same"))


def _split(c_in: int, c_out: int, name: str) -> Concat:
    """A 1x3 and a 3x1 side by side, each giving half of ``c_out``: this
    book's width-preserving variant of v3's figure-7 expanded filter bank
    (in the paper each half gives the full width, so the output expands)."""
    return Concat(((conv(f"{name}a", c_in, c_out // 2, (1, 3), padding="same"),),
                   (conv(f"{name}b", c_in, c_out - c_out // 2, (3, 1), padding="same"),)), name=name)


def module_designs(in_channels: int = 192) -> List[Design]:
    """The designs compared in chapter 4, each mapping ``in_channels`` (192)
    to 256 channels (the naive module to 416), in the order of the papers.

    Widths are taken from real modules where one exists at this size
    (GoogLeNet ``inception3a``, BN-Inception ``3a``, v3 ``Mixed_5b``); the v3
    figure-6/7 variants factorise BN-Inception's ``3a`` as those figures do
    (the paper uses them on 17x17 and 8x8 grids), and the v4 row is
    Inception-A with its widths scaled by 2/3 (384 -> 256; 96 -> 64 exactly,
    the reductions' 64 -> 43 rounded to the nearest integer). The figure-7
    row is this book's hypothetical variant: in the paper both halves of a
    split give the full width and the module's output expands.
    """
    if in_channels != 192:
        raise ValueError("the designs use the widths of 192 -> 256 modules; in_channels must be 192")
    c = in_channels
    v1_naive = googlenet_module(reduced=False).layers
    v1 = googlenet_module().layers
    v2 = bn_inception_block("inception3a", c, *BN_INCEPTION_TABLE[0][1:]).layers
    v3a = v3_inception_a("Mixed_5b", c, 32).layers
    # BN-Inception's 3a: 64 | 64 -> 3x3 64 | 64 -> 3x3 96 -> 3x3 96 | avg -> 32
    avg = Pool("avg", 3, 1, 1)
    v3_fig6 = (Concat((
        (conv("branch1", c, 64, 1),),
        (conv("branch2.0", c, 64, 1), *_asymmetric(64, 64, 3, "branch2.1")),
        (conv("branch3.0", c, 64, 1), *_asymmetric(64, 96, 3, "branch3.1"), *_asymmetric(96, 96, 3, "branch3.2")),
        (avg, conv("branch4.1", c, 32, 1)),
    )),)
    v3_fig7 = (Concat((
        (conv("branch1", c, 64, 1),),
        (conv("branch2.0", c, 64, 1), _split(64, 64, "branch2.1")),
        (conv("branch3.0", c, 64, 1), conv("branch3.1", 64, 96, 3, padding=1), _split(96, 96, "branch3.2")),
        (avg, conv("branch4.1", c, 32, 1)),
    )),)
    v4a = (Concat((
        (conv("branch0", c, 64, 1),),
        (conv("branch1.0", c, 43, 1), conv("branch1.1", 43, 64, 3, padding=1)),
        (conv("branch2.0", c, 43, 1), conv("branch2.1", 43, 64, 3, padding=1), conv("branch2.2", 64, 64, 3, padding=1)),
        (Pool("avg", 3, 1, 1, count_include_pad=False), conv("branch3.1", c, 64, 1)),
    )),)
    return [
        Design("v1_naive", "v1", "v1 naive (figure 2a)", v1_naive, c,
               "no 1x1 reductions; the pool branch passes 192 channels through"),
        Design("v1", "v1", "v1 with reductions (inception3a)", v1, c),
        Design("v2", "v2", "v2: 5x5 -> two 3x3 (BN-Inception 3a)", v2, c),
        Design("v3_fig5", "v3", "v3 figure 5 as released (Mixed_5b)", v3a, c, "keeps a 5x5 branch beside the double 3x3"),
        Design("v3_fig6", "v3", "v3 figure 6, n = 3: 3x3 -> 1x3, 3x1", v3_fig6, c, "BN-Inception 3a's widths"),
        Design("v3_fig7", "v3", "figure-7 split, halved widths (hypothetical)", v3_fig7, c,
               "this book's variant: each half of a split gives half the width"),
        Design("v4_a", "v4", "v4 Inception-A, widths x 2/3", v4a, c,
               "native: 384 -> 384; 2/3 of 64 rounded to 43"),
    ]


def module_comparison(size: int = 35, in_channels: int = 192, style: ConvStyle = ConvStyle()) -> List[Dict[str, object]]:
    """One row per :func:`module_designs` entry on a ``size x size x
    in_channels`` input: convolution weights (no batch norm, as the papers
    count), MACs, output channels, convolutions on the longest path, and the
    ratios to GoogLeNet's module with reductions."""
    designs = module_designs(in_channels)
    costs = {d.key: sequence_cost(d.layers, d.in_channels, size, style) for d in designs}
    ref = costs["v1"]
    rows = []
    for d in designs:
        k = costs[d.key]
        rows.append({
            "design": d.label, "key": d.key, "version": d.version,
            "params": k["params"], "MACs": k["macs"],
            "out": k["out_channels"], "depth": k["depth"], "convs": k["convs"],
            "params vs v1": k["params"] / ref["params"], "MACs vs v1": k["macs"] / ref["macs"],
            "note": d.note,
        })
    return rows


def v4_blocks() -> List[Block]:
    """Inception-v4's five module kinds at their native widths."""
    return [v4_inception_a("inception_a"), v4_reduction_a("reduction_a"), v4_inception_b("inception_b"),
            v4_reduction_b("reduction_b"), v4_inception_c("inception_c")]


# --------------------------------------------------------------------------
# Drawing a module from its spec
# --------------------------------------------------------------------------


def _conv_box(c: Conv) -> Tuple[str, str]:
    stride = "" if c.stride == (1, 1) else f"/{c.stride[0]}"
    valid = " V" if c.padding == (0, 0) and c.kernel != (1, 1) else ""
    return (f"{c.kernel[0]}x{c.kernel[1]}{stride} conv{valid}", f"{c.in_channels} -> {c.out_channels}")


def _pool_box(p: Pool) -> Tuple[str, str]:
    stride = "" if p.stride == 1 else f"/{p.stride}"
    detail = ""
    if p.kind == "avg" and p.padding:
        detail = "padding counted" if p.count_include_pad else "padding not counted"
    return (f"{p.kernel}x{p.kernel}{stride} {p.kind} pool", detail)


def _layer_boxes(layer, c_in: int) -> Tuple[List[Tuple[str, str]], int]:
    """Boxes of one layer of a branch, and its output channels. A nested
    concatenation (figure 7) is drawn as one box listing its parts."""
    if isinstance(layer, Conv):
        return [_conv_box(layer)], layer.out_channels
    if isinstance(layer, Pool):
        return [_pool_box(layer)], c_in
    parts, outs = [], []
    for branch in layer.branches:
        boxes, c = [], c_in
        for sub in branch:
            b, c = _layer_boxes(sub, c)
            boxes += b
        parts.append(" -> ".join(lbl.replace(" conv", "") for lbl, _ in boxes) or "id")
        outs.append(c)
    return [(" | ".join(parts) + " conv", f"{c_in} -> {' + '.join(map(str, outs))}")], sum(outs)


def block_branches(block: Block) -> List[List[Tuple[str, str]]]:
    """The branches of a block's top-level concatenation as
    :func:`inception.course.diagrams.draw_branches` boxes ``(label, detail)``."""
    layers = block.layers
    if len(layers) != 1 or not isinstance(layers[0], Concat):
        boxes, c = [], block.in_channels
        for layer in layers:
            b, c = _layer_boxes(layer, c)
            boxes += b
        return [boxes]
    out = []
    for branch in layers[0].branches:
        boxes, c = [], block.in_channels
        for layer in branch:
            b, c = _layer_boxes(layer, c)
            boxes += b
        if not boxes:
            boxes = [("identity", str(c))]
        out.append(boxes)
    return out


def module_diagram(block_or_layers, title: Optional[str] = None, in_channels: Optional[int] = None,
                   out_channels: Optional[int] = None, **kwargs):
    """Draw a block (or a bare sequence with ``in_channels``) with
    :func:`inception.course.diagrams.draw_branches`; returns the figure."""
    from ..diagrams import draw_branches
    from inception.spec import out_channels as _out

    if isinstance(block_or_layers, Block):
        block = block_or_layers
    else:
        if in_channels is None:
            raise ValueError("a bare sequence needs in_channels")
        block = Block("module", "module", in_channels, tuple(block_or_layers))
    out = out_channels or _out(block.layers, block.in_channels)
    kwargs.setdefault("box_size", (2.3, 0.75))
    kwargs.setdefault("fontsize", 8.0)
    return draw_branches(
        block_branches(block), "Previous layer", "Filter concatenation",
        input_detail=f"{block.in_channels} channels", output_detail=f"{out} channels", title=title, **kwargs,
    )
