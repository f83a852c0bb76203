"""Small computations behind the course's first four chapters.

What the chapters on GoogLeNet's history, motivation, module and versions
need beyond the spec and the counters: the results the papers print (as
quoted data), the 2012 AlexNet counted layer by layer, the pooling schedule
of GoogLeNet, and the ideas of the later versions worked out on small
numbers (batch normalisation, label smoothing, RMSProp, grid reduction, the
factorised stems). Every function returns plain rows or dicts, so that a
chapter can show them with :func:`inception.book.table`.

Quoted data (``*_QUOTED`` and the tuples below) is copied from the papers and
marked with its table; everything else is computed.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .counting import conv_macs, conv_params, count_blocks
from .spec import googlenet_spec

Row = Dict[str, Any]

__all__ = [
    "ILSVRC_DETECTION",
    "TABLE3_BREAKDOWN",
    "PAPERS_WITH_CODE_TASKS",
    "V3_PAPER_PARAMS_QUOTED",
    "BN_STEPS_QUOTED",
    "V3_TABLE3_QUOTED",
    "INCEPTION_RESNET_QUOTED",
    "VERSION_NAMES",
    "single_model_result",
    "ensemble_steps",
    "input_size_scaling",
    "task_shares",
    "alexnet_2012_layers",
    "alexnet_2012_counts",
    "neighbours",
    "twelvefold",
    "network_macs",
    "bn_vs_paper",
    "pooling_schedule",
    "batch_norm_check",
    "label_smoothing",
    "smoothed_logit_gap",
    "rmsprop_steps",
    "grid_reduction_options",
    "stem_comparison",
    "v4_stem_figure",
]


# --------------------------------------------------------------------------
# Chapter 1: results as printed
# --------------------------------------------------------------------------

#: ILSVRC 2014 detection, the paper's Table 4 (Szegedy et al. 2015): mean
#: average precision on the detection test set. Quoted data.
ILSVRC_DETECTION: Tuple[Row, ...] = (
    {"team": "UvA-Euvision", "year": 2013, "place": "1st", "mAP": 0.226,
     "external_data": "none", "ensemble": None, "approach": "Fisher vectors"},
    {"team": "Deep Insight", "year": 2014, "place": "3rd", "mAP": 0.405,
     "external_data": "ImageNet 1k", "ensemble": 3, "approach": "CNN"},
    {"team": "CUHK DeepID-Net", "year": 2014, "place": "2nd", "mAP": 0.407,
     "external_data": "ImageNet 1k", "ensemble": None, "approach": "CNN"},
    {"team": "GoogLeNet", "year": 2014, "place": "1st", "mAP": 0.439,
     "external_data": "ImageNet 1k", "ensemble": 6, "approach": "CNN"},
)

#: The paper's Table 3: GoogLeNet's top-5 error on the validation set by
#: number of models and crops per image ("cost" = models x crops). Quoted.
TABLE3_BREAKDOWN: Tuple[Row, ...] = (
    {"models": 1, "crops": 1, "top5_error": 0.1007},
    {"models": 1, "crops": 10, "top5_error": 0.0915},
    {"models": 1, "crops": 144, "top5_error": 0.0789},
    {"models": 7, "crops": 1, "top5_error": 0.0809},
    {"models": 7, "crops": 10, "top5_error": 0.0762},
    {"models": 7, "crops": 144, "top5_error": 0.0667},
)

#: The slides' table "People use GoogLeNet for" (from Papers with Code):
#: task and number of papers. Quoted.
PAPERS_WITH_CODE_TASKS: Tuple[Tuple[str, int], ...] = (
    ("Image Classification", 21),
    ("Quantization", 11),
    ("Object Detection", 11),
    ("Object Recognition", 7),
    ("Domain Adaptation", 5),
    ("Object Classification", 3),
    ("Model Compression", 3),
    ("Face Recognition", 3),
    ("Adversarial Training", 2),
)

#: The slides' share of the first task (21 papers = 17.95%): it fixes the
#: total number of papers the shares are taken of.
_PWC_FIRST_SHARE = 0.1795

#: Rethinking the Inception Architecture (Szegedy et al. 2016), section 1:
#: "GoogLeNet employed only 5 million parameters, which represented a 12x
#: reduction with respect to its predecessor AlexNet, which used 60 million
#: parameters."
V3_PAPER_PARAMS_QUOTED = {"googlenet": 5e6, "alexnet": 60e6, "factor": 12}


#: The v3 paper's Table 3 (Szegedy et al. 2016): single-crop top-1 error on
#: the ILSVRC 2012 validation set and cost in billions of operations per
#: image, from GoogLeNet through the factorised Inception-v2 (the slides'
#: "v2") to Inception-v3 (the last row). Section 6 sums it up: Inception-v2's
#: "computation cost is only about 2.5 higher than that of GoogLeNet". Quoted.
V3_TABLE3_QUOTED: Tuple[Row, ...] = (
    {"network": "GoogLeNet", "top-1 error": 0.29, "cost (billion ops)": 1.5},
    {"network": "BN-GoogLeNet", "top-1 error": 0.268, "cost (billion ops)": 1.5},
    {"network": "BN-Inception", "top-1 error": 0.252, "cost (billion ops)": 2.0},
    {"network": "Inception-v2", "top-1 error": 0.234, "cost (billion ops)": 3.8},
    {"network": "Inception-v2 + RMSProp", "top-1 error": 0.231, "cost (billion ops)": 3.8},
    {"network": "Inception-v2 + Label Smoothing", "top-1 error": 0.228,
     "cost (billion ops)": 3.8},
    {"network": "Inception-v2 + Factorized 7x7", "top-1 error": 0.216,
     "cost (billion ops)": 4.8},
    {"network": "Inception-v2 BN-auxiliary (Inception-v3)", "top-1 error": 0.212,
     "cost (billion ops)": 4.8},
)


def single_model_result() -> Row:
    """The one-model, one-crop row of the paper's Table 3 and the winning
    (7 models, 144 crops) row, with the cost factor between them."""
    single = next(r for r in TABLE3_BREAKDOWN if r["models"] == 1 and r["crops"] == 1)
    best = min(TABLE3_BREAKDOWN, key=lambda r: r["top5_error"])
    return {
        "single_error": single["top5_error"],
        "ensemble_error": best["top5_error"],
        "ensemble_models": best["models"],
        "ensemble_crops": best["crops"],
        "ensemble_cost": best["models"] * best["crops"],
    }


def ensemble_steps() -> Row:
    """What each step of the paper's Table 3 buys, in points of top-5 error
    (fractions): more crops of one model (1 -> 10, 10 -> 144), more models
    on one crop (1 -> 7), and the whole way from one pass to the
    competition's 7 x 144. ``passes`` is models x crops for every row."""
    e = {(r["models"], r["crops"]): r["top5_error"] for r in TABLE3_BREAKDOWN}
    return {
        "passes": [r["models"] * r["crops"] for r in TABLE3_BREAKDOWN],
        "crops_1_10": e[1, 1] - e[1, 10],
        "crops_10_144": e[1, 10] - e[1, 144],
        "models_1_7": e[1, 1] - e[7, 1],
        "seven_vs_ten_crops": e[1, 10] - e[7, 1],
        "whole": e[1, 1] - e[7, 144],
    }


