"""How the benchmarks in ``benchmarks/`` measure, in one place where tests reach it.

* **A quiet machine.** A timing taken while other programs compete for the
  cores measures the scheduler, not the code. :func:`wait_for_quiet` polls
  the one-minute load average until it falls below a threshold relative to
  the number of cores (:data:`QUIET_LOAD_PER_CORE`), or gives up after a
  timeout; :class:`LoadSampler` samples it while a benchmark runs; and
  :func:`judge_load` turns the readings before, during and after into
  ``(reliable, reason)``. During and after the run the benchmark's own
  threads are in the load average, so they are allowed for.
* **Interleaved rounds.** :func:`time_interleaved` times every configuration
  once per round, A B C A B C ..., so that a slow minute slows all of them
  alike; :func:`spread` summarises one configuration's rounds (median,
  minimum, maximum, quartiles).
* **Counted cost.** :func:`count_macs` counts a PyTorch model's
  multiply-adds and parameters with forward hooks: one multiply-add per
  weight use in convolutions (depthwise ones counted apart) and fully
  connected layers; batch norm, activations, pooling and additions are not
  counted (the convention of torchvision's tables). It also counts the
  elements the layers write, a rough measure of memory traffic.
* **The networks compared.** :data:`ZOO`: both GoogLeNet variants from this
  package and torchvision's AlexNet, VGG-16, ResNet-18, ResNet-50,
  Inception-v3 and MobileNetV2, each with the ImageNet top-1 accuracy of its
  original torchvision weights (:func:`published_top1`).
* **Subnormal numbers.** :func:`count_subnormal` counts the float32 values a
  tensor holds below the smallest normal number (about 1.2e-38), and
  :func:`subnormal_census` trains a network for a few steps with subnormals
  kept (not flushed) and counts them in the gradients and momentum buffers.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

__all__ = ["QUIET_LOAD_PER_CORE", "load1", "wait_for_quiet", "LoadSampler", "judge_load", "Timed",
           "time_interleaved", "spread", "count_macs", "ZOO", "zoo_names", "zoo_input_size", "zoo_counts", "zoo_trains_with_aux", "build_zoo_model",
           "published_top1", "zoo_train_step", "zoo_infer_step", "count_subnormal", "subnormal_census"]

#: A machine is quiet when its one-minute load average is below this many per core
#: (0.25 on 2 cores: 0.5, half a core busy on average over the last minute).
QUIET_LOAD_PER_CORE = 0.25


def load1() -> float:
    """The one-minute load average (``os.getloadavg()[0]``)."""
    return float(os.getloadavg()[0])


def wait_for_quiet(cores: int, per_core: float = QUIET_LOAD_PER_CORE, timeout: float = 600.0,
                   poll: float = 15.0, read_load: Callable[[], float] = load1,
                   sleep: Callable[[float], None] = time.sleep,
                   clock: Callable[[], float] = time.monotonic) -> Dict:
    """Poll the load until it is below ``per_core * cores`` or ``timeout`` seconds pass.

    Returns ``{"quiet": bool, "threshold": float, "waited_seconds": float,
    "readings": [load, ...]}``; the last reading is the one the verdict rests on.
    """
    threshold = per_core * cores
    t0 = clock()
    readings = [read_load()]
    while readings[-1] >= threshold and clock() - t0 < timeout:
        sleep(min(poll, max(0.0, timeout - (clock() - t0))))
        readings.append(read_load())
    return {"quiet": readings[-1] < threshold, "threshold": threshold,
            "waited_seconds": clock() - t0, "readings": readings}


class LoadSampler:
    """Samples the one-minute load average every ``interval`` seconds in a background thread::

        with LoadSampler(10) as s:
            run_benchmark()
        s.samples  # [load, ...], at least one (taken on exit)
    """

    def __init__(self, interval: float = 10.0, read_load: Callable[[], float] = load1) -> None:
        self.interval, self.read_load = interval, read_load
        self.samples: List[float] = []
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.samples.append(self.read_load())

    def __enter__(self) -> "LoadSampler":
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.samples.append(self.read_load())


def judge_load(before: float, during: Sequence[float], after: float, cores: int, own_threads: int,
               per_core: float = QUIET_LOAD_PER_CORE) -> Tuple[bool, str]:
    """``(reliable, reason)`` from the one-minute load averages around a benchmark.

    Before the run the load must be below ``per_core * cores``. During and
    after it, the benchmark's own ``own_threads`` busy threads count in the
    load average, so the allowance is ``own_threads + per_core * cores``; the
    highest sample during the run decides. ``reason`` says which reading
    failed, or what passed.
    """
    threshold = per_core * cores
    allowed = own_threads + threshold
    if before >= threshold:
        return False, (f"the machine was busy before the run: load {before:.2f} on {cores} cores, "
                       f"above the quiet threshold {threshold:.2f}")
    peak = max(list(during) + [after])
    if peak >= allowed:
        return False, (f"other work ran during the benchmark: load reached {peak:.2f} on {cores} cores, "
                       f"above {allowed:.2f} (its own {own_threads} thread(s) plus {threshold:.2f})")
    return True, (f"quiet: load {before:.2f} before the run, at most {peak:.2f} during and after it "
                  f"(its own {own_threads} thread(s) included), on {cores} cores")


# ---------------------------------------------------------------------------
# interleaved rounds
# ---------------------------------------------------------------------------


class Timed:
    """One configuration: ``fn()`` processes one batch of ``batch`` images;
    ``prepare()`` sets the process up for it before each of its rounds (for
    example, flushing denormals or not)."""

    def __init__(self, name: str, batch: int, fn: Callable[[], object],
                 prepare: Optional[Callable[[], object]] = None, note: str = "") -> None:
        self.name, self.batch, self.fn, self.note = name, batch, fn, note
        self.prepare = prepare or (lambda: None)


def time_interleaved(benches: Sequence[Timed], steps: int, rounds: int, warmup: int = 1,
                     clock: Callable[[], float] = time.perf_counter,
                     log: Optional[Callable[[str], None]] = None) -> Dict[str, List[float]]:
    """Images per second of every configuration in every round, ``{name: [rate per round]}``.

    Each configuration first runs ``warmup`` batches; then, for each of
    ``rounds`` rounds, every configuration in turn runs ``steps`` timed
    batches (A B C A B C ...).
    """
    for b in benches:
        b.prepare()
        for _ in range(warmup):
            b.fn()
    samples: Dict[str, List[float]] = {b.name: [] for b in benches}
    for r in range(rounds):
        for b in benches:
            b.prepare()
            t0 = clock()
            for _ in range(steps):
                b.fn()
            samples[b.name].append(steps * b.batch / (clock() - t0))
        if log:
            log(f"round {r + 1}/{rounds}: " + ", ".join(f"{k} {v[-1]:.2f}" for k, v in samples.items()))
    return samples


def spread(values: Iterable[float]) -> Dict[str, float]:
    """Median, minimum, maximum and quartiles of one configuration's rounds.

    Quartiles are the medians of the lower and upper halves (the middle value
    left out when the count is odd); with one value all of them equal it.
    """
    v = sorted(float(x) for x in values)
    if not v:
        raise ValueError("no values")
    n = len(v)
    half = n // 2
    lower, upper = (v[:half], v[n - half:]) if n > 1 else (v, v)
    return {"median": statistics.median(v), "min": v[0], "max": v[-1],
            "q1": statistics.median(lower), "q3": statistics.median(upper), "n": n}


# ---------------------------------------------------------------------------
# counted cost
# ---------------------------------------------------------------------------


def count_macs(model, input_size: int = 224, in_channels: int = 3) -> Dict[str, int]:
    """Multiply-adds and parameters of one image through ``model`` (PyTorch, eval mode).

    What counts: a convolution's output elements times its weights per
    output (``in_channels / groups * kh * kw``), split into ``"conv"`` and
    ``"depthwise"`` (groups equal to the input channels, more than one); a
    fully connected layer's ``in_features * out_features``. Returns
    ``{"macs", "conv", "depthwise", "linear", "params", "activations"}``,
    ``activations`` being the elements written by every leaf layer
    (convolutions, batch norm, activations, pooling, ...). Auxiliary heads,
    which run only in training, are not counted.
    """
    import torch
    from torch import nn

    counts = {"conv": 0, "depthwise": 0, "linear": 0, "activations": 0}

    def hook(m, inp, out):
        outs = out if isinstance(out, (tuple, list)) else (out,)
        n_out = sum(o.numel() for o in outs if torch.is_tensor(o))
        counts["activations"] += n_out
        if isinstance(m, nn.Conv2d):
            kh, kw = m.kernel_size
            per = (m.in_channels // m.groups) * kh * kw
            key = "depthwise" if m.groups > 1 and m.groups == m.in_channels else "conv"
            counts[key] += outs[0].numel() * per
        elif isinstance(m, nn.Linear):
            counts["linear"] += outs[0].numel() * m.in_features

    leaves = [m for m in model.modules() if not list(m.children())]
    handles = [m.register_forward_hook(hook) for m in leaves]
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(torch.zeros(1, in_channels, input_size, input_size))
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    counts["macs"] = counts["conv"] + counts["depthwise"] + counts["linear"]
    counts["params"] = sum(p.numel() for p in model.parameters())
    return counts


#: The networks of "Is GoogLeNet efficient?": key -> (name on the page, where it comes from).
ZOO = {
    "googlenet_paper": ("GoogLeNet (paper)", "inception"),
    "googlenet_bn": ("GoogLeNet (batch norm)", "inception"),
    "alexnet": ("AlexNet", "torchvision"),
    "vgg16": ("VGG-16", "torchvision"),
    "resnet18": ("ResNet-18", "torchvision"),
    "resnet50": ("ResNet-50", "torchvision"),
    "inception_v3": ("Inception-v3", "torchvision"),
    "mobilenet_v2": ("MobileNetV2", "torchvision"),
}

#: The torchvision weights whose published accuracy stands beside each network:
#: the first (original) ImageNet weights, trained with the recipe of their paper's era.
_TORCHVISION_WEIGHTS = {"googlenet_bn": ("googlenet", "IMAGENET1K_V1")} | {
    k: (k, "IMAGENET1K_V1") for k in ("alexnet", "vgg16", "resnet18", "resnet50", "inception_v3", "mobilenet_v2")}


def zoo_names() -> List[str]:
    return list(ZOO)


def zoo_trains_with_aux(key: str, input_size: int = 224) -> bool:
    """Whether :func:`build_zoo_model` gives network ``key`` its auxiliary heads at ``input_size``."""
    if key.startswith("googlenet"):
        return True
    return key == "inception_v3" and input_size >= 299


def zoo_input_size(key: str, default: int = 224) -> int:
    """The input size at which a network's published accuracy was measured
    (its torchvision weights' crop: 299 for Inception-v3), ``default`` for a
    network without published weights."""
    pub = published_top1(key)
    return int((pub or {}).get("crop") or default)


def zoo_counts(input_size: Optional[int] = 224, keys: Optional[Iterable[str]] = None) -> Dict[str, Dict]:
    """Counted cost (:func:`count_macs`, auxiliary heads off) and published accuracy of the
    networks of :data:`ZOO`: ``{key: {"name", "source", "input_size", "macs", ..., "published"}}``.
    ``input_size=None`` counts each network at the size its accuracy was measured at
    (:func:`zoo_input_size`), so that cost and accuracy belong together. Nothing is timed."""
    out = {}
    for key in keys or ZOO:
        size = zoo_input_size(key) if input_size is None else input_size
        out[key] = {"name": ZOO[key][0], "source": ZOO[key][1], "input_size": size,
                    **count_macs(build_zoo_model(key, aux_logits=False, input_size=size), size),
                    "published": published_top1(key)}
    return out


def build_zoo_model(key: str, num_classes: int = 1000, aux_logits: bool = True, input_size: int = 224):
    """A network of :data:`ZOO` with random weights (PyTorch).

    The GoogLeNets come from this package (``googlenet_bn`` has
    torchvision's architecture); the others from ``torchvision.models``.
    Networks that have auxiliary heads keep them (they train with them),
    except Inception-v3 below 299 px: its head's 5x5 convolution needs the
    17x17 grid of a 299-pixel input (:func:`zoo_trains_with_aux`).
    ``input_size`` also sizes the heads of GoogLeNet as published, which
    flatten their pooled grid.
    """
    import warnings

    if key not in ZOO:
        raise KeyError(f"unknown network {key!r}; one of {', '.join(ZOO)}")
    if ZOO[key][1] == "inception":
        from inception.torch import googlenet

        return googlenet(key.split("_")[1], num_classes=num_classes, aux_logits=aux_logits, input_size=input_size)
    import torchvision

    kw = {"aux_logits": zoo_trains_with_aux(key, input_size) and aux_logits,
          "init_weights": True} if key == "inception_v3" else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torchvision.models.get_model(key, weights=None, num_classes=num_classes, **kw)


def published_top1(key: str) -> Optional[Dict]:
    """ImageNet top-1 accuracy (%) of the network's original torchvision weights, from
    torchvision's weight table (no download): ``{"top1", "weights", "crop"}``; ``None``
    for a network torchvision has no weights for (GoogLeNet as published)."""
    if key not in _TORCHVISION_WEIGHTS:
        return None
    import torchvision

    name, tag = _TORCHVISION_WEIGHTS[key]
    w = torchvision.models.get_model_weights(name)[tag]
    crop = getattr(w.transforms, "keywords", {}).get("crop_size")
    return {"top1": float(w.meta["_metrics"]["ImageNet-1K"]["acc@1"]), "weights": f"{type(w).__name__}.{tag}",
            "crop": crop, "torchvision_gmacs": float(w.meta["_ops"]) if "_ops" in w.meta else None}


def _outputs(out) -> list:
    """A model's outputs as a list, main logits first (tuples, torchvision's named tuples)."""
    if hasattr(out, "logits"):
        return [out.logits] + [a for a in (getattr(out, "aux_logits", None), getattr(out, "aux_logits1", None),
                                           getattr(out, "aux_logits2", None)) if a is not None]
    if isinstance(out, (tuple, list)):
        return list(out)
    return [out]


def zoo_train_step(model, batch: int, size: int, seed: int = 0, channels_last: bool = True):
    """One SGD training step on a fixed random batch: forward, cross-entropy (auxiliary heads
    weighted 0.3), backward, update. Returns the step function."""
    import torch

    g = torch.Generator().manual_seed(seed)
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    model = model.to(memory_format=fmt).train()
    n_cls = [m for m in model.modules() if isinstance(m, torch.nn.Linear)][-1].out_features
    x = torch.randn(batch, 3, size, size, generator=g).contiguous(memory_format=fmt)
    y = torch.randint(0, n_cls, (batch,), generator=g)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    ce = torch.nn.functional.cross_entropy

    def step():
        outs = _outputs(model(x))
        loss = ce(outs[0], y) + 0.3 * sum(ce(a, y) for a in outs[1:])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.detach().item()
    return step


def zoo_infer_step(model, batch: int, size: int, seed: int = 0, channels_last: bool = True):
    """One inference pass (eval mode, no gradients) on a fixed random batch. Returns the step function."""
    import torch

    g = torch.Generator().manual_seed(seed)
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    model = model.to(memory_format=fmt).eval()
    x = torch.randn(batch, 3, size, size, generator=g).contiguous(memory_format=fmt)

    def step():
        with torch.no_grad():
            return float(_outputs(model(x))[0].sum())
    return step


# ---------------------------------------------------------------------------
# subnormal numbers
# ---------------------------------------------------------------------------


def count_subnormal(t) -> int:
    """How many values of a floating-point tensor are subnormal: nonzero, finite and smaller in
    magnitude than the smallest normal number of its type (``torch.finfo(dtype).tiny``,
    about 1.18e-38 in float32)."""
    import torch

    # Read the bits, not the values: with denormals flushed (the engines' setting),
    # the CPU treats a subnormal operand as zero, so ``0 < |x| < tiny`` would miss it.
    layout = {torch.float32: (torch.int32, 23, 8), torch.float64: (torch.int64, 52, 11),
              torch.bfloat16: (torch.int16, 7, 8), torch.float16: (torch.int16, 10, 5)}
    if t.dtype not in layout:
        raise TypeError(f"count_subnormal needs a floating-point tensor, got {t.dtype}")
    itype, mant, expo = layout[t.dtype]
    bits = t.detach().contiguous().view(itype)
    exponent = (bits >> mant) & ((1 << expo) - 1)
    mantissa = bits & ((1 << mant) - 1)
    return int(((exponent == 0) & (mantissa != 0)).sum())


def subnormal_census(model, steps: int = 20, batch: int = 8, size: int = 64, lr: float = 0.01,
                     momentum: float = 0.9, weight_decay: float = 0.0, seed: int = 0) -> List[Dict]:
    """Train ``model`` in float32 for ``steps`` SGD steps on one fixed random batch, with subnormal
    numbers kept (not flushed to zero), and count them after every step.

    One fixed batch is learnt by heart within a few dozen steps, so the
    loss and the gradients shrink as they do late in a long run. Returns one
    row per step: ``loss``; ``prob_subnormal`` (subnormal class probabilities
    of the batch, the softmax of the main head); ``grad_subnormal`` and ``momentum_subnormal``
    (subnormal values in the gradients and in SGD's momentum buffers);
    ``grad_total`` and ``momentum_total`` (values held); ``grad_min`` and
    ``momentum_min`` (the smallest nonzero magnitude, 0.0 if none).
    """
    import torch

    torch.set_flush_denormal(False)  # keep subnormals (the process is left so)
    g = torch.Generator().manual_seed(seed)
    model = model.float().train()
    n_cls = [m for m in model.modules() if isinstance(m, torch.nn.Linear)][-1].out_features
    x = torch.randn(batch, 3, size, size, generator=g)
    y = torch.randint(0, n_cls, (batch,), generator=g)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)
    ce = torch.nn.functional.cross_entropy

    def census(tensors):
        tensors = [t for t in tensors if t is not None]
        sub = sum(count_subnormal(t) for t in tensors)
        total = sum(t.numel() for t in tensors)
        mins = [t.detach().abs()[t.detach() != 0].min() for t in tensors if bool((t != 0).any())]
        return sub, total, float(min(mins)) if mins else 0.0

    rows = []
    for step in range(1, steps + 1):
        outs = _outputs(model(x))
        loss = ce(outs[0], y) + 0.3 * sum(ce(a, y) for a in outs[1:])
        probs = torch.softmax(outs[0].detach(), dim=1)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        params = [p for p in model.parameters() if p.requires_grad]
        gs, gt, gm = census(p.grad for p in params)
        ms, mt, mm = census(opt.state[p].get("momentum_buffer") for p in params)
        ps, pt, pm = census([probs])
        rows.append({"step": step, "loss": loss.detach().item(), "prob_subnormal": ps, "prob_total": pt, "prob_min": pm,
                     "grad_subnormal": gs, "grad_total": gt, "grad_min": gm,
                     "momentum_subnormal": ms, "momentum_total": mt, "momentum_min": mm})
    return rows
