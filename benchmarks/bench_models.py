"""Model throughput, side by side in one process: ours against torchvision, and
Keras against PyTorch.

Every configuration is timed in interleaved rounds (A, B, C, A, B, C, ...)
and the median per configuration is kept, so that a shared, noisy machine
slows all of them alike and the *ratios* stay meaningful. Writes a JSON
record (default ``data/benchmarks/models-<device>.json``) and prints the ratios.

    python benchmarks/bench_models.py                 # CPU: 128x128, batch 32
    python benchmarks/bench_models.py --quick         # a smoke run (seconds)
    python benchmarks/bench_models.py --image-size 224 --batch-size 64   # on a GPU

Ratios recorded (``ratio_<numerator>_over_<denominator>``, images per second):

* ours vs torchvision with identical settings (eager; channels-last; compiled);
* our training engine's default settings vs torchvision trained the plain
  way (eager, contiguous memory, float32);
* our Keras model vs our PyTorch model (engine defaults on each side).

It also measures a large float32 matmul in the same run and reports the
fraction of that peak achieved by each training step (a training step counted
as three forward passes; 2 FLOPs per multiply-add).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import inception  # noqa: E402  (loads Triton before TensorFlow)
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torchvision  # noqa: E402

from inception import counting  # noqa: E402
from inception import torch as it  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def device_name() -> str:
    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    from inception.train.records import cpu_name

    return cpu_name()


def matmul_gflops(n: int = 2048, device: str = "cpu", seconds: float = 2.0) -> float:
    """Float32 matmul throughput, the machine's practical peak."""
    a = torch.randn(n, n, device=device)
    b = torch.randn(n, n, device=device)
    for _ in range(3):
        a @ b
    _sync(device)
    reps, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        a @ b
        reps += 1
    _sync(device)
    return 2 * n**3 * reps / (time.perf_counter() - t0) / 1e9


def _sync(device):
    if device == "cuda":
        torch.cuda.synchronize()


class TorchBench:
    """One PyTorch configuration: a model, its settings, a train and an eval step."""

    def __init__(self, name, model, batch, size, device, channels_last=False, compile=False, amp=False):
        self.name, self.device, self.amp = name, device, amp
        self.model = model.to(device)
        fmt = torch.channels_last if channels_last else torch.contiguous_format
        self.model = self.model.to(memory_format=fmt)
        self.x = torch.randn(batch, 3, size, size, device=device).to(memory_format=fmt)
        self.y = torch.randint(0, 21, (batch,), device=device)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.01, momentum=0.9)
        self.fwd = torch.compile(self.model) if compile else self.model
        self.batch = batch

    def _loss(self, out):
        ce = torch.nn.functional.cross_entropy
        if isinstance(out, (tuple, list)) or hasattr(out, "aux_logits1"):
            main, a1, a2 = (out.logits, out.aux_logits1, out.aux_logits2) if hasattr(out, "logits") else out
            return ce(main, self.y) + 0.3 * (ce(a1, self.y) + ce(a2, self.y))
        return ce(out, self.y)

    def train_step(self):
        self.model.train()
        with torch.autocast(self.device, dtype=torch.bfloat16 if self.device == "cpu" else torch.float16,
                            enabled=self.amp):
            loss = self._loss(self.fwd(self.x))
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        _sync(self.device)

    def eval_step(self):
        self.model.eval()
        with torch.no_grad(), torch.autocast(self.device, enabled=self.amp,
                                             dtype=torch.bfloat16 if self.device == "cpu" else torch.float16):
            self.fwd(self.x)
        _sync(self.device)