def input_size_scaling(size: int = 256, base: int = 224) -> Row:
    """GoogLeNet's multiply-adds at ``size`` against ``base`` (no auxiliary
    heads): the counted ratio, the ratio of the areas, the grids of the five
    stride-2 steps at both sizes, and the classifier's multiply-adds, which
    do not depend on the input size (global average pooling). When every
    grid scales by size/base exactly, the convolutions scale by the area
    ratio and only the classifier stays: ``trunk_ratio`` is then the area
    ratio."""
    from .counting import googlenet_totals

    spec = googlenet_spec("paper", 1000, aux_logits=False)
    classifier = spec.head.in_channels * 1000
    t = {s: googlenet_totals("paper", 1000, aux_logits=False, input_size=s).macs
         for s in (base, size)}

    def grids(s):
        sides = [b.output_shape[1] for b in count_blocks(spec, s) if len(b.output_shape) == 3]
        return sorted(set(sides), reverse=True)

    return {
        "macs": t[size], "base_macs": t[base], "ratio": t[size] / t[base],
        "area_ratio": (size / base) ** 2, "classifier_macs": classifier,
        "trunk_ratio": (t[size] - classifier) / (t[base] - classifier),
        "grids": grids(size), "base_grids": grids(base),
    }


def task_shares() -> List[Row]:
    """The slides' task table with its shares recomputed from the counts."""
    total = round(PAPERS_WITH_CODE_TASKS[0][1] / _PWC_FIRST_SHARE)
    return [{"task": t, "papers": n, "share": n / total} for t, n in PAPERS_WITH_CODE_TASKS]


