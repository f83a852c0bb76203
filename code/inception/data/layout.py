"""Find a UC Merced folder, list its images, decode them, and check the whole set.

Accepted layouts, for a data folder ``DIR`` (``--data-dir``, the ``UCMERCED_DIR``
environment variable, or ``data/ucmerced`` in the checkout)::

    DIR/UCMerced_LandUse/Images/<class>/<class>NN.tif   # the official zip, extracted
    DIR/Images/<class>/<class>NN.jpg                    # e.g. ../shared/data/ucmerced-jpeg95
    DIR/<class>/<class>NN.png                           # the class folders themselves

Any of ``.tif .tiff .jpg .jpeg .png`` (any case) is an image; every other file
(``.DS_Store``, ``Thumbs.db``, notes) and every hidden file is ignored.

Decoding rules (:func:`load_rgb`), applied the same way everywhere:

* RGB 8-bit: used as is.
* grayscale (``L``), bilevel (``1``), palette (``P``), ``CMYK``, ``YCbCr``:
  converted to RGB by Pillow (grayscale is repeated in the three channels).
* with an alpha channel (``RGBA``, ``LA``, ``PA``): the alpha channel is
  dropped, not composited: aerial tiles have no meaningful transparency.
* 16-bit grayscale (``I;16*``, or ``I`` holding 0..65535): scaled to 8 bits
  by keeping the high byte (``v >> 8``), then repeated in three channels.
* anything else (float images, 16-bit colour that Pillow cannot read, more
  than 65535 in an ``I`` image) is an error naming the file.

Resizing (:func:`decode_resized`): the whole image is resized to ``S x S`` with
Pillow's bilinear filter, which widens its support when shrinking (antialiasing,
like torchvision's ``antialias=True``). Nothing is cropped, so the 44 images that
are not 256x256 (from 242x256 to 257x257) are stretched by at most 5.5% along one
side, which is less than the random-resized-crop augmentation does anyway.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np
from PIL import Image

from ._base import (
    CLASSES,
    ENV_DATA_DIR,
    IMAGE_EXTENSIONS,
    IMAGES_PER_CLASS,
    DataError,
    default_data_dir,
    env_data_dir,
    shared_copy_dir,
)

#: Sub-paths of a data folder that may hold the class folders, tried in this order.
LAYOUTS: tuple[str, ...] = ("UCMerced_LandUse/Images", "Images", ".")

_MAX_LISTED = 20  # problems listed in one error message before "... and N more"


# ---------------------------------------------------------------------------
# locating the data
# ---------------------------------------------------------------------------


def _how_to_get_data(base: Path) -> str:
    lines = [
        "Get the data with `python -m inception.data download --data-dir DIR`, or point "
        f"--data-dir (or the {ENV_DATA_DIR} environment variable) at an extracted copy "
        "whose class folders sit in DIR/UCMerced_LandUse/Images/, DIR/Images/ or DIR/.",
    ]
    shared = shared_copy_dir()
    if shared is not None:
        lines.append(f"An offline JPEG copy exists here: --data-dir {shared}")
    if (base / "UCMerced_LandUse.zip").is_file():
        lines.append(
            f"{base / 'UCMerced_LandUse.zip'} exists but is not extracted: run "
            f"`python -m inception.data download --data-dir {base}` to verify and extract it."
        )
    return "\n".join(lines)


def find_data_dir(data_dir: str | Path | None = None) -> Path:
    """Return the folder that holds the 21 class folders.

    Args:
        data_dir: a data folder in any accepted layout (see the module docstring).
            ``None`` means the ``UCMERCED_DIR`` environment variable if set, else
            ``data/ucmerced`` in the checkout (where ``download`` puts the data).

    Raises:
        DataError: the folder does not exist or holds no class folder; the
            message says how to get the data.
    """
    if data_dir is not None:
        base, origin = Path(data_dir).expanduser(), "--data-dir"
    elif env_data_dir() is not None:
        base, origin = env_data_dir(), f"${ENV_DATA_DIR}"
    else:
        base, origin = default_data_dir(), "the default location"
    if not base.is_dir():
        raise DataError(f"UC Merced data folder {base} ({origin}) does not exist.\n" + _how_to_get_data(base))
    for sub in LAYOUTS:
        candidate = (base / sub).resolve() if sub != "." else base.resolve()
        if candidate.is_dir() and any((candidate / c).is_dir() for c in CLASSES):
            return candidate
    raise DataError(
        f"No UC Merced class folders (agricultural/, airplane/, ...) found in {base} ({origin}).\n"
        + _how_to_get_data(base)
    )


# ---------------------------------------------------------------------------
# listing the images
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ImageRecord:
    """One image: its stem (``"<class>/<name>"``, no extension), file and label."""

    stem: str
    path: Path
    label: int


@dataclass
class Layout:
    """The images found under a data folder, in canonical order.

    Canonical order: by class (the order of :data:`CLASSES`), then by file name.
    It does not depend on the order in which the file system lists files.
    """

    root: Path
    records: tuple[ImageRecord, ...]
    counts: dict[str, int]
    ignored: tuple[Path, ...] = ()
    extra_dirs: tuple[Path, ...] = ()

    @property
    def stems(self) -> tuple[str, ...]:
        return tuple(r.stem for r in self.records)

    def by_stem(self) -> dict[str, ImageRecord]:
        return {r.stem: r for r in self.records}


def is_image_file(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_EXTENSIONS and not path.name.startswith(".")


def scan(data_dir: str | Path | None = None, *, require_all_classes: bool = True) -> Layout:
    """List the images of a data folder without decoding them.

    Raises:
        DataError: a class folder is missing or holds no image (when
            ``require_all_classes``), or two files share a stem
            (``x.tif`` and ``x.jpg`` in one class folder).
    """
    root = find_data_dir(data_dir)
    records: list[ImageRecord] = []
    counts: dict[str, int] = {}
    ignored: list[Path] = []
    problems: list[str] = []
    for label, cls in enumerate(CLASSES):
        folder = root / cls
        if not folder.is_dir():
            counts[cls] = 0
            problems.append(f"missing class folder {folder}")
            continue
        seen: dict[str, Path] = {}
        for path in sorted(folder.iterdir(), key=lambda p: p.name):
            if not path.is_file() or not is_image_file(path):
                ignored.append(path)
                continue
            stem = f"{cls}/{path.stem}"
            if stem in seen:
                problems.append(f"two files for one image: {seen[stem]} and {path}")
                continue
            seen[stem] = path
            records.append(ImageRecord(stem, path, label))
        counts[cls] = len(seen)
        if not seen:
            problems.append(f"class folder {folder} holds no image ({', '.join(IMAGE_EXTENSIONS)})")
    extra = tuple(
        p for p in sorted(root.iterdir()) if p.is_dir() and p.name not in CLASSES and not p.name.startswith(".")
    )
    if problems and (require_all_classes or any("two files" in p for p in problems)):
        raise DataError(_format_problems(f"UC Merced data in {root} is incomplete:", problems))
    return Layout(root, tuple(records), counts, tuple(ignored), extra)


def _format_problems(title: str, problems: list[str]) -> str:
    shown = problems[:_MAX_LISTED]
    lines = [title] + [f"  - {p}" for p in shown]
    if len(problems) > len(shown):
        lines.append(f"  ... and {len(problems) - len(shown)} more")
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# decoding
# ---------------------------------------------------------------------------

_CONVERTIBLE = {"L", "1", "P", "CMYK", "YCbCr", "RGBA", "RGBa", "RGBX", "LA", "La", "PA", "LAB", "HSV"}
_SIXTEEN_BIT = re.compile(r"^I;16[BLN]?$")


def _to_rgb_image(img: Image.Image, path: Path) -> tuple[Image.Image, str | None]:
    """Convert an opened image to 8-bit RGB; return it and the original mode if converted."""
    mode = img.mode
    if mode == "RGB":
        return img, None
    if mode in _CONVERTIBLE:
        return img.convert("RGB"), mode
    if _SIXTEEN_BIT.match(mode) or mode == "I":
        a = np.asarray(img)
        if a.ndim != 2 or (a.size and (a.min() < 0 or a.max() > 65535)):
            raise DataError(f"{path}: mode {mode} image with values outside 0..65535; cannot convert to 8 bits")
        g = (a.astype(np.uint32) >> 8).astype(np.uint8)
        return Image.fromarray(np.ascontiguousarray(np.repeat(g[:, :, None], 3, axis=2)), "RGB"), mode
    raise DataError(
        f"{path}: unsupported image mode {mode!r} (expected 8-bit RGB, grayscale, RGBA or 16-bit grayscale)"
    )


def open_rgb(path: str | Path) -> tuple[Image.Image, str | None]:
    """Open and fully decode an image as 8-bit RGB.

    Returns:
        The RGB image and the original mode if a conversion was applied (else ``None``).

    Raises:
        DataError: the file is unreadable, truncated or corrupt, or has a mode
            with no documented conversion. The message names the file.
    """
    path = Path(path)
    try:
        with Image.open(path) as img:
            img.load()  # decode now: a truncated file fails here, not later
            rgb, converted = _to_rgb_image(img, path)
            rgb.load()
    except DataError:
        raise
    except Exception as exc:  # Pillow raises OSError, SyntaxError, ValueError, ...
        raise DataError(f"{path}: cannot decode image ({type(exc).__name__}: {exc})") from exc
    if rgb.width < 1 or rgb.height < 1:
        raise DataError(f"{path}: empty image ({rgb.width}x{rgb.height})")
    return rgb, converted


def load_rgb(path: str | Path) -> np.ndarray:
    """Decode an image file to a ``(H, W, 3)`` uint8 array (conversions in the module docstring)."""
    return np.asarray(open_rgb(path)[0], dtype=np.uint8)


def resize_rgb(img: Image.Image, size: int) -> np.ndarray:
    """Resize a whole RGB image to ``(size, size, 3)`` uint8 (bilinear, antialiased when shrinking)."""
    if img.size != (size, size):
        img = img.resize((size, size), Image.BILINEAR, reducing_gap=None)
    return np.asarray(img, dtype=np.uint8)


def decode_resized(path: str | Path, size: int) -> np.ndarray:
    """Decode one image file and resize it to ``(size, size, 3)`` uint8: what the cache stores."""
    return resize_rgb(open_rgb(path)[0], size)


# ---------------------------------------------------------------------------
# verification
# ---------------------------------------------------------------------------


@dataclass
class VerifyReport:
    """What :func:`verify` found (only returned when nothing is wrong)."""

    root: Path
    counts: dict[str, int]
    n_images: int
    extensions: dict[str, int] = field(default_factory=dict)
    odd_sizes: dict[str, tuple[int, int]] = field(default_factory=dict)  # stem -> (width, height)
    converted: dict[str, str] = field(default_factory=dict)  # stem -> original mode
    ignored: tuple[Path, ...] = ()
    decoded: bool = True

    def summary(self) -> str:
        """Human-readable report: one line per class, then notes."""
        width = max(len(c) for c in CLASSES)
        lines = [f"UC Merced data in {self.root}"]
        for i, cls in enumerate(CLASSES):
            lines.append(f"  {i:2d} {cls:<{width}} {self.counts.get(cls, 0):4d}")
        exts = ", ".join(f"{n} {e}" for e, n in sorted(self.extensions.items()))
        lines.append(f"  {self.n_images} images in {len(CLASSES)} classes ({exts})")
        if self.decoded:
            lines.append(f"  all {self.n_images} images decoded")
            if self.odd_sizes:
                sizes = Counter(f"{w}x{h}" for w, h in self.odd_sizes.values())
                listed = ", ".join(f"{n} x {s}" for s, n in sorted(sizes.items()))
                lines.append(
                    f"  {len(self.odd_sizes)} images are not square or differ in size from the rest "
                    f"({listed}); they are resized whole to the model input size"
                )
            if self.converted:
                modes = Counter(self.converted.values())
                listed = ", ".join(f"{n} {m}" for m, n in sorted(modes.items()))
                lines.append(f"  {len(self.converted)} images converted to 8-bit RGB ({listed})")
        else:
            lines.append("  images not decoded (--quick)")
        if self.ignored:
            lines.append(f"  {len(self.ignored)} other files ignored (e.g. {self.ignored[0].name})")
        return "\n".join(lines)


def verify(
    data_dir: str | Path | None = None,
    *,
    per_class: int | None = IMAGES_PER_CLASS,
    decode: bool = True,
    progress: bool = False,
) -> VerifyReport:
    """Check a UC Merced folder: 21 classes, ``per_class`` images each, every image decodable.

    Args:
        data_dir: see :func:`find_data_dir`.
        per_class: images expected in every class (100 for the real data);
            ``None`` accepts any non-zero count (synthetic stand-ins).
        decode: decode every image (catches truncated or corrupt files; about
            1.5 ms per 256x256 JPEG). ``False`` only checks names and counts.
        progress: show a progress bar while decoding.

    Returns:
        A :class:`VerifyReport` (``report.summary()`` prints the class counts).

    Raises:
        DataError: listing every problem found, each naming its file or folder.
    """
    layout = scan(data_dir, require_all_classes=False)
    problems: list[str] = []
    for cls in CLASSES:
        n = layout.counts[cls]
        if n == 0:
            problems.append(f"class {cls}: no images in {layout.root / cls}")
        elif per_class is not None and n != per_class:
            problems.append(f"class {cls}: {n} images in {layout.root / cls}, expected {per_class}")
    report = VerifyReport(
        root=layout.root,
        counts=dict(layout.counts),
        n_images=len(layout.records),
        extensions=dict(Counter(r.path.suffix.lower() for r in layout.records)),
        ignored=layout.ignored + layout.extra_dirs,
        decoded=decode,
    )
    if decode:
        records: Iterable[ImageRecord] = layout.records
        if progress:
            from tqdm.auto import tqdm

            records = tqdm(records, desc="verify", unit="img")
        sizes: dict[str, tuple[int, int]] = {}
        for rec in records:
            try:
                img, converted = open_rgb(rec.path)
            except DataError as exc:
                problems.append(str(exc))
                continue
            sizes[rec.stem] = img.size
            if converted:
                report.converted[rec.stem] = converted
        if sizes:
            common = Counter(sizes.values()).most_common(1)[0][0]
            report.odd_sizes = {s: wh for s, wh in sizes.items() if wh != common or wh[0] != wh[1]}
    if problems:
        raise DataError(_format_problems(f"UC Merced data in {layout.root} failed verification:", problems))
    return report
