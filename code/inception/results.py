"""Results on UC Merced, read from the committed run records (chapter 7).

The training runs (``python -m inception.train``, queued by
``data/runs/run_all.sh``) leave a small record per run under
``data/runs/<name>/``: ``record.json`` (configuration, learning curve, test
metrics, timings), ``predictions.json`` (every test image's top-5) and, once
computed with :func:`compute_cams`, ``cams.json`` (class activation maps of a
few test images). No weights and no images are committed. Everything here
reads those files, so the chapter renders anywhere, and degrades to a note
where a run has not finished or the images are not on the machine.

* Loading: :func:`load_runs`, :data:`EXPECTED_RUNS`, :func:`runs_status`.
* Tables: :func:`summary_rows`, :func:`recipe_rows`, :func:`command_line`,
  :func:`targets_rows`, :func:`slides_rows` (against :data:`SLIDES`),
  :func:`seed_spread`, :func:`aux_comparison`, :func:`top_confusions`,
  :func:`misclassified`.
* Why the slides' run fell short, from our learning curve:
  :func:`first_epoch_reaching`, :func:`slides_explanation`.
* Figures (matplotlib, not displayed; show them with
  :func:`inception.book.show`): :func:`plot_learning_curves`,
  :func:`plot_confusion`, :func:`plot_per_class`, :func:`plot_gallery`,
  :func:`plot_class_grid`, :func:`plot_size_histogram`, :func:`plot_cams`.
* The data set: :func:`image_sizes` (headers, or :data:`ODD_SIZES` when the
  images are absent), :func:`size_summary`, :func:`class_counts`.
* Class activation maps: :func:`compute_cams` (needs the run's checkpoint),
  :func:`read_cams`.
* Every number the chapter quotes: :func:`quoted_numbers` (tests compare it
  with the chapter's glued values).

A figure function returns ``None`` when what it needs is missing;
:func:`missing_note` says why, in a sentence for the reader.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from .data._base import CLASSES, IMAGENET_MEAN, IMAGENET_STD, IMAGES_PER_CLASS, repo_root

__all__ = [
    "RunSpec",
    "Run",
    "EXPECTED_RUNS",
    "SLIDES",
    "TARGETS",
    "PUBLISHED",
    "ODD_SIZES",
    "FINETUNE_RECIPE",
    "SCRATCH_RECIPE",
    "gpu_plan",
    "default_runs_dir",
    "find_images",
    "load_runs",
    "runs_status",
    "run_label",
    "final_train_accuracy",
    "summary_rows",
    "recipe_rows",
    "command_line",
    "targets_rows",
    "slides_rows",
    "first_epoch_reaching",
    "slides_explanation",
    "seed_spread",
    "aux_comparison",
    "per_class_recall",
    "top_confusions",
    "misclassified",
    "image_sizes",
    "size_summary",
    "class_counts",
    "compute_cams",
    "read_cams",
    "quoted_numbers",
    "missing_note",
    "pct",
    "show_photos",
    "plot_learning_curves",
    "plot_confusion",
    "plot_per_class",
    "plot_gallery",
    "plot_class_grid",
    "plot_size_histogram",
    "plot_cams",
    "EVAL_SIZES",
    "read_resolutions",
    "chosen_eval_size",
    "best_val_sizes",
    "resolution_rows",
    "plot_resolutions",
]

PathLike = Union[str, Path]

# --------------------------------------------------------------------------
# What the chapter expects, and the numbers it compares against
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class RunSpec:
    """A run the chapter expects (``data/runs/run_all.sh`` queues them in this order)."""

    name: str
    framework: str
    seed: int
    aux: bool
    role: str


#: The from-scratch runs behind the chapter, most important first.
EXPECTED_RUNS: Tuple[RunSpec, ...] = (
    RunSpec("torch-bn128-seed0", "torch", 0, True, "the recipe, PyTorch"),
    RunSpec("keras-bn128-seed0", "keras", 0, True, "the recipe, Keras"),
    RunSpec("torch-bn128-seed1", "torch", 1, True, "second seed"),
    RunSpec("torch-bn128-noaux-seed0", "torch", 0, False, "without auxiliary heads"),
)
MAIN_RUN = EXPECTED_RUNS[0].name
KERAS_RUN = EXPECTED_RUNS[1].name
NOAUX_RUN = EXPECTED_RUNS[3].name

#: The course slides' results on UC Merced (accuracy, as fractions).
SLIDES: Dict[str, Dict[str, float]] = {
    "pretrained": {"train": 0.88, "test": 0.70},
    "scratch": {"train": 0.6578, "test": 0.4505},
}

#: Test top-1 targets of this project (issue 9), per framework.
TARGETS: Dict[str, float] = {"torch": 0.95, "keras": 0.94}

#: Published GoogLeNet accuracies on UC Merced (Castelluccio et al. 2015,
#: cross-validated, full-size inputs): about 92% from scratch, about 97%
#: fine-tuned from ImageNet weights. Quoted, not measured here.
PUBLISHED: Dict[str, float] = {"scratch": 0.92, "finetuned": 0.97}

#: The from-scratch recipe of :data:`EXPECTED_RUNS` (``RECIPE`` in
#: ``data/runs/run_all.sh``; a test checks they agree): the batch-norm
#: variant at 128x128, SGD with Nesterov momentum, one-cycle schedule peaking
#: at 0.1, weight decay 5e-4, label smoothing 0.1, 70 epochs.
SCRATCH_RECIPE: Dict[str, Any] = {
    "variant": "bn", "image_size": 128, "batch_size": 32, "epochs": 70, "optimizer": "sgd", "lr": 0.1,
    "schedule": "onecycle", "weight_decay": 5e-4, "label_smoothing": 0.1,
}

#: The ImageNet fine-tuning recipe the chapter proposes for a GPU (not run here).
FINETUNE_RECIPE: Dict[str, Any] = {
    "framework": "torch", "variant": "bn", "pretrained": "imagenet", "image_size": 224, "batch_size": 64,
    "epochs": 15, "optimizer": "sgd", "lr": 0.01, "schedule": "cosine", "warmup_epochs": 1.0,
    "weight_decay": 1e-4, "label_smoothing": 0.1, "seed": 0,
}

#: The 44 UC Merced images that are not 256x256: stem -> (width, height), read
#: from the image headers (``tests/test_results.py`` re-reads them when the
#: images are present). The other 2,056 are 256x256.
ODD_SIZES: Dict[str, Tuple[int, int]] = {
    "airplane/airplane55": (253, 256), "airplane/airplane59": (256, 253), "airplane/airplane76": (253, 256),
    "baseballdiamond/baseballdiamond15": (256, 253), "baseballdiamond/baseballdiamond35": (252, 256),
    "baseballdiamond/baseballdiamond45": (250, 256), "baseballdiamond/baseballdiamond93": (256, 255),
    "beach/beach57": (252, 256), "buildings/buildings96": (247, 247),
    "golfcourse/golfcourse04": (256, 251), "golfcourse/golfcourse05": (256, 251),
    "golfcourse/golfcourse06": (256, 251), "golfcourse/golfcourse07": (256, 251),
    "harbor/harbor10": (257, 257), "harbor/harbor43": (253, 256), "intersection/intersection99": (249, 256),
    "mobilehomepark/mobilehomepark22": (253, 256), "mobilehomepark/mobilehomepark23": (253, 256),
    "mobilehomepark/mobilehomepark24": (253, 256), "mobilehomepark/mobilehomepark33": (256, 253),
    "overpass/overpass59": (256, 254), "overpass/overpass62": (255, 256), "overpass/overpass64": (247, 247),
    "overpass/overpass65": (247, 247), "overpass/overpass66": (247, 247), "overpass/overpass67": (247, 247),
    "overpass/overpass68": (247, 247), "overpass/overpass69": (247, 247), "overpass/overpass70": (247, 247),
    "overpass/overpass71": (247, 247), "parkinglot/parkinglot09": (255, 256),
    "parkinglot/parkinglot20": (256, 247), "river/river30": (256, 251), "river/river83": (256, 249),
    "runway/runway61": (254, 256), "runway/runway88": (256, 254),
    "sparseresidential/sparseresidential22": (255, 256), "sparseresidential/sparseresidential45": (242, 256),
    "sparseresidential/sparseresidential46": (250, 256), "storagetanks/storagetanks60": (256, 249),
    "storagetanks/storagetanks62": (254, 256), "storagetanks/storagetanks63": (254, 256),
    "tenniscourt/tenniscourt14": (247, 256), "tenniscourt/tenniscourt36": (255, 256),
}
COMMON_SIZE = (256, 256)

_FRAMEWORK_NAMES = {"torch": "PyTorch", "keras": "Keras"}
#: One colour per run, in the order of :func:`load_runs`, in every run plot.
_RUN_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]

# --------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------


class Run(tuple):
    """A run: ``(record, predictions)`` (unpack it as a pair), plus ``.name``
    and ``.path`` (its folder). ``predictions`` is ``None`` when the run has
    no ``predictions.json``."""

    def __new__(cls, record: Dict[str, Any], predictions: Optional[Dict[str, Any]], name: str = "",
                path: Optional[PathLike] = None):
        self = super().__new__(cls, (record, predictions))
        self.name = name
        self.path = Path(path) if path is not None else None
        return self

    @property
    def record(self) -> Dict[str, Any]:
        return self[0]

    @property
    def predictions(self) -> Optional[Dict[str, Any]]:
        return self[1]


Runs = Mapping[str, Run]


def gpu_plan(data_dir: PathLike, out_root: PathLike, image_size: Optional[int] = None,
             finetune: bool = True) -> List[Tuple[str, Dict[str, Any]]]:
    """The runs the chapter's GPU switch trains: :data:`EXPECTED_RUNS` with
    :data:`SCRATCH_RECIPE` (``image_size`` overrides its 128), then the
    ImageNet fine-tuning run (:data:`FINETUNE_RECIPE`). Returns ``(name,
    TrainConfig keyword arguments)`` pairs; each run resumes if its folder
    holds one."""
    plan = []
    for spec in EXPECTED_RUNS:
        kw = {**SCRATCH_RECIPE, "framework": spec.framework, "seed": spec.seed, "aux_logits": spec.aux}
        if image_size:
            kw["image_size"] = image_size
        plan.append((spec.name, kw))
    if finetune:
        plan.append(("torch-bn224-imagenet-seed0", dict(FINETUNE_RECIPE)))
    for name, kw in plan:
        kw.update(data_dir=str(data_dir), out_dir=str(Path(out_root) / name), resume=True, progress="bar")
    return plan


#: Environment variable naming another folder of run records (default: ``data/runs`` of the checkout).
ENV_RUNS_DIR = "INCEPTION_RUNS_DIR"


def default_runs_dir() -> Path:
    """``$INCEPTION_RUNS_DIR`` if set, else ``data/runs`` of the checkout holding
    the package (``./data/runs`` outside a checkout)."""
    import os

    value = os.environ.get(ENV_RUNS_DIR, "").strip()
    if value:
        return Path(value).expanduser()
    root = repo_root()
    return (root if root is not None else Path.cwd()) / "data" / "runs"


def find_images(data_dir: Optional[PathLike] = None) -> Optional[Path]:
    """The folder holding UC Merced's class folders, or ``None`` when the images
    are not on this machine (``data_dir``, ``$UCMERCED_DIR``, ``data/ucmerced``
    or the shared JPEG copy next to the checkout are tried)."""
    from .data import DataError, find_data_dir
    from .data._base import env_data_dir, shared_copy_dir

    if data_dir is not None:
        candidates = [data_dir]
    else:  # $UCMERCED_DIR or data/ucmerced when they exist, then the shared copy
        candidates = [None] if (env_data_dir() is not None or _default_exists()) else []
        candidates += [c for c in (shared_copy_dir(),) if c is not None]
    for c in candidates:
        try:
            return find_data_dir(c)
        except DataError:
            continue
    return None


def _default_exists() -> bool:
    from .data._base import default_data_dir

    return default_data_dir().is_dir()


def _read_json(path: Path) -> Optional[Dict[str, Any]]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def load_runs(root: Optional[PathLike] = None, finished_only: bool = True) -> Dict[str, Run]:
    """The runs recorded under ``root`` (default :func:`default_runs_dir`).

    Returns ``{name: Run(record, predictions)}``: the folders of ``root`` that
    hold a ``record.json``, the :data:`EXPECTED_RUNS` first (in their order),
    then any other in name order. With ``finished_only`` (the default) only
    records whose status is ``finished`` and that have a test accuracy count;
    a missing or unreadable ``root`` gives ``{}``.
    """
    root = Path(root) if root is not None else default_runs_dir()
    if not root.is_dir():
        return {}
    found: Dict[str, Run] = {}
    for d in sorted(p for p in root.iterdir() if p.is_dir()):
        record = _read_json(d / "record.json")
        if record is None:
            continue
        if finished_only and not _finished(record):
            continue
        found[d.name] = Run(record, _read_json(d / "predictions.json"), d.name, d)
    order = [s.name for s in EXPECTED_RUNS if s.name in found]
    order += [n for n in found if n not in order]
    return {n: found[n] for n in order}


def _finished(record: Mapping[str, Any]) -> bool:
    return record.get("status") == "finished" and record.get("test_accuracy") is not None


def runs_status(root: Optional[PathLike] = None) -> List[Dict[str, Any]]:
    """One row per expected run (and any other recorded one): its role and
    whether its record is in ``root``, finished or how far it got."""
    all_runs = load_runs(root, finished_only=False)
    rows = []
    by_name = {s.name: s for s in EXPECTED_RUNS}
    names = list(by_name) + [n for n in all_runs if n not in by_name]
    for name in names:
        run = all_runs.get(name)
        spec = by_name.get(name)
        if run is None:
            status = "not recorded yet"
        elif _finished(run.record):
            status = f"finished ({len(run.record.get('epochs') or [])} epochs)"
        else:
            cfg = run.record.get("config") or {}
            status = f"{run.record.get('status')} ({len(run.record.get('epochs') or [])} of {cfg.get('epochs')} epochs)"
        rows.append({"run": name, "role": spec.role if spec else "other", "status": status})
    return rows


def _cfg(record: Mapping[str, Any]) -> Dict[str, Any]:
    return dict(record.get("config") or {})


def run_label(record: Mapping[str, Any]) -> str:
    """``"PyTorch, seed 0"``, ``"Keras, seed 0"``, ``"PyTorch, seed 0, no aux"``..."""
    cfg = _cfg(record)
    fw = _FRAMEWORK_NAMES.get(record.get("framework") or cfg.get("framework"), str(record.get("framework")))
    parts = [fw, f"seed {cfg.get('seed', 0)}"]
    if not cfg.get("aux_logits", True):
        parts.append("no aux")
    if cfg.get("pretrained"):
        parts.append("ImageNet")
    return ", ".join(parts)


def final_train_accuracy(record: Mapping[str, Any]) -> Optional[float]:
    """Training accuracy of the last epoch: the main head in training mode, on
    augmented images, averaged over the epoch (so below what the final
    weights score on the un-augmented training images)."""
    epochs = record.get("epochs") or []
    return epochs[-1].get("train_accuracy") if epochs else None


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
    from .data.transforms import DEFAULT_AUGMENT as A

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
    from .train.config import OPTIONS, SESSION_FIELDS, TrainConfig

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


def plot_resolutions(runs: Runs):
    """Validation (dashed) and test (solid) accuracy of each run against the
    evaluation size, the training size marked. ``None`` without sweeps."""
    sweeps = {name: read_resolutions(run) for name, run in runs.items()}
    sweeps = {n: sw for n, sw in sweeps.items() if sw}
    if not sweeps:
        return None
    fig = _figure((9, 5))
    ax = fig.subplots()
    colors = _RUN_COLORS
    for k, (name, sw) in enumerate(sweeps.items()):
        c = colors[k % len(colors)]
        sizes = [r["image_size"] for r in sw["results"]]
        label = run_label(runs[name].record)
        ax.plot(sizes, [r["test_accuracy"] for r in sw["results"]], "o-", color=c, label=f"{label}: test")
        ax.plot(sizes, [r["val_accuracy"] for r in sw["results"]], "s--", color=c, alpha=0.6, ms=4,
                label=f"{label}: val")
    train_sizes = {sw.get("train_image_size") for sw in sweeps.values()}
    for t in sorted(x for x in train_sizes if x):
        ax.axvline(t, color="grey", lw=0.8, ls=":")
        ax.text(t + 1, ax.get_ylim()[0] + 0.005, f"trained at {t}", color="grey", fontsize=8)
    for fw, target in TARGETS.items():
        if any(runs[n].record.get("framework") == fw for n in sweeps):
            ax.axhline(target, color="#999999", lw=0.6)
            ax.text(ax.get_xlim()[1], target, f" target {_FRAMEWORK_NAMES.get(fw, fw)}", fontsize=7,
                    va="center", color="#666666")
    ax.set_xlabel("evaluation size (whole image resized to S x S)")
    ax.set_ylabel("accuracy")
    ax.grid(alpha=0.3)
    # below the axes: inside, it would hide the points at the largest sizes
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=4)
    fig.tight_layout()
    return fig


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
    from .train.config import SESSION_FIELDS

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
        from .train.config import SESSION_FIELDS

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
# The data set
# --------------------------------------------------------------------------


def image_sizes(data_dir: Optional[PathLike] = None) -> Dict[str, Tuple[int, int]]:
    """Every image's (width, height): read from the file headers when
    ``data_dir`` holds the images, else the documented sizes (256x256 except
    :data:`ODD_SIZES`)."""
    root = find_images(data_dir) if data_dir is not None else None
    if root is None:
        from .data.split import canonical_stems

        return {s: ODD_SIZES.get(s, COMMON_SIZE) for s in canonical_stems()}
    from PIL import Image

    from .data.layout import scan

    sizes = {}
    for rec in scan(root, require_all_classes=False).records:
        with Image.open(rec.path) as im:
            sizes[rec.stem] = im.size
    return sizes


def size_summary(sizes: Mapping[str, Tuple[int, int]]) -> Dict[str, Any]:
    """Counts per size, how many images are not 256x256, the smallest and
    largest side, and the largest aspect distortion resizing them whole to a
    square causes (``1 - short/long`` side)."""
    from collections import Counter

    counts = Counter(sizes.values())
    odd = {s: wh for s, wh in sizes.items() if wh != COMMON_SIZE}
    sides = [v for wh in sizes.values() for v in wh]
    return {
        "n_images": len(sizes),
        "counts": dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
        "n_odd": len(odd),
        "n_sizes": len(counts),
        "min_side": min(sides) if sides else None,
        "max_side": max(sides) if sides else None,
        "max_distortion": max((1 - min(wh) / max(wh) for wh in sizes.values()), default=0.0),
        "odd_classes": sorted({s.split("/")[0] for s in odd}),
    }


def class_counts(data_dir: Optional[PathLike] = None) -> Dict[str, int]:
    """Images per class: counted in ``data_dir`` when the images are there,
    else the documented 100 per class."""
    root = find_images(data_dir) if data_dir is not None else None
    if root is None:
        return {c: IMAGES_PER_CLASS for c in CLASSES}
    from .data.layout import scan

    return dict(scan(root, require_all_classes=False).counts)


def missing_note(what: str, need: str) -> str:
    """A one-sentence note for the reader: ``what`` cannot be shown without ``need``."""
    return f"({what} not shown: {need}.)"


NO_IMAGES = ("the UC Merced images are not on this machine; set UCMERCED_DIR or run "
             "`python -m inception.data download`")

# --------------------------------------------------------------------------
# Class activation maps
# --------------------------------------------------------------------------

CAMS_FORMAT = "inception-cams-v1"

#: The classes made of houses and buildings, which differ mainly in density and layout.
BUILT_UP = ("buildings", "denseresidential", "mediumresidential", "sparseresidential", "mobilehomepark")


def _select_cam_images(predictions: Mapping[str, Any], n_correct: int, n_wrong: int) -> List[int]:
    """Indices into the test predictions: the ``n_wrong`` most confident
    mistakes, and ``n_correct`` right answers from evenly spread classes
    (the most confident in each)."""
    correct = np.asarray(predictions["correct"], dtype=bool)
    true = np.asarray(predictions["true"])
    prob = np.asarray([p[0] for p in predictions["top5_prob"]], dtype=float)
    wrong = sorted(np.flatnonzero(~correct), key=lambda i: (-prob[i], i))[:n_wrong]
    picks: List[int] = []
    n_classes = len(predictions["classes"])
    for c in np.linspace(0, n_classes - 1, max(n_correct, 1)).round().astype(int)[:n_correct]:
        idx = [i for i in np.flatnonzero(correct & (true == c)) if i not in picks]
        if idx:
            picks.append(int(max(idx, key=lambda i: (prob[i], -i))))
    rest = [int(i) for i in sorted(np.flatnonzero(correct), key=lambda i: (-prob[i], i)) if i not in picks]
    picks += rest[: n_correct - len(picks)]
    return picks + [int(i) for i in wrong]


def compute_cams(run_dir: PathLike, data_dir: Optional[PathLike], out_json: Optional[PathLike] = None,
                 n_correct: int = 6, n_wrong: int = 6, decimals: int = 4) -> Dict[str, Any]:
    """Class activation maps for a few test images of a trained run.

    Loads the run's model from its checkpoint (:func:`inception.train.load_model`:
    PyTorch or Keras, whichever the run used), picks ``n_correct`` right and
    ``n_wrong`` wrong test predictions from its ``predictions.json`` (see
    :func:`_select_cam_images`), preprocesses those images exactly as the
    evaluation did (resized whole, ImageNet normalisation) and computes, for
    each, the map of the predicted class and, for a mistake, of the true class
    too. Writes ``out_json`` (default ``run_dir/cams.json``): small, no weights
    and no pixels. Returns the same dict.

    Each item: ``stem``, ``true``, ``pred``, ``prob`` (from the predictions),
    ``model_pred`` (the reloaded model's own argmax; ``model_agrees`` counts
    the items where it equals the recorded prediction), and ``maps``: a list
    of ``{"class", "map" (h x w, rounded), "logit", "bias"}``; a map's mean
    plus its bias is the class's logit (Zhou et al. 2016).
    """
    from .cam import keras_cam, torch_cam
    from .data.layout import decode_resized, scan
    from .train import load_model

    run_dir = Path(run_dir)
    preds = _read_json(run_dir / "predictions.json")
    if preds is None:
        raise FileNotFoundError(f"{run_dir / 'predictions.json'} is missing: the run has not finished")
    root = find_images(data_dir)
    if root is None:
        raise FileNotFoundError("UC Merced images not found: " + NO_IMAGES)
    model, cfg = load_model(run_dir)
    size = cfg.image_size
    by_stem = scan(root, require_all_classes=False).by_stem()
    chosen = _select_cam_images(preds, n_correct, n_wrong)
    stems = [preds["stems"][i] for i in chosen]
    raw = np.stack([decode_resized(by_stem[s].path, size) for s in stems]).astype(np.float32) / 255.0
    x = (raw - np.asarray(IMAGENET_MEAN, np.float32)) / np.asarray(IMAGENET_STD, np.float32)  # N, S, S, 3

    def cams_for(class_idx):
        if cfg.framework == "torch":
            return torch_cam(model, x.transpose(0, 3, 1, 2), class_idx)
        return keras_cam(model, x, class_idx)

    if cfg.framework == "torch":
        bias = model.fc.bias.detach().numpy()
    else:
        bias = model.get_layer("fc").bias.numpy()
    # maps of the recorded prediction (the reloaded model's own argmax is kept as model_pred)
    pred_cls = np.asarray([preds["pred"][i] for i in chosen])
    pred_maps, _, logits = cams_for(pred_cls)
    model_pred = logits.argmax(axis=1)
    true_cls = np.asarray([preds["true"][i] for i in chosen])
    true_maps, _, _ = cams_for(true_cls)
    items = []
    for k, i in enumerate(chosen):
        maps = [{"class": int(pred_cls[k]), "map": np.round(pred_maps[k], decimals).tolist(),
                 "logit": round(float(logits[k, pred_cls[k]]), 5), "bias": round(float(bias[pred_cls[k]]), 5)}]
        if int(true_cls[k]) != int(pred_cls[k]):
            maps.append({"class": int(true_cls[k]), "map": np.round(true_maps[k], decimals).tolist(),
                         "logit": round(float(logits[k, true_cls[k]]), 5),
                         "bias": round(float(bias[true_cls[k]]), 5)})
        items.append({"stem": stems[k], "true": int(preds["true"][i]), "pred": int(preds["pred"][i]),
                      "prob": float(preds["top5_prob"][i][0]), "correct": bool(preds["correct"][i]),
                      "model_pred": int(model_pred[k]), "maps": maps})
    result = {
        "format": CAMS_FORMAT, "run": run_dir.name, "framework": cfg.framework, "image_size": size,
        "grid": list(pred_maps.shape[1:]), "classes": list(preds["classes"]),
        "n_correct": sum(it["correct"] for it in items), "n_wrong": sum(not it["correct"] for it in items),
        "model_agrees": sum(it["model_pred"] == it["pred"] for it in items),
        "items": items,
    }
    out = Path(out_json) if out_json is not None else run_dir / "cams.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, separators=(",", ":")) + "\n", encoding="utf-8")
    return result


def read_cams(path: PathLike) -> Optional[Dict[str, Any]]:
    """A ``cams.json`` written by :func:`compute_cams`, or ``None`` if absent."""
    data = _read_json(Path(path))
    if data is None or data.get("format") != CAMS_FORMAT:
        return None
    return data


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
    from .data.split import TEST_PER_CLASS, VAL_PER_CLASS

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


# --------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------


class FigureJPEG:
    """A matplotlib figure of photographs, displayed as a JPEG.

    The photo figures (class grid, gallery, activation maps) would weigh
    hundreds of kilobytes each as PNG in the committed notebook; a JPEG at
    moderate resolution is a fraction of that. Like
    :class:`inception.book.FigurePNG`, its text form is fixed.
    """

    def __init__(self, fig, dpi: int = 75, quality: int = 75) -> None:
        self.fig, self.dpi, self.quality = fig, dpi, quality

    def _repr_jpeg_(self) -> bytes:
        import io

        buf = io.BytesIO()
        self.fig.savefig(buf, format="jpeg", dpi=self.dpi, bbox_inches="tight",
                         pil_kwargs={"quality": self.quality, "optimize": True})
        return buf.getvalue()

    def __repr__(self) -> str:
        w, h = self.fig.get_size_inches()
        return f"<figure {w:g}x{h:g} in>"


def show_photos(fig, dpi: int = 75, quality: int = 75) -> FigureJPEG:
    """Display a figure of photographs as a JPEG (make it a cell's last expression)."""
    return FigureJPEG(fig, dpi, quality)


def _figure(figsize):
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=figsize)
    plt.close(fig)  # no automatic display: the notebook shows it with inception.book.show
    return fig


