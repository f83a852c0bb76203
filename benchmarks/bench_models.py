"""Training speed, side by side in one run: torchvision's GoogLeNet, our engines, Keras.

For each input size (default 128 and 224 px), batch 32, on a fixed number of
threads per framework (default 1, as the training runs of chapter 7 use), it
times one training step (forward, loss with the auxiliary heads, backward,
update) of:

* ``torchvision_plain``: torchvision's ``googlenet`` (21 classes, auxiliary
  heads), float32, contiguous memory, PyTorch's defaults, one in-memory batch;
* ``torchvision_channels_last``: the same in channels-last memory;
* ``torchvision_channels_last_ftz``: the same with denormals flushed to zero
  (``torch.set_flush_denormal``), which our engine does;
* ``torchvision_bf16_channels_last``: bf16 autocast and channels-last;
* ``ours_default``: our PyTorch engine exactly as the training command runs
  the recipe of chapter 7 (:func:`inception.train.loop.make_engine` on a
  :class:`~inception.train.config.TrainConfig`, precision ``auto``), fed by
  its own data loader from the real UC Merced images (``--data-dir``, default
  ``$UCMERCED_DIR``; a synthetic stand-in, recorded as such, where there are
  none), so data loading and augmentation are included;
* ``ours_step_fixed_batch``: the same engine's step on one batch held in
  memory, as torchvision is timed (the difference is the cost of loading);
* ``keras_fp32``: the Keras engine's step (``KerasEngine._train_step``) in
  float32 on one fixed batch;
* ``keras_default``: the Keras engine as the training command runs it
  (precision ``auto``), fed by its ``tf.data`` pipeline from the same images;
* ``keras_bf16``: the Keras engine's step with ``mixed_bfloat16``.

The bf16 configurations run only where bf16 is native: where it is emulated
(many times slower than float32) they are recorded as skipped, with the
reason; ``--force-bf16`` measures them anyway, one step each.

A benchmark knows when it is not a measurement. Before it starts, it waits
(``--quiet-timeout`` seconds at most) for the one-minute load average to fall
below ``--max-load-per-core`` times the number of cores; it samples the load
while it runs and reads it afterwards (:mod:`inception.course.benchtools`). If the
machine stayed busy it refuses (``--refuse-if-loaded``) or writes the record
with ``"reliable": false`` and the reason, and the book renders no unreliable
record as a result. Every configuration is timed in interleaved rounds (A, B,
C, A, B, C, ...); the record keeps every round, the median and the spread.

The run also measures a 2048x2048 matrix multiply in float32 and in bf16 (a
smaller one where bf16 is emulated), profiles one step of our engine by
operation type, reads the time to 90% and 95% validation accuracy from the
run records in ``data/runs/``, and writes one JSON record
(``data/benchmarks/models-<cpu|gpu>.json``).

    python benchmarks/bench_models.py                  # the full run (about 10 minutes on 2 quiet cores)
    python benchmarks/bench_models.py --quick          # a minute: a check of the script, never a measurement
    python benchmarks/bench_models.py --force-bf16     # also time emulated bf16 (one step)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")  # leave GPU memory to PyTorch too

ROOT = Path(__file__).resolve().parents[1]

import inception  # noqa: E402,F401  (loads Triton before TensorFlow)
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torchvision  # noqa: E402

from inception import counting  # noqa: E402
from inception.course.benchtools import (LoadSampler, Timed, judge_load, load1, spread, time_interleaved,  # noqa: E402
                                  wait_for_quiet)
from inception.train.precision import cpu_bf16_support  # noqa: E402

FORMAT = "inception-benchmark-models-v3"


# ---------------------------------------------------------------------------
# machinery shared with keras_probe.py and keras_fused_bn.py
# ---------------------------------------------------------------------------


def probe_parser(doc: str, record: str, rounds: int) -> argparse.ArgumentParser:
    """The command line every probe script shares: size, batch, threads, steps and
    rounds of the side-by-side timing, and where its record goes
    (``data/benchmarks/<record>`` by default)."""
    p = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    p.add_argument("--image-size", type=int, default=128)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=2)
    p.add_argument("--rounds", type=int, default=rounds)
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "data" / "benchmarks" / record)
    return p


def set_threads(n: int) -> None:
    """``n`` threads for PyTorch (intra-op), OpenMP and TensorFlow's intra-op pool."""
    os.environ["OMP_NUM_THREADS"] = str(n)
    torch.set_num_threads(n)
    try:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(n)
    except (ImportError, RuntimeError):  # TensorFlow absent, or already initialised
        pass


