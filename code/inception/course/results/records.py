"""Run records on disk: the expected runs and the numbers they are judged by,
loading and status, the data set's image sizes, class activation maps
(computed by :mod:`inception.train.cams`, which writes ``cams.json`` beside a
run's record; re-exported here)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union


from inception.data._base import CLASSES, IMAGES_PER_CLASS, records_dir
from inception.train.cams import CAMS_FORMAT, compute_cams, read_cams, select_cam_images  # noqa: F401 (re-exported)

PathLike = Union[str, Path]


# --------------------------------------------------------------------------
# What the chapter expects, and the numbers it compares against
# --------------------------------------------------------------------------


#: The first commit of the current engines: both pipelines apply the same
#: per-image random numbers drawn in NumPy, and the Keras engine takes PyTorch's
#: optimiser steps and batch-norm statistics. Runs recorded before it were
#: trained by the earlier engines.
CURRENT_ENGINES_COMMIT = "dc688d66004bed214a2671640c02e43d398f19cd"
#: A configuration field that :data:`CURRENT_ENGINES_COMMIT` introduced: every
#: record written since carries it in its ``config`` (a record writes all of its
#: configuration's fields), none written before does. It tells the two
#: generations apart without the git history (a test checks it against the
#: commit where the history is at hand).
CURRENT_ENGINES_FIELD = "eval_precision"
#: The two engine generations, in the order the chapter shows them.
GENERATIONS = ("current", "earlier")
#: How the chapter names each generation's runs (table rows, figure titles).
GENERATION_LABELS = {"current": "same-step engines", "earlier": "first engines (Keras' own conventions)"}


def engine_generation(record: Mapping[str, Any]) -> str:
    """``"current"`` or ``"earlier"``: the engines that trained a run. A
    record's own ``engines`` field decides where it has one; otherwise a
    configuration holding :data:`CURRENT_ENGINES_FIELD` was written at or after
    :data:`CURRENT_ENGINES_COMMIT`."""
    own = record.get("engines")
    if own in GENERATIONS:
        return own
    return "current" if CURRENT_ENGINES_FIELD in (record.get("config") or {}) else "earlier"


#: The course slides' results on UC Merced (accuracy, as fractions).
SLIDES: Dict[str, Dict[str, float]] = {
    "pretrained": {"train": 0.88, "test": 0.70},
    "scratch": {"train": 0.6578, "test": 0.4505},
}

#: Published GoogLeNet accuracies on UC Merced (Castelluccio et al. 2015,
#: arXiv:1508.00092): about 92% trained from scratch, 97.1% fine-tuned from
#: ImageNet weights. Quoted, not measured here, and not on this book's split.
PUBLISHED: Dict[str, float] = {"scratch": 0.92, "finetuned": 0.971}

#: The ImageNet fine-tuning recipe chapter 7 runs on a GPU with internet access.
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


#: Environment variable naming another folder of run records (default: ``data/runs`` of the checkout).
ENV_RUNS_DIR = "INCEPTION_RUNS_DIR"


def default_runs_dir() -> Path:
    """``$INCEPTION_RUNS_DIR`` if set, else the committed run records
    (``data/runs`` of the checkout, or the copy installed with the package:
    :func:`inception.data._base.records_dir`)."""
    import os

    value = os.environ.get(ENV_RUNS_DIR, "").strip()
    if value:
        return Path(value).expanduser()
    return records_dir("runs")


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
    hold a ``record.json``. With ``finished_only`` (the
    default) only records whose status is ``finished`` and that have a test
    accuracy count; a missing or unreadable ``root`` gives ``{}``. Order:
    PyTorch before Keras, with auxiliary heads before without, then by seed
    and name. Group them with :func:`recipes`.
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
    return dict(sorted(found.items(), key=lambda kv: _run_order(kv[1].record) + (kv[0],)))


def _run_order(record: Mapping[str, Any]) -> Tuple[Any, ...]:
    """PyTorch before Keras, runs with auxiliary heads before those without, then by seed."""
    c = _cfg(record)
    fw = record.get("framework") or c.get("framework")
    return (fw != "torch", not c.get("aux_logits", True), int(c.get("seed") or 0))


def _finished(record: Mapping[str, Any]) -> bool:
    return record.get("status") == "finished" and record.get("test_accuracy") is not None


def runs_status(root: Optional[PathLike] = None) -> List[Dict[str, Any]]:
    """One row per recorded run, finished or not: its engines and how far it got."""
    rows = []
    for name, run in load_runs(root, finished_only=False).items():
        n = len(run.record.get("epochs") or [])
        if _finished(run.record):
            status = f"finished ({n} epochs)"
        else:
            status = f"{run.record.get('status')} ({n} of {_cfg(run.record).get('epochs')} epochs)"
        rows.append({"run": name, "engines": engine_generation(run.record), "status": status})
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


@dataclass
class Recipe:
    """The finished runs of one recipe on one generation of engines."""

    label: str  # how the chapter names the group (:data:`GENERATION_LABELS`)
    key: str
    runs: Dict[str, Run]
    generation: str = "current"  # "current" or "earlier" (:func:`engine_generation`)
    description: str = ""  # the recipe in words (:func:`recipe_description`)

    @property
    def record(self) -> Dict[str, Any]:
        """The record of the group's first run (its configuration is the recipe's)."""
        return next(iter(self.runs.values())).record


def recipe_description(record: Mapping[str, Any]) -> str:
    """A recipe in a few words, from a run's configuration: ``"from scratch,
    128-px crops of 256-px images, tested at 160 px, 40 epochs"``."""
    c = _cfg(record)
    init = "fine-tuned from ImageNet" if c.get("pretrained") else "from scratch"
    crops = (f"{train_size(record)}-px crops of {source_size(record)}-px images" if c.get("augment", True)
             else f"{train_size(record)}-px images")
    return f"{init}, {crops}, tested at {eval_size(record)} px, {c.get('epochs')} epochs"


