"""Is GoogLeNet efficient? Eight networks' cost, counted and measured in one run on one CPU.

Both GoogLeNet variants of this package and torchvision's AlexNet, VGG-16,
ResNet-18, ResNet-50, Inception-v3 and MobileNetV2, all with random weights,
at 224x224 px:

* counted (:func:`inception.course.benchtools.count_macs`): parameters; multiply-adds
  of one image (convolutions, depthwise ones apart, and fully connected
  layers; auxiliary heads, which run only in training, not counted); the
  elements the layers write;
* measured: training images per second (one SGD step on a fixed random batch,
  auxiliary heads included where the network has them, except Inception-v3's
  below 299 px, which does not fit) and inference images
  per second (eval mode, no gradients), float32, channels-last, denormals
  flushed; every network in interleaved rounds, the median and spread kept;
* beside each: the ImageNet top-1 accuracy of its original torchvision
  weights, from torchvision's weight table (none for GoogLeNet as published).

It waits for a quiet machine and records the load as ``bench_models.py``
does (``"reliable": false`` with the reason where the machine stayed busy)
and writes ``data/benchmarks/zoo-cpu.json``.

    python benchmarks/bench_zoo.py             # about 10 minutes on 2 quiet cores (1 thread)
    python benchmarks/bench_zoo.py --quick     # seconds: two small networks at 96 px; never a measurement
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import torch  # noqa: E402
import torchvision  # noqa: E402

from bench_models import add_quiet_arguments, load_verdict, quiet_start, set_threads  # noqa: E402
from inception.course.benchtools import (ZOO, LoadSampler, Timed, build_zoo_model, load1, spread,  # noqa: E402
                                  time_interleaved, zoo_counts, zoo_infer_step, zoo_train_step,
                                  zoo_trains_with_aux)

FORMAT = "inception-benchmark-zoo-v1"
QUICK_NETWORKS = ["resnet18", "mobilenet_v2"]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--networks", nargs="+", default=list(ZOO), choices=list(ZOO))
    p.add_argument("--image-size", type=int, default=224)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--train-batch", type=int, default=8)
    p.add_argument("--infer-batch", type=int, default=8)
    p.add_argument("--steps", type=int, default=1, help="batches per timed round")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--quick", action="store_true", help="two small networks at 96 px, one round: not a measurement")
    p.add_argument("--out", type=Path, default=None)
    add_quiet_arguments(p)
    args = p.parse_args(argv)
    if args.quick:
        args.networks, args.image_size, args.train_batch, args.infer_batch = QUICK_NETWORKS, 96, 2, 2
        args.steps, args.rounds, args.warmup = 1, 1, 0
    set_threads(args.threads)
    t_start = time.time()
    quiet = quiet_start(args, own_threads=args.threads)
    load_before = load1()
    from inception.train.precision import cpu_flags
    from inception.train.records import cpu_name

    networks = {}
    benches = []
    flush = lambda: torch.set_flush_denormal(True)  # noqa: E731
    with LoadSampler(10.0) as sampler:
        for key in args.networks:
            networks[key] = counted = zoo_counts(args.image_size, [key])[key]
            counted["trained_with_aux"] = zoo_trains_with_aux(key, args.image_size)
            torch.manual_seed(0)
            benches.append(Timed(f"{key}:train", args.train_batch,
                                 zoo_train_step(build_zoo_model(key, input_size=args.image_size), args.train_batch,
                                                args.image_size), flush))
            benches.append(Timed(f"{key}:infer", args.infer_batch,
                                 zoo_infer_step(build_zoo_model(key, input_size=args.image_size), args.infer_batch,
                                                args.image_size), flush))
            print(f"{key}: {counted['macs'] / 1e9:.3f} GMACs, {counted['params'] / 1e6:.2f} M parameters", flush=True)
        samples = time_interleaved(benches, args.steps, args.rounds, args.warmup,
                                   log=lambda m: print("  " + m, flush=True))
    load_after = load1()
    for name, values in samples.items():
        key, what = name.split(":")
        networks[key][f"{what}_samples"] = values
        networks[key][f"{what}_spread"] = spread(values)
        networks[key][f"{what}_images_per_second"] = spread(values)["median"]

    flags = cpu_flags()
    record = {
        "format": FORMAT, "benchmark": "zoo", "quick": args.quick,
        **load_verdict(quiet, load_before, sampler.samples[:-1], load_after, args.quick),
        "device": cpu_name(), "device_type": "cpu", "cpu_count": os.cpu_count(), "threads": args.threads,
        "cpu_flags": sorted(f for f in flags if f.startswith(("avx", "amx", "fma"))),
        "image_size": args.image_size, "train_batch": args.train_batch, "infer_batch": args.infer_batch,
        "steps_per_round": args.steps, "rounds": args.rounds, "precision": "fp32",
        "settings": "channels-last memory, denormals flushed, float32",
        "counting": ("multiply-adds of convolutions (depthwise apart) and fully connected layers, one image, "
                     "auxiliary heads excluded; parameters without auxiliary heads; activations: elements "
                     "written by every layer"),
        "versions": {"python": platform.python_version(), "torch": torch.__version__,
                     "torchvision": torchvision.__version__},
        "networks": networks,
        "wall_seconds": time.time() - t_start,
    }
    out = args.out or ROOT / "data" / "benchmarks" / f"zoo-cpu{'-quick' if args.quick else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, indent=1))
    os.replace(tmp, out)
    for key, n in networks.items():
        top1 = n["published"]["top1"] if n["published"] else None
        print(f"{n['name']:24s} {n['macs'] / 1e9:6.2f} GMACs {n['params'] / 1e6:6.1f} M  "
              f"train {n['train_images_per_second']:6.2f} img/s  infer {n['infer_images_per_second']:6.2f} img/s  "
              f"top-1 {top1}")
    print(f"{'reliable' if record['reliable'] else 'NOT RELIABLE'}: {record['reliability_reason']}")
    print(f"record: {out} ({record['wall_seconds']:.0f} s)")
    return record


if __name__ == "__main__":
    main()