class KerasBench:
    def __init__(self, name, batch, size, jit_compile=False, mixed=False):
        import keras

        from inception import keras as ik

        if mixed:
            keras.mixed_precision.set_global_policy("mixed_float16")
        self.name, self.batch = name, batch
        self.model = ik.googlenet("bn", 21, True, input_size=size)
        self.model.compile(
            optimizer=keras.optimizers.SGD(0.01, momentum=0.9),
            loss=[keras.losses.SparseCategoricalCrossentropy(from_logits=True)] * 3,
            loss_weights=[1.0, 0.3, 0.3], jit_compile=jit_compile,
        )
        rng = np.random.default_rng(0)
        self.x = rng.standard_normal((batch, size, size, 3)).astype(np.float32)
        self.y = rng.integers(0, 21, batch)
        if mixed:
            keras.mixed_precision.set_global_policy("float32")

    def train_step(self):
        self.model.train_on_batch(self.x, [self.y] * 3)

    def eval_step(self):
        self.model.predict_on_batch(self.x)


def time_interleaved(benches, kind, steps, rounds, warmup):
    """Median images/s per bench, timing ``steps`` steps per round, rounds interleaved."""
    for b in benches:
        for _ in range(warmup):
            getattr(b, kind)()
    samples = {b.name: [] for b in benches}
    for _ in range(rounds):
        for b in benches:
            t0 = time.perf_counter()
            for _ in range(steps):
                getattr(b, kind)()
            samples[b.name].append(steps * b.batch / (time.perf_counter() - t0))
    return {name: statistics.median(v) for name, v in samples.items()}, samples


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--image-size", type=int, default=128)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--steps", type=int, default=3, help="steps per timed round")
    p.add_argument("--rounds", type=int, default=5, help="interleaved rounds; the median is kept")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--no-compile", action="store_true", help="skip torch.compile / jit_compile configurations")
    p.add_argument("--no-keras", action="store_true")
    p.add_argument("--quick", action="store_true", help="tiny smoke run: 64 px, batch 4, 1 round")
    p.add_argument("--out", type=Path, default=None)
    args = p.parse_args(argv)
    if args.quick:
        args.image_size, args.batch_size, args.steps, args.rounds, args.warmup = 64, 4, 1, 1, 1
    for name in ("image_size", "batch_size", "steps", "rounds"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be positive")

    device = "cuda" if torch.cuda.is_available() else "cpu"
    gpu = device == "cuda"
    torch.manual_seed(0)
    size, batch = args.image_size, args.batch_size
    t_start = time.time()
    load_before = list(os.getloadavg())

    def ours():
        return it.googlenet("bn", 21, True, input_size=size)

    def tv():
        return torchvision.models.googlenet(weights=None, num_classes=21, aux_logits=True, init_weights=True)

    # The engine's defaults: channels-last everywhere; on a GPU also autocast and compile.
    configs = [
        ("torchvision_plain", tv, dict()),
        ("ours_plain", ours, dict()),
        ("torchvision_channels_last", tv, dict(channels_last=True)),
        ("ours_channels_last", ours, dict(channels_last=True)),
    ]
    if gpu:
        configs += [
            ("torchvision_amp_channels_last", tv, dict(channels_last=True, amp=True)),
            ("ours_amp_channels_last", ours, dict(channels_last=True, amp=True)),
        ]
    if not args.no_compile:
        extra = dict(channels_last=True, compile=True, amp=gpu)
        configs += [("torchvision_compiled", tv, extra), ("ours_compiled", ours, extra)]
    benches = [TorchBench(n, f(), batch, size, device, **kw) for n, f, kw in configs]
    engine_default = "ours_compiled" if gpu and not args.no_compile else "ours_channels_last"

    print(f"device: {device_name()} ({device}); {size}x{size}, batch {batch}", flush=True)
    peak = matmul_gflops(device=device)
    print(f"matmul peak: {peak:.1f} GFLOP/s", flush=True)
    train, train_samples = time_interleaved(benches, "train_step", args.steps, args.rounds, args.warmup)
    infer, _ = time_interleaved(benches, "eval_step", args.steps, args.rounds, args.warmup)
    rss_torch = peak_rss_mb()
    gpu_mem = torch.cuda.max_memory_allocated() / 2**20 if gpu else None

    keras_train = keras_infer = {}
    if not args.no_keras:
        kb = [KerasBench("keras_eager", batch, size, jit_compile=False, mixed=gpu)]
        if not args.no_compile:
            kb.append(KerasBench("keras_jit", batch, size, jit_compile=True, mixed=gpu))
        keras_train, _ = time_interleaved(kb, "train_step", args.steps, args.rounds, args.warmup)
        keras_infer, _ = time_interleaved(kb, "eval_step", args.steps, args.rounds, args.warmup)

    macs = counting.googlenet_totals("bn", 21, True, size).macs
    def fraction(ips):  # training step = 3 forward passes, 2 FLOPs per MAC
        return 2 * 3 * macs * ips / (peak * 1e9)

    r = {}
    def ratio(key, a, b):
        if a is not None and b:
            r[key] = a / b

    ratio("ratio_ours_plain_over_torchvision_plain_train", train["ours_plain"], train["torchvision_plain"])
    ratio("ratio_ours_channels_last_over_torchvision_channels_last_train",
          train["ours_channels_last"], train["torchvision_channels_last"])
    if "ours_compiled" in train:
        ratio("ratio_ours_compiled_over_torchvision_compiled_train", train["ours_compiled"], train["torchvision_compiled"])
    ratio("ratio_ours_default_over_torchvision_plain_train", train[engine_default], train["torchvision_plain"])
    ratio("ratio_ours_plain_over_torchvision_plain_inference", infer["ours_plain"], infer["torchvision_plain"])
    keras_best = max(keras_train.values()) if keras_train else None
    ratio("ratio_keras_best_over_torch_default_train", keras_best, train[engine_default])
    if keras_infer:
        ratio("ratio_keras_best_over_torch_default_inference", max(keras_infer.values()), infer[engine_default])

    record = {
        "benchmark": "models",
        "device": device_name(), "device_type": device,
        "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(),
        # the machine's load around the run: other work on a shared machine slows every
        # configuration alike (interleaved rounds), but lowers the absolute numbers
        "load_average_before": load_before, "load_average_after": list(os.getloadavg()),
        "versions": {"python": platform.python_version(), "torch": torch.__version__,
                     "torchvision": torchvision.__version__, "numpy": np.__version__},
        "image_size": size, "batch_size": batch, "steps_per_round": args.steps, "rounds": args.rounds,
        "engine_default": engine_default,
        "matmul_gflops": peak,
        "macs_per_image": macs,
        "train_images_per_second": {**train, **keras_train},
        "inference_images_per_second": {**infer, **keras_infer},
        "train_samples": train_samples,
        "fraction_of_matmul_peak_train": {k: fraction(v) for k, v in {**train, **keras_train}.items()},
        "peak_rss_mb_after_torch": rss_torch,
        "peak_rss_mb_after_keras": peak_rss_mb(),
        "peak_gpu_memory_mb_torch": gpu_mem,
        **r,
        "wall_seconds": time.time() - t_start,
        "quick": args.quick,
    }
    try:
        import tensorflow as tf

        record["versions"].update(tensorflow=tf.__version__, keras=__import__("keras").__version__)
    except ImportError:
        pass
    out = args.out or ROOT / "data" / "benchmarks" / f"models-{'gpu' if gpu else 'cpu'}{'-quick' if args.quick else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, indent=2))
    os.replace(tmp, out)

    print("\ntrain images/s:   " + ", ".join(f"{k} {v:.1f}" for k, v in record["train_images_per_second"].items()))
    print("infer images/s:   " + ", ".join(f"{k} {v:.1f}" for k, v in record["inference_images_per_second"].items()))
    print("fraction of peak: " + ", ".join(f"{k} {v:.0%}" for k, v in record["fraction_of_matmul_peak_train"].items()))
    for k, v in r.items():
        print(f"{k}: {v:.2f}x")
    print(f"record: {out}")
    return record


if __name__ == "__main__":
    main()
