"""The headline of chapter 7: test top-1 per group, framework and seed with the mean,
beside the slides and the literature; the runs of each group; the recipes in words
and as settings; a record's configuration, to train it again."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from .records import (
    PUBLISHED, Recipe, Runs, SLIDES, _FRAMEWORK_NAMES, _cfg, _last_val, eval_size, recipes,
    source_size, train_size,
)
from .tables import pct


# --------------------------------------------------------------------------
# Runs per recipe, framework and seed
# --------------------------------------------------------------------------


def headline_rows(runs: Runs) -> List[Dict[str, Any]]:
    """The chapter's headline table: per group of :func:`recipes` (the current
    engines first, with its recipe in words) and framework, each seed's test top-1 of the runs with
    auxiliary heads and their mean; then the slides' two results and the
    published ones (:data:`SLIDES`, :data:`PUBLISHED`) in the mean column.
    Values are text, ready to show; a seed a framework did not run reads "-"."""
    groups = recipes(runs)
    seeds = sorted({s for g in groups for accs in framework_results(g).values() for s, _ in accs})
    rows = []
    for g in groups:
        for k, (fw, accs) in enumerate(framework_results(g).items()):
            by_seed = dict(accs)
            row = {"runs": g.label if k == 0 else "", "recipe": g.description if k == 0 else "",
                   "framework": _FRAMEWORK_NAMES.get(fw, fw)}
            row.update({f"seed {s}": pct(by_seed[s]) if s in by_seed else "-" for s in seeds})
            row["mean"] = pct(float(np.mean([a for _, a in accs])))
            rows.append(row)
    refs = [("the slides, from scratch", pct(SLIDES["scratch"]["test"], 2)),
            ("the slides, ImageNet-pretrained", pct(SLIDES["pretrained"]["test"], 0)),
            ("Castelluccio et al. (2015), from scratch", f"about {pct(PUBLISHED['scratch'], 0)}"),
            ("Castelluccio et al. (2015), fine-tuned", pct(PUBLISHED["finetuned"], 1))]
    for label, value in refs:
        row = {"runs": label, "recipe": "", "framework": ""}
        row.update({f"seed {s}": "" for s in seeds})
        row["mean"] = value
        rows.append(row)
    return rows


def train_config(record: Mapping[str, Any], **overrides: Any):
    """The ``TrainConfig`` that repeats a run, from its record's configuration
    (its known fields; ``overrides`` replace the session's own, such as
    ``data_dir`` and ``out_dir``). Pass it to :func:`inception.train.train`."""
    return _train_config({**_cfg(record), **overrides})


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


def recipe_sentence(record: Mapping[str, Any]) -> str:
    """What a run's recipe trains and how, in words, from its configuration:
    ``"the batch-norm variant from random weights, with both auxiliary heads, by SGD
    with Nesterov momentum 0.9 under a one-cycle schedule that rises to a peak
    rate of 0.1 and falls to almost zero, with weight decay 0.0005 and label
    smoothing 0.1"``."""
    c = _train_config(_cfg(record))
    variant = {"bn": "batch-norm", "paper": "paper's"}.get(c.variant, repr(c.variant))
    parts = [f"the {variant} variant " + ("from ImageNet weights" if c.pretrained else "from random weights")]
    parts.append("with both auxiliary heads" if c.aux_logits else "without auxiliary heads")
    opt = {"sgd": "SGD" + (f" with Nesterov momentum {c.momentum:g}" if c.nesterov else f" with momentum {c.momentum:g}"),
           "rmsprop": "RMSProp", "adamw": "AdamW"}.get(c.optimizer, c.optimizer)
    sched = {"onecycle": f"a one-cycle schedule that rises to a peak rate of {c.lr:g} and falls to almost zero",
             "cosine": f"a cosine schedule from a rate of {c.lr:g}",
             "constant": f"a constant rate of {c.lr:g}"}.get(c.schedule, f"a {c.schedule} schedule from {c.lr:g}")
    parts.append(f"by {opt} under {sched}")
    parts.append(f"with weight decay {c.weight_decay:g} and label smoothing {c.label_smoothing:g}")
    return ", ".join(parts)


def recipe_settings(groups: Sequence[Recipe]) -> List[Dict[str, Any]]:
    """The settings of each group's recipe side by side (one column per group
    label), read from its first run's configuration: where the training crops
    are cut from, the training and evaluation sizes, epochs, batch, optimiser,
    schedule, peak rate, weight decay, label smoothing."""
    cfgs = [(g.label, _train_config(_cfg(g.record)).to_dict()) for g in groups]
    rows = [
        {"setting": "training crops cut from (px)", **{lab: source_size({"config": c}) for lab, c in cfgs}},
        {"setting": "training size (px)", **{lab: train_size({"config": c}) for lab, c in cfgs}},
        {"setting": "validation and test size (px)", **{lab: eval_size({"config": c}) for lab, c in cfgs}},
    ]
    for k in ("epochs", "batch_size", "optimizer", "schedule", "lr", "weight_decay", "label_smoothing"):
        rows.append({"setting": k.replace("_", " ").replace("lr", "peak learning rate"),
                     **{lab: c.get(k) for lab, c in cfgs}})
    return rows


