"""What an Inception module costs: 1x1 reductions and the classifier head,
computed from the spec (chapter 3).

* The slides' 5x5 example: :func:`five_by_five_example`.
* Every Inception block naive (the paper's Figure 2a) against reduced
  (Figure 2b), each on its real input: :func:`reduction_savings`.
* The naive module stacked, so that channels pile up from block to block:
  :func:`naive_vs_reduced` (one row per block), :func:`naive_vs_reduced_block`
  (one block), :func:`naive_blocks_totals` (the nine blocks summed),
  :func:`naive_network_totals` (the whole network, stem and classifier
  included); figures :func:`draw_naive_module`, :func:`plot_naive_growth`.
* Global average pooling against fully connected heads: :func:`head_savings`.

Each function returns plain data (a dict, or a list of dicts: one per table
row) that the tests check and that the chapter shows with
:func:`inception.course.book.table`; matplotlib is imported inside the
functions that draw.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Dict, List, Optional, Sequence, Tuple

from inception.counting import conv_macs, conv_params, count_blocks, inception_cost, totals
from inception.spec import TABLE1, InceptionBlock, NetworkSpec, TableRow, googlenet_spec
from ..diagrams import new_figure

__all__ = [
    "five_by_five_example",
    "reduction_savings",
    "naive_vs_reduced",
    "naive_vs_reduced_block",
    "naive_blocks_totals",
    "naive_network_totals",
    "head_savings",
    "draw_naive_module",
    "plot_naive_growth",
]

Row = Dict[str, object]


# --------------------------------------------------------------------------
# 1x1 reductions
# --------------------------------------------------------------------------


def five_by_five_example(size: int = 14, in_channels: int = 480, out_channels: int = 48,
                         reduce_to: int = 16) -> Row:
    """The slides' example: a 5x5 convolution from ``in_channels`` to
    ``out_channels`` on a ``size x size`` grid, directly and after a 1x1
    reduction to ``reduce_to`` channels (multiplies, i.e. multiply-adds, and
    weights without biases)."""
    direct = conv_macs(size, size, in_channels, out_channels, 5)
    reduce_ = conv_macs(size, size, in_channels, reduce_to, 1)
    conv5 = conv_macs(size, size, reduce_to, out_channels, 5)
    return {
        "direct_macs": direct,
        "reduce_macs": reduce_,
        "conv5_macs": conv5,
        "reduced_macs": reduce_ + conv5,
        "ratio": direct / (reduce_ + conv5),
        "direct_weights": conv_params(in_channels, out_channels, 5, bias=False),
        "reduced_weights": conv_params(in_channels, reduce_to, 1, bias=False)
        + conv_params(reduce_to, out_channels, 5, bias=False),
    }

def _inception_blocks(spec: NetworkSpec, input_size) -> List[Tuple[InceptionBlock, int, int]]:
    """(block, H, W) for every Inception block of ``spec``."""
    shapes = {b.name: b.output_shape for b in count_blocks(spec, input_size)}
    return [(b, shapes[b.name][1], shapes[b.name][2]) for b in spec.blocks if isinstance(b, InceptionBlock)]

def reduction_savings(spec: Optional[NetworkSpec] = None, input_size=224) -> List[Row]:
    """For every Inception block: the naive module (Figure 2a) against the
    module with 1x1 reductions (Figure 2b), on the same input.

    The naive module has the same #1x1, #3x3 and #5x5 filters but no
    reductions, and concatenates its pool's output unprojected, so its output
    has ``c1x1 + c3x3 + c5x5 + in_channels`` channels. Parameters include
    biases when the variant's convolutions have them; MACs are multiply-adds
    for one image. The last row sums the blocks.
    """
    spec = spec or googlenet_spec("paper", aux_logits=False)
    bias = not spec.variant.batch_norm
    rows = []
    for b, h, w in _inception_blocks(spec, input_size):
        args = (h, w, b.in_channels, b.c1x1, b.c3x3_reduce, b.c3x3, b.c5x5_reduce, b.c5x5, b.pool_proj)
        naive = inception_cost(*args, reduced=False, branch3_kernel=b.branch3_kernel, bias=bias)
        red = inception_cost(*args, reduced=True, branch3_kernel=b.branch3_kernel, bias=bias)
        rows.append({
            "block": b.name, "grid": f"{h}x{w}", "in_channels": b.in_channels,
            "naive_params": naive["params"], "reduced_params": red["params"],
            "naive_macs": naive["macs"], "reduced_macs": red["macs"],
            "macs_ratio": naive["macs"] / red["macs"],
            "naive_out": naive["out_channels"], "reduced_out": red["out_channels"],
        })
    total = {k: sum(r[k] for r in rows) for k in ("naive_params", "reduced_params", "naive_macs", "reduced_macs")}
    rows.append({"block": "all blocks", "grid": None, "in_channels": None, **total,
                 "macs_ratio": total["naive_macs"] / total["reduced_macs"],
                 "naive_out": None, "reduced_out": None})
    return rows


# --------------------------------------------------------------------------
# The naive module stacked
# --------------------------------------------------------------------------


def naive_vs_reduced(table: Sequence[TableRow] = TABLE1, input_size: int = 224,
                     spec: Optional[NetworkSpec] = None) -> List[Dict[str, Any]]:
    """Each Inception block of GoogLeNet built naively and with reductions.

    The naive module (the paper's Figure 2a) applies the 1x1, 3x3 and 5x5
    convolutions to its input directly and passes the 3x3 max pool's output,
    all of the input's channels, to the concatenation. Stacked, every block
    hands all its input channels on *plus* its convolutions' outputs, so the
    width only grows. The filter numbers are Table 1's (#1x1, #3x3, #5x5);
    the grid sizes are GoogLeNet's. Costs from
    :func:`inception.counting.inception_cost`, biases as the spec's
    convolutions have them. ``spec``: another GoogLeNet spec than the
    ``paper`` variant of ``table``.
    """
    spec = spec or googlenet_spec("paper", aux_logits=False, table=tuple(table))
    bias = spec.style.conv_bias
    shapes = {b.name: b.output_shape for b in count_blocks(spec, input_size)}
    rows = []
    naive_in = None
    for block in spec.blocks:
        if not isinstance(block, InceptionBlock):
            continue
        _, h, w = shapes[block.name]
        if naive_in is None:
            naive_in = block.in_channels
        args = (block.c1x1, block.c3x3_reduce, block.c3x3, block.c5x5_reduce, block.c5x5, block.pool_proj)
        k = block.branch3_kernel
        naive = inception_cost(h, w, naive_in, *args, reduced=False, branch3_kernel=k, bias=bias)
        red = inception_cost(h, w, block.in_channels, *args, reduced=True, branch3_kernel=k, bias=bias)
        rows.append({
            "block": block.name,
            "grid": f"{h}x{w}",
            "naive in": naive_in,
            "naive out": naive["out_channels"],
            "naive MACs": naive["macs"],
            "naive params": naive["params"],
            "reduced in": block.in_channels,
            "reduced out": red["out_channels"],
            "reduced MACs": red["macs"],
            "reduced params": red["params"],
        })
        naive_in = naive["out_channels"]
    return rows

def naive_vs_reduced_block(block: str = "inception3a", table: Sequence[TableRow] = TABLE1,
                           input_size: int = 224) -> List[Dict[str, Any]]:
    """One block, naive and with reductions, side by side (a row per
    quantity), both on the block's real input as GoogLeNet builds it."""
    row = next(r for r in naive_vs_reduced(table, input_size) if r["block"] == block)
    spec = googlenet_spec("paper", aux_logits=False, table=tuple(table))
    blk = spec.block(block)
    h, w = (int(v) for v in row["grid"].split("x"))
    args = (blk.c1x1, blk.c3x3_reduce, blk.c3x3, blk.c5x5_reduce, blk.c5x5, blk.pool_proj)
    naive = inception_cost(h, w, blk.in_channels, *args, reduced=False)
    red = inception_cost(h, w, blk.in_channels, *args, reduced=True)
    return [
        {"": "input", "naive": f"{row['grid']}x{blk.in_channels}", "with reductions": f"{row['grid']}x{blk.in_channels}"},
        {"": "output channels", "naive": naive["out_channels"], "with reductions": red["out_channels"]},
        {"": "parameters", "naive": naive["params"], "with reductions": red["params"]},
        {"": "multiply-adds", "naive": naive["macs"], "with reductions": red["macs"]},
    ]


def naive_blocks_totals(spec: Optional[NetworkSpec] = None, input_size=224) -> Row:
    """The Inception blocks of ``spec`` all built naive, one after the other:
    each pool branch passes its input through, so channels pile up from block
    to block. Returns the blocks' parameters and MACs (biases as the variant),
    the channels leaving the last block, and the same numbers for the real
    (reduced) blocks. The blocks only: the whole network, stem and classifier
    included, is :func:`inception.course.inception_module.costs.naive_network_totals`; both sum the
    one chain of :func:`inception.course.inception_module.costs.naive_vs_reduced`."""
    spec = spec or googlenet_spec("paper", aux_logits=False)
    rows = naive_vs_reduced(input_size=input_size, spec=spec)
    return {"naive_params": sum(r["naive params"] for r in rows),
            "naive_macs": sum(r["naive MACs"] for r in rows),
            "naive_out_channels": rows[-1]["naive out"],
            "reduced_params": sum(r["reduced params"] for r in rows),
            "reduced_macs": sum(r["reduced MACs"] for r in rows),
            "reduced_out_channels": spec.head.in_channels}


def naive_network_totals(table: Sequence[TableRow] = TABLE1, input_size: int = 224,
                         num_classes: int = 1000) -> Dict[str, int]:
    """Whole-network parameters and MACs: GoogLeNet as built (no auxiliary
    heads) and the same network with every Inception block naive (same stem,
    a classifier on the naive network's final width). The Inception blocks
    alone: :func:`inception.course.inception_module.costs.naive_blocks_totals`, from the same
    chain (:func:`naive_vs_reduced`)."""
    spec = googlenet_spec("paper", num_classes=num_classes, aux_logits=False, table=tuple(table))
    blocks = count_blocks(spec, input_size)
    stem = [b for b in blocks if b.kind == "conv"]
    rows = naive_vs_reduced(table, input_size)
    final = rows[-1]["naive out"]
    naive_macs = sum(b.macs for b in stem) + sum(r["naive MACs"] for r in rows) + final * num_classes
    naive_params = (sum(b.params for b in stem) + sum(r["naive params"] for r in rows)
                    + final * num_classes + num_classes)
    ours = totals(spec, input_size)
    return {
        "naive_params": naive_params,
        "naive_macs": naive_macs,
        "reduced_params": ours.params,
        "reduced_macs": ours.macs,
        "naive_final_channels": final,
        "reduced_final_channels": spec.head.in_channels,
    }


# --------------------------------------------------------------------------
# Global average pooling against fully connected heads
# --------------------------------------------------------------------------


def head_savings(spec: Optional[NetworkSpec] = None, input_size=224) -> List[Row]:
    """Classifier heads on the last feature map (7x7x1024 at 224 input).

    Rows:

    * ``GAP -> FC`` (GoogLeNet): global average pool, then one linear layer
      to the classes.
    * ``flatten -> FC``: the 7x7x1024 map flattened into one linear layer
      to the classes (no pooling).
    * ``flatten -> FC 1024 -> FC``: one hidden fully connected layer of
      1024 units, as in GoogLeNet's auxiliary heads.
    * ``flatten -> FC 4096 -> FC 4096 -> FC``: AlexNet's / VGG's head.

    Each row: the head's parameters (weights + biases) and MACs, the whole
    network's parameters with that head (no auxiliary heads), and how many
    times the GoogLeNet head that is.
    """
    spec = spec or googlenet_spec("paper", aux_logits=False)
    if spec.aux:
        spec = replace(spec, aux=())
    blocks = count_blocks(spec, input_size)
    c, h, w = [b for b in blocks if b.kind != "classifier"][-1].output_shape
    k = spec.num_classes
    body = totals(spec, input_size).params - (c * k + k)
    flat = c * h * w
    heads = [
        ("GAP -> FC", [(c, k)]),
        ("flatten -> FC", [(flat, k)]),
        ("flatten -> FC 1024 -> FC", [(flat, 1024), (1024, k)]),
        ("flatten -> FC 4096 -> FC 4096 -> FC", [(flat, 4096), (4096, 4096), (4096, k)]),
    ]
    rows = []
    for name, layers in heads:
        p = sum(i * o + o for i, o in layers)
        rows.append({"head": name, "features": f"{h}x{w}x{c}", "head_params": p,
                     "head_macs": sum(i * o for i, o in layers), "network_params": body + p})
    base = rows[0]["head_params"]
    for r in rows:
        r["times_gap_head"] = r["head_params"] / base
    return rows


# --------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------


def _box(ax, x, y, w, h, text, color, fontsize=11):
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.05",
                                linewidth=1.2, edgecolor="#333333", facecolor=color))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)

def _arrow(ax, x0, y0, x1, y1):
    ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                arrowprops=dict(arrowstyle="-|>", color="#333333", linewidth=1.1, shrinkA=0, shrinkB=0))

def draw_naive_module(block: str = "inception3a", input_size: int = 224,
                      table: Sequence[TableRow] = TABLE1, title: Optional[str] = None):
    """The naive Inception module (the paper's Figure 2a) drawn from the
    spec: the filter numbers of ``block`` (#1x1, #3x3, #5x5 of Table 1)
    applied directly to that block's real input, four parallel branches
    concatenated. Each box shows its output channels and multiply-adds on
    the block's grid. Returns a matplotlib figure."""
    spec = googlenet_spec("paper", aux_logits=False, table=tuple(table))
    blk = spec.block(block)
    if not isinstance(blk, InceptionBlock):
        raise ValueError(f"{block!r} is not an Inception block")
    _, h, w = {b.name: b.output_shape for b in count_blocks(spec, input_size)}[block]
    cin, c1, c3, c5 = blk.in_channels, blk.c1x1, blk.c3x3, blk.c5x5

    fig = new_figure((7.0, 3.8))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 8)
    ax.set_ylim(0.1, 3.95)
    ax.axis("off")

    def cost(cout, k):
        return f"\n{conv_macs(h, w, cin, cout, k) / 1e6:.0f}M MACs"

    _box(ax, 4, 0.45, 3.4, 0.55, f"previous layer: {h}x{w}x{cin}", "#e8e8e8")
    branches = [
        (1.0, f"1x1 conv\n{c1} filters{cost(c1, 1)}", "#cfe3f7"),
        (3.0, f"3x3 conv\n{c3} filters{cost(c3, 3)}", "#f9e0b8"),
        (5.0, f"5x5 conv\n{c5} filters{cost(c5, 5)}", "#f6c6c6"),
        (7.0, f"3x3 max pool\n{cin} channels\n(no weights)", "#d8efd3"),
    ]
    for x, text, color in branches:
        _box(ax, x, 2.0, 1.8, 1.1, text, color)
        _arrow(ax, 4, 0.73, x, 1.47)
        _arrow(ax, x, 2.53, 4, 3.32)
    total = c1 + c3 + c5 + cin
    _box(ax, 4, 3.6, 6.6, 0.55,
         f"filter concatenation: {c1} + {c3} + {c5} + {cin} = {total} channels", "#e8e8e8")
    if title:
        ax.text(0.1, 4.05, title, ha="left", va="center", fontsize=10, weight="bold")
    return fig

