"""Tables from the run records: summaries, recipe, targets, resolutions,
the slides' comparison, seeds, auxiliary heads, confusions, and every number
chapter 7 quotes (:func:`quoted_numbers`)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from ..data._base import CLASSES, IMAGENET_MEAN, IMAGENET_STD, IMAGES_PER_CLASS, repo_root


from .records import (
    BUILT_UP,
    EXPECTED_RUNS,
    KERAS_RUN,
    MAIN_RUN,
    NOAUX_RUN,
    PUBLISHED,
    PathLike,
    Run,
    Runs,
    SLIDES,
    TARGETS,
    _FRAMEWORK_NAMES,
    _cfg,
    _read_json,
    final_train_accuracy,
    image_sizes,
    run_label,
    size_summary,
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
    from ..data.transforms import DEFAULT_AUGMENT as A

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
        ("input", f"{c.get('image_size')}x{c.get('image_size')} (whole image resized)"),
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
    from ..train.config import OPTIONS, SESSION_FIELDS, TrainConfig

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


def targets_rows(runs: Runs) -> List[Dict[str, Any]]:
    """Our test accuracy per from-scratch run against this project's target
    for its framework and the published from-scratch GoogLeNet (~92%)."""
    rows = []
    for name, run in runs.items():
        r = run.record
        if _cfg(r).get("pretrained"):
            continue
        fw = r.get("framework")
        target = TARGETS.get(fw)
        acc = r.get("test_accuracy")
        rows.append({
            "run": name, "test top-1": acc, "target": target,
            "target met": _met(acc, target),
            "vs published ~92%": (acc - PUBLISHED["scratch"]) if acc is not None else None,
        })
    return rows


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
    """Per run with a sweep: test accuracy as trained (the training size), the
    framework's validation-chosen evaluation size (:func:`chosen_eval_size`)
    and the test accuracy there, against the framework's target."""
    rows, sizes = [], {}
    for name, run in runs.items():
        sweep = read_resolutions(run)
        if not sweep:
            continue
        fw = run.record.get("framework")
        if fw not in sizes:
            sizes[fw] = chosen_eval_size(runs, fw)
        size = sizes[fw]
        at = _sweep_row(sweep, size)
        target = TARGETS.get(fw)
        acc = at["test_accuracy"] if at else None
        rows.append({
            "run": name, "trained at": sweep.get("train_image_size"),
            "test, as trained": run.record.get("test_accuracy"), "eval size (val-chosen)": size,
            "val there": at["val_accuracy"] if at else None, "test there": acc, "target": target,
            "target met": _met(acc, target),
        })
    return rows


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


def _recipe_key(record: Mapping[str, Any]) -> str:
    from ..train.config import SESSION_FIELDS

    c = {k: v for k, v in _cfg(record).items() if k not in SESSION_FIELDS and k != "seed"}
    return json.dumps(c, sort_keys=True)


def seed_spread(runs: Runs) -> List[Dict[str, Any]]:
    """Runs of the same recipe that differ only in the seed, grouped: the
    number of seeds, their test accuracies, mean, min, max and range."""
    groups: Dict[str, List[Run]] = {}
    for run in runs.values():
        groups.setdefault(_recipe_key(run.record), []).append(run)
    rows = []
    for members in groups.values():
        accs = [m.record["test_accuracy"] for m in members]
        first = members[0].record
        rows.append({
            "recipe": run_label(first).split(", seed")[0] + (", no aux" if not _cfg(first).get("aux_logits", True) else ""),
            "seeds": ", ".join(str(_cfg(m.record).get("seed")) for m in members),
            "n": len(members),
            "mean": float(np.mean(accs)), "min": float(np.min(accs)), "max": float(np.max(accs)),
            "range": float(np.max(accs) - np.min(accs)),
        })
    return rows


def aux_comparison(runs: Runs) -> List[Dict[str, Any]]:
    """Same recipe with and without the auxiliary heads: test top-1, best
    validation accuracy, final training loss of the main head, training speed
    and wall time. Pairs runs whose recipes differ only in ``aux_logits``
    (and ``aux_weight``/``aux_dropout``); empty without such a pair."""
    def key(r):
        from ..train.config import SESSION_FIELDS

        c = {k: v for k, v in _cfg(r).items()
             if k not in SESSION_FIELDS and k not in ("aux_logits", "aux_weight", "aux_dropout")}
        return json.dumps(c, sort_keys=True)

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
            rows.append({"run": x.name, "variant": label, "test top-1": rec["test_accuracy"],
                         "best val": max(vals) if vals else None,
                         "final train main loss": rec["epochs"][-1].get("train_main_loss"),
                         "train img/s": (rec.get("images_per_second") or {}).get("train"),
                         "wall time (h)": rec.get("wall_time_seconds", 0) / 3600})
    return rows


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


