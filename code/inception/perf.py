"""Benchmark records for the Performance appendix: load, tabulate, plot.

The records are JSON files in ``data/benchmarks/`` written by the scripts in
``benchmarks/`` (``bench_models.py``: model throughput against torchvision and
between frameworks; ``bench_data.py``: the input pipeline). Nothing here times
anything: timings live in those scripts, measured side by side in one run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Optional

__all__ = ["BENCHMARK_DIR", "load_benchmarks", "model_rows", "ratio_rows", "pipeline_rows", "peak_summary",
           "PEAK_FRACTION_GOAL",
           "plot_model_throughput", "GOALS"]

BENCHMARK_DIR = Path(__file__).resolve().parents[2] / "data" / "benchmarks"

#: The goals of issue 10, as ratio key -> minimum (CPU) and a description.
GOALS = {
    "ratio_ours_plain_over_torchvision_plain_train": (1.0, "ours vs torchvision, same settings (eager)"),
    "ratio_ours_channels_last_over_torchvision_channels_last_train": (1.0, "ours vs torchvision, same settings (channels-last)"),
    "ratio_ours_default_over_torchvision_plain_train": (1.2, "our engine's defaults vs torchvision trained plainly"),
    "ratio_keras_best_over_torch_default_train": (0.7, "our Keras model vs our PyTorch model"),
}


def load_benchmarks(root: Optional[Path] = None) -> Dict[str, dict]:
    """Every ``*.json`` record in ``root`` (default ``data/benchmarks``), by file stem.
    Quick (smoke) records are skipped: they are not measurements."""
    root = Path(root) if root else BENCHMARK_DIR
    out = {}
    for path in sorted(root.glob("*.json")):
        rec = json.loads(path.read_text())
        if rec.get("quick"):
            continue
        out[path.stem] = rec
    return out


def model_rows(record: dict) -> List[dict]:
    """One row per configuration: train and inference images/s, fraction of matmul peak."""
    train = record["train_images_per_second"]
    infer = record["inference_images_per_second"]
    frac = record.get("fraction_of_matmul_peak_train", {})
    return [
        {"configuration": name, "train img/s": train[name], "inference img/s": infer.get(name),
         "fraction of matmul peak (train)": frac.get(name)}
        for name in train
    ]


def ratio_rows(record: dict) -> List[dict]:
    """The ratios in a record, with the goal each is held to and whether it is met."""
    rows = []
    for key, value in record.items():
        if not key.startswith("ratio_"):
            continue
        goal = GOALS.get(key)
        rows.append({
            "ratio": key, "value": value,
            "goal": goal[0] if goal else None,
            "met": (value >= goal[0]) if goal else None,
            "what": goal[1] if goal else "",
        })
    return rows


#: The fraction of the machine's matmul peak a training step should reach (issue 10).
PEAK_FRACTION_GOAL = 0.85


def peak_summary(record: dict) -> Dict[str, object]:
    """The training configuration nearest the matmul peak: its name, its
    fraction, and whether it reaches :data:`PEAK_FRACTION_GOAL`."""
    frac = record.get("fraction_of_matmul_peak_train") or {}
    if not frac:
        return {"configuration": None, "fraction": None, "met": None}
    best = max(frac, key=frac.get)
    return {"configuration": best, "fraction": frac[best], "met": frac[best] >= PEAK_FRACTION_GOAL}


def pipeline_rows(record: dict) -> List[dict]:
    """The input pipeline's throughput, beside the model's training rate when given."""
    loader = record["loader"]
    rows = [
        {"pipeline": "PyTorch DataLoader, 0 workers", "images/s": loader.get("torch_workers0_images_per_s")},
        {"pipeline": "PyTorch DataLoader, 2 workers", "images/s": loader.get("torch_workers2_images_per_s")},
        {"pipeline": "tf.data", "images/s": loader.get("tf_data_images_per_s")},
    ]
    return [r for r in rows if r["images/s"] is not None]


def plot_model_throughput(record: dict, ax=None):
    """Bar chart of training and inference images/s per configuration."""
    import matplotlib.pyplot as plt
    import numpy as np

    rows = model_rows(record)
    names = [r["configuration"].replace("_", " ") for r in rows]
    train = [r["train img/s"] for r in rows]
    infer = [r["inference img/s"] or 0 for r in rows]
    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 0.45 * len(rows) + 1.2))
    else:
        fig = ax.figure
    y = np.arange(len(rows))
    ax.barh(y - 0.2, train, 0.4, label="train step")
    ax.barh(y + 0.2, infer, 0.4, label="inference")
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlabel("images per second")
    ax.set_title(f"{record['device']}: {record['image_size']}x{record['image_size']}, batch {record['batch_size']}")
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig
