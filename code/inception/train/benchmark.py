"""Training and evaluation throughput of the engines, in images per second.

Times the engines' own train step (forward, loss with the auxiliary heads,
backward, optimiser step) and evaluation forward pass (main head only) on one
fixed random batch, after a few warm-up steps, so data loading is not
included. The engine is built on a throwaway synthetic data set.

    python -m inception.train.benchmark --framework torch keras --image-size 128 224 --batch-size 32

On a shared machine the numbers move with the load; the result includes the
load average at the start and end of each measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Dict, Optional

__all__ = ["measure", "main"]


def measure(framework: str = "torch", variant: str = "bn", image_size: int = 128, batch_size: int = 32,
            steps: int = 5, warmup: int = 2, channels_last: bool = True, precision: str = "auto",
            device: str = "auto", compile: bool = False, jit_compile: bool = False,
            workdir: Optional[str] = None) -> Dict:
    """Images per second of one engine's train step and evaluation pass (see the module docstring)."""
    import numpy as np

    from ..data.synthetic import make_synthetic_ucmerced
    from .config import TrainConfig
    from .loop import make_engine

    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        root = Path(tmp)
        make_synthetic_ucmerced(root / "data", per_class=3, size=min(image_size, 64))
        cfg = TrainConfig(framework=framework, variant=variant, data_dir=str(root / "data"),
                          cache_dir=str(root / "cache"), out_dir=str(root / "out"), image_size=image_size,
                          batch_size=batch_size, channels_last=channels_last, precision=precision, device=device,
                          compile=compile, jit_compile=jit_compile, progress="none").validated()
        eng = make_engine(cfg)
        rng = np.random.default_rng(0)
        y = rng.integers(0, 21, batch_size)
        load_start = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
        if framework == "torch":
            train_s, eval_s = _time_torch(eng, rng, y, image_size, batch_size, steps, warmup)
        else:
            train_s, eval_s = _time_keras(eng, rng, y, image_size, batch_size, steps, warmup)
        info = eng.device_info()
        eng.close()
    return {
        "framework": framework, "variant": variant, "image_size": image_size, "batch_size": batch_size,
        "steps": steps, "channels_last": channels_last if framework == "torch" else None,
        "train_images_per_second": round(batch_size * steps / train_s, 2),
        "eval_images_per_second": round(batch_size * steps / eval_s, 2),
        "device": info["description"], "precision": info["precision"],
        "threads": info.get("torch_threads"),
        "load_average": [load_start, os.getloadavg()[0] if hasattr(os, "getloadavg") else None],
    }


def _time_torch(eng, rng, y, size, batch, steps, warmup):
    import torch

    x = torch.randn(batch, 3, size, size, generator=torch.Generator().manual_seed(0))
    yt = torch.from_numpy(y)

    def sync():
        if eng.device.type == "cuda":
            torch.cuda.synchronize(eng.device)

    eng.train_model.train()
    for _ in range(warmup):
        eng.train_step(x, yt)
    sync()
    t = time.perf_counter()
    for _ in range(steps):
        eng.train_step(x, yt)
    sync()
    train_s = time.perf_counter() - t

    for _ in range(warmup):
        eng.eval_batch(x)
    sync()
    t = time.perf_counter()
    for _ in range(steps):
        eng.eval_batch(x)
    sync()
    return train_s, time.perf_counter() - t


def _time_keras(eng, rng, y, size, batch, steps, warmup):
    import numpy as np
    import tensorflow as tf

    x = tf.constant(rng.standard_normal((batch, size, size, 3)).astype(np.float32))
    yt = tf.constant(y.astype(np.int64))
    for _ in range(warmup):
        [float(v) for v in eng._train_step(x, yt)]
    t = time.perf_counter()
    for _ in range(steps):
        out = eng._train_step(x, yt)
    [float(v) for v in out]
    train_s = time.perf_counter() - t
    for _ in range(warmup):
        eng._eval_step(x, yt)[0].numpy()
    t = time.perf_counter()
    for _ in range(steps):
        out = eng._eval_step(x, yt)
    out[0].numpy()
    return train_s, time.perf_counter() - t


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m inception.train.benchmark", description=__doc__.split("\n\n")[0])
    p.add_argument("--framework", nargs="+", default=["torch", "keras"], choices=["torch", "keras"])
    p.add_argument("--variant", default="bn", choices=["bn", "paper"])
    p.add_argument("--image-size", nargs="+", type=int, default=[128, 224])
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--no-channels-last", action="store_true")
    p.add_argument("--precision", default="auto")
    p.add_argument("--compile", action="store_true")
    p.add_argument("--jit-compile", action="store_true")
    a = p.parse_args(argv)
    for fw in a.framework:
        for s in a.image_size:
            r = measure(fw, a.variant, s, a.batch_size, a.steps, a.warmup, not a.no_channels_last, a.precision,
                        compile=a.compile, jit_compile=a.jit_compile)
            print(json.dumps(r), flush=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    raise SystemExit(main())
