"""Run records: small JSON files written atomically, and what goes in them.

A run folder holds::

    record.json        # the run record (committed for real results; no weights)
    predictions.json   # test-set predictions: stems, true, predicted, top-5 and their probabilities
    checkpoint.pt      # PyTorch checkpoint (git-ignored: *.pt)
    checkpoint.h5      # Keras checkpoint (git-ignored: *.h5)

Every file is written to a temporary file in the same folder, flushed to disk
and renamed over the old one (:func:`atomic_write_bytes`), so a crash at any
moment leaves either the previous version or the new one, never half a file.

Record keys (:data:`RECORD_KEYS`): ``format``, ``status`` (``running``,
``stopped`` (resumable), ``finished``, ``failed``), ``config``, ``framework``,
``variant``, ``versions``, ``git_commit``, ``git_dirty``, ``device``,
``started``, ``updated``, ``epochs`` (one dict per epoch: ``epoch`` (1-based),
``train_loss`` (the whole objective: main + aux_weight x each auxiliary
cross-entropy), ``train_main_loss``, ``train_accuracy`` (main head, training
mode), ``val_loss`` (main head, same label smoothing), ``val_accuracy``,
``lr`` (at the epoch's last step), ``seconds``, ``images_per_second``
(training)), ``steps_per_epoch``, ``num_train``, ``test_accuracy``,
``test_top5``, ``test_loss``, ``per_class``, ``confusion_matrix``,
``macro_f1``, ``wall_time_seconds`` (all sessions), ``images_per_second``
(``{"train", "eval"}``), ``predictions_file``, ``sessions``.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, Optional

__all__ = [
    "RECORD_FORMAT",
    "RECORD_KEYS",
    "EPOCH_KEYS",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_with",
    "write_checkpoint_bytes",
    "remove_stale_temporaries",
    "StorageError",
    "is_disk_full",
    "read_record",
    "git_commit",
    "library_versions",
    "check_writable",
    "now",
]

RECORD_FORMAT = "inception-run-record-v1"

RECORD_KEYS = (
    "format", "status", "config", "framework", "variant", "versions", "git_commit", "git_dirty",
    "device", "started", "updated", "epochs", "steps_per_epoch", "num_train", "test_accuracy",
    "test_top5", "test_loss", "per_class", "confusion_matrix", "macro_f1", "wall_time_seconds",
    "images_per_second", "predictions_file", "sessions",
)

EPOCH_KEYS = ("epoch", "train_loss", "train_main_loss", "train_accuracy", "val_loss", "val_accuracy",
              "lr", "seconds", "images_per_second")


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def atomic_write_with(path, write: Callable[[str], None]) -> None:
    """Call ``write(tmp_path)`` for a temporary file next to ``path``, then rename it over ``path``.

    The temporary file keeps ``path``'s suffix (``checkpoint.tmp-123.pt``) so
    that ignore patterns such as ``*.pt`` cover it too. It is removed if
    ``write`` fails.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = "".join(path.suffixes[-1:])
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.tmp-", suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path, data: bytes) -> None:
    def write(tmp):
        with open(tmp, "wb") as f:
            f.write(data)

    atomic_write_with(path, write)


def write_checkpoint_bytes(path, data: bytes) -> None:
    """Write a serialised checkpoint atomically, in two halves (a fault can be injected between them:
    :mod:`inception.train.faults`, point ``checkpoint``)."""
    from . import faults

    path = Path(path)

    def write(tmp):
        half = len(data) // 2
        with open(tmp, "wb") as f:
            f.write(data[:half])
            f.flush()
            faults.reached("checkpoint", str(path.parent))
            f.write(data[half:])

    atomic_write_with(path, write)


def remove_stale_temporaries(folder) -> int:
    """Delete the temporary files that a killed process left behind in ``folder``
    (``.<name>.tmp-*``, see :func:`atomic_write_with`); returns how many."""
    n = 0
    for p in Path(folder).glob(".*.tmp-*"):
        try:
            p.unlink()
            n += 1
        except OSError:
            pass
    return n


class StorageError(RuntimeError):
    """The disk is full (or over quota): the message names the folder and what was kept."""


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` is the operating system's "no space left" or "quota exceeded"."""
    import errno

    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


def atomic_write_json(path, obj: Any, indent: Optional[int] = 1) -> None:
    """Write ``obj`` as JSON (UTF-8, trailing newline) atomically."""
    text = json.dumps(obj, indent=indent, sort_keys=False, default=_json_default) + "\n"
    atomic_write_bytes(path, text.encode("utf-8"))


def _json_default(o):
    try:
        import numpy as np

        if isinstance(o, np.generic):
            return o.item()
        if isinstance(o, np.ndarray):
            return o.tolist()
    except ImportError:  # pragma: no cover
        pass
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def read_record(path) -> Dict[str, Any]:
    """Read ``record.json`` (a run folder or the file itself)."""
    p = Path(path)
    if p.is_dir():
        p = p / "record.json"
    return json.loads(p.read_text())


def _repo_root() -> Optional[Path]:
    root = Path(__file__).resolve().parents[3]
    return root if (root / "pyproject.toml").is_file() else None


def git_commit() -> Dict[str, Any]:
    """``{"git_commit": sha or None, "git_dirty": bool or None}`` of the checkout holding the package."""
    root = _repo_root()
    if root is None:
        return {"git_commit": None, "git_dirty": None}
    try:
        sha = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=10).stdout.strip() or None
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True, timeout=10)
        dirty = bool(status.stdout.strip()) if status.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return {"git_commit": None, "git_dirty": None}
    return {"git_commit": sha, "git_dirty": dirty}


def library_versions(framework: str) -> Dict[str, Optional[str]]:
    """Versions of Python, NumPy, this package and the framework's libraries."""
    import numpy

    from .. import __version__

    v: Dict[str, Optional[str]] = {
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "inception": __version__,
        "platform": platform.platform(),
    }
    if framework == "torch":
        import torch

        v["torch"] = torch.__version__
        try:
            import torchvision

            v["torchvision"] = torchvision.__version__
        except ImportError:
            v["torchvision"] = None
        v["cuda"] = torch.version.cuda
        v["cudnn"] = str(torch.backends.cudnn.version()) if torch.backends.cudnn.is_available() else None
    else:
        import keras
        import tensorflow as tf

        v["tensorflow"] = tf.__version__
        v["keras"] = keras.__version__
        v["keras_backend"] = keras.backend.backend()
        info = tf.sysconfig.get_build_info()
        v["cuda"] = info.get("cuda_version")
        v["cudnn"] = info.get("cudnn_version")
    return v


def check_writable(out_dir) -> Path:
    """Create ``out_dir`` if needed and check that a file can be written there.

    Raises:
        ConfigError: naming the folder and the operating system's reason.
    """
    from .config import ConfigError

    out = Path(out_dir).expanduser()
    if out.exists() and not out.is_dir():
        raise ConfigError(f"output folder {out} exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-test-", dir=out)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ConfigError(f"output folder {out} is not writable: {exc.strerror or exc}") from None
    return out


def cpu_name() -> str:
    name = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    name = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{name} ({os.cpu_count()} logical cores)"
