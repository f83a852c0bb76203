"""Tables from the run records: one row per run, the recipes, resolutions, the slides'
comparison, seeds and auxiliary heads, as data and as ready text; the seed arithmetic
(how many seeds a difference needs) and the validation sweep read in words. The headline
is :mod:`~inception.course.results.headline`; the mistakes :mod:`~inception.course.results.mistakes`."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

import numpy as np

from inception.data._base import CLASSES

from .records import (
    Run, Runs, SLIDES, _FRAMEWORK_NAMES, _cfg, _read_json,
    eval_size, final_train_accuracy, recipe_key, recipe_label, recipes, run_label, source_size,
    train_size,
)


# --------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------


def summary_rows(runs: Runs) -> List[Dict[str, Any]]:
    """One row per run: framework, seed, auxiliary heads, epochs, input size,
    test top-1 and top-5, macro F1, wall time (hours) and training images per
    second, all taken from the record."""
    rows = []
    for name, run in runs.items():
        r = run.record
        cfg = _cfg(r)
        rows.append({
            "run": name,
            "framework": _FRAMEWORK_NAMES.get(r.get("framework"), r.get("framework")),
            "seed": cfg.get("seed"),
            "aux heads": "yes" if cfg.get("aux_logits", True) else "no",
            "epochs": len(r.get("epochs") or []),
            "image size": cfg.get("image_size"),
            "crops from": source_size(r),
            "evaluated at": eval_size(r),
            "test top-1": r.get("test_accuracy"),
            "test top-5": r.get("test_top5"),
            "macro F1": r.get("macro_f1"),
            "wall time (h)": (r.get("wall_time_seconds") or 0) / 3600,
            "train img/s": (r.get("images_per_second") or {}).get("train"),
        })
    return rows


SUMMARY_FORMATS = {
    "test top-1": lambda v: pct(v, 1), "test top-5": lambda v: pct(v, 1), "macro F1": ".3f",
    "wall time (h)": ".2f", "train img/s": ".1f",
}


def pct(x: Optional[float], digits: int = 1) -> str:
    """A fraction as a percentage for tables and prose (``0.9524`` -> ``"95.2%"``; ``None`` -> ``"n/a"``)."""
    return "n/a" if x is None else f"{100 * float(x):.{digits}f}%"


def recipe_rows(record: Mapping[str, Any]) -> List[Dict[str, str]]:
    """The training recipe of a run, read from its record: one row per setting."""
    from inception.data.transforms import DEFAULT_AUGMENT as A

    c = _cfg(record)
    opt = c.get("optimizer")
    opt_text = opt
    if opt == "sgd":
        opt_text = f"SGD, momentum {c.get('momentum')}" + (", Nesterov" if c.get("nesterov") else "")
    sched = c.get("schedule")
    if sched == "onecycle":
        sched_text = (f"one-cycle: cosine from peak/25 up to the peak over the first "
                      f"{c.get('onecycle_pct_start', 0.3):.0%} of the steps, then cosine down to peak/250,000")
    elif sched == "cosine":
        sched_text = f"cosine after {c.get('warmup_epochs', 0):g} warm-up epochs"
    else:
        sched_text = str(sched)
    aug = "none"
    if c.get("augment", True):
        aug = (f"random resized crop (area {A.scale[0]:g}-{A.scale[1]:g}), all 8 flips/90-degree rotations, "
               f"colour jitter {A.brightness:g}")
    device = (record.get("device") or {}).get("description", "")
    versions = record.get("versions") or {}
    fw = record.get("framework")
    lib = f"torch {versions.get('torch')}" if fw == "torch" else f"TensorFlow {versions.get('tensorflow')}, Keras {versions.get('keras')}"
    rows = [
        ("framework", f"{_FRAMEWORK_NAMES.get(fw, fw)} ({lib})"),
        ("model", f"GoogLeNet, '{c.get('variant')}' variant"
                  + (", auxiliary heads weighted " + f"{c.get('aux_weight'):g}" if c.get("aux_logits", True) else ", no auxiliary heads")),
        ("initialisation", "ImageNet weights" if c.get("pretrained") else "from scratch (random)"),
        ("training input", f"{c.get('image_size')}x{c.get('image_size')} crops, cut from the images "
                           f"resized to {source_size(record)}x{source_size(record)}"),
        ("validation and test input", f"{eval_size(record)}x{eval_size(record)} (whole image resized, "
                                      "fixed before training)"),
        ("epochs x batch", f"{c.get('epochs')} x {c.get('batch_size')} ({record.get('steps_per_epoch')} steps per epoch)"),
        ("optimiser", opt_text),
        ("learning rate", f"peak {c.get('lr'):g}, {sched_text}"),
        ("weight decay", f"{c.get('weight_decay'):g} (not on biases and batch norm)"),
        ("label smoothing", f"{c.get('label_smoothing'):g}"),
        ("augmentation", aug),
        ("seed", str(c.get("seed"))),
        ("device", device),
    ]
    return [{"setting": k, "value": v} for k, v in rows]


def command_line(config: Mapping[str, Any], data_dir: str = "DIR", out: Optional[str] = None) -> str:
    """The ``python -m inception.train`` command that repeats a run's recipe:
    every recipe option that differs from the default, rendered from the
    configuration (``data_dir`` and ``out`` replace the session's own)."""
    from inception.train.config import OPTIONS, SESSION_FIELDS, TrainConfig

    defaults = TrainConfig().to_dict()
    flags = {name: fl[0] for name, fl, _ in OPTIONS}
    parts = ["python -m inception.train"]
    # the main choices always appear, the others when they differ from the default
    always = ["framework", "variant", "pretrained", "image_size", "batch_size", "epochs", "optimizer", "lr",
              "schedule"]
    names = always + [n for n in defaults if n not in always]
    for name in names:
        if name in SESSION_FIELDS or name not in config:
            continue
        value = config[name]
        if value == defaults.get(name) and name not in always:
            continue
        flag = flags[name]
        if isinstance(value, bool):
            parts.append(flag if value else "--no-" + flag[2:])
        elif value is None:
            continue
        else:
            parts.append(f"{flag} {value:g}" if isinstance(value, float) else f"{flag} {value}")
    parts.append(f"--data-dir {data_dir}")
    if out:
        parts.append(f"--out {out}")
    return " ".join(parts)


#: The input sizes at which ``data/runs/run_all.sh`` evaluates each finished run
#: (:mod:`inception.train.evaluate`; ``EVAL_SIZES`` there, a test checks they agree).
EVAL_SIZES: Tuple[int, ...] = (128, 144, 160, 176, 192, 224)


def read_resolutions(run: Run) -> Optional[Dict[str, Any]]:
    """A run's test-time resolution sweep (``resolutions.json`` beside its
    record, written by ``python -m inception.train.evaluate``), or ``None``."""
    if run.path is None:
        return None
    rec = _read_json(Path(run.path) / "resolutions.json")
    return rec if rec and rec.get("results") else None


def best_val_sizes(runs: Runs, framework: str) -> List[int]:
    """Every size that reaches the highest mean validation accuracy of
    :func:`chosen_eval_size` (more than one when the validation set ties)."""
    return _best_sizes(_framework_sweeps(runs, framework))


def _best_sizes(sweeps: List[Dict[str, Any]]) -> List[int]:
    if not sweeps:
        return []
    means = {size: _mean_val(sweeps, size) for size in _common_sizes(sweeps)}
    if not means:
        return []
    top = max(means.values())
    return sorted(size for size, m in means.items() if m >= top - _TIE)


def _framework_sweeps(runs: Runs, framework: str) -> List[Dict[str, Any]]:
    sweeps = [read_resolutions(run) for run in runs.values()
              if run.record.get("framework") == framework and not _cfg(run.record).get("pretrained")]
    return [sw for sw in sweeps if sw]


def _common_sizes(sweeps) -> set:
    return set.intersection(*({r["image_size"] for r in sw["results"]} for sw in sweeps))


#: Mean validation accuracies closer than this tie: the records keep accuracies to
#: 6 decimals, so equal image counts can differ by rounding, while one image of
#: 210 moves a mean by far more.
_TIE = 1e-5


def _mean_val(sweeps, size) -> float:
    return float(np.mean([next(r["val_accuracy"] for r in sw["results"] if r["image_size"] == size)
                          for sw in sweeps]))


def chosen_eval_size(runs: Runs, framework: str) -> Optional[int]:
    """The evaluation size the *validation* set picks for a framework: the size
    with the highest validation accuracy averaged over that framework's
    from-scratch runs that have a sweep (every size must be in each sweep;
    ties go to the size nearest the training size). The test set plays no part.
    ``None`` without sweeps."""
    sweeps = _framework_sweeps(runs, framework)
    best = _best_sizes(sweeps)
    if not best:
        return None
    train_size = sweeps[0].get("train_image_size", 0)
    return min(best, key=lambda size: (abs(size - train_size), size))


def _sweep_row(sweep: Mapping[str, Any], size: Optional[int]) -> Optional[Mapping[str, Any]]:
    return next((r for r in sweep["results"] if r["image_size"] == size), None) if sweep else None


def resolution_rows(runs: Runs) -> List[Dict[str, Any]]:
    """Per run with a sweep (an analysis after training, not a result): its
    recipe, the training size, the evaluation size fixed in its configuration
    and the test accuracy there (the run's one test evaluation), then the size
    that the *validation* images of its recipe and framework pick
    (:func:`chosen_eval_size`) with the validation and test accuracy there."""
    rows = []
    for group in recipes(runs):
        sizes: Dict[str, Optional[int]] = {}
        for name, run in group.runs.items():
            sweep = read_resolutions(run)
            if not sweep:
                continue
            fw = run.record.get("framework")
            if fw not in sizes:
                sizes[fw] = chosen_eval_size(group.runs, fw)
            at = _sweep_row(sweep, sizes[fw])
            rows.append({
                "run": name, "recipe": group.label, "trained at": train_size(run.record),
                "evaluated at": eval_size(run.record), "test (the run's own)": run.record.get("test_accuracy"),
                "best size on val": sizes[fw], "val there": at["val_accuracy"] if at else None,
                "test there": at.get("test_accuracy") if at else None,  # v1 sweeps only (v2: validation only)
            })
    return rows


RESOLUTION_FORMATS = {"test (the run's own)": lambda v: pct(v), "val there": lambda v: pct(v),
                      "test there": lambda v: pct(v)}


def slides_rows(runs: Runs) -> List[Dict[str, Any]]:
    """The slides' two results, then ours: train and test accuracy and the gap
    between them (train minus test). Our train accuracy is the last epoch's,
    measured under augmentation (see :func:`final_train_accuracy`)."""
    rows = [
        {"result": "slides, ImageNet-pretrained", "train": SLIDES["pretrained"]["train"],
         "test": SLIDES["pretrained"]["test"]},
        {"result": "slides, from scratch", "train": SLIDES["scratch"]["train"], "test": SLIDES["scratch"]["test"]},
    ]
    for name, run in runs.items():
        r = run.record
        init = "ImageNet-pretrained" if _cfg(r).get("pretrained") else "from scratch"
        rows.append({"result": f"ours, {run_label(r)} ({recipe_label(runs, name)}, {init})",
                     "train": final_train_accuracy(r), "test": r.get("test_accuracy")})
    for row in rows:
        row["gap"] = (row["train"] - row["test"]) if None not in (row["train"], row["test"]) else None
    return rows


def first_epoch_reaching(record: Mapping[str, Any], key: str, threshold: float) -> Optional[Tuple[int, float]]:
    """The first epoch whose ``key`` (``train_accuracy``, ``val_accuracy``) is
    at least ``threshold``, and the training seconds spent up to it; ``None``
    when no epoch reaches it."""
    total = 0.0
    for e in record.get("epochs") or []:
        total += float(e.get("epoch_seconds") or e.get("seconds") or 0.0)
        v = e.get(key)
        if v is not None and v >= threshold:
            return int(e["epoch"]), total
    return None


def _epoch(record: Mapping[str, Any], n: int) -> Dict[str, Any]:
    return next(e for e in record["epochs"] if e["epoch"] == n)


def slides_explanation(record: Mapping[str, Any]) -> Dict[str, Any]:
    """What our learning curve says about the slides' numbers.

    For each of the slides' accuracies: the first epoch at which our run
    reached it (training accuracy for their train number, validation accuracy
    for their test number), the minutes of training it took, and, at the
    epoch where our training accuracy first reached theirs, our validation
    accuracy there. Also both train-test gaps.
    """
    out: Dict[str, Any] = {"epochs": len(record.get("epochs") or []),
                           "final_train": final_train_accuracy(record),
                           "test": record.get("test_accuracy")}
    for setting, numbers in SLIDES.items():
        tr = first_epoch_reaching(record, "train_accuracy", numbers["train"])
        va = first_epoch_reaching(record, "val_accuracy", numbers["test"])
        out[setting] = {
            "train_epoch": tr[0] if tr else None,
            "train_minutes": tr[1] / 60 if tr else None,
            "val_at_train_epoch": _epoch(record, tr[0]).get("val_accuracy") if tr else None,
            "val_epoch": va[0] if va else None,
            "val_minutes": va[1] / 60 if va else None,
            "slides_gap": numbers["train"] - numbers["test"],
        }
    if out["final_train"] is not None and out["test"] is not None:
        out["our_gap"] = out["final_train"] - out["test"]
    else:
        out["our_gap"] = None
    return out


def _seed_key(record: Mapping[str, Any]) -> str:
    """The recipe plus the framework and the auxiliary heads: what runs that
    differ only in the seed share."""
    c = _cfg(record)
    return json.dumps([recipe_key(record), record.get("framework") or c.get("framework"),
                       c.get("aux_logits", True), c.get("aux_weight"), c.get("aux_dropout")], default=str)


def seed_spread(runs: Runs) -> List[Dict[str, Any]]:
    """Runs of the same recipe and framework that differ only in the seed,
    grouped: the recipe, the number of seeds, their test accuracies, mean,
    min, max, range and sample standard deviation (``sd``, ``None`` for one seed)."""
    groups: Dict[str, List[Run]] = {}
    for group in recipes(runs):  # the current engines first
        for run in group.runs.values():
            groups.setdefault(_seed_key(run.record), []).append(run)
    rows = []
    for members in groups.values():
        accs = [m.record["test_accuracy"] for m in members]
        first = members[0].record
        rows.append({
            "recipe": recipe_label(runs, members[0].name),
            "runs": run_label(first).split(", seed")[0] + (", no aux" if not _cfg(first).get("aux_logits", True) else ""),
            "seeds": ", ".join(str(_cfg(m.record).get("seed")) for m in members),
            "n": len(members),
            "mean": float(np.mean(accs)), "min": float(np.min(accs)), "max": float(np.max(accs)),
            "range": float(np.max(accs) - np.min(accs)),
            "sd": float(np.std(accs, ddof=1)) if len(accs) > 1 else None,
        })
    return rows


SPREAD_FORMATS = {"mean": lambda v: pct(v), "min": lambda v: pct(v), "max": lambda v: pct(v),
                  "range": lambda v: f"{100 * v:.1f} points"}


def aux_comparison(runs: Runs) -> List[Dict[str, Any]]:
    """Same recipe, framework and seed with and without the auxiliary heads:
    test top-1, best validation accuracy, final training loss of the main
    head, training speed and wall time. Pairs runs whose configurations differ
    only in ``aux_logits`` (and ``aux_weight``/``aux_dropout``); empty without
    such a pair. Each pair is one seed: a difference means something only
    beside the seed-to-seed spread (:func:`seed_spread`)."""
    def key(r):
        c = _cfg(r)
        return json.dumps([recipe_key(r), r.get("framework") or c.get("framework"), c.get("seed")], default=str)

    with_aux = {key(r.record): r for r in runs.values() if _cfg(r.record).get("aux_logits", True)}
    rows = []
    for run in runs.values():
        r = run.record
        if _cfg(r).get("aux_logits", True):
            continue
        partner = with_aux.get(key(r))
        if partner is None:
            continue
        for label, x in (("with aux heads", partner), ("without aux heads", run)):
            rec = x.record
            vals = [e["val_accuracy"] for e in rec["epochs"] if e.get("val_accuracy") is not None]
            rows.append({"run": x.name, "recipe": recipe_label(runs, x.name), "variant": label,
                         "test top-1": rec["test_accuracy"],
                         "best val": max(vals) if vals else None,
                         "final train main loss": rec["epochs"][-1].get("train_main_loss"),
                         "train img/s": (rec.get("images_per_second") or {}).get("train"),
                         "wall time (h)": rec.get("wall_time_seconds", 0) / 3600})
    return rows


AUX_FORMATS = {"test top-1": lambda v: pct(v), "best val": lambda v: pct(v), "final train main loss": ".3f",
               "train img/s": ".1f", "wall time (h)": ".2f"}


# --------------------------------------------------------------------------
# Ready tables for the chapter (text cells, nothing left to format)
# --------------------------------------------------------------------------


def seed_table(runs: Runs) -> List[Dict[str, str]]:
    """:func:`seed_spread` as text: percentages, and the range in points, or
    "–" for a row with one seed (a range needs two)."""
    return [{"recipe": r["recipe"], "runs": r["runs"], "seeds": r["seeds"], "n": str(r["n"]),
             "mean": pct(r["mean"]), "min": pct(r["min"]), "max": pct(r["max"]),
             "range": f"{100 * r['range']:.1f} points" if r["n"] > 1 else "–"} for r in seed_spread(runs)]


def aux_table(runs: Runs) -> List[Dict[str, str]]:
    """:func:`aux_comparison` as text."""
    def f(v, spec):
        return "n/a" if v is None else spec(v)

    return [{"run": r["run"], "recipe": r["recipe"], "variant": r["variant"],
             "test top-1": f(r["test top-1"], pct), "best val": f(r["best val"], pct),
             "final train main loss": f(r["final train main loss"], lambda v: f"{v:.3f}"),
             "train img/s": f(r["train img/s"], lambda v: f"{v:.1f}"),
             "wall time (h)": f(r["wall time (h)"], lambda v: f"{v:.2f}")} for r in aux_comparison(runs)]


def slides_table(runs: Runs) -> List[Dict[str, str]]:
    """:func:`slides_rows` as text: accuracies to two decimals, the gap in points."""
    return [{"result": r["result"], "train": pct(r["train"], 2), "test": pct(r["test"], 2),
             "gap": "n/a" if r["gap"] is None else f"{100 * r['gap']:+.1f} points"} for r in slides_rows(runs)]




def recipe_table(config: Mapping[str, Any]) -> List[Dict[str, str]]:
    """A training configuration (a dict such as :data:`FINETUNE_RECIPE`) as one
    row per setting."""
    return [{"setting": k.replace("_", " "), "value": str(v)} for k, v in config.items()]


# --------------------------------------------------------------------------
# How many seeds a comparison needs
# --------------------------------------------------------------------------


def seed_sd(runs: Runs) -> Optional[Tuple[float, int, str]]:
    """The spread of test accuracy between seeds: the sample standard deviation
    of the runs of the :func:`seed_spread` row with the most seeds (at least
    two), with its number of seeds and its label. ``None`` without such a row."""
    rows = [r for r in seed_spread(runs) if r["n"] > 1]
    if not rows:
        return None
    row = max(rows, key=lambda r: r["n"])  # the first such row on a tie
    return row["sd"], row["n"], f"{row['runs']}, {row['recipe']}"


def difference_se(sd: float, k: int) -> float:
    """The standard error of a difference of two means of ``k`` runs each,
    when single runs scatter with standard deviation ``sd``: ``sd * sqrt(2/k)``."""
    return float(sd * math.sqrt(2.0 / k))


def seeds_for_se(effect: float, sd: float, z: float = 2.0) -> int:
    """The fewest seeds per arm for which ``effect`` is ``z`` standard errors of
    the difference: the smallest ``k`` with ``effect >= z * sd * sqrt(2/k)``."""
    return int(math.ceil(2.0 * (z * sd / effect) ** 2 - 1e-9))


def seeds_for_power(effect: float, sd: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """Seeds per arm for a two-sided test at level ``alpha`` to detect
    ``effect`` with probability ``power`` (normal approximation):
    ``k = 2 (z_{1-alpha/2} + z_power)^2 (sd / effect)^2``, rounded up."""
    from statistics import NormalDist

    z = NormalDist().inv_cdf(1 - alpha / 2) + NormalDist().inv_cdf(power)
    return int(math.ceil(2.0 * (z * sd / effect) ** 2 - 1e-9))


# --------------------------------------------------------------------------
# The size sweep, read on validation
# --------------------------------------------------------------------------


def sweep_reading(runs: Runs) -> List[Dict[str, Any]]:
    """Per framework with sweeps (from-scratch runs): the validation accuracy
    averaged over its runs at each size, the size validation picks
    (:func:`chosen_eval_size`), every size tied with it, the training size,
    the gain there over the training size (accuracy, and in validation
    images) and the size where the average is lowest."""
    from inception.data.split import VAL_PER_CLASS

    n_val = VAL_PER_CLASS * len(CLASSES)
    out = []
    for fw in ("torch", "keras"):
        sweeps = _framework_sweeps(runs, fw)
        if not sweeps:
            continue
        sizes = sorted(_common_sizes(sweeps))
        means = {s: _mean_val(sweeps, s) for s in sizes}
        chosen = chosen_eval_size(runs, fw)
        train = sweeps[0].get("train_image_size")
        gain = means[chosen] - means[train] if train in means else None
        out.append({"framework": fw, "runs": len(sweeps), "means": means, "chosen": chosen,
                    "tied": best_val_sizes(runs, fw), "train": train, "gain": gain,
                    "gain_images": None if gain is None else gain * n_val,
                    "worst": min(means, key=means.get)})
    return out