def add_quiet_arguments(p: argparse.ArgumentParser) -> None:
    """The options every benchmark shares about a quiet machine."""
    p.add_argument("--max-load-per-core", type=float, default=None,
                   help="quiet threshold: one-minute load average per core (default 0.25)")
    p.add_argument("--quiet-timeout", type=float, default=900.0,
                   help="seconds to wait for a quiet machine before starting (default 900)")
    p.add_argument("--refuse-if-loaded", action="store_true",
                   help="write no record (exit 3) when the machine is busy, instead of one marked unreliable")


def quiet_start(args, own_threads: int) -> dict:
    """Wait for a quiet machine as ``args`` say; returns what the record keeps about it."""
    from inception.course.benchtools import QUIET_LOAD_PER_CORE

    per_core = args.max_load_per_core if args.max_load_per_core is not None else QUIET_LOAD_PER_CORE
    cores = os.cpu_count() or 1
    timeout = 0.0 if getattr(args, "quick", False) else args.quiet_timeout
    print(f"waiting up to {timeout:.0f} s for a quiet machine (load below {per_core * cores:.2f})", flush=True)
    w = wait_for_quiet(cores, per_core, timeout=timeout)
    print(f"load {w['readings'][-1]:.2f} after {w['waited_seconds']:.0f} s: "
          f"{'quiet' if w['quiet'] else 'still busy'}", flush=True)
    if not w["quiet"] and args.refuse_if_loaded:
        print("refusing to measure on a busy machine (--refuse-if-loaded)", flush=True)
        sys.exit(3)
    return {"per_core": per_core, "cores": cores, "own_threads": own_threads, "wait": w}


def load_verdict(q: dict, before: float, during, after: float, quick: bool) -> dict:
    """The record's ``reliable``, ``reliability_reason`` and ``load`` fields."""
    ok, why = judge_load(before, during, after, q["cores"], q["own_threads"], q["per_core"])
    if quick:
        ok, why = False, "a quick check of the script (tiny sizes, one round), not a measurement; " + why
    return {"reliable": ok, "reliability_reason": why,
            "load": {"before": before, "during": list(during), "after": after, "per_core_threshold": q["per_core"],
                     "waited_seconds": q["wait"]["waited_seconds"], "wait_readings": q["wait"]["readings"]}}


#: Chapter 7's recipe (data/runs/run_all.sh), the settings that shape a training step's cost.
RECIPE = dict(variant="bn", source_size=256, eval_size=160, optimizer="sgd", lr=0.1, schedule="onecycle",
              weight_decay=5e-4, label_smoothing=0.1, epochs=70)


def engine_config(framework, data_dir, root, size, batch, cache_dir=None, **changes):
    """The training command's configuration of the recipe on ``data_dir`` (progress off).
    ``cache_dir`` None: a cache under ``root`` (the real images: pass the shared cache)."""
    from inception.train.config import TrainConfig

    settings = {**RECIPE, "source_size": max(RECIPE["source_size"], size), **changes}
    return TrainConfig(framework=framework, data_dir=str(data_dir),
                       cache_dir=str(cache_dir or Path(root) / "cache"),
                       out_dir=str(Path(root) / f"out-{framework}"), image_size=size, batch_size=batch,
                       progress="none", **settings).validated()