def recipes(runs: Runs) -> List[Recipe]:
    """The runs grouped by engine generation (:func:`engine_generation`) and
    recipe (:func:`recipe_key`): the current engines' groups first, then the
    earlier engines'; within a generation the newest recipe (latest start
    among its runs) first. A group is labelled by its generation
    (:data:`GENERATION_LABELS`), with its recipe added
    (:func:`recipe_description`) when that generation ran more than one. Within a
    group the runs keep the order of ``runs``."""
    groups: Dict[Tuple[str, str], Dict[str, Run]] = {}
    for name, run in runs.items():
        groups.setdefault((engine_generation(run.record), recipe_key(run.record)), {})[name] = run
    started = {k: max(str(r.record.get("started") or "") for r in g.values()) for k, g in groups.items()}
    order = sorted(groups, key=lambda k: started[k], reverse=True)
    order = sorted(order, key=lambda k: GENERATIONS.index(k[0]))  # stable: newest first within a generation
    out = []
    for gen, key in order:
        members = groups[(gen, key)]
        desc = recipe_description(next(iter(members.values())).record)
        alone = sum(g == gen for g, _ in groups) == 1
        label = GENERATION_LABELS[gen] if alone else f"{GENERATION_LABELS[gen]}, {desc}"
        out.append(Recipe(label, key, members, gen, desc))
    return out


def aux_runs(group: "Recipe") -> List[str]:
    """The names of a group's runs with auxiliary heads (the recipe's own runs;
    a run without them is a variant of it)."""
    return [n for n, r in group.runs.items() if _cfg(r.record).get("aux_logits", True)]


def recipe_label(runs: Runs, name: str) -> str:
    """The label of the group run ``name`` belongs to (:func:`recipes`)."""
    return next((r.label for r in recipes(runs) if name in r.runs), "")


def _last_val(record: Mapping[str, Any]) -> float:
    vals = [e.get("val_accuracy") for e in record.get("epochs") or [] if e.get("val_accuracy") is not None]
    return float(vals[-1]) if vals else -1.0


def figure_run(runs: Runs) -> Optional[str]:
    """The run the chapter's figures show: among the runs of the first group of
    :func:`recipes` (the current engines' newest recipe when one has finished),
    with auxiliary heads where there is such a run, the
    one with the highest validation accuracy after its last epoch (validation
    chooses; on a tie, the first in the order of :func:`load_runs`: PyTorch
    before Keras, then the lower seed). ``None`` without runs."""
    groups = recipes(runs)
    if not groups:
        return None
    members = groups[0].runs
    with_aux = {n: r for n, r in members.items() if _cfg(r.record).get("aux_logits", True)} or members
    return max(with_aux, key=lambda n: (_last_val(with_aux[n].record), -list(with_aux).index(n)))


def figure_choice(runs: Runs) -> Dict[str, Any]:
    """How :func:`figure_run` chose: ``{"run", "val", "tied"}``, the chosen
    run, its last validation accuracy and the names of the candidates that
    tie with it (itself included; one name when nothing ties). Empty without runs."""
    name = figure_run(runs)
    if name is None:
        return {}
    members = recipes(runs)[0].runs
    with_aux = {n: r for n, r in members.items() if _cfg(r.record).get("aux_logits", True)} or members
    best = _last_val(runs[name].record)
    return {"run": name, "val": best,
            "tied": [n for n, r in with_aux.items() if abs(_last_val(r.record) - best) < 1e-9]}


