"""Tables from the run records: runs per recipe, framework and seed, the
recipes, resolutions, the slides' comparison, seeds, auxiliary heads,
confusions, the training cross-check, and every number chapter 7 quotes
(:func:`quoted_numbers`)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from inception.data._base import CLASSES

from .records import (
    SCRATCH_RECIPE, Recipe, Run, Runs, SLIDES, _FRAMEWORK_NAMES, _cfg, _last_val, _read_json,
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
                "test there": at["test_accuracy"] if at else None,
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
        rows.append({"result": f"ours, {run_label(r)} ({init}, {len(r.get('epochs') or [])} epochs)",
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
    min, max and range."""
    groups: Dict[str, List[Run]] = {}
    for run in runs.values():
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
# Runs per recipe, framework and seed
# --------------------------------------------------------------------------


def queued_recipe_key() -> str:
    """The recipe key of :data:`SCRATCH_RECIPE`, the recipe ``data/runs/run_all.sh`` runs."""
    from inception.train.config import TrainConfig

    return recipe_key({"config": TrainConfig(**SCRATCH_RECIPE).to_dict()})


def queued_recipe(runs: Runs) -> Recipe:
    """The recipe of :data:`SCRATCH_RECIPE` with its finished runs (possibly
    none yet), labelled in the order of :func:`recipes` (after the others
    when it has no run yet)."""
    from .records import _ORDINALS

    groups = recipes(runs)
    key = queued_recipe_key()
    for g in groups:
        if g.key == key:
            return g
    n = len(groups)
    label = f"{_ORDINALS[n] if n < len(_ORDINALS) else str(n + 1) + 'th'} recipe"
    return Recipe(label, key, {})


def run_rows(runs: Runs) -> List[Dict[str, Any]]:
    """One row per finished run, grouped by recipe (oldest first), then
    framework and seed: the sizes (crops cut from, trained at, evaluated at),
    the validation accuracy after the last epoch, the test top-1 and top-5 of
    the run's one test evaluation, and the wall time."""
    rows = []
    for group in recipes(runs):
        ordered = sorted(group.runs.items(), key=lambda kv: (
            not _cfg(kv[1].record).get("aux_logits", True), kv[1].record.get("framework") != "torch",
            _cfg(kv[1].record).get("seed", 0)))
        for name, run in ordered:
            r, cfg = run.record, _cfg(run.record)
            rows.append({
                "recipe": group.label,
                "framework": _FRAMEWORK_NAMES.get(r.get("framework"), r.get("framework")),
                "seed": cfg.get("seed"),
                "aux heads": "yes" if cfg.get("aux_logits", True) else "no",
                "crops from": source_size(r), "trained at": train_size(r), "evaluated at": eval_size(r),
                "val (last epoch)": _last_val(r) if _last_val(r) >= 0 else None,
                "test top-1": r.get("test_accuracy"), "test top-5": r.get("test_top5"),
                "wall time (h)": (r.get("wall_time_seconds") or 0) / 3600,
            })
    return rows


RUN_FORMATS = {"val (last epoch)": lambda v: pct(v), "test top-1": lambda v: pct(v),
               "test top-5": lambda v: pct(v), "wall time (h)": ".1f"}


def framework_results(group: Recipe, aux: bool = True) -> Dict[str, List[Tuple[int, float]]]:
    """A recipe's test accuracies per framework: ``{"torch": [(seed, acc), ...]}``,
    runs with (``aux=True``) or without the auxiliary heads, by seed."""
    out: Dict[str, List[Tuple[int, float]]] = {}
    for run in group.runs.values():
        cfg = _cfg(run.record)
        if bool(cfg.get("aux_logits", True)) != aux:
            continue
        out.setdefault(run.record.get("framework"), []).append((int(cfg.get("seed", 0)), run.record["test_accuracy"]))
    return {fw: sorted(v) for fw, v in sorted(out.items(), key=lambda kv: kv[0] != "torch")}