def plot_learning_curves(runs: Runs, names: Optional[Sequence[str]] = None):
    """Loss and accuracy per epoch, training (solid) and validation (dashed),
    several runs overlaid. The training loss is the main head's (without the
    auxiliary terms), so it compares with the validation loss; both include
    label smoothing. ``None`` when there is no run."""
    names = [n for n in (names or runs) if n in runs]
    if not names:
        return None
    fig = _figure((11, 4))
    ax_loss, ax_acc = fig.subplots(1, 2)
    colors = _RUN_COLORS
    for k, name in enumerate(names):
        r = runs[name].record
        ep = [e["epoch"] for e in r["epochs"]]
        c = colors[k % len(colors)]
        label = run_label(r)
        ax_loss.plot(ep, [e.get("train_main_loss") for e in r["epochs"]], color=c, label=f"{label}: train")
        ax_loss.plot(ep, [e.get("val_loss") for e in r["epochs"]], color=c, ls="--", label=f"{label}: val")
        ax_acc.plot(ep, [e.get("train_accuracy") for e in r["epochs"]], color=c, label=f"{label}: train")
        ax_acc.plot(ep, [e.get("val_accuracy") for e in r["epochs"]], color=c, ls="--", label=f"{label}: val")
    for ax, what in ((ax_loss, "loss (main head, label smoothing)"), (ax_acc, "accuracy")):
        ax.set_xlabel("epoch")
        ax.set_ylabel(what)
        ax.grid(alpha=0.3)
    ax_acc.axhline(SLIDES["scratch"]["test"], color="grey", lw=0.8, ls=":")
    ax_acc.text(1, SLIDES["scratch"]["test"] + 0.01, "slides, scratch: test", color="grey", fontsize=8)
    ax_acc.set_ylim(0, 1)
    ax_acc.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def plot_confusion(runs: Runs, names: Sequence[str]):
    """The test confusion matrices of up to two runs side by side (counts;
    rows true class, columns predicted). ``None`` when none of ``names`` ran."""
    names = [n for n in names if n in runs][:2]
    if not names:
        return None
    fig = _figure((7.5 * len(names), 7))
    axes = np.atleast_1d(fig.subplots(1, len(names)))
    for ax, name in zip(axes, names):
        r = runs[name].record
        cm = np.asarray(r["confusion_matrix"])
        classes = list(r["per_class"].keys())
        ax.imshow(cm, cmap="Blues", vmin=0, vmax=max(1, cm.sum(axis=1).max()))
        for i in range(len(cm)):
            for j in range(len(cm)):
                if cm[i, j]:
                    ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=7,
                            color="white" if cm[i, j] > cm[i].sum() / 2 else "black")
        ax.set_xticks(range(len(classes)), classes, rotation=90, fontsize=8)
        ax.set_yticks(range(len(classes)), classes, fontsize=8)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(f"{run_label(r)}: test accuracy {pct(r['test_accuracy'])}", fontsize=10)
    fig.tight_layout()
    return fig