def papers_total() -> int:
    """How many papers the slides' shares are taken of."""
    return round(PAPERS_WITH_CODE_TASKS[0][1] / _PWC_FIRST_SHARE)


# --------------------------------------------------------------------------
# Chapter 1: AlexNet as in 2012, and the neighbours
# --------------------------------------------------------------------------


def alexnet_2012_layers() -> List[Row]:
    """The two-GPU AlexNet of Krizhevsky et al. (2012), layer by layer.

    conv2, conv4 and conv5 are split across the two GPUs: each half sees
    only the channels of its own GPU (a grouped convolution, groups = 2).
    Inputs of 227x227 give the printed grids (55, 27, 13, 6).
    """
    # name, out grid, in channels (per group), out channels, kernel
    convs = (
        ("conv1", 55, 3, 96, 11),
        ("conv2", 27, 48, 256, 5),
        ("conv3", 13, 256, 384, 3),
        ("conv4", 13, 192, 384, 3),
        ("conv5", 13, 192, 256, 3),
    )
    rows = []
    for name, grid, cin, cout, k in convs:
        rows.append({"layer": name, "params": conv_params(cin, cout, k),
                     "MACs": conv_macs(grid, grid, cin, cout, k)})
    for name, fin, fout in (("fc6", 256 * 6 * 6, 4096), ("fc7", 4096, 4096), ("fc8", 4096, 1000)):
        rows.append({"layer": name, "params": fin * fout + fout, "MACs": fin * fout})
    return rows


def alexnet_2012_counts() -> Row:
    """Parameters and multiply-adds of the 2012 two-GPU AlexNet."""
    rows = alexnet_2012_layers()
    return {"params": sum(r["params"] for r in rows), "MACs": sum(r["MACs"] for r in rows)}


def neighbours(input_size: int = 224) -> List[Row]:
    """GoogLeNet's neighbours: :func:`inception.overview.reference_models`
    with the 2012 AlexNet added beside torchvision's, and the competition
    result given only to the networks that were entered. torchvision's
    batch-norm GoogLeNet was never entered in ILSVRC 2014."""
    from .overview import reference_models

    a = alexnet_2012_counts()
    rows = []
    for r in reference_models(input_size):
        r = dict(r)
        if r["model"] == "AlexNet":
            rows.append({"model": "AlexNet (2012, two GPUs)", "built by": "counted layer by layer",
                         "params": a["params"], "MACs": a["MACs"],
                         "ILSVRC": r["ILSVRC"], "top-5 error": r["top-5 error"]})
            r["model"] = "AlexNet (one column)"
            r["ILSVRC"], r["top-5 error"] = "not entered", None
        if r["model"] == "GoogLeNet (bn)":
            r["ILSVRC"], r["top-5 error"] = "not entered", None
        rows.append(r)
    return rows


def twelvefold() -> Row:
    """GoogLeNet against AlexNet in parameters, counted several ways, and
    the rounded numbers behind the paper's "12x fewer"."""
    from .counting import googlenet_totals

    g = googlenet_totals("paper", 1000, aux_logits=False)
    spec = googlenet_spec("paper", 1000, aux_logits=False)
    head = spec.head.in_channels * 1000 + 1000
    a = alexnet_2012_counts()["params"]
    q = V3_PAPER_PARAMS_QUOTED
    return {
        "alexnet": a, "googlenet": g.params, "googlenet_trunk": g.params - head,
        "ratio": a / g.params, "ratio_trunk": a / (g.params - head),
        "quoted_alexnet": q["alexnet"], "quoted_googlenet": q["googlenet"],
        "quoted_ratio": q["alexnet"] / q["googlenet"],
    }


def network_macs(input_size: int = 224) -> Row:
    """GoogLeNet's multiply-adds per image two ways (chapter 5): ``plain``, with
    the plain 7x7 first convolution this book's models use, and ``separable``,
    with the 7x7 depthwise separable first layer that Table 1's printed conv1
    counts imply (:func:`inception.forensics.conv1_hypotheses`); the rest of
    the network is the same. Also ``conv1_plain`` and ``conv1_separable``."""
    from .counting import googlenet_totals
    from .forensics import conv1_hypotheses

    total = googlenet_totals("paper", 1000, aux_logits=False, input_size=input_size)
    spec = googlenet_spec("paper", 1000, aux_logits=False)
    conv1 = next(b for b in count_blocks(spec, input_size) if b.name == "conv1")
    sep = next(h for h in conv1_hypotheses() if h["matches"])
    grid = conv1.output_shape[1] * conv1.output_shape[2]
    sep_macs = sep["weights"] * grid
    return {"plain": total.macs, "separable": total.macs - conv1.macs + sep_macs,
            "conv1_plain": conv1.macs, "conv1_separable": sep_macs}


def bn_vs_paper() -> Row:
    """Why the batch-norm ("bn") GoogLeNet has fewer parameters than the
    paper's: its "5x5" branch is a 3x3 (16 fewer weights per input-output
    channel pair), and each convolution trades its bias for batch norm's
    gamma and beta (one more parameter per output channel)."""
    spec = googlenet_spec("paper", 1000, aux_logits=False)
    blocks = [b for b in spec.blocks if hasattr(b, "c5x5")]
    kernel_saving = sum((25 - 9) * b.c5x5_reduce * b.c5x5 for b in blocks)
    from .counting import count_layers

    channels = sum(l.output_shape[0] for l in count_layers(spec) if l.kind == "conv")
    return {"kernel_saving": kernel_saving, "bn_channels": channels,
            "difference": kernel_saving - channels}


# --------------------------------------------------------------------------
# Chapter 2: where GoogLeNet pools
# --------------------------------------------------------------------------


def pooling_schedule(input_size: int = 224) -> List[Row]:
    """GoogLeNet's stages between its stride-2 steps: grid, blocks,
    multiply-adds of the stage, and what the stage would cost on the grid of
    the stage before (that is, without the max pool in front of it): the
    cost of a convolution grows with the grid's area."""
    spec = googlenet_spec("paper", 1000, aux_logits=False)
    stages: Dict[int, Row] = {}
    for b in count_blocks(spec, input_size):
        if b.kind == "aux":
            continue
        grid = b.output_shape[1] if len(b.output_shape) == 3 else 1
        s = stages.setdefault(grid, {"grid": f"{grid}x{grid}", "side": grid, "blocks": [], "MACs": 0})
        if b.kind in ("conv", "inception"):
            s["blocks"].append(b.name)
        s["MACs"] += b.macs
    rows = [s for s in stages.values() if s["side"] > 1]
    total = sum(s["MACs"] for s in rows)
    for prev, s in zip([None] + rows[:-1], rows):
        s["share"] = s["MACs"] / total
        s["MACs without the pool before"] = (
            s["MACs"] * (prev["side"] / s["side"]) ** 2 if prev else None)
        s["blocks"] = ", ".join(s["blocks"])
    return rows


# --------------------------------------------------------------------------
# Chapter 4: batch normalisation, label smoothing, RMSProp
# --------------------------------------------------------------------------

#: Ioffe & Szegedy (2015), figure 3: training steps to reach Inception's
#: best accuracy (72.2% top-1) and the best accuracy reached. Quoted.
BN_STEPS_QUOTED: Tuple[Row, ...] = (
    {"model": "Inception (no batch norm)", "steps to 72.2%": 31.0e6, "max accuracy": 0.722},
    {"model": "BN-Baseline", "steps to 72.2%": 13.3e6, "max accuracy": 0.727},
    {"model": "BN-x5 (learning rate x 5)", "steps to 72.2%": 2.1e6, "max accuracy": 0.730},
    {"model": "BN-x30 (learning rate x 30)", "steps to 72.2%": 2.7e6, "max accuracy": 0.748},
)


