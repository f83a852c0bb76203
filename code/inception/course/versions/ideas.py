"""The later versions' ideas worked out on small numbers (chapter 4):
batch normalisation, label smoothing, RMSProp, grid reduction, the factorised
stems, and which name is which.

Every function returns plain rows or dicts, so that the chapter can show them
with :func:`inception.course.book.table`. Quoted data (``*_QUOTED`` and the
tuples below) is copied from the papers and marked with its table; everything
else is computed.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Sequence, Tuple

from inception.counting import conv_macs, count_blocks
from inception.spec import googlenet_spec

Row = Dict[str, Any]

__all__ = [
    "V3_TABLE3_QUOTED",
    "BN_STEPS_QUOTED",
    "INCEPTION_RESNET_QUOTED",
    "VERSION_NAMES",
    "batch_norm_check",
    "label_smoothing",
    "smoothed_logit_gap",
    "rmsprop_steps",
    "grid_reduction_options",
    "stem_comparison",
    "v4_stem_figure",
]


# --------------------------------------------------------------------------
# Batch normalisation, label smoothing, RMSProp
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
# The representational bottleneck, the stems
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
    from inception.counting import count_blocks as v_count_blocks
    from inception.spec import inception_v3_spec

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

    from inception.course.diagrams import add_branch_legend, draw_branches
    from inception.counting import count_blocks as v_count_blocks
    from inception.spec import inception_v4_spec
    from .modules import block_branches

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
# Which name is which
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
