"""One train/validation/test split, committed under ``data/splits/`` and shared by both frameworks.

How the default split is made (:func:`make_split`), so anyone can re-derive it:

1. List the 100 stems of each class (``"agricultural/agricultural00"`` ...
   ``"tenniscourt/tenniscourt99"``); no file extension, so the same split
   serves the official TIFFs and any JPEG or PNG copy.
2. Rank the stems of each class by ``sha256("ucmerced-split-v1:<seed>:<stem>")``
   (seed 0). Hashing, not a random generator, so the result cannot depend on the
   order the file system lists files in, nor on a library version.
3. The first 20 are the test set, the next 10 the validation set, the other 70
   the training set: 420 / 210 / 1470 images, stratified by class.

``tests/test_data_split.py`` checks that the committed file equals a fresh
:func:`make_split`. Run ``python -m inception.data split --write`` after a
deliberate change.

File format (JSON): ``{"format": ..., "seed": 0, "classes": [...],
"per_class": {...}, "train": [stem, ...], "val": [...], "test": [...]}``;
each list in canonical order (class, then name). The label of a stem is the
index of its class folder in :data:`CLASSES`.

The 60/20/20 split lists of torchgeo and of the remote-sensing-representations
benchmark (Neumann et al., 2020; ``uc_merced-train.txt``, ``uc_merced-val.txt``,
``uc_merced-test.txt``, one file name such as ``agricultural00.tif`` per line)
can be read with :func:`read_split_lists` for comparison with published numbers.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Iterable, Mapping, Sequence, Union

from ._base import CLASSES, IMAGES_PER_CLASS, DataError, data_root

#: The parts of a split, in this order.
PARTS: tuple[str, ...] = ("train", "val", "test")

SPLIT_FORMAT = "ucmerced-split-v1"
DEFAULT_SEED = 0
TEST_PER_CLASS = 20
VAL_PER_CLASS = 10

#: A split: part name -> list of (stem, class index).
Split = dict[str, list[tuple[str, int]]]
SplitLike = Union[str, Path, Mapping[str, Sequence], None]


def label_of(stem: str) -> int:
    """Class index of a stem ``"<class>/<name>"``."""
    cls = stem.split("/", 1)[0]
    try:
        return CLASSES.index(cls)
    except ValueError:
        raise DataError(f"split entry {stem!r}: {cls!r} is not a UC Merced class") from None


def canonical_stems(per_class: int = IMAGES_PER_CLASS) -> list[str]:
    """The stems of the official data set: ``<class>/<class>NN`` for NN in 00..per_class-1."""
    return [f"{c}/{c}{i:02d}" for c in CLASSES for i in range(per_class)]


def _canonical_key(stem: str) -> tuple[int, str]:
    return (label_of(stem), stem)


def _rank_key(seed: int, stem: str) -> str:
    return hashlib.sha256(f"{SPLIT_FORMAT}:{seed}:{stem}".encode()).hexdigest()


def make_split(
    stems: Iterable[str] | None = None,
    *,
    test_per_class: int | None = TEST_PER_CLASS,
    val_per_class: int | None = VAL_PER_CLASS,
    seed: int = DEFAULT_SEED,
) -> Split:
    """Make a stratified split of ``stems`` (default: the 2,100 official stems).

    Args:
        stems: ``"<class>/<name>"`` strings, in any order.
        test_per_class, val_per_class: images per class in the test and
            validation sets. ``None`` takes 20% and 10% of each class (rounded,
            at least one each) -- for small synthetic stand-ins.
        seed: changes the ranking, hence the split.

    Returns:
        ``{"train": [(stem, label), ...], "val": [...], "test": [...]}``, each
        list in canonical order.

    Raises:
        DataError: a class has too few images to leave one for training.
    """
    stems = canonical_stems() if stems is None else list(stems)
    by_class: dict[int, list[str]] = {}
    for s in sorted(set(stems)):
        by_class.setdefault(label_of(s), []).append(s)
    split: Split = {p: [] for p in PARTS}
    for label in sorted(by_class):
        members = sorted(by_class[label], key=lambda s: _rank_key(seed, s))
        n = len(members)
        n_test = test_per_class if test_per_class is not None else max(1, round(0.2 * n))
        n_val = val_per_class if val_per_class is not None else max(1, round(0.1 * n))
        if n_test + n_val >= n:
            raise DataError(
                f"class {CLASSES[label]} has {n} images: too few for {n_test} test and "
                f"{n_val} validation images and at least one for training"
            )
        parts = {
            "test": members[:n_test],
            "val": members[n_test : n_test + n_val],
            "train": members[n_test + n_val :],
        }
        for p in PARTS:
            split[p].extend((s, label) for s in parts[p])
    for p in PARTS:
        split[p].sort(key=lambda e: _canonical_key(e[0]))
    return split


def split_file(name: str = "default") -> Path:
    """Path of a named split file under ``data/splits/`` (``default`` -> ``ucmerced_split.json``)."""
    fname = "ucmerced_split.json" if name == "default" else f"ucmerced_{name}.json"
    return data_root() / "splits" / fname


def split_to_json(split: Split, *, seed: int = DEFAULT_SEED, description: str = "") -> str:
    """Serialise a split in the committed file's format (one stem per line)."""
    counts = {p: len(split[p]) for p in PARTS}
    per_class = {
        p: {cls: sum(1 for _, lab in split[p] if lab == i) for i, cls in enumerate(CLASSES)} for p in PARTS
    }
    uniform = {p: sorted(set(per_class[p].values())) for p in PARTS}
    doc = {
        "format": SPLIT_FORMAT,
        "description": description
        or (
            "UC Merced Land Use split, stratified by class: stems ranked by "
            f"sha256('{SPLIT_FORMAT}:<seed>:<stem>') within each class; first {TEST_PER_CLASS} test, "
            f"next {VAL_PER_CLASS} val, rest train. Regenerate: python -m inception.data split --write"
        ),
        "seed": seed,
        "classes": list(CLASSES),
        "counts": counts,
        "per_class": {p: (u[0] if len(u) == 1 else per_class[p]) for p, u in uniform.items()},
    }
    for p in PARTS:
        doc[p] = [s for s, _ in split[p]]
    return json.dumps(doc, indent=1) + "\n"


