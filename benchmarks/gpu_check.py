"""Helpers of ``benchmarks/gpu_check.sh``: the machine, test data, stand-in weights, the record.

    python benchmarks/gpu_check.py gpus                       # number of CUDA GPUs PyTorch sees
    python benchmarks/gpu_check.py data DIR                   # a small synthetic UC Merced in DIR
    python benchmarks/gpu_check.py random-weights FILE        # torchvision-format GoogLeNet weights, random
    python benchmarks/gpu_check.py record WORK OUT [--dry-run]  # gather the steps' results into OUT (JSON)
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def gpus() -> int:
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def data(root: str) -> None:
    import inception  # noqa: F401
    from inception.data.synthetic import make_synthetic_ucmerced

    make_synthetic_ucmerced(root, per_class=8, size=96, ext=".jpg")


def random_weights(path: str) -> None:
    """torchvision's GoogLeNet with its own random initialisation, saved as a state dict: the
    format of the ImageNet checkpoint, so fine-tuning takes the same path through the porting code."""
    import inception  # noqa: F401
    import torch
    import torchvision

    torch.manual_seed(0)
    model = torchvision.models.googlenet(weights=None, aux_logits=True, init_weights=True)
    torch.save(model.state_dict(), path)


def _run_summary(run_dir: Path):
    rec_path = run_dir / "record.json"
    if not rec_path.is_file():
        return None
    rec = json.loads(rec_path.read_text())
    epochs = rec.get("epochs") or []
    cfg = rec.get("config") or {}
    dev = rec.get("device") or {}
    return {
        "status": rec.get("status"), "framework": rec.get("framework"),
        "device": dev.get("description"), "precision": dev.get("precision"),
        "precision_reason": dev.get("precision_reason"), "world_size": dev.get("world_size"),
        "channels_last": cfg.get("channels_last"), "image_size": cfg.get("image_size"),
        "batch_size": cfg.get("batch_size"), "pretrained": cfg.get("pretrained"),
        "epochs": len(epochs), "train_images_per_second": epochs[-1].get("images_per_second") if epochs else None,
        "val_accuracy": epochs[-1].get("val_accuracy") if epochs else None,
        "test_accuracy": rec.get("test_accuracy"), "wall_time_seconds": rec.get("wall_time_seconds"),
    }


def record(work: str, out: str, dry_run: bool = False) -> dict:
    """One JSON record of every step: its exit status and seconds (``WORK/steps.jsonl``), what each
    training run recorded, and the throughput benchmark's ratios."""
    work_p = Path(work)
    steps = [json.loads(line) for line in (work_p / "steps.jsonl").read_text().splitlines() if line.strip()]
    for s in steps:
        if s.get("run_dir"):
            s["run"] = _run_summary(work_p / s["run_dir"])
        if s.get("bench_record") and Path(s["bench_record"]).is_file():
            b = json.loads(Path(s["bench_record"]).read_text())
            s["bench"] = {size: {"train_images_per_second": m["train_images_per_second"], "ratios": m["ratios"],
                                 "skipped": m["skipped"]} for size, m in b["sizes"].items()}
    import torch

    rec = {
        "format": "inception-gpu-check-v1", "dry_run": dry_run, "quick": dry_run,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "gpus": [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        if torch.cuda.is_available() else [],
        "host": platform.node(), "python": platform.python_version(), "torch": torch.__version__,
        "steps": steps,
        "passed": all(s.get("rc") == 0 or s.get("skipped") for s in steps),
        "wall_seconds": sum(s.get("seconds", 0) for s in steps),
    }
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(rec, indent=1))
    return rec


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        print(__doc__)
        return 2
    cmd, rest = argv[0], argv[1:]
    if cmd == "gpus":
        print(gpus())
    elif cmd == "data":
        data(rest[0])
    elif cmd == "random-weights":
        random_weights(rest[0])
    elif cmd == "record":
        rec = record(rest[0], rest[1], "--dry-run" in rest)
        for s in rec["steps"]:
            state = "skipped" if s.get("skipped") else ("ok" if s["rc"] == 0 else f"FAILED (exit {s['rc']})")
            print(f"{s['name']:<28} {state:<18} {s.get('seconds', 0):6.0f} s  {s.get('note', '')}")
        print(f"record: {rest[1]} ({'all passed' if rec['passed'] else 'some steps failed'})")
        return 0 if rec["passed"] else 1
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
