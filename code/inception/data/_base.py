"""Constants and locations shared by the data modules (no framework imports)."""

from __future__ import annotations

import os
from pathlib import Path

#: The 21 UC Merced land-use classes in the documented (alphabetical) order;
#: a label is an index into this tuple.
CLASSES: tuple[str, ...] = (
    "agricultural",
    "airplane",
    "baseballdiamond",
    "beach",
    "buildings",
    "chaparral",
    "denseresidential",
    "forest",
    "freeway",
    "golfcourse",
    "harbor",
    "intersection",
    "mediumresidential",
    "mobilehomepark",
    "overpass",
    "parkinglot",
    "river",
    "runway",
    "sparseresidential",
    "storagetanks",
    "tenniscourt",
)
assert list(CLASSES) == sorted(CLASSES) and len(CLASSES) == 21

#: Images per class in the official data set.
IMAGES_PER_CLASS = 100

#: Per-channel RGB mean and standard deviation of ImageNet (on the 0..1 scale),
#: the normalisation used by torchvision and keras.applications' "torch" mode.
IMAGENET_MEAN: tuple[float, float, float] = (0.485, 0.456, 0.406)
IMAGENET_STD: tuple[float, float, float] = (0.229, 0.224, 0.225)

#: File name extensions accepted as images (compared in lower case).
IMAGE_EXTENSIONS: tuple[str, ...] = (".tif", ".tiff", ".jpg", ".jpeg", ".png")

#: Environment variable naming an extracted data folder.
ENV_DATA_DIR = "UCMERCED_DIR"


class DataError(RuntimeError):
    """A problem with the data (missing, incomplete, corrupt) that the user must fix.

    The message is meant to be printed as is: it names the file or folder at
    fault and says what to do. The command line prints it without a traceback.
    """


def repo_root() -> Path | None:
    """The repository root when the package is used from a checkout, else ``None``.

    ``code/inception/data/_base.py`` -> three folders up. A non-editable install
    (site-packages) has no ``pyproject.toml`` there and gets ``None``.
    """
    root = Path(__file__).resolve().parents[3]
    if (root / "pyproject.toml").is_file() and (root / "code" / "inception").is_dir():
        return root
    return None


def data_root() -> Path:
    """The ``data/`` folder of the checkout (or ``./data`` outside a checkout)."""
    root = repo_root()
    return (root if root is not None else Path.cwd()) / "data"


#: The committed records the chapters read, each a folder under ``data/``: run
#: records (``runs``), the training cross-checks (``crosscheck``) and the speed
#: measurements (``benchmarks``).
RECORD_KINDS: tuple[str, ...] = ("runs", "crosscheck", "benchmarks")

#: Where a non-editable install keeps its copy of the records: the wheel's
#: build step (:mod:`inception.data.packaging`) copies ``data/<kind>/`` here.
PACKAGED_RECORDS = Path(__file__).resolve().parent / "records"


def records_dir(kind: str) -> Path:
    """The folder of committed records of one kind (see :data:`RECORD_KINDS`).

    ``data/<kind>`` of the checkout when the package is used from one; else
    the copy installed with the package (``pip install git+URL``, as on
    Colab); else ``./data/<kind>``, which may not exist (readers then find no
    records and say so).
    """
    if kind not in RECORD_KINDS:
        raise ValueError(f"unknown kind of records {kind!r}; expected one of {', '.join(RECORD_KINDS)}")
    root = repo_root()
    if root is not None and (root / "data" / kind).is_dir():
        return root / "data" / kind
    if (PACKAGED_RECORDS / kind).is_dir():
        return PACKAGED_RECORDS / kind
    return Path.cwd() / "data" / kind


def default_data_dir() -> Path:
    """Where ``download`` puts the data and where it is looked for by default."""
    return data_root() / "ucmerced"


#: Environment variable naming the folder for decoded caches.
ENV_CACHE_DIR = "UCMERCED_CACHE_DIR"


def default_cache_dir() -> Path:
    """Where decoded caches go unless told otherwise: ``$UCMERCED_CACHE_DIR``, else ``data/cache`` (git-ignored)."""
    value = os.environ.get(ENV_CACHE_DIR, "").strip()
    return Path(value).expanduser() if value else data_root() / "cache"


def shared_copy_dir() -> Path | None:
    """The offline JPEG copy next to the checkout (``../shared/data/ucmerced-jpeg95``), if present."""
    root = repo_root()
    candidates = []
    if root is not None:
        candidates.append(root.parent / "shared" / "data" / "ucmerced-jpeg95")
    candidates.append(Path.cwd().parent / "shared" / "data" / "ucmerced-jpeg95")
    for c in candidates:
        if c.is_dir():
            return c
    return None


def env_data_dir() -> Path | None:
    value = os.environ.get(ENV_DATA_DIR, "").strip()
    return Path(value).expanduser() if value else None
