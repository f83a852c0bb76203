"""Benchmark records for the Performance appendix: load, tabulate, plot.

The records are JSON files in ``data/benchmarks/`` written by the scripts in
``benchmarks/`` (``bench_models.py``: training speed of torchvision's
GoogLeNet, our two engines and their precisions, side by side in one run, at
several input sizes; ``bench_data.py``: the input pipeline). Nothing here
times anything.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

__all__ = ["BENCHMARK_DIR", "CONFIGURATIONS", "load_benchmarks", "sizes", "speed_rows", "ratio_rows",
           "flop_rows", "profile_rows", "pipeline_rows", "plot_throughput", "plot_step_time",
           "time_to_accuracy"]

BENCHMARK_DIR = Path(__file__).resolve().parents[3] / "data" / "benchmarks"

#: The model benchmark's configurations, in reading order, with what each one is.
CONFIGURATIONS = {
    "torchvision_plain": "torchvision, float32",
    "torchvision_channels_last": "torchvision, float32, channels-last",
    "torchvision_channels_last_ftz": "torchvision, float32, channels-last, denormals flushed",
    "torchvision_bf16_channels_last": "torchvision, bf16, channels-last",
    "ours_default": "our PyTorch engine (its defaults, with data loading)",
    "keras_fp32": "our Keras engine, float32 (step only)",
    "keras_default": "our Keras engine (its defaults, with data loading)",
    "keras_bf16": "our Keras engine, bf16 (step only)",
}


def load_benchmarks(root: Optional[Path] = None) -> Dict[str, dict]:
    """Every ``*.json`` record in ``root`` (default ``data/benchmarks``), by file stem.
    Quick records and dry runs are skipped: they check the scripts, they measure nothing."""
    root = Path(root) if root else BENCHMARK_DIR
    out = {}
    for path in sorted(root.glob("*.json")):
        rec = json.loads(path.read_text())
        if rec.get("quick") or rec.get("dry_run"):
            continue
        out[path.stem] = rec
    return out


def sizes(record: dict) -> List[int]:
    """The input sizes a model record measured, smallest first."""
    return sorted(int(s) for s in record["sizes"])


def _label(name: str) -> str:
    return CONFIGURATIONS.get(name, name.replace("_", " "))


def speed_rows(record: dict) -> List[dict]:
    """One row per configuration: training images/s at each size (None where not run), and why not."""
    names = [n for n in CONFIGURATIONS if any(n in m["train_images_per_second"] or n in m["skipped"]
                                                for m in record["sizes"].values())]
    rows = []
    for name in names:
        row = {"configuration": _label(name)}
        why = ""
        for s in sizes(record):
            m = record["sizes"][str(s)]
            row[f"{s} px"] = m["train_images_per_second"].get(name)
            why = why or m["skipped"].get(name, "")
        row["not run"] = why
        rows.append(row)
    return rows


#: The ratios of a record, in reading order, as a reader would name them.
RATIOS = {
    "ours_default_over_torchvision_plain": "our PyTorch engine / torchvision, float32",
    "ours_default_over_torchvision_best": "our PyTorch engine / torchvision's fastest setting here",
    "keras_default_over_torch_default": "our Keras engine / our PyTorch engine",
    "keras_fp32_step_over_torch_default": "Keras step alone / our PyTorch engine",
}


def ratio_rows(record: dict) -> List[dict]:
    """One row per ratio, a column per size (values are images/s over images/s)."""
    rows = []
    for key, what in RATIOS.items():
        row = {"ratio": what}
        for s in sizes(record):
            row[f"{s} px"] = record["sizes"][str(s)]["ratios"].get(key)
        rows.append(row)
    return rows


def flop_rows(record: dict) -> List[dict]:
    """Per size: our step's arithmetic rate and its fraction of the float32 and bf16 matmul rates."""
    mm = record["matmul_gflops"]
    rows = []
    for s in sizes(record):
        r = record["sizes"][str(s)]["ratios"]
        rows.append({"input": f"{s} px", "GFLOP/s of our step": r["ours_default_gflops"],
                     "of the float32 matmul rate": r["ours_default_fraction_of_fp32_matmul"],
                     "of the bf16 matmul rate": r["ours_default_fraction_of_bf16_matmul"]})
    return rows


