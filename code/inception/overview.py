"""Numbers and figures for the book's framing chapters (1 Introduction,
2 Motivation, 8 Conclusion), computed from the spec and the builders.

* :func:`depth_path` / :func:`depth`: GoogLeNet's "22 layers" (27 with
  pools), counted along the longest path of the spec.
* :func:`reference_models`: parameters and multiply-adds of torchvision's
  AlexNet, VGG-16 and GoogLeNet beside ours, built with ``weights=None`` on
  PyTorch's ``meta`` device (shapes only: nothing is downloaded, no memory is
  filled), MACs counted by forward hooks with the convention of
  :mod:`inception.counting`.
* :func:`naive_vs_reduced`: what the naive Inception module (the paper's
  Figure 2a) would cost if the whole network were built from it.
* :func:`verification_summary`: the book's main claims, recomputed.
* Figures: :func:`draw_naive_module`, :func:`plot_naive_growth`.

Nothing here is imported by the rest of the package; torch and matplotlib are
imported inside the functions that need them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .counting import conv_macs, count_blocks, googlenet_totals, inception_cost, totals
from .spec import (
    LRN,
    TABLE1,
    Conv,
    InceptionBlock,
    NetworkSpec,
    Pool,
    TableRow,
    googlenet_spec,
)

__all__ = [
    "ILSVRC_CLASSIFICATION",
    "DepthStep",
    "depth_path",
    "depth",
    "weighted_layer_count",
    "table1_depth",
    "torch_params",
    "torch_macs",
    "reference_models",
    "kernel_costs",
    "widening_cost",
    "naive_vs_reduced",
    "naive_vs_reduced_block",
    "naive_network_totals",
    "verification_summary",
    "draw_naive_module",
    "plot_naive_growth",
    "plot_neighbours",
]


#: ILSVRC classification results as printed in the paper's Table 2
#: (Szegedy et al. 2015): team, year, place, top-5 error (test set), and
#: whether outside training data was used. Quoted data, not computed.
ILSVRC_CLASSIFICATION: Tuple[Dict[str, Any], ...] = (
    {"team": "SuperVision (AlexNet)", "year": 2012, "place": "1st", "top5_error": 0.164, "external_data": "no"},
    {"team": "SuperVision (AlexNet)", "year": 2012, "place": "1st", "top5_error": 0.153, "external_data": "ImageNet 22k"},
    {"team": "Clarifai", "year": 2013, "place": "1st", "top5_error": 0.117, "external_data": "no"},
    {"team": "Clarifai", "year": 2013, "place": "1st", "top5_error": 0.112, "external_data": "ImageNet 22k"},
    {"team": "MSRA", "year": 2014, "place": "3rd", "top5_error": 0.0735, "external_data": "no"},
    {"team": "VGG", "year": 2014, "place": "2nd", "top5_error": 0.0732, "external_data": "no"},
    {"team": "GoogLeNet", "year": 2014, "place": "1st", "top5_error": 0.0667, "external_data": "no"},
)


# --------------------------------------------------------------------------
# Depth
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class DepthStep:
    """One stage on GoogLeNet's longest path.

    ``weighted``: layers with parameters this stage adds to the path;
    ``pools``: pooling layers it adds; the running totals follow.
    """

    name: str
    kind: str
    weighted: int
    pools: int
    depth: int  # running count of layers with parameters
    depth_with_pools: int  # running count including pools


def _branch_lengths(block: InceptionBlock) -> Dict[str, Tuple[int, int]]:
    """(weighted layers, pools) along each branch of an Inception block."""
    lengths: Dict[str, List[int]] = {}
    for conv in block.convs():
        branch = conv.name.split(".")[0]
        lengths.setdefault(branch, [0, 0])[0] += 1
    # branch4 starts with its 3x3/1 max pool (``branch4.0``), which has no weights.
    lengths.setdefault("branch4", [0, 0])[1] += 1
    return {k: (v[0], v[1]) for k, v in lengths.items()}


def depth_path(spec: Optional[NetworkSpec] = None) -> List[DepthStep]:
    """The stages of the longest path through ``spec`` (default: the paper's
    GoogLeNet) with the layers each adds.

    Counting rule (the paper's, section 5): a layer counts if it has
    parameters; pools are counted separately. Inside an Inception block the
    path takes the longest branch (a 1x1 reduction then a 3x3 or 5x5: two
    layers; with pools, the pool branch is also two). LRN, dropout, ReLU,
    concatenation and softmax add nothing. The auxiliary heads are side
    branches and are not on the path.
    """
    spec = spec or googlenet_spec("paper", aux_logits=False)
    steps: List[DepthStep] = []
    d = dp = 0

    def add(name, kind, weighted, pools, with_pools_len):
        nonlocal d, dp
        d += weighted
        dp += with_pools_len
        steps.append(DepthStep(name, kind, weighted, pools, d, dp))

    for block in spec.blocks:
        if isinstance(block, Conv):
            add(block.name, "conv", 1, 0, 1)
        elif isinstance(block, Pool):
            add(block.name, f"{block.kind} pool", 0, 1, 1)
        elif isinstance(block, LRN):
            continue
        elif isinstance(block, InceptionBlock):
            branches = _branch_lengths(block)
            weighted = max(w for w, _ in branches.values())
            with_pools = max(w + p for w, p in branches.values())
            pools = with_pools - weighted
            add(block.name, "inception", weighted, pools, with_pools)
    add("avgpool", "avg pool", 0, 1, 1)
    add("fc", "linear", 1, 0, 1)
    return steps


def depth(spec: Optional[NetworkSpec] = None, count_pools: bool = False) -> int:
    """GoogLeNet's depth: 22 layers with parameters, 27 counting pools."""
    last = depth_path(spec)[-1]
    return last.depth_with_pools if count_pools else last.depth


def weighted_layer_count(spec: Optional[NetworkSpec] = None) -> Dict[str, int]:
    """Layers with weights in the whole network, not only on the longest
    path: convolutions and fully connected layers, main path and auxiliary
    heads counted apart (batch norm, where present, is not a separate layer
    here)."""
    from .counting import count_layers

    spec = spec or googlenet_spec("paper", aux_logits=True)
    aux = {a.name for a in spec.aux}
    counts = {"conv": 0, "linear": 0, "aux conv": 0, "aux linear": 0}
    for layer in count_layers(spec):
        if layer.kind == "bn":
            continue
        key = ("aux " if layer.block in aux else "") + layer.kind
        counts[key] += 1
    return counts


def table1_depth(table: Sequence[TableRow] = TABLE1) -> int:
    """The sum of the paper's own "depth" column of Table 1."""
    return sum(r.depth for r in table)


# --------------------------------------------------------------------------
# Other networks, from torchvision
# --------------------------------------------------------------------------


def torch_params(model) -> int:
    """Trainable parameters of a PyTorch model (buffers such as batch-norm
    statistics are not parameters)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def torch_macs(model, input_size: int = 224) -> int:
    """Multiply-adds of one forward pass of ``model`` in eval mode, counted
    with forward hooks: ``H_out * W_out * C_out * k_h * k_w * C_in / groups``
    per convolution and ``in * out`` per linear layer, the convention of
    :mod:`inception.counting`. Runs on the ``meta`` device: shapes only.
    """
    import torch
    from torch import nn

    total = 0

    def hook(module, inputs, output):
        nonlocal total
        if isinstance(module, nn.Conv2d):
            kh, kw = module.kernel_size
            per_out = module.in_channels // module.groups * kh * kw
            total += (output.numel() // output.shape[0]) * per_out
        elif isinstance(module, nn.Linear):
            total += module.in_features * module.out_features

    was_training = model.training
    device = next(model.parameters()).device
    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, (nn.Conv2d, nn.Linear))]
    try:
        model.eval()
        with torch.no_grad():
            model(torch.empty(1, 3, input_size, input_size, device=device))
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return total


def _meta_models() -> Dict[str, Any]:
    import torch
    import torchvision

    from .torch import googlenet

    with torch.device("meta"):
        return {
            "alexnet": torchvision.models.alexnet(weights=None),
            "vgg16": torchvision.models.vgg16(weights=None),
            "tv_googlenet": torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=True),
            "paper": googlenet(variant="paper", aux_logits=False),
        }


def reference_models(input_size: int = 224) -> List[Dict[str, Any]]:
    """AlexNet, VGG-16 and GoogLeNet side by side: parameters and MACs per
    image at ``input_size``, from torchvision's own models (``weights=None``,
    built on the meta device) and from ours; the ILSVRC top-5 error the
    papers report. Auxiliary heads are left out (they are dropped at
    inference).
    """
    models = _meta_models()
    best = {}
    for r in ILSVRC_CLASSIFICATION:
        if r["external_data"] == "no" and r["team"] not in best:
            best[r["team"]] = r
    rows = [
        ("AlexNet", "torchvision alexnet", models["alexnet"], "SuperVision (AlexNet)"),
        ("VGG-16", "torchvision vgg16", models["vgg16"], "VGG"),
        ("GoogLeNet (bn)", "torchvision googlenet", models["tv_googlenet"], "GoogLeNet"),
        ("GoogLeNet (paper)", "inception.torch, variant='paper'", models["paper"], "GoogLeNet"),
    ]
    out = []
    for name, source, model, team in rows:
        r = best[team]
        out.append({
            "model": name,
            "built by": source,
            "params": torch_params(model),
            "MACs": torch_macs(model, input_size),
            "ILSVRC": f"{r['year']} ({r['place']})",
            "top-5 error": r["top5_error"],
        })
    return out


# --------------------------------------------------------------------------
# Chapter 2: which filter size, and the cost of using them all
# --------------------------------------------------------------------------


def kernel_costs(height: int = 28, width: int = 28, in_channels: int = 192, out_channels: int = 128,
                 kernels: Sequence[int] = (1, 3, 5, 7)) -> List[Dict[str, Any]]:
    """Parameters and MACs of one ``k x k`` convolution for each ``k``
    (stride 1, 'same' padding), and the cost relative to a 1x1."""
    rows = []
    base = conv_macs(height, width, in_channels, out_channels, 1)
    for k in kernels:
        macs = conv_macs(height, width, in_channels, out_channels, k)
        rows.append({
            "kernel": f"{k}x{k}",
            "params": k * k * in_channels * out_channels + out_channels,
            "MACs": macs,
            "vs 1x1": macs / base,
        })
    return rows


def widening_cost(height: int = 28, width: int = 28, channels: int = 128, factor: int = 2,
                  kernel: int = 3) -> Dict[str, float]:
    """Two chained ``kernel x kernel`` convolutions with ``channels`` filters
    each, reading a ``channels``-wide input, then with ``factor`` times as
    many filters; the chain's input keeps its width. The second layer's
    input and output both widen, so it costs ``factor**2`` times as much;
    the first, whose input is fixed, ``factor`` times: the paper's
    "quadratic increase", exact for every layer after the first."""
    first = conv_macs(height, width, channels, channels, kernel)
    second = conv_macs(height, width, channels, channels, kernel)
    first_w = conv_macs(height, width, channels, channels * factor, kernel)
    second_w = conv_macs(height, width, channels * factor, channels * factor, kernel)
    before, after = first + second, first_w + second_w
    return {"before": before, "after": after, "ratio": after / before,
            "first_ratio": first_w / first, "second_ratio": second_w / second}


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


def naive_network_totals(table: Sequence[TableRow] = TABLE1, input_size: int = 224,
                         num_classes: int = 1000) -> Dict[str, int]:
    """Whole-network parameters and MACs: GoogLeNet as built (no auxiliary
    heads) and the same network with every Inception block naive (same stem,
    a classifier on the naive network's final width). The Inception blocks
    alone: :func:`inception.analysis.naive_blocks_totals`, from the same
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
# Chapter 8: the claims, recomputed
# --------------------------------------------------------------------------


def verification_summary(include_keras: bool = True) -> List[Dict[str, Any]]:
    """The book's main checks, recomputed in one go: each row names the
    chapter, the claim, what the paper or reference says, what the code
    computes, and whether they agree.

    ``include_keras`` builds the Keras models too (imports TensorFlow).
    """
    import torch
    import torchvision

    from . import torch as it

    rows: List[Dict[str, Any]] = []

    def add(chapter, claim, reference, computed, ok=None):
        rows.append({"chapter": chapter, "claim": claim, "reference": reference,
                     "computed": computed, "agrees": (reference == computed) if ok is None else ok})

    add("1", "layers with parameters on the longest path", table1_depth(), depth())
    add("1", "... counting pools too (paper, section 5)", 27, depth(count_pools=True))

    with torch.device("meta"):
        ours = {aux: it.googlenet("paper", aux_logits=aux) for aux in (False, True)}
        bn = {aux: it.googlenet("bn", aux_logits=aux) for aux in (False, True)}
        tv = {aux: torchvision.models.googlenet(weights=None, aux_logits=aux, init_weights=True)
              for aux in (False, True)}
    for aux in (False, True):
        label = "with" if aux else "without"
        counted = googlenet_totals("paper", aux_logits=aux).params
        add("5, 6", f"paper variant, {label} aux heads: PyTorch = counter", counted, torch_params(ours[aux]))
        add("6", f"bn variant, {label} aux heads: ours = torchvision", torch_params(tv[aux]),
            torch_params(bn[aux]))
    add("1, 5", "multiply-adds per 224x224 image: hooks = counter",
        googlenet_totals("paper", aux_logits=False).macs, torch_macs(ours[False]))
    add("3", "slides: 5x5 conv, 14x14x480 -> 48", 112_896_000, conv_macs(14, 14, 480, 48, 5))
    add("3", "slides: with a 1x1 reduction to 16 first", 5_268_480,
        conv_macs(14, 14, 480, 16, 1) + conv_macs(14, 14, 16, 48, 5))
    naive = naive_network_totals()
    ratio = naive["naive_macs"] / naive["reduced_macs"]
    add("2", "all-naive network costs more MACs than GoogLeNet", "more", f"{ratio:.1f}x as many", ratio > 1)
    if include_keras:
        from . import keras as ik

        for aux in (False, True):
            label = "with" if aux else "without"
            model = ik.googlenet("paper", aux_logits=aux)
            add("6", f"paper variant, {label} aux heads: Keras = counter",
                googlenet_totals("paper", aux_logits=aux).params, int(model.count_params()))
    return rows


# --------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------


def _figure(figsize):
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=figsize)
    plt.close(fig)  # no automatic display: the notebook shows or glues it
    return fig


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

    fig = _figure((7.0, 3.8))
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
    fig = _figure((9.0, 3.6))
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


def plot_neighbours(rows: Sequence[Dict[str, Any]], models: Optional[Sequence[str]] = None):
    """Two bar panels, parameters (millions) and multiply-adds (billions) per
    224x224 image, for the named ``models`` of ``rows`` (rows as from
    :func:`inception.lessons.neighbours`: ``model``, ``params``, ``MACs``)."""
    by = {r["model"]: r for r in rows}
    models = list(models or by)
    missing = [m for m in models if m not in by]
    if missing:
        raise ValueError(f"no rows for {missing}")
    fig = _figure((9.0, 3.2))
    axes = fig.subplots(1, 2)
    colours = ["#9e9e9e", "#64b5f6", "#d9534f", "#81c784", "#ffb74d"]
    for ax, key, scale, label in ((axes[0], "params", 1e6, "parameters (millions)"),
                                  (axes[1], "MACs", 1e9, "multiply-adds (billions)")):
        values = [by[m][key] / scale for m in models]
        ax.barh(range(len(models)), values, color=colours[: len(models)], edgecolor="#333333")
        for i, v in enumerate(values):
            ax.text(v, i, f" {v:.1f}", va="center", fontsize=8)
        ax.set_yticks(range(len(models)), models if ax is axes[0] else [""] * len(models))
        ax.invert_yaxis()
        ax.set_xlabel(label)
        ax.set_xlim(0, max(values) * 1.2)
    fig.tight_layout()
    return fig