def plot_per_class(runs: Runs, names: Sequence[str]):
    """Per-class test accuracy (recall), the runs' bars side by side per
    class. ``None`` when none of ``names`` ran."""
    names = [n for n in names if n in runs]
    if not names:
        return None
    fig = _figure((11, 4))
    ax = fig.subplots()
    width = 0.8 / len(names)
    x = np.arange(len(CLASSES))
    for k, name in enumerate(names):
        rec = per_class_recall(runs[name].record)
        ax.bar(x + (k - (len(names) - 1) / 2) * width, [rec.get(c, 0.0) for c in CLASSES], width,
               label=run_label(runs[name].record))
    ax.set_xticks(x, CLASSES, rotation=70, ha="right", fontsize=8)
    ax.set_ylabel("test accuracy (recall)")
    ax.set_ylim(0, 1.05)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    return fig


def _load_stems(stems: Sequence[str], root: Path) -> List[np.ndarray]:
    from .data.layout import load_rgb, scan

    by_stem = scan(root, require_all_classes=False).by_stem()
    return [load_rgb(by_stem[s].path) for s in stems]


def plot_gallery(predictions: Mapping[str, Any], data_dir: Optional[PathLike], max_images: int = 18,
                 columns: int = 6):
    """The misclassified test images (most confident first), each titled
    ``true -> predicted (probability)``. ``None`` when the images are absent
    or nothing is wrong."""
    wrong = misclassified(predictions)[:max_images]
    root = find_images(data_dir)
    if not wrong or root is None:
        return None
    images = _load_stems([w["stem"] for w in wrong], root)
    rows = math.ceil(len(wrong) / columns)
    fig = _figure((2.1 * columns, 2.75 * rows))
    for k, (w, img) in enumerate(zip(wrong, images)):
        ax = fig.add_subplot(rows, columns, k + 1)
        ax.imshow(img)
        ax.set_title(f"{w['stem'].split('/')[1]}\n{w['true']} ->\n{w['predicted']} ({w['probability']:.0%})",
                     fontsize=8.5)
        ax.axis("off")
    fig.tight_layout()
    return fig