def time_rounds(benches, steps, rounds, warmup=1):
    """``({name: median images/s}, {name: [images/s per round]})``, rounds interleaved."""
    samples = time_interleaved(benches, steps, rounds, warmup, log=lambda m: print("  " + m, flush=True))
    return {k: spread(v)["median"] for k, v in samples.items()}, samples


def endless(batches_of_epoch):
    """Batches of epoch 0, 1, 2, ... without end (``batches_of_epoch(e)`` gives one epoch's)."""
    epoch = 0
    while True:
        for b in batches_of_epoch(epoch):
            yield b
        epoch += 1


def _sync(device):
    if device == "cuda":
        torch.cuda.synchronize()


def matmul_gflops(dtype=torch.float32, n=2048, device="cpu", seconds=2.0, min_reps=1):
    """Throughput of an ``n`` x ``n`` matmul in ``dtype``, GFLOP/s."""
    a = torch.randn(n, n, device=device).to(dtype)
    b = torch.randn(n, n, device=device).to(dtype)
    a @ b
    _sync(device)
    reps, t0 = 0, time.perf_counter()
    while reps < min_reps or time.perf_counter() - t0 < seconds:
        a @ b
        reps += 1
    _sync(device)
    return 2 * n**3 * reps / (time.perf_counter() - t0) / 1e9


# ---------------------------------------------------------------------------
# the configurations
# ---------------------------------------------------------------------------


class TorchvisionStep:
    """torchvision's googlenet trained the way a user would write it."""

    def __init__(self, batch, size, device, channels_last=False, bf16=False, seed=0):
        torch.manual_seed(seed)
        self.device, self.bf16 = device, bf16
        model = torchvision.models.googlenet(weights=None, num_classes=21, aux_logits=True, init_weights=True)
        fmt = torch.channels_last if channels_last else torch.contiguous_format
        self.model = model.to(device, memory_format=fmt).train()
        self.x = torch.randn(batch, 3, size, size, device=device).contiguous(memory_format=fmt)
        self.y = torch.randint(0, 21, (batch,), device=device)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.01, momentum=0.9)

    def __call__(self):
        ce = torch.nn.functional.cross_entropy
        with torch.autocast(self.device, dtype=torch.bfloat16, enabled=self.bf16):
            out = self.model(self.x)
        loss = ce(out.logits, self.y) + 0.3 * (ce(out.aux_logits1, self.y) + ce(out.aux_logits2, self.y))
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        _sync(self.device)


def torch_engine_step(eng):
    """One step of the PyTorch engine as ``train_epoch`` runs it: next batch of its loader, then ``train_step``."""
    batches = endless(lambda e: (eng.set_epoch(e), eng.train_loader)[1])

    def step():
        x, y = next(batches)
        loss, _, _ = eng.train_step(x, y)
        float(loss)  # wait for the step (the loop syncs when it reads the sums)
    return step


def keras_engine_step(eng, x=None, y=None):
    """One step of the Keras engine: on a fixed batch, or (``x`` None) fed by its ``tf.data`` pipeline."""
    if x is not None:
        return lambda: [float(v) for v in eng._train_step(x, y)]
    batches = endless(eng.train_dataset)

    def step():
        bx, by = next(batches)
        [float(v) for v in eng._train_step(bx, by)]
    return step


def pipeline_rate(batches, n_batches, batch):
    """Images/s of a data pipeline alone (``batches`` an endless iterator)."""
    next(batches)
    t0 = time.perf_counter()
    for _ in range(n_batches):
        b = next(batches)
        np.asarray(b[0])
    return n_batches * batch / (time.perf_counter() - t0)


#: Operation types of a profiled PyTorch step, by substrings of the op names (first match wins).
OP_GROUPS = (
    ("convolution", ("conv", "mkldnn_convolution")),
    ("batch norm", ("batch_norm",)),
    ("ReLU", ("relu", "threshold")),
    ("pooling", ("pool",)),
    ("concatenation", ("cat", "narrow", "slice")),
    ("fully connected", ("addmm", "linear", "aten::mm", "aten::t")),
    ("optimiser", ("foreach", "sgd", "add_", "mul_", "lerp")),
    ("memory layout", ("copy_", "contiguous", "clone", "empty", "to_copy", "zero", "fill_")),
)