# --------------------------------------------------------------------------
# Every number the chapter quotes
# --------------------------------------------------------------------------


def _fmt_minutes(m: Optional[float]) -> str:
    return "n/a" if m is None else f"{m:.0f} minutes"


def _fmt_epoch(e: Optional[int]) -> str:
    return "never" if e is None else str(e)


#: The runs chapter 7's prose quotes by name: (glue key suffix, run name).
_QUOTED_RUNS = (("torch0", MAIN_RUN), ("keras0", KERAS_RUN), ("torch1", EXPECTED_RUNS[2].name), ("noaux", NOAUX_RUN))


def _verdict(acc: float, target: Optional[float]) -> str:
    """``"met"``, ``"missed by X points"``, or ``"n/a"`` without a target."""
    if target is None:
        return "n/a"
    return "met" if acc >= target else f"missed by {100 * (target - acc):.1f} points"


def _met(acc: Optional[float], target: Optional[float]) -> str:
    return "yes" if (target is not None and acc is not None and acc >= target) else "no"


def quoted_numbers(runs: Runs, data_dir: Optional[PathLike] = None) -> Dict[str, str]:
    """Every number chapter 7 quotes in its prose, as the text shown: glue
    name -> text. Values of a run that has not finished read ``"n/a"`` (the
    chapter says so). The chapter glues exactly these; a test compares them
    with the executed notebook's outputs."""
    q: Dict[str, str] = {}
    sizes = size_summary(image_sizes(data_dir))
    q["ch7_classes"] = str(len(CLASSES))
    q["ch7_images"] = f"{sizes['n_images']:,}"
    q["ch7_odd"] = str(sizes["n_odd"])
    q["ch7_n_sizes"] = str(sizes["n_sizes"])
    q["ch7_min_side"] = str(sizes["min_side"])
    q["ch7_max_side"] = str(sizes["max_side"])
    q["ch7_distortion"] = pct(sizes["max_distortion"], 1)
    from ..data.split import TEST_PER_CLASS, VAL_PER_CLASS

    n = len(CLASSES)
    q["ch7_n_test"] = str(TEST_PER_CLASS * n)
    q["ch7_n_val"] = str(VAL_PER_CLASS * n)
    q["ch7_n_train"] = f"{(IMAGES_PER_CLASS - TEST_PER_CLASS - VAL_PER_CLASS) * n:,}"
    q["ch7_slides_pre_train"] = pct(SLIDES["pretrained"]["train"], 0)
    q["ch7_slides_pre_test"] = pct(SLIDES["pretrained"]["test"], 0)
    q["ch7_slides_scr_train"] = pct(SLIDES["scratch"]["train"], 2)
    q["ch7_slides_scr_test"] = pct(SLIDES["scratch"]["test"], 2)
    q["ch7_target_torch"] = pct(TARGETS["torch"], 0)
    q["ch7_target_keras"] = pct(TARGETS["keras"], 0)
    q["ch7_n_finished"] = str(len(runs))
    q["ch7_n_expected"] = str(len(EXPECTED_RUNS))

    def rec(name):
        return runs[name].record if name in runs else None

    for key, name in _QUOTED_RUNS:
        r = rec(name)
        q[f"ch7_acc_{key}"] = pct(r["test_accuracy"]) if r else "n/a"
        q[f"ch7_top5_{key}"] = pct(r["test_top5"]) if r else "n/a"
        q[f"ch7_hours_{key}"] = f"{r['wall_time_seconds'] / 3600:.1f}" if r else "n/a"
        q[f"ch7_epochs_{key}"] = str(len(r["epochs"])) if r else "n/a"
        q[f"ch7_verdict_{key}"] = _verdict(r["test_accuracy"], TARGETS.get(r["framework"])) if r else "n/a"
        q[f"ch7_wrong_{key}"] = (str(sum(not c for c in runs[name].predictions["correct"]))
                                 if r and runs[name].predictions else "n/a")
    # why the slides fell short, from the main run (or the first finished one)
    base = rec(MAIN_RUN) or (next(iter(runs.values())).record if runs else None)
    q["ch7_base_run"] = run_label(base) if base else "n/a"
    q["ch7_base_epochs"] = str(len(base["epochs"])) if base else "n/a"
    q["ch7_epoch_seconds"] = (f"{float(np.median([e['seconds'] for e in base['epochs']])):.0f}"
                              if base and base["epochs"] else "n/a")
    ex = slides_explanation(base) if base else None
    for setting, short in (("scratch", "scr"), ("pretrained", "pre")):
        e = ex[setting] if ex else {}
        q[f"ch7_{short}_train_epoch"] = _fmt_epoch(e.get("train_epoch")) if ex else "n/a"
        q[f"ch7_{short}_train_minutes"] = _fmt_minutes(e.get("train_minutes"))
        q[f"ch7_{short}_val_at_train"] = pct(e.get("val_at_train_epoch")) if ex else "n/a"
        q[f"ch7_{short}_val_epoch"] = _fmt_epoch(e.get("val_epoch")) if ex else "n/a"
        q[f"ch7_{short}_val_minutes"] = _fmt_minutes(e.get("val_minutes"))
    q["ch7_slides_scr_gap"] = f"{100 * (SLIDES['scratch']['train'] - SLIDES['scratch']['test']):.1f}"
    q["ch7_slides_pre_gap"] = f"{100 * (SLIDES['pretrained']['train'] - SLIDES['pretrained']['test']):.0f}"
    q["ch7_base_final_train"] = pct(ex["final_train"]) if ex else "n/a"
    q["ch7_base_test"] = pct(ex["test"]) if ex else "n/a"
    q["ch7_base_gap"] = (f"{100 * ex['our_gap']:+.1f}" if ex and ex["our_gap"] is not None else "n/a")
    main = rec(MAIN_RUN)
    mp = runs[MAIN_RUN].predictions if main else None
    if mp:
        wrong = [(t, p) for t, p, ok in zip(mp["true"], mp["pred"], mp["correct"]) if not ok]
        built = {CLASSES.index(c) for c in BUILT_UP}
        q["ch7_builtup_wrong"] = str(sum(t in built or p in built for t, p in wrong))
    else:
        q["ch7_builtup_wrong"] = "n/a"
    top = top_confusions(main, k=1) if main else []
    q["ch7_top_confusion"] = (f"{top[0]['true']} taken for {top[0]['predicted']} ({top[0]['images']} of "
                              f"{top[0]['of']} images)" if top else "n/a")
    if base:
        both = [e for e in base["epochs"] if e.get("val_accuracy") is not None]
        q["ch7_val_above_train"] = str(sum(e["val_accuracy"] > e["train_accuracy"] for e in both))
        q["ch7_val_epochs"] = str(len(both))
    else:
        q["ch7_val_above_train"] = q["ch7_val_epochs"] = "n/a"
    spread = [s for s in seed_spread(runs) if s["n"] > 1]
    q["ch7_seed_n"] = str(spread[0]["n"]) if spread else "n/a"
    q["ch7_seed_mean"] = pct(spread[0]["mean"]) if spread else "n/a"
    q["ch7_seed_range"] = f"{100 * spread[0]['range']:.1f}" if spread else "n/a"
    # test-time resolution: the validation-chosen size per framework, and each run's test there
    eval_size = {fw: chosen_eval_size(runs, fw) for fw in TARGETS}
    for fw, size in eval_size.items():
        q[f"ch7_eval_size_{fw}"] = str(size) if size else "n/a"
        best = best_val_sizes(runs, fw)
        q[f"ch7_eval_ties_{fw}"] = (", ".join(str(b) for b in best[:-1]) + f" and {best[-1]} tie on validation; "
                                    "the nearest to the training size is taken" if len(best) > 1 else
                                    "no tie on validation" if best else "n/a")
    for key, name in _QUOTED_RUNS:
        run = runs.get(name)
        fw = run.record["framework"] if run else None
        at = _sweep_row(read_resolutions(run), eval_size.get(fw)) if run else None
        q[f"ch7_acc_eval_{key}"] = pct(at["test_accuracy"]) if at else "n/a"
        q[f"ch7_verdict_eval_{key}"] = _verdict(at["test_accuracy"], TARGETS.get(fw)) if at else "n/a"
    q["ch7_published_scratch"] = pct(PUBLISHED["scratch"], 0)
    q["ch7_published_finetuned"] = pct(PUBLISHED["finetuned"], 0)
    return q
