"""Run records on disk: the expected runs and the numbers they are judged by,
loading and status, the data set's image sizes, class activation maps
(computed by :mod:`inception.train.cams`, which writes ``cams.json`` beside a
run's record; re-exported here)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union


from inception.data._base import CLASSES, IMAGES_PER_CLASS, repo_root
from inception.train.cams import CAMS_FORMAT, compute_cams, read_cams, select_cam_images  # noqa: F401 (re-exported)

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


#: The runs of the current recipe, in the order ``data/runs/run_all.sh`` queues them.
EXPECTED_RUNS: Tuple[RunSpec, ...] = (
    RunSpec("torch-crop256-seed0", "torch", 0, True, "the recipe, PyTorch"),
    RunSpec("keras-crop256-seed0", "keras", 0, True, "the recipe, Keras"),
    RunSpec("torch-crop256-seed1", "torch", 1, True, "second seed, PyTorch"),
    RunSpec("keras-crop256-seed1", "keras", 1, True, "second seed, Keras"),
    RunSpec("torch-crop256-noaux-seed0", "torch", 0, False, "without auxiliary heads"),
)
#: The first recipe's runs (crops cut from the 128-pixel images, evaluated at 128;
#: Keras with its own SGD and batch-norm conventions), kept as records.
FIRST_RECIPE_RUNS: Tuple[RunSpec, ...] = (
    RunSpec("torch-bn128-seed0", "torch", 0, True, "first recipe, PyTorch"),
    RunSpec("keras-bn128-seed0", "keras", 0, True, "first recipe, Keras"),
    RunSpec("torch-bn128-seed1", "torch", 1, True, "first recipe, second seed"),
    RunSpec("torch-bn128-noaux-seed0", "torch", 0, False, "first recipe, without auxiliary heads"),
)
MAIN_RUN = FIRST_RECIPE_RUNS[0].name
KERAS_RUN = FIRST_RECIPE_RUNS[1].name
NOAUX_RUN = FIRST_RECIPE_RUNS[3].name

#: The course slides' results on UC Merced (accuracy, as fractions).
SLIDES: Dict[str, Dict[str, float]] = {
    "pretrained": {"train": 0.88, "test": 0.70},
    "scratch": {"train": 0.6578, "test": 0.4505},
}

#: Published GoogLeNet accuracies on UC Merced (Castelluccio et al. 2015,
#: cross-validated, full-size inputs): about 92% from scratch, about 97%
#: fine-tuned from ImageNet weights. Quoted, not measured here.
PUBLISHED: Dict[str, float] = {"scratch": 0.92, "finetuned": 0.97}

#: The from-scratch recipe of :data:`EXPECTED_RUNS` (``RECIPE`` in
#: ``data/runs/run_all.sh``; a test checks they agree): the batch-norm
#: variant trained on 128x128 crops cut from the 256-pixel images, evaluated on
#: whole images at 160x160 (fixed before training), SGD with Nesterov momentum,
#: one-cycle schedule peaking at 0.1, weight decay 5e-4, label smoothing 0.1,
#: 70 epochs.
SCRATCH_RECIPE: Dict[str, Any] = {
    "variant": "bn", "image_size": 128, "source_size": 256, "eval_size": 160, "batch_size": 32, "epochs": 70,
    "optimizer": "sgd", "lr": 0.1, "schedule": "onecycle", "weight_decay": 5e-4, "label_smoothing": 0.1,
    "precision": "auto",
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
    from inception.data import DataError, find_data_dir
    from inception.data._base import env_data_dir, shared_copy_dir

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
    from inception.data._base import default_data_dir

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
    then the :data:`FIRST_RECIPE_RUNS`, then any other in name order. With ``finished_only`` (the default) only
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
    order = [s.name for s in EXPECTED_RUNS + FIRST_RECIPE_RUNS if s.name in found]
    order += [n for n in found if n not in order]
    return {n: found[n] for n in order}


def _finished(record: Mapping[str, Any]) -> bool:
    return record.get("status") == "finished" and record.get("test_accuracy") is not None


def runs_status(root: Optional[PathLike] = None) -> List[Dict[str, Any]]:
    """One row per expected run (and any other recorded one): its role and
    whether its record is in ``root``, finished or how far it got."""
    all_runs = load_runs(root, finished_only=False)
    rows = []
    by_name = {s.name: s for s in EXPECTED_RUNS + FIRST_RECIPE_RUNS}
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


def train_size(record: Mapping[str, Any]) -> Optional[int]:
    """The side of the training crops (``image_size`` of the configuration)."""
    return _cfg(record).get("image_size")


def source_size(record: Mapping[str, Any]) -> Optional[int]:
    """The side of the images the training crops were cut from: ``source_size``
    of the configuration; records made before that field existed cut their
    crops from images at the training size."""
    cfg = _cfg(record)
    return cfg.get("source_size") or cfg.get("image_size")


def eval_size(record: Mapping[str, Any]) -> Optional[int]:
    """The input side of a run's validation and its one test evaluation, fixed
    in its configuration before training: ``eval_size``; records made before
    that field existed evaluated at the training size (``image_size``)."""
    cfg = _cfg(record)
    return cfg.get("eval_size") or cfg.get("image_size")


#: Configuration fields that tell runs of one recipe apart (not the recipe itself).
_RUN_FIELDS = ("seed", "framework", "aux_logits", "aux_weight", "aux_dropout")


def recipe_key(record: Mapping[str, Any]) -> str:
    """What a run shares with the other runs of its recipe: its configuration
    without the session fields, the seed, the framework and the auxiliary
    heads; fields an older record lacks read as their defaults, and
    ``source_size`` and ``eval_size`` as the training size."""
    from inception.train.config import SESSION_FIELDS, TrainConfig

    c = {**TrainConfig().to_dict(), **_cfg(record)}  # fields added since a record was made: their defaults
    c = {k: v for k, v in c.items() if k not in SESSION_FIELDS and k not in _RUN_FIELDS}
    c["source_size"], c["eval_size"] = source_size(record), eval_size(record)
    c.pop("eval_precision", None)
    return json.dumps(c, sort_keys=True, default=str)


_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth")


@dataclass
class Recipe:
    """The runs of one recipe, and its place in the order recipes were first run."""

    label: str  # "first recipe", "second recipe", ...
    key: str
    runs: Dict[str, Run]

    @property
    def record(self) -> Dict[str, Any]:
        """The record of the recipe's first run (its configuration is the recipe's)."""
        return next(iter(self.runs.values())).record


def recipes(runs: Runs) -> List[Recipe]:
    """The runs grouped by recipe (:func:`recipe_key`), oldest recipe first (by
    the earliest start among its runs), labelled ``"first recipe"``,
    ``"second recipe"``... Within a recipe the runs keep the order of ``runs``."""
    groups: Dict[str, Dict[str, Run]] = {}
    for name, run in runs.items():
        groups.setdefault(recipe_key(run.record), {})[name] = run
    started = {k: min(str(r.record.get("started") or "") for r in g.values()) for k, g in groups.items()}
    order = sorted(groups, key=lambda k: started[k])
    return [Recipe(f"{_ORDINALS[i] if i < len(_ORDINALS) else str(i + 1) + 'th'} recipe", k, groups[k])
            for i, k in enumerate(order)]


def recipe_label(runs: Runs, name: str) -> str:
    """The label of the recipe run ``name`` belongs to (``"first recipe"``...)."""
    return next((r.label for r in recipes(runs) if name in r.runs), "")


def _last_val(record: Mapping[str, Any]) -> float:
    vals = [e.get("val_accuracy") for e in record.get("epochs") or [] if e.get("val_accuracy") is not None]
    return float(vals[-1]) if vals else -1.0


def figure_run(runs: Runs) -> Optional[str]:
    """The run the chapter's figures show: among the finished runs of the newest
    recipe that has one, with auxiliary heads where there is such a run, the
    one with the highest validation accuracy after its last epoch (validation
    chooses; the first in order on a tie). ``None`` without runs."""
    groups = recipes(runs)
    if not groups:
        return None
    members = groups[-1].runs
    with_aux = {n: r for n, r in members.items() if _cfg(r.record).get("aux_logits", True)} or members
    return max(with_aux, key=lambda n: (_last_val(with_aux[n].record), -list(with_aux).index(n)))


# --------------------------------------------------------------------------
# The training cross-check (python -m inception.train.crosscheck)
# --------------------------------------------------------------------------


def default_crosscheck_dir() -> Path:
    """``data/crosscheck`` of the checkout (``./data/crosscheck`` outside one)."""
    root = repo_root()
    return (root if root is not None else Path.cwd()) / "data" / "crosscheck"


def load_crosschecks(root: Optional[PathLike] = None) -> Dict[Tuple[int, str], Dict[str, Any]]:
    """The cross-check results under ``root`` (default
    :func:`default_crosscheck_dir`): ``{(seed, dtype): result}``, written by
    ``python -m inception.train.crosscheck --out``, in seed then dtype order
    (float64 first). A missing folder gives ``{}``."""
    root = Path(root) if root is not None else default_crosscheck_dir()
    found = {}
    for path in sorted(root.glob("*.json")) if root.is_dir() else []:
        data = _read_json(path)
        if not data or data.get("format") != "inception-train-crosscheck-v1" or not data.get("rows"):
            continue
        found[(int(data["seed"]), str(data["dtype"]))] = data
    return {k: found[k] for k in sorted(found, key=lambda k: (k[0], k[1] != "float64"))}


def load_branch_flips(root: Optional[PathLike] = None) -> Dict[Tuple[int, str], Dict[str, Any]]:
    """Cross-checks run with ``--flips`` (branch counts at every step), under
    ``root`` (default ``data/crosscheck/flips``), as :func:`load_crosschecks`
    reads them: ``{(seed, dtype): result}``."""
    return load_crosschecks(Path(root) if root is not None else default_crosscheck_dir() / "flips")


# --------------------------------------------------------------------------
# The data set
# --------------------------------------------------------------------------


def image_sizes(data_dir: Optional[PathLike] = None) -> Dict[str, Tuple[int, int]]:
    """Every image's (width, height): read from the file headers when
    ``data_dir`` holds the images, else the documented sizes (256x256 except
    :data:`ODD_SIZES`)."""
    root = find_images(data_dir) if data_dir is not None else None
    if root is None:
        from inception.data.split import canonical_stems

        return {s: ODD_SIZES.get(s, COMMON_SIZE) for s in canonical_stems()}
    from PIL import Image

    from inception.data.layout import scan

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
    from inception.data.layout import scan

    return dict(scan(root, require_all_classes=False).counts)


def missing_note(what: str, need: str) -> str:
    """A one-sentence note for the reader: ``what`` cannot be shown without ``need``."""
    return f"({what} not shown: {need}.)"


NO_IMAGES = ("the UC Merced images are not on this machine; set UCMERCED_DIR or run "
             "`python -m inception.data download`")

# --------------------------------------------------------------------------
# Class activation maps
# --------------------------------------------------------------------------

#: The classes made of houses and buildings, which differ mainly in density and layout.
BUILT_UP = ("buildings", "denseresidential", "mediumresidential", "sparseresidential", "mobilehomepark")


def cams_of(runs: Mapping[str, Run], name: Optional[str], data_dir: Optional[PathLike] = None,
            checkpoints: Optional[PathLike] = None) -> Tuple[Optional[str], Optional[Dict[str, Any]]]:
    """The class activation maps to show for run ``name``: its ``cams.json``;
    if it has none but its checkpoint is in ``checkpoints/<name>/`` and the
    images are here, they are computed now (:func:`compute_cams`) and written
    beside its record. Otherwise the maps of the first run in ``runs`` order
    that has them. Returns ``(run name, maps)``, ``(None, None)`` without any."""
    order = ([name] if name in runs else []) + [n for n in runs if n != name]
    for n in order:
        run = runs[n]
        if run.path is None:
            continue
        path = Path(run.path) / "cams.json"
        cams = read_cams(path)
        if cams is None and n == name and checkpoints is not None and find_images(data_dir) is not None:
            ckpt = Path(checkpoints) / n
            if any(ckpt.glob("checkpoint.*")):
                cams = compute_cams(ckpt, find_images(data_dir), path)
        if cams is not None:
            return n, cams
    return None, None