def profile_torch_step(step_fn, steps=1):
    """Seconds of self time per operation type in ``steps`` calls of ``step_fn`` (torch.profiler)."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            step_fn()
    groups = {g: 0.0 for g, _ in OP_GROUPS}
    groups["other"] = 0.0
    for ev in prof.key_averages():
        name = ev.key.lower()
        t = ev.self_cpu_time_total / 1e6 / steps
        for g, keys in OP_GROUPS:
            if any(k in name for k in keys):
                groups[g] += t
                break
        else:
            groups["other"] += t
    return groups


def time_to_accuracy_rows(thresholds=(0.90, 0.95)):
    """Minutes and epochs to each validation accuracy, per recorded run, with its precision and device."""
    from inception.course.performance import time_to_accuracy
    from inception.course.results.records import load_runs

    rows = []
    for name, run in load_runs().items():
        rec = run.record
        dev = rec.get("device") or {}
        row = {"run": name, "framework": rec.get("framework"), "precision": dev.get("precision", "fp32"),
               "device": dev.get("description") or dev.get("name"),
               "image_size": (rec.get("config") or {}).get("image_size"),
               "best_val_accuracy": max((e.get("val_accuracy") or 0 for e in rec.get("epochs", [])), default=None)}
        for th in thresholds:
            hit = time_to_accuracy(rec, th)
            key = f"{round(th * 100)}"
            row[f"minutes_to_{key}"] = hit and hit["minutes"]
            row[f"epochs_to_{key}"] = hit and hit["epochs"]
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------


def measure_size(size, args, device, bf16_native, tmp, data_dir, cache_dir):
    """Every configuration at one input size: rounds, medians and spreads, skipped ones, profile, pipelines."""
    from inception.train.loop import make_engine

    batch = args.batch_size
    load_before = list(os.getloadavg())
    run_bf16 = bf16_native or args.force_bf16
    ftz = lambda on: (lambda: torch.set_flush_denormal(on))  # noqa: E731
    benches, skipped, slow = [], {}, []

    ours = make_engine(engine_config("torch", data_dir, tmp, size, batch, cache_dir))
    ours_step = torch_engine_step(ours)
    benches.append(Timed("ours_default", batch, ours_step, ftz(True),
                         f"our PyTorch engine, precision {ours.precision}, with its data loader"))
    # the same engine's step on one batch held in memory, as torchvision's are timed: the difference
    # between the two is what loading and augmenting a batch costs
    x_fixed, y_fixed = next(endless(lambda e: (ours.set_epoch(e), ours.train_loader)[1]))
    benches.append(Timed("ours_step_fixed_batch", batch,
                         lambda: float(ours.train_step(x_fixed, y_fixed)[0]), ftz(True),
                         f"our PyTorch engine's step, precision {ours.precision}, one batch in memory"))
    benches += [
        Timed("torchvision_plain", batch, TorchvisionStep(batch, size, device), ftz(False),
              "torchvision, float32, contiguous"),
        Timed("torchvision_channels_last", batch, TorchvisionStep(batch, size, device, channels_last=True),
              ftz(False), "torchvision, float32, channels-last"),
        Timed("torchvision_channels_last_ftz", batch, TorchvisionStep(batch, size, device, channels_last=True),
              ftz(True), "torchvision, float32, channels-last, denormals flushed"),
    ]
    bf16_reason = "" if bf16_native else f"no native bf16 ({args.bf16_reason}): emulated bf16 is many times slower"
    tv_bf16 = Timed("torchvision_bf16_channels_last", batch,
                    TorchvisionStep(batch, size, device, channels_last=True, bf16=True), ftz(True),
                    "torchvision, bf16 autocast, channels-last")
    (benches if bf16_native else slow if run_bf16 else []).append(tv_bf16)
    if not run_bf16:
        skipped[tv_bf16.name] = bf16_reason

    keras_info = {}
    if not args.no_keras:
        import tensorflow as tf

        keng = make_engine(engine_config("keras", data_dir, tmp, size, batch, cache_dir))
        rng = np.random.default_rng(0)
        xk = tf.constant(rng.standard_normal((batch, size, size, 3)).astype(np.float32))
        yk = tf.constant(rng.integers(0, 21, batch))
        keras_info["default_precision"] = keng.precision
        benches.append(Timed("keras_default", batch, keras_engine_step(keng), ftz(True),
                             f"our Keras engine, precision {keng.precision}, with its tf.data pipeline"))
        kfp32 = keng if keng.precision == "fp32" else make_engine(
            engine_config("keras", data_dir, tmp, size, batch, cache_dir, precision="fp32"))
        benches.append(Timed("keras_fp32", batch, keras_engine_step(kfp32, xk, yk), ftz(True),
                             "our Keras engine's step, float32, one fixed batch"))
        if run_bf16:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                kb = make_engine(engine_config("keras", data_dir, tmp, size, batch, cache_dir, precision="bf16"))
            (benches if bf16_native else slow).append(
                Timed("keras_bf16", batch, keras_engine_step(kb, xk, yk), ftz(True),
                      "our Keras engine's step, mixed_bfloat16, one fixed batch"))
        else:
            skipped["keras_bf16"] = bf16_reason
        keras_info["tf_data_images_per_second"] = pipeline_rate(endless(keng.train_dataset), args.pipeline_batches,
                                                                batch)

    print(f"{size}px: timing {', '.join(b.name for b in benches)}", flush=True)
    med, samples = time_rounds(benches, args.steps, args.rounds, args.warmup)
    if slow:  # emulated bf16: one step each, not interleaved
        print(f"{size}px: emulated bf16, one step each: {', '.join(b.name for b in slow)}", flush=True)
        m2, s2 = time_rounds(slow, 1, 1, 0)
        med.update(m2)
        samples.update(s2)
    torch.set_flush_denormal(True)
    loader_rate = pipeline_rate(endless(lambda e: (ours.set_epoch(e), ours.train_loader)[1]),
                                args.pipeline_batches, batch)
    profile = profile_torch_step(ours_step, steps=1) if not args.no_profile else None
    info = ours.device_info()
    ours.close()
    return {
        "image_size": size,
        "load_average_before": load_before, "load_average_after": list(os.getloadavg()),
        "train_images_per_second": med, "train_samples": samples,
        "train_spread": {k: spread(v) for k, v in samples.items()},
        "descriptions": {b.name: b.note for b in benches + slow},
        "skipped": skipped,
        "ours_default_precision": info["precision"], "ours_default_precision_reason": info["precision_reason"],
        "keras": keras_info,
        "torch_loader_images_per_second": loader_rate,
        "ours_default_profile_seconds": profile,
        "macs_per_image": counting.googlenet_totals("bn", 21, True, size).macs,
    }


def ratios(m, peak_fp32, peak_bf16):
    """The ratios of one size's measurements (None where a side is missing)."""
    ips = m["train_images_per_second"]
    tv = {k: v for k, v in ips.items() if k.startswith("torchvision")}
    best = max(tv, key=tv.get)
    ours = ips["ours_default"]
    flops = 2 * 3 * m["macs_per_image"] * ours  # FLOP/s of our step
    out = {
        "ours_default_over_torchvision_plain": ours / ips["torchvision_plain"],
        "torchvision_best_setting": best,
        "ours_default_over_torchvision_best": ours / tv[best],
        "ours_step_over_torchvision_best": (ips["ours_step_fixed_batch"] / tv[best]
                                            if "ours_step_fixed_batch" in ips else None),
        "keras_default_over_torch_default": (ips["keras_default"] / ours) if "keras_default" in ips else None,
        "keras_fp32_step_over_torch_default": (ips["keras_fp32"] / ours) if "keras_fp32" in ips else None,
        "ours_default_gflops": flops / 1e9,
        "ours_default_fraction_of_fp32_matmul": flops / (peak_fp32 * 1e9),
        # against the matmul rate of the precision our step computes in (bf16 where native)
        "ours_default_fraction_of_matmul": flops / ((peak_bf16 if m["ours_default_precision"] == "bf16"
                                                     else peak_fp32) * 1e9),
    }
    return out