def plot_naive_growth(rows: Optional[List[Dict[str, Any]]] = None):
    """Two panels along GoogLeNet's nine Inception blocks: output channels
    and multiply-adds, naive vs with reductions (rows from
    :func:`naive_vs_reduced`)."""
    import numpy as np

    rows = rows or naive_vs_reduced()
    names = [r["block"].replace("inception", "") for r in rows]
    x = np.arange(len(rows))
    fig = new_figure((9.0, 3.6))
    ax1, ax2 = fig.subplots(1, 2)
    width = 0.38
    ax1.bar(x - width / 2, [r["naive out"] for r in rows], width, label="naive", color="#d9534f")
    ax1.bar(x + width / 2, [r["reduced out"] for r in rows], width, label="with 1x1 reductions", color="#337ab7")
    ax1.set_ylabel("output channels")
    ax1.set_title("width after each block")
    ax2.bar(x - width / 2, [r["naive MACs"] / 1e9 for r in rows], width, label="naive", color="#d9534f")
    ax2.bar(x + width / 2, [r["reduced MACs"] / 1e9 for r in rows], width, label="with 1x1 reductions",
            color="#337ab7")
    ax2.set_yscale("log")
    ax2.set_ylabel("G multiply-adds (log scale)")
    ax2.set_title("cost of each block, 224x224 input")
    for ax in (ax1, ax2):
        ax.set_xticks(x)
        ax.set_xticklabels(names)
        ax.set_xlabel("Inception block")
        ax.grid(axis="y", alpha=0.3)
    ax1.legend(frameon=False)
    fig.tight_layout()
    return fig
