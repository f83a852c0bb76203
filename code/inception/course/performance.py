"""Benchmark records for the Performance appendix: load, judge, tabulate, plot.

The records are JSON files in ``data/benchmarks/`` written by the scripts in
``benchmarks/`` (``bench_models.py``: training speed of torchvision's
GoogLeNet, our two engines and their precisions, side by side in one run, at
several input sizes; ``bench_zoo.py``: eight networks' counted and measured
cost beside their published accuracy; ``bench_data.py``: the input
pipeline). Nothing here times anything.

A record is a measurement only if it says so: :func:`is_reliable` is true
for a record whose load check passed (``"reliable": true``), and false for a
quick check of a script, for a record taken on a busy machine, and for one
written before the benchmarks checked the load. :func:`unreliable_reason`
says why in words; the page then shows no numbers from it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence

__all__ = ["BENCHMARK_DIR", "CONFIGURATIONS", "load_benchmarks", "is_reliable", "unreliable_reason",
           "sizes", "speed_rows", "ratio_rows", "flop_rows", "profile_rows", "pipeline_rows", "plot_throughput",
           "plot_step_time", "time_to_accuracy", "run_rate_rows",
           "load_summary", "status_sentence", "engine_sentence", "run_agreement_sentence",
           "plot_subnormal_census", "record_facts", "load_clause",
           "speed_displays", "flop_displays", "rounds_clause",
           "tta_rows", "bf16_sentence", "validation_step"]

def benchmark_dir() -> Path:
    """The committed benchmark records: ``data/benchmarks`` of the checkout, or
    the copy installed with the package (:func:`inception.data._base.records_dir`)."""
    from inception.data._base import records_dir

    return records_dir("benchmarks")


#: ``data/benchmarks`` where the package is used from a checkout (see :func:`benchmark_dir`).
BENCHMARK_DIR = benchmark_dir()

#: The model benchmark's configurations, in reading order, with what each one is.
CONFIGURATIONS = {
    "torchvision_plain": "torchvision, float32",
    "torchvision_channels_last": "torchvision, float32, channels-last",
    "torchvision_channels_last_ftz": "torchvision, float32, channels-last, denormals flushed",
    "torchvision_bf16_channels_last": "torchvision, bf16, channels-last",
    "ours_default": "our PyTorch engine (its defaults, with data loading)",
    "ours_step_fixed_batch": "our PyTorch engine's step alone (one batch in memory)",
    "keras_fp32": "our Keras engine, float32 (step only)",
    "keras_default": "our Keras engine (its defaults, with data loading)",
    "keras_bf16": "our Keras engine, bf16 (step only)",
}


def load_benchmarks(root: Optional[Path] = None) -> Dict[str, dict]:
    """Every ``*.json`` record in ``root`` (default ``data/benchmarks``), by file stem.
    Quick records and dry runs are skipped: they check the scripts, they measure nothing."""
    root = Path(root) if root else benchmark_dir()
    out = {}
    for path in sorted(root.glob("*.json")):
        rec = json.loads(path.read_text())
        if rec.get("quick") or rec.get("dry_run"):
            continue
        out[path.stem] = rec
    return out


def is_reliable(record: Optional[Mapping]) -> bool:
    """True only for a record whose load check passed: ``"reliable": true`` and not a quick check."""
    return bool(record) and record.get("reliable") is True and not record.get("quick")


def unreliable_reason(record: Optional[Mapping]) -> str:
    """Why a record is not a measurement, in words ("" for a reliable one)."""
    if not record:
        return "no benchmark has been recorded"
    if is_reliable(record):
        return ""
    if record.get("reliability_reason"):
        return record["reliability_reason"]
    before = record.get("load_average_before") or [None]
    load = f"; its one-minute load average was {before[0]:.1f} on {record.get('cpu_count', '?')} cores" \
        if before[0] is not None else ""
    return f"it was taken before the benchmarks checked that the machine was quiet{load}"


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
            sp = (m.get("train_spread") or {}).get(name)
            row[f"{s} px range"] = (sp["min"], sp["max"]) if sp else None
            why = why or m["skipped"].get(name, "")
        row["not run"] = why
        rows.append(row)
    return rows


#: The ratios of a record, in reading order, as a reader would name them.
RATIOS = {
    "ours_default_over_torchvision_plain": "our PyTorch engine / torchvision, float32",
    "ours_default_over_torchvision_best": "our PyTorch engine / torchvision's fastest setting here",
    "ours_step_over_torchvision_best": "our PyTorch step alone / torchvision's fastest setting here",
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
    """Per size: our step's precision, its arithmetic rate, and that rate as a fraction of
    the matmul rate in the same precision (the CPU's best on one large product)."""
    rows = []
    for s in sizes(record):
        m = record["sizes"][str(s)]
        r = m["ratios"]
        frac = r.get("ours_default_fraction_of_matmul", r["ours_default_fraction_of_fp32_matmul"])
        rows.append({"input": f"{s} px", "precision": m.get("ours_default_precision", "fp32"),
                     "GFLOP/s of our step": r["ours_default_gflops"], "of the matmul rate": frac})
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
    plt.close(fig)  # no automatic display: the notebook shows it once
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
    plt.close(fig)  # no automatic display: the notebook shows it once
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


# ---------------------------------------------------------------------------
# the benchmark against the training runs
# ---------------------------------------------------------------------------


def run_rate_rows(record: Mapping, runs: Mapping[str, Any], size: int = 128, tolerance: float = 0.25) -> List[dict]:
    """Our engines' rate in the benchmark beside the training rate the run records report.

    ``runs`` maps names to run records (``record.json`` contents) or to
    objects with a ``.record``. One row per framework: the benchmark's
    images/s at ``size`` (``ours_default``, ``keras_default``: the engine with
    its data loading), the median training images/s of the runs of that
    framework at that size, their CPU and precision, whether the CPU is the
    benchmark's, and whether the two rates agree within ``tolerance``.
    """
    m = record["sizes"].get(str(size))
    if m is None:
        return []
    rows = []
    for fw, key in (("torch", "ours_default"), ("keras", "keras_default")):
        bench = m["train_images_per_second"].get(key)
        recs = [getattr(r, "record", r) for r in runs.values()]
        recs = [r for r in recs if r.get("framework") == fw and (r.get("config") or {}).get("image_size") == size
                and (r.get("images_per_second") or {}).get("train")]
        if bench is None or not recs:
            continue
        rates = sorted(float(r["images_per_second"]["train"]) for r in recs)
        run_rate = rates[len(rates) // 2] if len(rates) % 2 else 0.5 * (rates[len(rates) // 2 - 1] + rates[len(rates) // 2])
        cpus = sorted({(r.get("device") or {}).get("name", "") for r in recs})
        precs = sorted({(r.get("device") or {}).get("precision", "fp32") for r in recs})
        bench_prec = m.get("ours_default_precision") if fw == "torch" else (m.get("keras") or {}).get("default_precision")
        ratio = bench / run_rate
        rows.append({"engine": "PyTorch" if fw == "torch" else "Keras", "benchmark images/s": bench,
                     "benchmark precision": bench_prec, "runs": len(recs), "runs images/s": run_rate,
                     "runs CPU": ", ".join(cpus), "runs precision": ", ".join(precs),
                     "same CPU": cpus == [record.get("device")], "ratio": ratio,
                     "agree": abs(ratio - 1.0) <= tolerance})
    return rows


# ---------------------------------------------------------------------------
# Is GoogLeNet efficient?
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# sentences for the page: what a record is, and what it says
# ---------------------------------------------------------------------------


def load_summary(record: Mapping) -> Dict[str, Optional[float]]:
    """The one-minute load averages of a record: ``before``, ``peak`` (during and after) and ``after``."""
    load = record.get("load") or {}
    before = load.get("before", (record.get("load_average_before") or [None])[0])
    after = load.get("after", (record.get("load_average_after") or [None])[0])
    during = [x for x in list(load.get("during") or []) + [after] if x is not None]
    return {"before": before, "peak": max(during) if during else None, "after": after}


def load_clause(record: Mapping) -> str:
    """``"load 6.6 on 2 cores"``: the one-minute load average before the run
    (or the highest one during and after it, if higher), on the record's cores."""
    ld = load_summary(record)
    loads = [x for x in (ld["before"], ld["peak"]) if x is not None]
    if not loads:
        return ""
    cores = record.get("cpu_count")
    return f"load {max(loads):.1f}" + (f" on {cores} cores" if cores else "")


def status_sentence(record: Optional[Mapping], what: str = "timings") -> str:
    """One sentence: where and how quietly the benchmark ran, or that its
    ``what`` are not shown because the machine was busy (or nothing ran)."""
    if not record:
        return f"No benchmark has been run yet, so no {what} are shown."
    if not is_reliable(record):
        load = load_clause(record)
        return (f"The benchmark ran on a busy machine{f' ({load})' if load else ''}; "
                f"its {what} are not shown.")
    ld = load_summary(record)
    threads = record.get("threads", 1)
    return (f"The {what} below were measured on {record['device']}, {threads} thread{'s' if threads != 1 else ''} "
            f"per framework, with the one-minute load average at {ld['before']:.2f} before the run and at most "
            f"{ld['peak']:.2f} during and after it (the benchmark's own threads included).")


def rounds_clause(record: Optional[Mapping], default: int = 5) -> str:
    """``"5 rounds give 5 rates"``, from the record's ``rounds`` (or the benchmark's default)."""
    n = int((record or {}).get("rounds") or default)
    return f"{n} round{'s' if n != 1 else ''} give{'' if n != 1 else 's'} {n} rate{'s' if n != 1 else ''}"


def _digits(d: int):
    return lambda x: "" if x is None else f"{x:.{d}f}"


def speed_displays(record: Optional[Mapping]) -> list:
    """What the page shows of a models record: for a quiet one the throughput
    figure, the rates and the ratios; nothing otherwise (the page says why
    once, with :func:`status_sentence`)."""
    from inception.course.book import fmt_ratio, show, table

    if not is_reliable(record):
        return []

    def rng(x):
        return "" if x is None else f"{x[0]:.1f} to {x[1]:.1f}"

    cols = {}
    for s in sizes(record):
        cols[f"{s} px"] = _digits(1)
        cols[f"{s} px range"] = rng
    ratio = {f"{s} px": (lambda x: "" if x is None else fmt_ratio(x, 2)) for s in sizes(record)}
    return [show(plot_throughput(record)),
            table(speed_rows(record), formats=cols, headers={"not run": "why not run"}),
            table(ratio_rows(record), formats=ratio)]


def flop_displays(record: Optional[Mapping]) -> list:
    """The arithmetic rate of our step and where its time goes, for a quiet
    record only (nothing otherwise: the sentence was said once already)."""
    from inception.course.book import fmt_pct, show, table

    if not is_reliable(record):
        return []
    return [table(flop_rows(record), formats={"GFLOP/s of our step": ".1f",
                                              "of the matmul rate": fmt_pct}),
            show(plot_step_time(record))]


def tta_rows(runs: Mapping[str, Any], thresholds: Sequence[float] = (0.90, 0.95)) -> List[dict]:
    """One row per training run: its label, precision, input size and the
    epochs until its validation accuracy first reached each threshold
    (``None`` if never). No minutes: the runs shared their machine."""
    from inception.course.results.records import run_label

    rows = []
    for run in runs.values():
        rec = getattr(run, "record", run)
        row = {"run": run_label(rec), "precision": (rec.get("device") or {}).get("precision", "fp32"),
               "input": f"{rec['config']['image_size']} px"}
        for th in thresholds:
            hit = time_to_accuracy(rec, th)
            row[f"epochs to {th:.0%}"] = hit["epochs"] if hit else None
        rows.append(row)
    return rows


def bf16_sentence(record: Optional[Mapping], runs: Mapping[str, Any]) -> str:
    """What the benchmark's CPU and the training runs' CPUs say about bf16,
    from the records: native or not, the runs' CPU and precision, and the
    measured bf16/float32 matrix-product rates only for a quiet record."""
    recs = [getattr(r, "record", r) for r in runs.values()]
    run_cpus = sorted({(r.get("device") or {}).get("name", "") for r in recs} - {""})
    run_prec = sorted({(r.get("device") or {}).get("precision", "fp32") for r in recs})
    if not record:
        text = "No benchmark record names a CPU yet."
    else:
        native = record.get("bf16_native")
        text = (f"The benchmark's CPU, {record['device']}, "
                + ("computes bf16 natively." if native else "has no native bf16."))
        mm = record.get("matmul_gflops") or {}
        if is_reliable(record) and mm.get("bf16") and mm.get("fp32"):
            text += (f" On it a bf16 matrix product ran at {mm['bf16']:.0f} GFLOP/s against "
                     f"{mm['fp32']:.0f} in float32, {mm['bf16'] / mm['fp32']:.2f} times the rate.")
    if run_cpus:
        same = record is not None and run_cpus == [record.get("device")]
        text += (f" The training runs of chapter 7 ran {'on the same CPU' if same else 'on another CPU'}"
                 f"{'' if same else ', ' + ', '.join(run_cpus) + ','} in {' and '.join(run_prec)}.")
    return text


def validation_step(num_val: int) -> float:
    """How many percentage points one validation image is worth."""
    return 100.0 / num_val


def engine_sentence(record: Mapping, size: int) -> str:
    """The ratios of a reliable models record at ``size``, in one or two sentences."""
    m = record["sizes"][str(size)]
    r = m["ratios"]
    best = CONFIGURATIONS.get(r["torchvision_best_setting"], r["torchvision_best_setting"])
    text = (f"At {size}x{size}, our PyTorch engine, data loading included, trains at {r['ours_default_over_torchvision_best']:.2f}x "
            f"the speed of torchvision's fastest setting on this CPU ({best}, one in-memory batch) and at "
            f"{r['ours_default_over_torchvision_plain']:.2f}x torchvision's defaults")
    if r.get("ours_step_over_torchvision_best") is not None:
        text += (f"; its step alone, on one batch in memory as torchvision's is timed, runs at "
                 f"{r['ours_step_over_torchvision_best']:.2f}x")
    if r.get("keras_default_over_torch_default") is not None:
        text += f"; the Keras engine trains at {r['keras_default_over_torch_default']:.2f}x our PyTorch engine's speed"
    return text + "."


def run_agreement_sentence(rows: List[dict]) -> str:
    """What :func:`run_rate_rows` found, in words: agreement, or why the rates differ."""
    if not rows:
        return "No training run of the same input size is recorded to compare with."
    parts = []
    for r in rows:
        s = (f"the {r['engine']} engine's {r['benchmark images/s']:.1f} images/s in the benchmark are "
             f"{r['ratio']:.2f}x the {r['runs images/s']:.1f} its {r['runs']} training run"
             f"{'s' if r['runs'] != 1 else ''} recorded")
        if r["agree"]:
            s += " (within 25%)"
        elif not r["same CPU"]:
            s += (f", but the runs were trained on another CPU ({r['runs CPU']}) in {r['runs precision']}, "
                  f"the benchmark computed in {r['benchmark precision']}")
        else:
            s += ", more than 25% apart on the same CPU"
        parts.append(s)
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def plot_subnormal_census(rows: List[dict], tiny: float = 1.1754943508222875e-38):
    """The smallest nonzero magnitude in the gradients, the momentum buffers and the class
    probabilities at every step of a census (:func:`inception.course.benchtools.subnormal_census`), on a
    log scale, with the subnormal range (below ``tiny``) shaded."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.4))
    steps = [r["step"] for r in rows]
    for key, label in (("grad_min", "gradients"), ("momentum_min", "momentum buffers"),
                       ("prob_min", "class probabilities (softmax)")):
        ys = [r[key] if r[key] > 0 else float("nan") for r in rows]
        ax.plot(steps, ys, marker=".", label=label)
    ax.axhspan(1e-46, tiny, color="C3", alpha=0.12, label="subnormal range (below 1.2e-38)")
    ax.set_yscale("log")
    ax.set_ylim(1e-46, 1.0)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("training step")
    ax.set_ylabel("smallest nonzero magnitude")
    ax.legend(fontsize=8, loc="center right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    plt.close(fig)
    return fig


def record_facts(records: Mapping[str, Optional[Mapping]]) -> List[dict]:
    """What each benchmark record says about itself, one column per record (``{column: record}``):
    machine, native bf16, rounds, load averages, and whether its timings are shown.
    These are facts about the records, not results; a missing record's column is left out."""
    rows = []
    present = {k: r for k, r in records.items() if r}

    def add(what, fn):
        row = {"": what}
        for k, r in present.items():
            try:
                v = fn(r)
            except (KeyError, TypeError, ValueError):
                v = None
            row[k] = "" if v is None else v
        rows.append(row)

    add("machine", lambda r: r["device"])
    add("native bf16", lambda r: ("yes" if r["bf16_native"] else "no") if "bf16_native" in r else None)
    add("rounds", lambda r: r["rounds"])
    add("load before (one-minute average)", lambda r: f"{load_summary(r)['before']:.2f}")
    add("load during and after, at most", lambda r: f"{load_summary(r)['peak']:.2f}")
    add("timings shown?", lambda r: "yes" if is_reliable(r) else "no: the machine was busy")
    return rows