def batch_norm_check(n: int = 8, channels: int = 3, size: int = 5, momentum: float = 0.1,
                     seed: int = 0) -> Row:
    """Batch normalisation by its formula against ``torch.nn.BatchNorm2d``.

    For a batch ``x`` of shape (n, C, H, W), per channel: the batch mean and
    (biased) variance over n, H, W; ``x_hat = (x - mean) / sqrt(var + eps)``;
    ``y = gamma * x_hat + beta``. The running statistics move by
    ``momentum`` towards the batch's (the variance unbiased). Returns the
    largest differences from PyTorch, and the statistics of ``y``.
    """
    import torch

    g = torch.Generator().manual_seed(seed)
    x = 3.0 + 2.0 * torch.randn(n, channels, size, size, generator=g)
    bn = torch.nn.BatchNorm2d(channels, momentum=momentum)
    with torch.no_grad():
        bn.weight.copy_(torch.rand(channels, generator=g) + 0.5)
        bn.bias.copy_(torch.randn(channels, generator=g))
    bn.train()
    y_torch = bn(x).detach()
    mean = x.mean(dim=(0, 2, 3), keepdim=True)
    var = x.var(dim=(0, 2, 3), unbiased=False, keepdim=True)
    x_hat = (x - mean) / torch.sqrt(var + bn.eps)
    gamma, beta = bn.weight.detach().view(1, -1, 1, 1), bn.bias.detach().view(1, -1, 1, 1)
    y = gamma * x_hat + beta
    m = n * size * size
    running_mean = (1 - momentum) * 0.0 + momentum * mean.flatten()
    running_var = (1 - momentum) * 1.0 + momentum * var.flatten() * m / (m - 1)
    bn.eval()
    y_eval = bn(x).detach()
    return {
        "max_diff_train": float((y - y_torch).abs().max()),
        "max_diff_running_mean": float((running_mean - bn.running_mean).abs().max()),
        "max_diff_running_var": float((running_var - bn.running_var).abs().max()),
        "x_hat_mean": float(x_hat.mean(dim=(0, 2, 3)).abs().max()),
        "x_hat_std": float(x_hat.std(dim=(0, 2, 3), unbiased=False).mean()),
        "input_mean": float(mean.mean()),
        "eval_differs_by": float((y_eval - y_torch).abs().max()),
    }


def label_smoothing(target: int, num_classes: int, epsilon: float) -> List[float]:
    """The smoothed target q' = (1 - epsilon) * delta + epsilon / K."""
    if not 0 <= epsilon < 1:
        raise ValueError(f"epsilon must be in [0, 1), got {epsilon!r}")
    if not 0 <= target < num_classes:
        raise ValueError(f"target must be in [0, {num_classes}), got {target!r}")
    return [(1 - epsilon) * (k == target) + epsilon / num_classes for k in range(num_classes)]


def smoothed_logit_gap(num_classes: int, epsilon: float) -> float:
    """The gap between the true class's logit and every other logit at the
    minimum of the cross-entropy against a smoothed target: the log of the
    ratio of their target probabilities. Without smoothing it is infinite."""
    if epsilon == 0:
        return math.inf
    top = 1 - epsilon + epsilon / num_classes
    return math.log(top / (epsilon / num_classes))


def rmsprop_steps(gradients: Sequence[float] = (0.01, 1.0, 100.0), eps: Sequence[float] = (1e-8, 1.0),
                  lr: float = 0.01, rho: float = 0.9, steps: int = 50,
                  form: str = "tensorflow") -> List[Row]:
    """How far one parameter moves in ``steps`` RMSProp steps with a constant
    gradient ``g``, for several ``g`` and ``eps``. With a small eps the step
    no longer depends on the size of the gradient; with Inception-v3's
    eps = 1.0 small gradients take plain SGD's steps again.

    ``form="tensorflow"``: TensorFlow's RMSProp, the optimiser of the v3
    paper, with eps *inside* the square root,
    ``v = rho v + (1 - rho) g^2``, ``theta -= lr g / sqrt(v + eps)``.
    ``form="pytorch"``: ``torch.optim.RMSprop`` (``alpha`` = rho), with eps
    outside, ``theta -= lr g / (sqrt(v) + eps)``. Both start from v = 0.
    """
    if form not in ("tensorflow", "pytorch"):
        raise ValueError(f"form must be 'tensorflow' or 'pytorch', not {form!r}")
    rows = []
    for e in eps:
        for grad in gradients:
            if form == "pytorch":
                import torch

                p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
                opt = torch.optim.RMSprop([p], lr=lr, alpha=rho, eps=e)
                for _ in range(steps):
                    opt.zero_grad()
                    p.grad = torch.full((1,), float(grad), dtype=torch.float64)
                    opt.step()
                distance = float(-p.detach())
            else:
                v = distance = 0.0
                for _ in range(steps):
                    v = rho * v + (1 - rho) * grad * grad
                    distance += lr * grad / math.sqrt(v + e)
            rows.append({"eps": e, "gradient": grad, "distance": distance,
                         "plain SGD": lr * grad * steps})
    return rows


