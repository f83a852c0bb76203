"""Chapter 1, Introduction: GoogLeNet's results, depth and neighbours.

* The results the papers print, as quoted data: ILSVRC classification (the
  paper's Table 2, :data:`ILSVRC_CLASSIFICATION`) and detection (Table 4,
  :data:`ILSVRC_DETECTION`), the ensemble breakdown (Table 3), and the slides'
  table of what people use GoogLeNet for (:func:`task_shares`).
* :func:`depth_path` / :func:`depth`: GoogLeNet's "22 layers" (27 with
  pools), counted along the longest path of the spec.
* :func:`reference_models`: parameters and multiply-adds of torchvision's
  AlexNet, VGG-16 and GoogLeNet beside ours, built with ``weights=None`` on
  PyTorch's ``meta`` device (shapes only: nothing is downloaded, no memory is
  filled), MACs counted by forward hooks with the convention of
  :mod:`inception.counting`; :func:`neighbours` adds the 2012 AlexNet counted
  layer by layer (:func:`alexnet_2012_layers`).
* :func:`twelvefold`, :func:`bn_vs_paper`: GoogLeNet against AlexNet in
  parameters, and the batch-norm variant against the paper's.

Quoted data (``*_QUOTED`` and the tuples below) is copied from the papers and
marked with its table; everything else is computed. torch is imported inside
the functions that need it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from inception.counting import conv_macs, conv_params, count_blocks
from inception.spec import LRN, TABLE1, Conv, InceptionBlock, NetworkSpec, Pool, TableRow, googlenet_spec

from .diagrams import new_figure

Row = Dict[str, Any]

__all__ = [
    "plot_neighbours",
    "input_size_scaling",
    "ensemble_steps",
    "ILSVRC_CLASSIFICATION",
    "ILSVRC_DETECTION",
    "TABLE3_BREAKDOWN",
    "PAPERS_WITH_CODE_TASKS",
    "V3_PAPER_PARAMS_QUOTED",
    "single_model_result",
    "task_shares",
    "papers_total",
    "DepthStep",
    "depth_path",
    "depth",
    "weighted_layer_count",
    "table1_depth",
    "torch_params",
    "torch_macs",
    "reference_models",
    "alexnet_2012_layers",
    "alexnet_2012_counts",
    "neighbours",
    "twelvefold",
    "bn_vs_paper",
]


# --------------------------------------------------------------------------
# Results as printed
# --------------------------------------------------------------------------


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

def task_shares() -> List[Row]:
    """The slides' task table with its shares recomputed from the counts."""
    total = round(PAPERS_WITH_CODE_TASKS[0][1] / _PWC_FIRST_SHARE)
    return [{"task": t, "papers": n, "share": n / total} for t, n in PAPERS_WITH_CODE_TASKS]

def papers_total() -> int:
    """How many papers the slides' shares are taken of."""
    return round(PAPERS_WITH_CODE_TASKS[0][1] / _PWC_FIRST_SHARE)


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
    from inception.counting import count_layers

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

    from inception.torch import googlenet

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
# AlexNet as in 2012, and the neighbours
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
    """GoogLeNet's neighbours: :func:`inception.course.introduction.reference_models`
    with the 2012 AlexNet added beside torchvision's, and the competition
    result given only to the networks that were entered. torchvision's
    batch-norm GoogLeNet was never entered in ILSVRC 2014."""
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
    from inception.counting import googlenet_totals

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

def bn_vs_paper() -> Row:
    """Why the batch-norm ("bn") GoogLeNet has fewer parameters than the
    paper's: its "5x5" branch is a 3x3 (16 fewer weights per input-output
    channel pair), and each convolution trades its bias for batch norm's
    gamma and beta (one more parameter per output channel)."""
    spec = googlenet_spec("paper", 1000, aux_logits=False)
    blocks = [b for b in spec.blocks if hasattr(b, "c5x5")]
    kernel_saving = sum((25 - 9) * b.c5x5_reduce * b.c5x5 for b in blocks)
    from inception.counting import count_layers

    channels = sum(l.output_shape[0] for l in count_layers(spec) if l.kind == "conv")
    return {"kernel_saving": kernel_saving, "bn_channels": channels,
            "difference": kernel_saving - channels}


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
    from inception.counting import googlenet_totals

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


def plot_neighbours(rows: Sequence[Dict[str, Any]], models: Optional[Sequence[str]] = None):
    """Two bar panels, parameters (millions) and multiply-adds (billions) per
    224x224 image, for the named ``models`` of ``rows`` (rows as from
    :func:`inception.course.introduction.neighbours`: ``model``, ``params``, ``MACs``)."""
    by = {r["model"]: r for r in rows}
    models = list(models or by)
    missing = [m for m in models if m not in by]
    if missing:
        raise ValueError(f"no rows for {missing}")
    fig = new_figure((9.0, 3.2))
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