def plot_class_grid(data_dir: Optional[PathLike], columns: int = 7):
    """One image per class (``<class>00``), titled with the class. ``None``
    when the images are absent."""
    root = find_images(data_dir)
    if root is None:
        return None
    stems = [f"{c}/{c}00" for c in CLASSES]
    images = _load_stems(stems, root)
    rows = math.ceil(len(stems) / columns)
    fig = _figure((1.9 * columns, 2.05 * rows))
    for k, (s, img) in enumerate(zip(stems, images)):
        ax = fig.add_subplot(rows, columns, k + 1)
        ax.imshow(img)
        ax.set_title(s.split("/")[0], fontsize=8)
        ax.axis("off")
    fig.tight_layout()
    return fig


def plot_size_histogram(sizes: Mapping[str, Tuple[int, int]]):
    """How many images have each size (log scale: 2,056 are 256x256)."""
    s = size_summary(sizes)
    labels = [f"{w}x{h}" for (w, h) in s["counts"]]
    fig = _figure((10, 3.2))
    ax = fig.subplots()
    ax.bar(range(len(labels)), list(s["counts"].values()), color="#4c72b0")
    ax.set_yscale("log")
    ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("images (log scale)")
    ax.set_xlabel("width x height (pixels)")
    for k, v in enumerate(s["counts"].values()):
        ax.text(k, v * 1.1, str(v), ha="center", fontsize=7)
    ax.set_ylim(0.5, max(s["counts"].values()) * 3)
    fig.tight_layout()
    return fig