def training_images(runs: Runs) -> Optional[str]:
    """Which copy of the images the runs were trained on, from the data folder
    their configurations name: ``"JPEG, quality 95"`` when every run's folder
    is a JPEG re-encoding named with its quality (``.../ucmerced-jpeg95``),
    ``"TIFF"`` for the official archive's folder, ``None`` when the runs
    disagree or the folder says nothing."""
    import re

    kinds = set()
    for run in runs.values():
        folder = Path(str(_cfg(run.record).get("data_dir") or "")).name.lower()
        m = re.search(r"jpe?g[-_]?q?(\d{2,3})$", folder)
        kinds.add(f"JPEG, quality {int(m.group(1))}" if m else "TIFF" if folder in ("ucmerced", "ucmerced_landuse",
                                                                                  "ucmerced-tiff") else None)
    return kinds.pop() if len(kinds) == 1 else None


# --------------------------------------------------------------------------
# The training cross-check (python -m inception.train.crosscheck)
# --------------------------------------------------------------------------


def default_crosscheck_dir() -> Path:
    """The committed cross-check records: ``data/crosscheck`` of the checkout,
    or the copy installed with the package (:func:`inception.data._base.records_dir`)."""
    return records_dir("crosscheck")


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
    square causes: the short side is stretched by ``long/short - 1`` relative
    to the long one (242 -> 256 px: 5.8%)."""
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
        "max_distortion": max((max(wh) / min(wh) - 1 for wh in sizes.values()), default=0.0),
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


def jpeg_quality(path: PathLike) -> Optional[int]:
    """The quality a JPEG file was saved at, estimated from its quantisation
    tables: the IJG quality (1-100) whose scaled standard tables come closest
    (compared by their sums, which do not depend on the order a decoder lists
    the entries in). ``None`` for a file that is not a JPEG."""
    from PIL import Image

    # the IJG standard luminance and chrominance tables (JPEG standard, Annex K)
    lum = [16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
           14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
           49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99]
    chrom = [17, 18, 24, 47] + [99] * 4 + [18, 21, 26, 66] + [99] * 4 + [24, 26, 56] + [99] * 5 + [47, 66] \
        + [99] * 38
    with Image.open(path) as im:
        tables = getattr(im, "quantization", None)
        if im.format != "JPEG" or not tables:
            return None
        sums = [sum(tables[k]) for k in sorted(tables)][:2]

    def scaled(table, q):
        scale = 5000 // q if q < 50 else 200 - 2 * q
        return sum(min(255, max(1, (t * scale + 50) // 100)) for t in table)

    return min(range(1, 101), key=lambda q: (sum(abs(s - scaled(t, q)) for s, t in zip(sums, (lum, chrom))), -q))


def image_source(data_dir: Optional[PathLike] = None) -> Optional[Dict[str, Any]]:
    """Where the images shown come from: ``{"root", "official", "format",
    "quality"}``; ``official`` is true when every image is a TIFF, as in the
    official archive, and false for a re-encoded copy (``format`` its file
    type, ``quality`` the estimated JPEG quality). ``None`` without images."""
    root = find_images(data_dir)
    if root is None:
        return None
    from inception.data.layout import scan

    records = scan(root, require_all_classes=False).records
    suffixes = {r.path.suffix.lower() for r in records}
    official = bool(suffixes) and suffixes <= {".tif", ".tiff"}
    fmt = "TIFF" if official else "/".join(sorted(s.lstrip(".").upper() for s in suffixes))
    quality = None
    if not official and records and records[0].path.suffix.lower() in (".jpg", ".jpeg"):
        quality = jpeg_quality(records[0].path)
    return {"root": root, "official": official, "format": fmt, "quality": quality}


def images_note(data_dir: Optional[PathLike] = None) -> str:
    """One sentence for the reader about the photographs on the page: where they
    come from (the official TIFFs or a re-encoded copy), or that they are not
    on the machine that built the page."""
    src = image_source(data_dir)
    if src is None:
        return ("This page was built without the UC Merced photographs, so it lists the classes and the mistakes "
                "as tables and draws the activation maps alone; run it with the images (`python -m inception.data "
                "download` fetches them, see the README) to see the photographs.")
    if src["official"]:
        return "The photographs on this page are the official UC Merced TIFF files."
    from inception.data._base import env_data_dir

    q = f" at quality {src['quality']}" if src["quality"] else ""
    env = env_data_dir()
    via = ("UCMERCED_DIR" if env is not None
           and Path(src["root"]).resolve().is_relative_to(env.expanduser().resolve()) else "its data folder")
    return (f"The photographs on this page come from a copy of UC Merced re-encoded as {src['format']}{q} "
            f"from the official TIFF files (read through {via}), not from the TIFFs themselves.")


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

