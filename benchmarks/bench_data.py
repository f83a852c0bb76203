"""Time the UC Merced data pipeline on this machine and record it.

Measures (1) decoding all images into a fresh cache at 128 and 224 pixels and
(2) images per second delivered by the PyTorch DataLoader and the tf.data
pipeline from the cache, with training augmentation, over one epoch of the
training split (after one warm-up batch).

    python benchmarks/bench_data.py [--data-dir DIR] [--size 128] [--out data/benchmarks/data_pipeline.json]

Writes a JSON record and prints the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import PIL

from inception.data import DataError, build_cache, find_data_dir, shared_copy_dir

ROOT = Path(__file__).resolve().parents[1]


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def epoch_rate(batches) -> tuple[float, int]:
    """Images per second over one pass, not counting the first batch (start-up)."""
    it = iter(batches)
    next(it)
    n, t = 0, time.perf_counter()
    for _, y in it:
        n += int(y.shape[0])
    return n / (time.perf_counter() - t), n


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", default=None,
                   help="default: $UCMERCED_DIR, data/ucmerced, else ../shared/data/ucmerced-jpeg95")
    p.add_argument("--size", type=int, default=128, help="loader image size (default 128)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--decode-sizes", type=int, nargs="*", default=[128, 224])
    p.add_argument("--out", default=str(ROOT / "data" / "benchmarks" / "data_pipeline.json"))
    p.add_argument("--skip-tf", action="store_true")
    p.add_argument("--skip-torch", action="store_true")
    args = p.parse_args(argv)

    try:
        root = find_data_dir(args.data_dir)
    except DataError:
        if args.data_dir is not None or shared_copy_dir() is None:
            raise
        root = find_data_dir(shared_copy_dir())
    record: dict = {
        "what": "UC Merced data pipeline: cache decode time and loader throughput with training augmentation",
        "date": time.strftime("%Y-%m-%d"),
        "source": str(root),
        "machine": {"cpu": cpu_name(), "cpu_count": os.cpu_count(), "python": sys.version.split()[0],
                    "numpy": np.__version__, "pillow": PIL.__version__},
        "load_average_at_start": [round(v, 2) for v in os.getloadavg()] if hasattr(os, "getloadavg") else None,
        "note": "a shared machine: other jobs' load (see load_average_at_start) makes these numbers noisy",
        "decode_seconds": {},
        "loader": {"image_size": args.size, "batch_size": args.batch_size, "augment": True, "split_part": "train"},
    }
    with tempfile.TemporaryDirectory(prefix="bench_cache_") as tmp:
        for s in args.decode_sizes:
            t = time.perf_counter()
            cache = build_cache(root, s, cache_dir=tmp, progress=False, rebuild=True)
            dt = time.perf_counter() - t
            record["decode_seconds"][str(s)] = round(dt, 2)
            record["n_images"] = len(cache)
            print(f"decode {len(cache)} images -> {s}x{s} cache: {dt:.2f} s ({len(cache) / dt:.0f} images/s)")

        if not args.skip_torch:
            import torch

            from inception.data.torch_data import make_loaders

            record["machine"]["torch"] = torch.__version__
            record["machine"]["torch_threads"] = torch.get_num_threads()
            for workers in (0, 2):
                loaders = make_loaders(root, args.size, args.batch_size, augment=True, num_workers=workers,
                                       cache_dir=tmp, progress=False)
                rate, n = epoch_rate(loaders["train"])
                record["loader"][f"torch_workers{workers}_images_per_s"] = round(rate, 1)
                print(f"torch DataLoader (num_workers={workers}), augment, {args.size}px: "
                      f"{rate:.0f} images/s ({n} images)")

        if not args.skip_tf:
            import tensorflow as tf

            from inception.data.tf_data import make_datasets

            record["machine"]["tensorflow"] = tf.__version__
            ds = make_datasets(root, args.size, args.batch_size, augment=True, cache_dir=tmp, progress=False)
            epoch_rate(ds["train"])  # first pass traces the functions
            rate, n = epoch_rate(ds["train"])
            record["loader"]["tf_data_images_per_s"] = round(rate, 1)
            print(f"tf.data, augment, {args.size}px: {rate:.0f} images/s ({n} images)")

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=1) + "\n")
    print(f"wrote {out}")
    return record


if __name__ == "__main__":
    main()