def plot_cams(cams: Union[Mapping[str, Any], PathLike, None], data_dir: Optional[PathLike], columns: int = 6):
    """Class activation maps from :func:`compute_cams`, upsampled and laid
    over their test images (maps alone when the images are absent). Each map
    is scaled to [0, 1] on its own (:func:`inception.cam.normalize`). A
    mistake gets two panels side by side: the map of the predicted class,
    then of the true class (keep ``columns`` even). ``None`` without maps."""
    from .cam import normalize, upsample

    if cams is not None and not isinstance(cams, Mapping):
        cams = read_cams(cams)
    if not cams:
        return None
    root = find_images(data_dir)
    panels = []
    for it in sorted(cams["items"], key=lambda it: not it["correct"]):  # right ones first, then the pairs
        if len(it["maps"]) > 1 and len(panels) % 2:
            panels.append(None)  # keep a mistake's two panels on one row
        for k, m in enumerate(it["maps"]):
            panels.append((it, m, k))
    images = _load_stems(sorted({it["stem"] for it in cams["items"]}), root) if root else None
    by_stem = dict(zip(sorted({it["stem"] for it in cams["items"]}), images)) if images else {}
    classes = cams["classes"]
    size = 256
    rows = math.ceil(len(panels) / columns)
    fig = _figure((2.2 * columns, 2.6 * rows))
    for p, panel in enumerate(panels):
        if panel is None:
            continue
        it, m, k = panel
        ax = fig.add_subplot(rows, columns, p + 1)
        heat = upsample(normalize(np.asarray([m["map"]], dtype=np.float32)), size)[0]
        if it["stem"] in by_stem:
            from PIL import Image

            img = np.asarray(Image.fromarray(by_stem[it["stem"]]).resize((size, size), Image.BILINEAR))
            ax.imshow(img)
            ax.imshow(heat, cmap="jet", alpha=0.45, vmin=0, vmax=1)
        else:
            ax.imshow(heat, cmap="jet", vmin=0, vmax=1)
        verdict = "right" if it["correct"] else "wrong"
        which = "predicted" if k == 0 else "true"
        ax.set_title(f"{it['stem'].split('/')[1]} ({verdict})\nmap of {which}: {classes[m['class']]}",
                     fontsize=8.5, color="black" if it["correct"] else "#b00000")
        ax.axis("off")
    fig.tight_layout()
    return fig
