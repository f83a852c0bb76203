"""The numbers the book's chapters show, computed from the spec.

Each function returns plain data (a dict, or a list of dicts: one per table
row) that the tests check and that the chapters show with
:class:`inception.book.Table`.

* 1x1 reductions, block by block: :func:`five_by_five_example`,
  :func:`reduction_savings`, :func:`naive_blocks_totals`.
* Global average pooling against fully connected heads: :func:`head_savings`.
* Receptive fields, stage by stage: :func:`receptive_fields`.
* Table 1 of the paper against the spec, each mismatch investigated:
  :func:`table1_report`, :data:`TABLE1_NOTES`, :func:`solve_table1_row`,
  :func:`conv1_hypotheses` (re-exported from :mod:`inception.forensics`).
* Re-exported from where they live: layer-by-layer parameter counts in the
  analytic counter, PyTorch and Keras, :func:`layer_crosscheck`, and the two
  frameworks' own summaries, :func:`model_summaries`
  (:mod:`inception.crosscheck`); the slides' Keras summary (8,222,063
  parameters, 512 non-trainable), :data:`SLIDES_SUMMARY`,
  :class:`SummaryConfig`, :func:`summary_params`,
  :func:`search_summary_configs`, :func:`slides_reconciliation`
  (:mod:`inception.slides_summary`).
* A few training steps in both frameworks from the same weights:
  :func:`tiny_training_run`.

Frameworks are imported inside the functions that need them, so the counting
parts run without torch or TensorFlow.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Dict, List, Optional, Sequence, Tuple

from .counting import conv_macs, conv_params, count_blocks, inception_cost, totals
from .forensics import TABLE1_NOTES, conv1_hypotheses, solve_table1_row, table1_report  # noqa: F401 (chapter 5)
from .overview import naive_vs_reduced
from .slides_summary import (  # noqa: F401 (moved; chapter 6)
    SLIDES_SUMMARY,
    SummaryConfig,
    search_summary_configs,
    slides_reconciliation,
    summary_params,
)
from .spec import (
    LRN,
    Conv,
    InceptionBlock,
    NetworkSpec,
    Pool,
    googlenet_spec,
)

__all__ = [
    "five_by_five_example",
    "reduction_savings",
    "naive_blocks_totals",
    "head_savings",
    "receptive_fields",
    "TABLE1_NOTES",
    "table1_report",
    "solve_table1_row",
    "conv1_hypotheses",
    "layer_crosscheck",
    "model_summaries",
    "SLIDES_SUMMARY",
    "SummaryConfig",
    "summary_params",
    "search_summary_configs",
    "slides_reconciliation",
    "tiny_training_run",
    "text_excerpt",
]

Row = Dict[str, object]

_CROSSCHECK = ("layer_crosscheck", "model_summaries")


def __getattr__(name):
    """``analysis.layer_crosscheck`` and ``analysis.model_summaries`` live in
    :mod:`inception.crosscheck`; loaded on first use, since they import both
    frameworks and the rest of this module needs neither."""
    if name in _CROSSCHECK:
        from . import crosscheck

        return getattr(crosscheck, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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


def naive_blocks_totals(spec: Optional[NetworkSpec] = None, input_size=224) -> Row:
    """The Inception blocks of ``spec`` all built naive, one after the other:
    each pool branch passes its input through, so channels pile up from block
    to block. Returns the blocks' parameters and MACs (biases as the variant),
    the channels leaving the last block, and the same numbers for the real
    (reduced) blocks. The blocks only: the whole network, stem and classifier
    included, is :func:`inception.overview.naive_network_totals`; both sum the
    one chain of :func:`inception.overview.naive_vs_reduced`."""
    spec = spec or googlenet_spec("paper", aux_logits=False)
    rows = naive_vs_reduced(input_size=input_size, spec=spec)
    return {"naive_params": sum(r["naive params"] for r in rows),
            "naive_macs": sum(r["naive MACs"] for r in rows),
            "naive_out_channels": rows[-1]["naive out"],
            "reduced_params": sum(r["reduced params"] for r in rows),
            "reduced_macs": sum(r["reduced MACs"] for r in rows),
            "reduced_out_channels": spec.head.in_channels}


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
# Receptive fields
# --------------------------------------------------------------------------


def receptive_fields(spec: Optional[NetworkSpec] = None, input_size=224) -> List[Row]:
    """Receptive field of one output unit after every block, in input pixels.

    For a layer with kernel ``k`` and stride ``s`` on a grid whose units are
    ``j`` input pixels apart (the *jump*, product of the strides so far) the
    receptive field grows by ``(k - 1) * j`` and the jump becomes ``j * s``.
    Padding and ``ceil_mode`` shift the windows but do not change their size.
    An Inception block's branches see different fields: ``rf_min`` through
    the 1x1 branch, ``rf_max`` through the widest (5x5) branch; the next block
    builds on ``rf_max``. LRN does not mix positions.
    """
    spec = spec or googlenet_spec("paper", aux_logits=False)
    shapes = {b.name: b.output_shape for b in count_blocks(spec, input_size)}
    r, j = 1, 1
    rows = []
    for b in spec.blocks:
        if isinstance(b, (Conv, Pool)):
            k, s = b.kernel, b.stride
            r_min = r = r + (k - 1) * j
            j *= s
            kind = "conv" if isinstance(b, Conv) else f"{b.kind} pool"
        elif isinstance(b, LRN):
            k, s, r_min, kind = 1, 1, r, "lrn"
        elif isinstance(b, InceptionBlock):
            s = 1
            k = max(3, b.branch3_kernel)
            r_min = r
            r = r + (k - 1) * j
            kind = "inception"
        else:  # pragma: no cover
            raise TypeError(b)
        c, hh, ww = shapes[b.name]
        rows.append({"block": b.name, "kind": kind, "kernel": k, "stride": s, "output": f"{hh}x{ww}x{c}",
                     "jump": j, "rf_min": r_min, "rf_max": r})
    return rows


# --------------------------------------------------------------------------
# A few training steps in both frameworks
# --------------------------------------------------------------------------


def tiny_training_run(
    steps: int = 5,
    batch: int = 4,
    input_size: int = 96,
    num_classes: int = 21,
    variant: str = "bn",
    lr: float = 0.01,
    momentum: float = 0.9,
    aux_weight: float = 0.3,
    seed: int = 0,
    frameworks: Sequence[str] = ("torch", "keras"),
    device: Optional[str] = None,
) -> List[Row]:
    """Train GoogLeNet for a few steps on one tiny random batch, in PyTorch
    and in Keras, from the *same* initial weights (ported PyTorch -> Keras).

    Loss: cross-entropy of the main classifier plus ``aux_weight`` times each
    auxiliary classifier's (the paper's 0.3); SGD with momentum, the same
    hyper-parameters in both. The default ``"bn"`` variant starts from a loss
    near ``1.6 * ln(num_classes)``; the ``"paper"`` variant (He
    initialisation, no batch norm) starts much higher and wants a smaller
    ``lr`` (about 5e-4). Dropout is switched off so that both
    frameworks compute the same function and their losses can be compared
    step by step; each step's loss is the training-mode loss on the batch
    before that step's update.

    ``device`` is the PyTorch device (default: CUDA when available; Keras
    picks its own).

    Returns one row per step: ``step``, then for each framework
    ``{fw}_loss`` (the weighted total), ``{fw}_main``, ``{fw}_aux1``,
    ``{fw}_aux2``.
    """
    import numpy as np
    import torch

    from . import torch as it
    from .port import torch_to_keras

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, 3, input_size, input_size)).astype(np.float32)
    y = rng.integers(0, num_classes, size=batch)
    kwargs = dict(input_size=input_size, dropout=0.0, aux_dropout=0.0)
    tm = it.googlenet(variant, num_classes, True, **kwargs)
    rows = [{"step": s} for s in range(steps)]
    keras_model = None
    if "keras" in frameworks:
        from . import keras as ik

        keras_model = ik.googlenet(variant, num_classes, True, **kwargs)
        torch_to_keras(tm, keras_model)  # same starting point
    if "torch" in frameworks:
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        tm.to(device).train()
        opt = torch.optim.SGD(tm.parameters(), lr=lr, momentum=momentum)
        xt, yt = torch.from_numpy(x).to(device), torch.from_numpy(y).long().to(device)
        ce = torch.nn.functional.cross_entropy
        # The "bn" variant's std-0.01 initialisation produces subnormal floats,
        # which are ~20x slower on a CPU; TensorFlow flushes them to zero, and
        # so do we here (switched back off afterwards).
        flushed = device == "cpu" and torch.set_flush_denormal(True)
        try:
            _torch_steps(tm, opt, xt, yt, ce, steps, aux_weight, rows)
        finally:
            if flushed:
                torch.set_flush_denormal(False)
    if keras_model is not None:
        import keras

        sce = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        keras_model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr, momentum=momentum),
                            loss=[sce, sce, sce], loss_weights=[1.0, aux_weight, aux_weight])
        xk = np.transpose(x, (0, 2, 3, 1))
        names = list(getattr(keras_model, "output_names", None) or ["fc", "aux1.fc2", "aux2.fc2"])
        for s in range(steps):
            logs = keras_model.train_on_batch(xk, [y, y, y], return_dict=True)
            parts = [float(logs.get(f"{n}_loss", float("nan"))) for n in names]
            rows[s].update({"keras_loss": float(logs["loss"]), "keras_main": parts[0],
                            "keras_aux1": parts[1], "keras_aux2": parts[2]})
    return rows


def _torch_steps(tm, opt, xt, yt, ce, steps, aux_weight, rows) -> None:
    from .train.torch_engine import training_loss  # the objective the engine trains

    for s in range(steps):
        outputs = tm(xt)
        loss, _ = training_loss(outputs, yt, aux_weight)
        parts = [ce(o, yt) for o in outputs]  # each head's cross-entropy, for the table
        opt.zero_grad()
        loss.backward()
        opt.step()
        rows[s].update({"torch_loss": loss.item(), "torch_main": parts[0].item(),
                        "torch_aux1": parts[1].item(), "torch_aux2": parts[2].item()})


def text_excerpt(text: str, head: int = 12, tail: int = 4) -> str:
    """The first ``head`` and last ``tail`` lines of ``text``, with a line
    saying how many were left out between them (all of it if short)."""
    lines = text.splitlines()
    if len(lines) <= head + tail + 1:
        return text
    skipped = len(lines) - head - tail
    return "\n".join(lines[:head] + [f"... ({skipped} lines left out) ..."] + lines[len(lines) - tail:])