def _and(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def results_sentence(group: Recipe) -> str:
    """The test accuracies of a recipe's runs with auxiliary heads, per framework,
    in words: ``"PyTorch 92.9% and 91.4% (seeds 0 and 1, mean 92.1%); Keras 86.7% (seed 0)"``."""
    parts = []
    for fw, accs in framework_results(group).items():
        seeds = [str(s) for s, _ in accs]
        text = f"{_FRAMEWORK_NAMES.get(fw, fw)} {_and([pct(a) for _, a in accs])} "
        text += f"(seed{'s' if len(seeds) > 1 else ''} {_and(seeds)}"
        text += f", mean {pct(np.mean([a for _, a in accs]))})" if len(accs) > 1 else ")"
        parts.append(text)
    return "; ".join(parts) if parts else "no run of it has finished yet"


def framework_gap(group: Recipe) -> Optional[float]:
    """PyTorch's mean test accuracy minus Keras' over the seeds both ran (``None``
    without such a seed)."""
    res = framework_results(group)
    t, k = dict(res.get("torch", [])), dict(res.get("keras", []))
    both = sorted(set(t) & set(k))
    if not both:
        return None
    return float(np.mean([t[s] for s in both]) - np.mean([k[s] for s in both]))


def _train_config(config: Mapping[str, Any]):
    """A run configuration (a record's ``config``) as a ``TrainConfig``: its
    known fields only, not validated (its data folder need not exist here)."""
    from inception.train.config import TrainConfig

    known = TrainConfig().to_dict()
    return TrainConfig(**{k: v for k, v in config.items() if k in known})


def recipe_comparison(first: Optional[Mapping[str, Any]], second: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """The settings in which two recipes differ, side by side, from two run
    configurations (records' ``config`` or :data:`SCRATCH_RECIPE`): where the
    crops are cut from, the training and the evaluation size, and every other
    recipe field that differs."""
    a = _train_config(first).to_dict() if first else None
    b = _train_config(second).to_dict()
    ra, rb = ({"config": a} if a else None), {"config": b}
    rows = [
        {"setting": "training crops cut from (px)", "first": source_size(ra) if ra else None,
         "second": source_size(rb)},
        {"setting": "training size (px)", "first": train_size(ra) if ra else None, "second": train_size(rb)},
        {"setting": "validation and test size (px)", "first": eval_size(ra) if ra else None,
         "second": eval_size(rb)},
    ]
    for k in ("epochs", "batch_size", "optimizer", "lr", "schedule", "weight_decay", "label_smoothing"):
        rows.append({"setting": k.replace("_", " "), "first": a.get(k) if a else None, "second": b.get(k)})
    return rows


# --------------------------------------------------------------------------
# The training cross-check
# --------------------------------------------------------------------------


def crosscheck_rows(checks: Mapping[Tuple[int, str], Mapping[str, Any]]) -> List[Dict[str, Any]]:
    """One row per cross-check (seed, precision): steps, the largest difference
    between the two pipelines' images, whether every batch had the same labels,
    the largest relative difference of the main loss over the first steps and
    over all steps, the yardstick's largest (the same engine against itself,
    one ulp apart; the largest over ``nudged runs`` such runs) and how
    many steps stayed within the allowed multiple of it."""
    from inception.train.crosscheck import CROSS_TOLERANCE

    rows = []
    for (seed, dtype), c in checks.items():
        ys = [r.get("yardstick_rel_diff") for r in c["rows"] if r.get("yardstick_rel_diff") is not None]
        bad = c.get("steps_beyond_yardstick")
        rows.append({
            "seed": seed, "precision": dtype, "steps": c["steps"],
            "largest image difference": c.get("max_input_abs_diff"),
            "same labels": "yes" if c.get("labels_equal") else "no",
            "loss difference, early steps": c.get("max_early_cross_rel_diff"),
            "loss difference, all steps": c.get("max_cross_rel_diff"),
            "yardstick, all steps": max(ys) if ys else None,
            "nudged runs": c.get("yardsticks", 1) if ys else 0,
            f"steps within {CROSS_TOLERANCE:g}x the yardstick": (
                f"{c['steps'] - len(bad)} of {c['steps']}" if bad is not None else "n/a"),
        })
    return rows


def _sci(v: Optional[float]) -> str:
    return "n/a" if v is None else f"{v:.1e}"


CROSSCHECK_FORMATS = {"largest image difference": _sci, "loss difference, early steps": _sci,
                      "loss difference, all steps": _sci, "yardstick, all steps": _sci}


def per_class_recall(record: Mapping[str, Any]) -> Dict[str, float]:
    """Per-class accuracy (recall) on the test set: class -> fraction right."""
    return {c: float(v["recall"]) for c, v in (record.get("per_class") or {}).items()}


def top_confusions(record: Mapping[str, Any], k: int = 5) -> List[Dict[str, Any]]:
    """The ``k`` largest off-diagonal entries of the confusion matrix (rows:
    true class, columns: predicted)."""
    cm = np.asarray(record.get("confusion_matrix") or [], dtype=int)
    if cm.size == 0:
        return []
    classes = list((record.get("per_class") or {}).keys()) or list(CLASSES)
    off = cm.copy()
    np.fill_diagonal(off, 0)
    order = sorted(((int(off[i, j]), i, j) for i in range(len(cm)) for j in range(len(cm)) if off[i, j] > 0),
                   key=lambda t: (-t[0], t[1], t[2]))[:k]
    return [{"true": classes[i], "predicted": classes[j], "images": n, "of": int(cm[i].sum())}
            for n, i, j in order]


def misclassified(predictions: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """Every wrong test prediction: stem, true and predicted class, the
    predicted class's probability and the true class's rank in the top 5
    (``None`` if outside it); most confident mistakes first."""
    classes = predictions["classes"]
    out = []
    for i, (stem, t, p, ok) in enumerate(zip(predictions["stems"], predictions["true"], predictions["pred"],
                                             predictions["correct"])):
        if ok:
            continue
        top5 = list(predictions["top5"][i])
        out.append({"stem": stem, "true": classes[t], "predicted": classes[p],
                    "probability": float(predictions["top5_prob"][i][0]),
                    "true rank": (top5.index(t) + 1) if t in top5 else None})
    out.sort(key=lambda r: (-r["probability"], r["stem"]))
    return out


#: The SGD comparison of :func:`convention_sizes` counts the steps whose rate is
#: at least this fraction of the peak (below it, steps are too small to matter).
LIVE_RATE = 0.01


def convention_sizes(record: Mapping[str, Any]) -> Dict[str, Any]:
    """How large two of the first recipe's convention differences were, from a
    run's configuration (chapter 7, "PyTorch against Keras").

    * SGD: the step sizes of PyTorch's and Keras' momentum under the run's own
      schedule, for a gradient that never changes
      (:func:`inception.train.schedules.momentum_step_sizes`): ``sgd_low`` and
      ``sgd_high``, the smallest and largest ratio Keras / PyTorch while the
      rate is at least :data:`LIVE_RATE` of its peak; ``sgd_path``, the summed difference of
      the steps as a fraction of PyTorch's summed steps; ``sgd_total``, the
      ratio of the summed steps.
    * Batch norm: ``bn_grid``, the last block's (smallest) grid, ``bn_values``, the values per channel that a batch's
      statistics average over in the last block (batch x the smallest grid), and
      ``bn_std``, how much larger PyTorch's unbiased running variance makes the
      test-time standard deviation there, ``sqrt(m / (m - 1)) - 1`` (smaller grids
      are where it is largest).
    """
    from inception.counting import count_blocks
    from inception.spec import googlenet_spec
    from inception.train.schedules import lr_curve, momentum_step_sizes

    cfg = _train_config(_cfg(record))
    steps = int(record.get("steps_per_epoch") or 0)
    if steps < 1:
        raise ValueError("the record has no steps_per_epoch")
    rates = np.array(lr_curve(steps, cfg))
    t, k = (np.array(v) for v in momentum_step_sizes(rates, cfg.momentum, cfg.nesterov))
    live = rates >= LIVE_RATE * rates.max()
    ratio = k[live] / t[live]
    spec = googlenet_spec(cfg.variant, num_classes=len(CLASSES), aux_logits=cfg.aux_logits)
    grid = min((b.output_shape[1:] for b in count_blocks(spec, cfg.image_size) if len(b.output_shape) == 3),
               key=lambda hw: hw[0] * hw[1])
    m = cfg.batch_size * grid[0] * grid[1]
    return {"steps": int(len(rates)), "momentum": cfg.momentum,
            "sgd_low": float(ratio.min()), "sgd_high": float(ratio.max()),
            "sgd_path": float(np.abs(k - t).sum() / t.sum()), "sgd_total": float(k.sum() / t.sum()),
            "bn_grid": tuple(int(v) for v in grid), "bn_values": int(m),
            "bn_std": float(math.sqrt(m / (m - 1)) - 1)}


def loss_above(group: Recipe, framework: str = "keras", metric: str = "train_main_loss") -> Optional[Dict[str, Any]]:
    """At how many epochs a recipe's ``framework`` run (with auxiliary heads,
    the lowest seed) had a ``metric`` above every run of the other framework
    (with heads): ``{"run", "epochs", "above", "others"}``; ``None`` without
    runs of both."""
    mine = sorted((n for n, r in group.runs.items() if r.record.get("framework") == framework
                   and _cfg(r.record).get("aux_logits", True)), key=lambda n: _cfg(group.runs[n].record).get("seed", 0))
    others = [r.record for n, r in group.runs.items() if r.record.get("framework") != framework
              and _cfg(r.record).get("aux_logits", True)]
    if not mine or not others:
        return None
    curve = [e[metric] for e in group.runs[mine[0]].record["epochs"]]
    n = min([len(curve)] + [len(o["epochs"]) for o in others])
    above = sum(curve[i] > max(o["epochs"][i][metric] for o in others) for i in range(n))
    return {"run": mine[0], "epochs": n, "above": int(above), "others": len(others)}
