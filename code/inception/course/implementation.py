"""Chapter 6, Implementation: the slides' Keras summary of GoogLeNet
(8,222,063 parameters, 512 non-trainable), reconstructed: which choices of a
GoogLeNet-like model give exactly those numbers (counts from the spec
alone); and a few training steps in both frameworks from the same weights
(:func:`tiny_training_run`).

The layer-by-layer comparison of the counter, PyTorch and Keras and the two
frameworks' own summaries are the library's :mod:`inception.crosscheck`
(:func:`~inception.crosscheck.layer_crosscheck`,
:func:`~inception.crosscheck.model_summaries`).
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from inception.counting import totals
from inception.spec import Conv, InceptionBlock, NetworkSpec, googlenet_spec

__all__ = ["SLIDES_SUMMARY", "SummaryConfig", "summary_params", "search_summary_configs",
           "slides_reconciliation", "tiny_training_run", "text_excerpt", "config_in_words",
           "adaptive_pool_windows", "fixed_pool_windows", "chance_sentence", "training_sentence",
           "crosscheck_sentence"]

Row = Dict[str, object]

# --------------------------------------------------------------------------
# The slides' Keras summary
# --------------------------------------------------------------------------

#: The Keras ``model.summary()`` totals shown on the slides (UC Merced:
#: 256x256 images, 21 classes).
SLIDES_SUMMARY = {"params": 8_222_063, "non_trainable": 512, "input_size": 256, "num_classes": 21}


@dataclass(frozen=True)
class SummaryConfig:
    """One way a Keras GoogLeNet might have been written, for counting.

    The trunk is Table 1's (stem, nine Inception blocks); what varies:

    Attributes:
        branch3_kernel: the "5x5" branch's kernel (3 in torchvision's port).
        conv_bias: convolutions have biases.
        stem_conv2: the stem has the 1x1 ``conv2`` before ``conv3``.
        batch_norm: names of the conv layers followed by a batch norm
            (``"conv1"``, ``"conv3"``, ``"aux1.conv"``, ...), or ``("all",)``.
            A Keras batch norm has 4 weights per channel, 2 of them
            non-trainable (the moving mean and variance).
        bn_replaces_bias: a conv followed by batch norm has no bias.
        aux: which auxiliary heads exist (``"aux1"`` on inception4a,
            ``"aux2"`` on inception4d).
        aux_grid: side of the grid an auxiliary head flattens (4 for a 5x5/3
            average pool on 14x14 or 16x16).
        aux_conv: its 1x1 conv's channels (0: no conv, the pooled map is
            flattened directly).
        aux_units: its hidden fully connected layer's units.
        aux_shared_dense: both heads call the *same* Dense layers (a
            functional-API slip that Keras counts once).
        head: ``"gap"`` (global average pool -> FC), ``"flatten"`` (the
            ``head_grid`` x ``head_grid`` x 1024 map flattened -> FC) or
            ``"gap+fc"`` (GAP -> FC ``head_hidden`` -> FC).
    """

    branch3_kernel: int = 5
    conv_bias: bool = True
    stem_conv2: bool = True
    batch_norm: Tuple[str, ...] = ()
    bn_replaces_bias: bool = False
    aux: Tuple[str, ...] = ("aux1", "aux2")
    aux_grid: int = 4
    aux_conv: int = 128
    aux_units: int = 1024
    aux_shared_dense: bool = False
    head: str = "gap"
    head_grid: int = 1
    head_hidden: int = 1024

    def describe(self) -> str:
        """A short description of how this configuration departs from ours
        (the ``paper`` variant with both auxiliary heads)."""
        base = SummaryConfig()
        parts = []
        for f, v in asdict(self).items():
            if v != getattr(base, f):
                parts.append(f"{f}={v!r}")
        return ", ".join(parts) or "ours (paper variant, both aux heads)"


def config_in_words(config: SummaryConfig) -> str:
    """How ``config`` departs from the paper's GoogLeNet with both auxiliary
    heads, in words a reader can follow ("no biases; heads of 256 units")."""
    base = SummaryConfig()
    parts = []
    if config.branch3_kernel != base.branch3_kernel:
        parts.append(f"{config.branch3_kernel}x{config.branch3_kernel} in the \"5x5\" branch")
    if not config.conv_bias:
        parts.append("no biases")
    if not config.stem_conv2:
        parts.append("no 1x1 conv2 in the stem")
    if config.batch_norm:
        where = ("every convolution" if "all" in config.batch_norm else
                 "the auxiliary heads' 1x1 convolutions"
                 if set(config.batch_norm) == {"aux1.conv", "aux2.conv"}
                 else " and ".join(config.batch_norm))
        parts.append(f"batch norm after {where}"
                     + (", without their biases" if config.bn_replaces_bias else ""))
    if tuple(config.aux) != base.aux:
        parts.append({0: "no auxiliary heads", 1: f"only the {config.aux[0]} head"}
                     .get(len(config.aux), ""))
    if config.aux:
        if config.aux_grid != base.aux_grid:
            g = config.aux_grid
            parts.append(f"auxiliary heads flatten {'an' if g == 8 else 'a'} {g}x{g} grid")
        if config.aux_conv != base.aux_conv:
            parts.append("auxiliary heads without their 1x1 convolution")
        if config.aux_units != base.aux_units:
            parts.append(f"auxiliary hidden layers of {config.aux_units} units")
        if config.aux_shared_dense:
            parts.append("both auxiliary heads share their dense layers")
    if config.head == "flatten":
        g = config.head_grid
        parts.append(f"main head flattens {'an' if g == 8 else 'a'} {g}x{g} map")
    elif config.head == "gap+fc":
        parts.append(f"main head with a hidden layer of {config.head_hidden} units")
    text = "; ".join(p for p in parts if p)
    return text or "the paper's network with both auxiliary heads"


def adaptive_pool_windows(n_in: int, n_out: int) -> List[Tuple[int, int]]:
    """The windows ``[start, end)`` along one axis of PyTorch's adaptive
    average pooling from ``n_in`` to ``n_out`` positions: window ``i`` runs
    from ``floor(i * n_in / n_out)`` to ``ceil((i + 1) * n_in / n_out)``."""
    return [((i * n_in) // n_out, -(-((i + 1) * n_in) // n_out)) for i in range(n_out)]


def fixed_pool_windows(n_in: int, kernel: int, stride: int) -> List[Tuple[int, int]]:
    """The windows ``[start, end)`` of a pool with a fixed ``kernel`` and
    ``stride`` and no padding along one axis of ``n_in`` positions."""
    return [(s, s + kernel) for s in range(0, n_in - kernel + 1, stride)]


def chance_sentence(correct: int, n: int, num_classes: int, level: float = 0.01) -> str:
    """Whether ``correct`` of ``n`` right could come from guessing among
    ``num_classes`` classes (one-sided binomial test), in one clause."""
    from inception.train.metrics import chance_p_value

    p = chance_p_value(correct, n, num_classes)
    if p < level:
        return (f"{correct}/{n} correct would happen by guessing less than 1 time in "
                f"{round(1 / level)} (binomial test)")
    odds = max(1, round(1 / p)) if p > 0 else None
    return (f"{correct}/{n} correct would happen by guessing about 1 time in {odds} "
            "(binomial test), so it is not clearly better than guessing")


def training_sentence(histories: Dict[str, Sequence[Dict[str, float]]], num_classes: int,
                      num_val: Optional[int] = None) -> str:
    """What a short run shows, from each framework's history (one dict per
    epoch with ``loss`` and ``val_loss``, the main head's validation loss):
    whether the training loss fell, how the validation loss moved, and how
    it compares with guessing uniformly (``ln num_classes``). With ``num_val``
    (validation images), a rising loss beside an accuracy that guessing would
    reach less than 1 time in 100 is told apart from one that learns nothing."""
    from inception.train.metrics import chance_p_value

    import math

    uniform = math.log(num_classes)
    names = list(histories)
    fell = all(h[-1]["loss"] < h[0]["loss"] for h in histories.values())
    val = " and ".join(f"from {h[0]['val_loss']:.2f} to {h[-1]['val_loss']:.2f} in {n}"
                       for n, h in histories.items())
    text = ("The training loss " + ("fell in both frameworks" if fell and len(names) > 1 else
                                    "fell" if fell else "did not fall throughout")
            + f". The main classifier's validation loss went {val}; guessing uniformly among "
            f"{num_classes} classes scores ln {num_classes} = {uniform:.2f}.")
    verdicts = {}
    for n, h in histories.items():
        above_chance = num_val is not None and "val_accuracy" in h[-1] and chance_p_value(
            round(h[-1]["val_accuracy"] * num_val), num_val, num_classes) < 0.01
        if h[-1]["val_loss"] > h[0]["val_loss"] and above_chance:
            verdicts[n] = ("it rose although the accuracy is above chance: more images are "
                           "right, but the true class lost probability on others")
        elif h[-1]["val_loss"] > h[0]["val_loss"]:
            verdicts[n] = "it rose, so nothing general is learnt yet"
        elif h[-1]["val_loss"] > uniform:
            verdicts[n] = "it ended above guessing, so nothing general is learnt yet"
        else:
            verdicts[n] = "it fell below guessing: the network starts to generalise"
    if len(names) > 1 and len(set(verdicts.values())) == 1:
        clause = f"in both frameworks {verdicts[names[0]]}"
    else:
        clause = "; ".join(f"in {n} {v}" for n, v in verdicts.items())
    text += " " + clause[0].upper() + clause[1:] + "."
    return text


def crosscheck_sentence(diffs: Dict[str, float], scale: float) -> str:
    """The outputs' largest differences after copying weights, in words:
    ``{"PyTorch": 0.0, "Keras": 3e-6}`` -> zero in one, float32 rounding in the other."""
    if all(d == 0 for d in diffs.values()):
        both = "both " if len(diffs) == 2 else ""
        return (f"The differences are zero in {both}{' and '.join(diffs)}: "
                "the models compute the same function.")
    parts = []
    for name, d in diffs.items():
        if d == 0:
            parts.append(f"zero in {name}")
        elif d < 1e-4 * scale:
            parts.append(f"float32 rounding in {name} (at most {d:.1e})")
        else:
            parts.append(f"{d:.1e} in {name}, more than rounding")
    return "The differences are " + " and ".join(parts) + "."


def _conv_bn(cin: int, cout: int, k: int, name: str, cfg: SummaryConfig) -> Tuple[int, int]:
    bn = "all" in cfg.batch_norm or name in cfg.batch_norm
    bias = cfg.conv_bias and not (bn and cfg.bn_replaces_bias)
    p = k * k * cin * cout + (cout if bias else 0)
    return p + (4 * cout if bn else 0), (2 * cout if bn else 0)


@lru_cache(maxsize=None)
def _paper_spec(num_classes: int) -> NetworkSpec:
    return googlenet_spec("paper", num_classes, aux_logits=True)


@lru_cache(maxsize=None)
def _trunk_params(branch3_kernel: int, conv_bias: bool, stem_conv2: bool, batch_norm: Tuple[str, ...],
                  bn_replaces_bias: bool) -> Tuple[int, int]:
    """(total, non-trainable) of the stem and the Inception blocks."""
    cfg = SummaryConfig(branch3_kernel, conv_bias, stem_conv2, batch_norm, bn_replaces_bias)
    spec = _paper_spec(1000)
    total = nt = 0
    for b in spec.blocks:
        if isinstance(b, Conv):
            if b.name == "conv2" and not stem_conv2:
                continue
            cin = spec.block("conv1").out_channels if (b.name == "conv3" and not stem_conv2) else b.in_channels
            p, n = _conv_bn(cin, b.out_channels, b.kernel, b.name, cfg)
        elif isinstance(b, InceptionBlock):
            p = n = 0
            for c in b.convs():
                k = branch3_kernel if c.name == "branch3.1" else c.kernel
                pc, nc = _conv_bn(c.in_channels, c.out_channels, k, f"{b.name}.{c.name}", cfg)
                p, n = p + pc, n + nc
        else:
            continue
        total, nt = total + p, nt + n
    return total, nt


def summary_params(config: SummaryConfig = SummaryConfig(), num_classes: int = 21) -> Tuple[int, int]:
    """Total and non-trainable weights of a Keras model built as ``config``
    describes (on Table 1's filter numbers), as ``model.summary()`` reports
    them. The input size enters only through ``aux_grid`` and ``head_grid``."""
    spec = _paper_spec(num_classes)
    total, nt = _trunk_params(config.branch3_kernel, config.conv_bias, config.stem_conv2,
                              tuple(config.batch_norm), config.bn_replaces_bias)
    shared_done = False
    for a in spec.aux:
        if a.name not in config.aux:
            continue
        if config.aux_conv:
            p, n = _conv_bn(a.in_channels, config.aux_conv, 1, f"{a.name}.conv", config)
            total, nt = total + p, nt + n
            flat = config.aux_conv * config.aux_grid ** 2
        else:
            flat = a.in_channels * config.aux_grid ** 2
        if config.aux_shared_dense and shared_done:
            continue
        u = config.aux_units
        total += flat * u + u + u * num_classes + num_classes
        shared_done = True
    c = spec.head.in_channels
    if config.head == "gap":
        total += c * num_classes + num_classes
    elif config.head == "flatten":
        total += c * config.head_grid ** 2 * num_classes + num_classes
    elif config.head == "gap+fc":
        hdn = config.head_hidden
        total += c * hdn + hdn + hdn * num_classes + num_classes
    else:
        raise ValueError(f"head must be 'gap', 'flatten' or 'gap+fc', got {config.head!r}.")
    return total, nt


def _search_space() -> Iterable[SummaryConfig]:
    bn_sets = [(), ("conv1", "conv3"), ("conv2", "conv3"), ("aux1.conv", "aux2.conv"), ("all",)]
    heads = [("gap", 1, 1024), ("flatten", 2, 1024), ("flatten", 7, 1024), ("flatten", 8, 1024),
             ("gap+fc", 1, 1024)]
    for (k5, bias, conv2, bn, bn_rb, aux, grid, aconv, units, shared, head) in itertools.product(
            (5, 3), (True, False), (True, False), bn_sets, (False, True),
            ((), ("aux1",), ("aux2",), ("aux1", "aux2")), range(1, 9), (128, 0),
            (256, 512, 1024, 2048), (False, True), heads):
        if bn == ("conv2", "conv3") and not conv2:
            continue
        if bn == () and bn_rb:
            continue
        if not aux and (grid != 4 or aconv != 128 or units != 1024 or shared):
            continue
        if shared and len(aux) < 2:
            continue
        yield SummaryConfig(k5, bias, conv2, bn, bn_rb, aux, grid, aconv, units, shared,
                            head[0], head[1], head[2])


def search_summary_configs(target_params: int = SLIDES_SUMMARY["params"],
                           target_non_trainable: int = SLIDES_SUMMARY["non_trainable"],
                           num_classes: int = SLIDES_SUMMARY["num_classes"],
                           top: int = 10) -> Row:
    """Search the configurations of :class:`SummaryConfig` (the cross product
    of the options listed in its docstring; ``searched`` says how many) for one whose Keras
    summary would read ``target_params`` total and ``target_non_trainable``
    non-trainable weights.

    Returns ``searched`` (how many configurations), ``exact`` (those matching
    both numbers) and ``nearest`` (the ``top`` closest in total among those
    with the right non-trainable count), each row ``config``, ``params``,
    ``non_trainable``, ``difference`` (config minus target).
    """
    exact, near = [], []
    n = 0
    for cfg in _search_space():
        n += 1
        p, nt = summary_params(cfg, num_classes)
        if nt != target_non_trainable:
            continue
        row = {"config": cfg, "params": p, "non_trainable": nt, "difference": p - target_params}
        if p == target_params:
            exact.append(row)
        near.append(row)
    near.sort(key=lambda r: (abs(r["difference"]), r["config"].describe()))
    return {"searched": n, "exact": exact, "nearest": near[:top]}


def slides_reconciliation(input_size: int = SLIDES_SUMMARY["input_size"],
                          num_classes: int = SLIDES_SUMMARY["num_classes"]) -> List[Row]:
    """Named configurations beside the slides' Keras summary.

    Each row: ``model``, ``params``, ``non_trainable``, ``difference`` (model
    minus slides). Our builders' numbers come from the analytic counter
    (tested equal to both frameworks); the others from :func:`summary_params`.
    """
    target = SLIDES_SUMMARY["params"]
    rows = []
    for label, variant, aux in (("ours, paper variant, both aux heads", "paper", True),
                                ("ours, paper variant, no aux heads", "paper", False),
                                ("ours, bn variant (torchvision), both aux heads", "bn", True),
                                ("ours, bn variant (torchvision), no aux heads", "bn", False)):
        t = totals(googlenet_spec(variant, num_classes, aux), input_size)
        rows.append({"model": label, "params": t.params, "non_trainable": t.non_trainable,
                     "difference": t.params - target})
    named = [
        ("paper + batch norm instead of LRN (after conv1, conv3), both aux heads",
         SummaryConfig(batch_norm=("conv1", "conv3"))),
        ("paper + batch norm instead of LRN, aux1 only",
         SummaryConfig(batch_norm=("conv1", "conv3"), aux=("aux1",))),
        ("paper + batch norm instead of LRN, no aux heads",
         SummaryConfig(batch_norm=("conv1", "conv3"), aux=())),
        ("paper + batch norm instead of LRN, both aux heads sharing their Dense layers",
         SummaryConfig(batch_norm=("conv1", "conv3"), aux_shared_dense=True)),
    ]
    for label, cfg in named:
        p, nt = summary_params(cfg, num_classes)
        rows.append({"model": label, "params": p, "non_trainable": nt, "difference": p - target})
    rows.append({"model": "the slides' Keras summary", "params": target,
                 "non_trainable": SLIDES_SUMMARY["non_trainable"], "difference": 0})
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

    from inception import torch as it
    from inception.port import torch_to_keras

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, 3, input_size, input_size)).astype(np.float32)
    y = rng.integers(0, num_classes, size=batch)
    kwargs = dict(input_size=input_size, dropout=0.0, aux_dropout=0.0)
    tm = it.googlenet(variant, num_classes, True, **kwargs)
    rows = [{"step": s} for s in range(steps)]
    keras_model = None
    if "keras" in frameworks:
        from inception import keras as ik

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
    from inception.train.torch_engine import training_loss  # the objective the engine trains

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