def limits(m, r):
    """What limits our step at one size, in words computed from the measurements."""
    prof = m.get("ours_default_profile_seconds")
    words = []
    if prof:
        total = sum(prof.values())
        conv = prof["convolution"] / total
        mem = sum(prof[g] for g in ("batch norm", "ReLU", "pooling", "concatenation", "memory layout")) / total
        words.append(f"convolutions take {conv:.0%} of the profiled step, batch norm, ReLU, pooling, "
                     f"concatenation and layout copies {mem:.0%}")
    loader, ours = m["torch_loader_images_per_second"], m["train_images_per_second"]["ours_default"]
    words.append(f"the data loader alone delivers {loader / ours:.0f}x the step's rate")
    words.append(f"the step runs at {r['ours_default_fraction_of_fp32_matmul']:.0%} of the float32 matmul rate")
    return "; ".join(words)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--image-size", type=int, nargs="+", default=[128, 224])
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--threads", type=int, default=1, help="threads per framework (default 1, as the runs use)")
    p.add_argument("--steps", type=int, default=2, help="steps per timed round")
    p.add_argument("--rounds", type=int, default=5, help="interleaved rounds; the median and spread are kept")
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--pipeline-batches", type=int, default=4)
    p.add_argument("--data-dir", default=None,
                   help="the UC Merced images (default $UCMERCED_DIR; synthetic stand-ins, recorded so, if unset)")
    p.add_argument("--cache-dir", default=None, help="decoded-image cache for the real images (default data/cache)")
    p.add_argument("--force-bf16", action="store_true", help="time bf16 even where it is emulated (one step)")
    p.add_argument("--no-keras", action="store_true")
    p.add_argument("--no-profile", action="store_true")
    p.add_argument("--quick", action="store_true",
                   help="about a minute: 64 px, batch 4, one round, synthetic images; never a measurement")
    p.add_argument("--out", type=Path, default=None)
    add_quiet_arguments(p)
    args = p.parse_args(argv)
    if args.quick:
        args.image_size, args.batch_size, args.steps, args.rounds, args.warmup = [64], 4, 1, 1, 0
        args.pipeline_batches, args.data_dir = 1, None
    elif args.data_dir is None:
        args.data_dir = os.environ.get("UCMERCED_DIR") or None
    for name in ("batch_size", "steps", "rounds", "threads", "pipeline_batches"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be positive")
    if min(args.image_size) < 32:
        p.error("--image-size must be at least 32")

    set_threads(args.threads)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    t_start = time.time()
    quiet = quiet_start(args, own_threads=args.threads)
    load_before = load1()
    if device == "cuda":
        bf16_native, args.bf16_reason = torch.cuda.is_bf16_supported(), "torch.cuda.is_bf16_supported()"
    else:
        bf16_native, args.bf16_reason = cpu_bf16_support()
    from inception.train.precision import BF16_FLAGS, cpu_flags
    from inception.train.records import cpu_name

    name = torch.cuda.get_device_name(0) if device == "cuda" else cpu_name()
    flags = cpu_flags()
    simd = sorted(f for f in flags if f.startswith(("avx", "amx", "fma", "sse4")) or f in BF16_FLAGS)
    print(f"{name} ({device}), {args.threads} threads; native bf16: {bf16_native} ({args.bf16_reason})", flush=True)

    with LoadSampler(10.0) as sampler:
        peak_fp32 = matmul_gflops(torch.float32, 2048, device)
        bf16_n = 2048 if bf16_native else 512  # emulated: 2048^3 would take minutes
        peak_bf16 = matmul_gflops(torch.bfloat16, bf16_n, device, seconds=2.0 if bf16_native else 0.5)
        print(f"matmul: float32 {peak_fp32:.1f} GFLOP/s (2048), bf16 {peak_bf16:.2f} GFLOP/s ({bf16_n})", flush=True)

        from inception.data.synthetic import make_synthetic_ucmerced

        per_size = {}
        with tempfile.TemporaryDirectory() as tmp:
            if args.data_dir:
                data_dir, cache_dir, data = Path(args.data_dir), args.cache_dir, "UC Merced (real images)"
            else:  # UC Merced's shape: 21 classes, 256x256 JPEG images
                data_dir = make_synthetic_ucmerced(Path(tmp) / "data", per_class=4 if args.quick else 30,
                                                   size=256, ext=".jpg")
                cache_dir, data = None, "synthetic stand-ins for UC Merced (21 classes, 256x256 JPEG)"
            for size in args.image_size:
                m = measure_size(size, args, device, bf16_native, tmp, data_dir, cache_dir)
                m["ratios"] = ratios(m, peak_fp32, peak_bf16)
                m["limits"] = limits(m, m["ratios"])
                per_size[str(size)] = m
    load_after = load1()

    record = {
        "format": FORMAT, "benchmark": "models", "quick": args.quick,
        **load_verdict(quiet, load_before, sampler.samples[:-1], load_after, args.quick),
        "device": name, "device_type": device, "cpu_count": os.cpu_count(), "threads": args.threads,
        "cpu_flags": simd, "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "bf16_native": bool(bf16_native), "bf16_reason": args.bf16_reason, "force_bf16": args.force_bf16,
        "load_average_before": [load_before], "load_average_after": [load_after],
        "data": data,
        "versions": {"python": platform.python_version(), "torch": torch.__version__,
                     "torchvision": torchvision.__version__, "numpy": np.__version__},
        "batch_size": args.batch_size, "steps_per_round": args.steps, "rounds": args.rounds,
        "recipe": RECIPE,
        "matmul_gflops": {"fp32": peak_fp32, "bf16": peak_bf16, "fp32_n": 2048, "bf16_n": bf16_n},
        "sizes": per_size,
        "time_to_accuracy": time_to_accuracy_rows(),
        "wall_seconds": time.time() - t_start,
    }
    if not args.no_keras:
        import keras
        import tensorflow as tf

        record["versions"].update(tensorflow=tf.__version__, keras=keras.__version__)
    out = args.out or ROOT / "data" / "benchmarks" / f"models-{device}{'-quick' if args.quick else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = out.with_suffix(".json.tmp")
    tmp_out.write_text(json.dumps(record, indent=1))
    os.replace(tmp_out, out)

    for size, m in per_size.items():
        print(f"\n{size}px (load {m['load_average_before'][0]:.1f} -> {m['load_average_after'][0]:.1f}):")
        print("  train images/s: " + ", ".join(f"{k} {v:.1f}" for k, v in m["train_images_per_second"].items()))
        for k, why in m["skipped"].items():
            print(f"  skipped {k}: {why}")
        for k, v in m["ratios"].items():
            print(f"  {k}: {v:.3f}" if isinstance(v, float) else f"  {k}: {v}")
        print(f"  limits: {m['limits']}")
    for row in record["time_to_accuracy"]:
        print(f"time to accuracy {row['run']} ({row['precision']}): 90% {row['minutes_to_90']} min "
              f"/ {row['epochs_to_90']} epochs, 95% {row['minutes_to_95']} min / {row['epochs_to_95']} epochs")
    print(f"{'reliable' if record['reliable'] else 'NOT RELIABLE'}: {record['reliability_reason']}")
    print(f"record: {out} ({record['wall_seconds']:.0f} s)")
    return record


if __name__ == "__main__":
    main()
