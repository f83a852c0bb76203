"""The UC Merced Land Use data set: download, verification, one split, a decoded cache.

Framework-free; the loaders live in :mod:`inception.data.torch_data` (PyTorch)
and :mod:`inception.data.tf_data` (tf.data), which import their framework only
when imported themselves.

Typical use::

    from inception import data
    root = data.find_data_dir("../shared/data/ucmerced-jpeg95")   # or $UCMERCED_DIR, or data/ucmerced
    print(data.verify(root).summary())                            # 21 classes x 100 images
    split = data.load_split()                                     # {"train": [(stem, label), ...], ...}
    cache = data.build_cache(root, image_size=128)                # (2100, 128, 128, 3) uint8, memory-mapped

    from inception.data.torch_data import make_loaders            # PyTorch, NCHW
    from inception.data.tf_data import make_datasets              # tf.data, NHWC

Command line: ``python -m inception.data {verify,download,split,cache} --help``.
The data set itself: 21 land-use classes (:data:`CLASSES`), 100 aerial images
each, 256x256 pixels at one foot per pixel (44 images slightly off that size),
from USGS urban-area orthoimagery (Yang and Newsam, ACM SIGSPATIAL 2010).
"""

from ._base import (
    CLASSES,
    ENV_CACHE_DIR,
    ENV_DATA_DIR,
    IMAGE_EXTENSIONS,
    IMAGENET_MEAN,
    IMAGENET_STD,
    IMAGES_PER_CLASS,
    DataError,
    default_cache_dir,
    default_data_dir,
    shared_copy_dir,
)
from .cache import DecodedCache, build_cache
from .download import DownloadError, download_and_extract, download_archive, safe_extract
from .layout import ImageRecord, Layout, VerifyReport, decode_resized, find_data_dir, load_rgb, scan, verify
from .split import PARTS, load_split, make_split, read_split_lists, resolve_files, write_split
from .synthetic import make_synthetic_ucmerced
from .transforms import DEFAULT_AUGMENT, AugmentConfig

__all__ = [
    "CLASSES",
    "ENV_CACHE_DIR",
    "ENV_DATA_DIR",
    "IMAGE_EXTENSIONS",
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "IMAGES_PER_CLASS",
    "PARTS",
    "DEFAULT_AUGMENT",
    "AugmentConfig",
    "DataError",
    "DownloadError",
    "DecodedCache",
    "ImageRecord",
    "Layout",
    "VerifyReport",
    "build_cache",
    "decode_resized",
    "default_cache_dir",
    "default_data_dir",
    "download_and_extract",
    "download_archive",
    "find_data_dir",
    "load_rgb",
    "load_split",
    "make_split",
    "make_synthetic_ucmerced",
    "read_split_lists",
    "resolve_files",
    "safe_extract",
    "scan",
    "shared_copy_dir",
    "verify",
    "write_split",
]