def profile_rows(record: dict, size: int) -> List[dict]:
    """Where one profiled step of our engine spends its time at ``size``: seconds and share per kind of operation."""
    prof = record["sizes"][str(size)].get("ours_default_profile_seconds") or {}
    total = sum(prof.values()) or 1.0
    rows = [{"operations": k, "seconds": v, "share": v / total} for k, v in prof.items() if v > 0]
    return sorted(rows, key=lambda r: -r["seconds"])


def pipeline_rows(record: dict) -> List[dict]:
    """The input pipeline's throughput (``bench_data.py``'s record)."""
    loader = record["loader"]
    rows = [
        {"pipeline": "PyTorch DataLoader, 0 workers", "images/s": loader.get("torch_workers0_images_per_s")},
        {"pipeline": "PyTorch DataLoader, 2 workers", "images/s": loader.get("torch_workers2_images_per_s")},
        {"pipeline": "tf.data", "images/s": loader.get("tf_data_images_per_s")},
    ]
    return [r for r in rows if r["images/s"] is not None]


def plot_throughput(record: dict, ax=None):
    """Horizontal bars: training images/s per configuration, one bar per input size;
    configurations that were not run are labelled so."""
    import matplotlib.pyplot as plt
    import numpy as np

    rows = speed_rows(record)
    ss = sizes(record)
    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 0.55 * len(rows) + 1.4))
    else:
        fig = ax.figure
    y = np.arange(len(rows))
    h = 0.8 / len(ss)
    top = max((r[f"{s} px"] or 0) for r in rows for s in ss) or 1.0
    for j, s in enumerate(ss):
        vals = [r[f"{s} px"] or 0 for r in rows]
        ax.barh(y - 0.4 + h * (j + 0.5), vals, h, label=f"{s}x{s} input")
    for i, r in enumerate(rows):
        if all(r[f"{s} px"] is None for s in ss):
            ax.text(0.01 * top, i, "not run: no native bf16" if "bf16" in r["not run"] else "not run",
                    va="center", fontsize=8, color="0.35")
    ax.set_yticks(y, [r["configuration"] for r in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("training images per second")
    ax.set_title(f"{record['device']}, {record['threads']} threads, batch {record['batch_size']}", fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def plot_step_time(record: dict, ax=None):
    """Stacked bars: seconds of one training step of our engine by kind of operation, per input size."""
    import matplotlib.pyplot as plt

    ss = [s for s in sizes(record) if record["sizes"][str(s)].get("ours_default_profile_seconds")]
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 0.9 * len(ss) + 1.6))
    else:
        fig = ax.figure
    kinds = []
    for s in ss:
        for k in record["sizes"][str(s)]["ours_default_profile_seconds"]:
            if k not in kinds:
                kinds.append(k)
    for i, s in enumerate(ss):
        prof = record["sizes"][str(s)]["ours_default_profile_seconds"]
        left = 0.0
        for j, k in enumerate(kinds):
            v = prof.get(k, 0.0)
            ax.barh(i, v, left=left, color=plt.cm.tab10(j % 10), label=k if i == 0 else None)
            left += v
    ax.set_yticks(range(len(ss)), [f"{s}x{s}" for s in ss])
    ax.invert_yaxis()
    ax.set_xlabel("seconds of one training step (batch %d)" % record["batch_size"])
    ax.legend(fontsize=8, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.35))
    fig.tight_layout()
    return fig


def time_to_accuracy(record: Mapping[str, Any], threshold: float) -> Optional[Dict[str, float]]:
    """Wall-clock minutes and epochs until the validation accuracy first reaches ``threshold``.

    Minutes add up each epoch's training and evaluation seconds (the
    record's ``seconds`` and ``eval_seconds``) up to and including the first
    epoch whose ``val_accuracy`` is at least ``threshold`` (a fraction: 0.9
    for 90%). ``None`` if no epoch reaches it.
    """
    seconds = 0.0
    for i, e in enumerate(record.get("epochs") or [], start=1):
        seconds += float(e.get("seconds") or 0.0) + float(e.get("eval_seconds") or 0.0)
        acc = e.get("val_accuracy")
        if acc is not None and acc >= threshold:
            return {"minutes": seconds / 60.0, "epochs": int(e.get("epoch", i))}
    return None