# --------------------------------------------------------------------------
# Chapter 4: the representational bottleneck, the stems
# --------------------------------------------------------------------------


def grid_reduction_options(d: int = 35, k: int = 320, kernel: int = 3) -> List[Row]:
    """Three ways from a d x d x k grid to (d/2) x (d/2) x 2k (the v3
    paper's section 5 and figure 10): convolve then pool, pool then
    convolve, or a stride-2 convolution beside a pool. MACs of the
    convolutions and the smallest representation met on the way."""
    h = (d - kernel) // 2 + 1  # a stride-2, unpadded 3x3 (as in Inception-v3)
    conv_first = conv_macs(d, d, k, 2 * k, kernel)
    pool_first = conv_macs(h, h, k, 2 * k, kernel)
    parallel = conv_macs(h, h, k, k, kernel)
    return [
        {"option": "conv (k -> 2k), then pool", "MACs": conv_first,
         "smallest representation": min(d * d * k, h * h * 2 * k), "bottleneck": False},
        {"option": "pool, then conv (k -> 2k)", "MACs": pool_first,
         "smallest representation": h * h * k, "bottleneck": True},
        {"option": "stride-2 conv (k -> k) beside a pool", "MACs": parallel,
         "smallest representation": h * h * 2 * k, "bottleneck": False},
    ]


def stem_comparison() -> List[Row]:
    """GoogLeNet's first layer (7x7/2, 3 -> 64 on 224x224) against
    Inception-v3's three 3x3 convolutions that replace it (on 299x299), and
    what a 7x7/2 would cost at v3's size: convolution weights (no biases, no
    batch norm, so that the three rows count alike), multiply-adds, and the
    receptive field of the last unit."""
    from .versions import count_blocks as v_count_blocks, inception_v3_spec

    g = next(b for b in count_blocks(googlenet_spec("paper", 1000, aux_logits=False), 224)
             if b.name == "conv1")
    v3 = [b for b in v_count_blocks(inception_v3_spec(aux_logits=False))][:3]
    side = v3[-1].output_shape[1]
    return [
        {"stem": "v1: 7x7/2, 3 -> 64", "input": 224, "output": "x".join(map(str, g.output_shape)),
         "weights": g.weights, "MACs": g.macs, "receptive field": 7, "ReLUs": 1},
        {"stem": "7x7/2, 3 -> 64 at v3's size", "input": 299, "output": f"64x{side}x{side}",
         "weights": 7 * 7 * 3 * 64, "MACs": conv_macs(side, side, 3, 64, 7), "receptive field": 7,
         "ReLUs": 1},
        {"stem": "v3: 3x3/2 -> 3x3 -> 3x3 (32, 32, 64)", "input": 299,
         "output": "x".join(map(str, v3[-1].output_shape)),
         "weights": sum(b.weights for b in v3), "MACs": sum(b.macs for b in v3),
         "receptive field": 3 + 2 * 2 + 2 * 2, "ReLUs": 3},
    ]