def write_split(path: str | Path | None = None, split: Split | None = None, *, seed: int = DEFAULT_SEED) -> Path:
    """Write ``split`` (default: :func:`make_split` with ``seed``) to ``path`` (default: the committed file)."""
    path = Path(path) if path is not None else split_file("default")
    split = split if split is not None else make_split(seed=seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(split_to_json(split, seed=seed))
    tmp.replace(path)
    return path


def _from_mapping(doc: Mapping[str, Sequence], origin: str) -> Split:
    missing = [p for p in PARTS if p not in doc]
    if missing:
        raise DataError(f"split {origin} lacks the part(s) {', '.join(missing)}")
    split: Split = {}
    seen: dict[str, str] = {}
    for p in PARTS:
        entries = []
        for e in doc[p]:
            stem = e if isinstance(e, str) else e[0]
            stem = stem.replace("\\", "/")
            if stem in seen:
                raise DataError(f"split {origin}: {stem!r} is in both {seen[stem]} and {p}")
            seen[stem] = p
            entries.append((stem, label_of(stem)))
        split[p] = entries
    return split


def load_split(name: str | Path = "default") -> Split:
    """Load a split: ``{"train"|"val"|"test": [(stem, class_index), ...]}``.

    Args:
        name: ``"default"`` (the committed ``data/splits/ucmerced_split.json``),
            another name under ``data/splits/``, or a path to a split file.

    Outside a checkout (the package installed without ``data/``), ``"default"``
    is regenerated by :func:`make_split`, which the tests hold equal to the file.
    """
    path = Path(name) if (isinstance(name, Path) or str(name).endswith(".json")) else split_file(str(name))
    if not path.is_file():
        if name == "default":
            return make_split()
        raise DataError(f"split file {path} not found")
    try:
        doc = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise DataError(f"split file {path} is unreadable: {exc}") from exc
    return _from_mapping(doc, str(path))


def read_split_lists(folder: str | Path, pattern: str = "uc_merced-{part}.txt") -> Split:
    """Read torchgeo's / Neumann et al.'s split lists (one file name per line).

    Each line is a file name such as ``agricultural00.tif``; its class is the
    name without extension and trailing digits. Blank lines are skipped.
    """
    doc: dict[str, list[str]] = {}
    for part in PARTS:
        path = Path(folder) / pattern.format(part=part)
        if not path.is_file():
            raise DataError(f"split list {path} not found")
        stems = []
        for line in path.read_text().splitlines():
            name = Path(line.strip()).name
            if not name:
                continue
            stem = name.rsplit(".", 1)[0]
            cls = re.sub(r"\d+$", "", stem)
            stems.append(f"{cls}/{stem}")
        doc[part] = stems
    return _from_mapping(doc, str(folder))


def as_split(split: SplitLike, stems: Sequence[str]) -> Split:
    """Turn a ``split`` argument into a split for a folder holding ``stems``.

    ``None`` picks the committed default split when the folder holds all 2,100
    official stems, else a proportional split of the stems present (20% test,
    10% validation per class; see :func:`make_split`) -- what synthetic
    stand-ins get. A string or path is passed to :func:`load_split`; a mapping
    with ``"train"``, ``"val"``, ``"test"`` lists of stems (or (stem, label)
    pairs) is used as given.
    """
    if split is None:
        present = set(stems)
        if present.issuperset(canonical_stems()):
            return load_split("default")
        return make_split(present, test_per_class=None, val_per_class=None)
    if isinstance(split, (str, Path)):
        return load_split(split)
    return _from_mapping(split, "given as a mapping")


def resolve_files(data_dir: str | Path | None, split: SplitLike = None) -> dict[str, list[tuple[Path, int]]]:
    """Map a split onto the files of a data folder: part -> [(path, class_index), ...].

    Raises:
        DataError: naming the split entries with no file in the folder.
    """
    from .layout import scan

    layout = scan(data_dir)
    by_stem = layout.by_stem()
    resolved = as_split(split, list(by_stem))
    missing = [s for p in PARTS for s, _ in resolved[p] if s not in by_stem]
    if missing:
        shown = ", ".join(missing[:10]) + (f" ... ({len(missing)} in all)" if len(missing) > 10 else "")
        raise DataError(f"{len(missing)} images of the split are missing from {layout.root}: {shown}")
    return {p: [(by_stem[s].path, lab) for s, lab in resolved[p]] for p in PARTS}