def v4_stem_figure(fontsize: float = 8.0):
    """Inception-v4's stem (its paper's figure 3), drawn from the spec in
    four panels, read left to right: the three plain convolutions, then the
    three concatenations; in each panel data flows upwards."""
    import matplotlib.pyplot as plt

    from .diagrams import add_branch_legend, draw_branches
    from .versions import count_blocks as v_count_blocks, inception_v4_spec
    from .versions.modules import block_branches

    spec = inception_v4_spec()
    shapes = {b.name: b.output_shape for b in v_count_blocks(spec)}
    stem = [b for b in spec.blocks if b.kind == "stem"]
    plain = [b for b in stem if len(block_branches(b)) == 1]
    mixed = [b for b in stem if len(block_branches(b)) > 1]
    panels = [("three convolutions", [[box for b in plain for box in block_branches(b)[0]]], plain)]
    panels += [(f"concatenation {i + 1}", block_branches(b), [b]) for i, b in enumerate(mixed)]
    w, gap, pad = 2.2, 0.35, 0.15
    ratios = [len(p[1]) * w + (len(p[1]) - 1) * gap + 2 * pad for p in panels]
    fig, axes = plt.subplots(1, len(panels), figsize=(0.75 * sum(ratios), 6.0),
                             gridspec_kw={"width_ratios": ratios})
    plt.close(fig)
    prev = "299x299x3"
    for i, (ax, (name, branches, blocks)) in enumerate(zip(axes, panels)):
        c, gh, gw = shapes[blocks[-1].name]
        out = f"{gh}x{gw}x{c}"
        draw_branches(branches, "input", "Filter concat" if len(branches) > 1 else "output",
                      input_detail=prev, output_detail=out, ax=ax, fontsize=fontsize,
                      box_size=(w, 0.8), gap=(gap, 0.55), legend=False)
        ax.set_title(f"{i + 1}. {name}", fontsize=fontsize + 1)
        prev = out
    top = max(ax.get_ylim()[1] for ax in axes)
    for ax in axes:  # one scale for all panels: same height, bottoms aligned
        ax.set_ylim(ax.get_ylim()[0], top)
    fig.suptitle("Inception-v4's stem, drawn from the spec (the v4 paper's figure 3)",
                 fontsize=fontsize + 2)
    used = {"3x3", "5x5", "pool", "reduction"}
    add_branch_legend(axes[len(axes) // 2], used, fontsize=fontsize)
    fig.subplots_adjust(left=0.01, right=0.99, wspace=0.08, top=0.88, bottom=0.1)
    return fig


# --------------------------------------------------------------------------
# Chapter 4: which name is which
# --------------------------------------------------------------------------

#: The names of the versions in the slides and in the papers.
VERSION_NAMES: Tuple[Row, ...] = (
    {"network": "GoogLeNet (2014)", "slides": "Inception v1",
     "v3 paper (2016)": "GoogLeNet", "v4 paper (2017)": "Inception-v1",
     "this book": "v1 (GoogLeNet)"},
    {"network": "BN-Inception (Ioffe & Szegedy 2015)", "slides": "(not named)",
     "v3 paper (2016)": "BN-Inception", "v4 paper (2017)": "Inception-v2",
     "this book": "v2 (BN-Inception)"},
    {"network": "v3 paper's network without its last changes", "slides": "Inception v2",
     "v3 paper (2016)": "Inception-v2", "v4 paper (2017)": "(not named)",
     "this book": "part of v3"},
    {"network": "Inception-v3 (Szegedy et al. 2016)", "slides": "Inception v3",
     "v3 paper (2016)": "Inception-v3", "v4 paper (2017)": "Inception-v3",
     "this book": "v3"},
    {"network": "Inception-v4 (Szegedy et al. 2017)", "slides": "Inception v4",
     "v3 paper (2016)": "-", "v4 paper (2017)": "Inception-v4", "this book": "v4"},
)

#: Szegedy et al. (2017), Table 2: single-model, single-crop error on the
#: ILSVRC 2012 validation set (top-1, top-5). Quoted.
INCEPTION_RESNET_QUOTED: Tuple[Row, ...] = (
    {"network": "BN-Inception", "top-1 error": 0.252, "top-5 error": 0.078},
    {"network": "Inception-v3", "top-1 error": 0.212, "top-5 error": 0.056},
    {"network": "Inception-ResNet-v1", "top-1 error": 0.213, "top-5 error": 0.055},
    {"network": "Inception-v4", "top-1 error": 0.200, "top-5 error": 0.050},
    {"network": "Inception-ResNet-v2", "top-1 error": 0.199, "top-5 error": 0.049},
)
