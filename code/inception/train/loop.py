"""The run: epochs, evaluation, checkpoints and the record, the same for both engines.

:func:`train` is the public entry point (also behind the command line). It

1. validates the configuration and builds the engine (model, optimiser, data);
2. checks the output folder: a folder holding a run needs ``resume`` (continue
   it: the checkpoint's recipe must equal this configuration's) or
   ``overwrite`` (start again);
3. trains epoch by epoch; after each epoch it validates (every ``eval_every``
   epochs and after the last), writes the checkpoint, then the record, both
   atomically;
4. after the last epoch, evaluates the test set and writes
   ``predictions.json`` and the finished record.

A run stopped early (``stop_after_epoch``, ``time_limit_minutes``, or a
SIGTERM) has status ``stopped`` and continues with ``resume``. Resuming a
finished run returns its record without training.

A run survives being killed at any moment: the checkpoint, the history it
carries and the record are updated together after each epoch (a SIGTERM that
arrives meanwhile waits for them), every file is replaced atomically, and a
resumed run repeats the interrupted epoch from the same draws, so it reaches
the same record as a run that was never interrupted. A run killed before its
first checkpoint starts again from the beginning on ``resume``. A full disk
stops the run with one :class:`~inception.train.records.StorageError` line;
the previous checkpoint stays usable.
"""

from __future__ import annotations

import os
import shlex
import signal
import socket
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from statistics import median
from typing import Any, Dict, Optional

import numpy as np

from . import faults
from .config import ConfigError, TrainConfig, recipe_mismatches
from .metrics import classification_summary, softmax, top_k
from .records import (
    RECORD_FORMAT,
    StorageError,
    atomic_write_json,
    check_writable,
    git_commit,
    is_disk_full,
    now,
    read_record,
    remove_stale_temporaries,
)

__all__ = ["train", "make_engine"]


def make_engine(cfg: TrainConfig):
    """Build the engine of ``cfg.framework`` (``cfg`` must be validated)."""
    if cfg.framework == "torch":
        from .torch_engine import TorchEngine

        return TorchEngine(cfg)
    from .keras_engine import KerasEngine

    return KerasEngine(cfg)


class StopRequested(Exception):
    """A SIGTERM asked the run to stop; it stops as a time limit would (status ``stopped``)."""


class _Stopper:
    """Turns SIGTERM into :class:`StopRequested`, except inside :meth:`critical` sections
    (the checkpoint and the record being written), where it waits for their end.

    Installed only in the main thread (Python delivers signals there); the previous
    handler comes back on exit.
    """

    def __init__(self):
        self.pending = False
        self._critical = 0
        self._old = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGTERM, self._handle)
        return self

    def __exit__(self, *exc):
        if self._old is not None:
            signal.signal(signal.SIGTERM, self._old)
        return False

    def _handle(self, signum, frame):
        self.pending = True
        if not self._critical:
            raise StopRequested("SIGTERM")

    @contextmanager
    def critical(self, then_stop: bool = True):
        """SIGTERM waits until the block is done; then (``then_stop``) the run stops."""
        self._critical += 1
        try:
            yield
        finally:
            self._critical -= 1
        if then_stop and self.pending and not self._critical:
            raise StopRequested("SIGTERM")


def _continue_command(out: Path) -> str:
    """The command that continues this run: the one that started it, with ``--resume``."""
    argv = [a for a in (sys.argv[1:] if sys.argv else []) if a not in ("--resume", "--overwrite")]
    if sys.argv and os.path.basename(sys.argv[0]) in ("__main__.py", "cli.py"):
        return "python -m inception.train " + " ".join(shlex.quote(a) for a in argv + ["--resume"])
    return f"the same configuration with resume=True (out_dir {out})"


def _say(engine, msg: str) -> None:
    if engine is None or engine.is_main:
        print(msg, flush=True)


def train(config: TrainConfig) -> Dict[str, Any]:
    """Train (or continue, or just return) the run ``config`` describes; returns its record.

    Raises:
        ConfigError: a configuration problem (also an unusable output folder or
            a resume that does not match the checkpoint); DataError: a data
            problem. Their messages are for the user.
    """
    cfg = config.validated()
    out = Path(cfg.out_dir).expanduser()
    rank = int(os.environ.get("RANK", "0") or 0)
    if rank == 0:
        check_writable(out)
    record_path = out / "record.json"

    # A folder that already holds a run: decide before building anything.
    old_record = _read_record_or_none(record_path)
    if old_record is not None and not cfg.overwrite:
        if not cfg.resume:
            raise ConfigError(
                f"{out} already holds a run (status {old_record.get('status')!r}); pass --resume to "
                "continue it, --overwrite to start again, or choose another --out")
        bad = recipe_mismatches(old_record.get("config", {}), cfg)
        if bad:
            raise ConfigError(f"cannot resume the run in {out}: its configuration differs:\n  " + "\n  ".join(bad))
        if (old_record.get("status") == "finished" and old_record.get("test_accuracy") is not None
                and len(old_record.get("epochs") or []) >= cfg.epochs):
            if rank == 0:
                print(f"{out}: the run is finished (test accuracy {old_record['test_accuracy']:.4f}); "
                      "nothing to do", flush=True)
            return old_record

    if rank == 0:
        remove_stale_temporaries(out)  # half-written files of a process that was killed
    engine = make_engine(cfg)
    try:
        with _Stopper() as stopper:
            return _run(engine, cfg, out, old_record, stopper)
    finally:
        engine.close()


def _read_record_or_none(path: Path) -> Optional[Dict]:
    if not path.is_file():
        return None
    try:
        return read_record(path)
    except (OSError, ValueError):
        return {"status": "unreadable", "config": {}}


def _run(engine, cfg: TrainConfig, out: Path, old_record: Optional[Dict], stopper: _Stopper) -> Dict[str, Any]:
    ckpt = out / engine.checkpoint_name
    record_path = out / "record.json"
    pred_path = out / "predictions.json"
    start_epoch, history, wall_before, sessions = 0, [], 0.0, []
    started = now()

    if cfg.overwrite:
        if engine.is_main:
            for p in (out / "checkpoint.pt", out / "checkpoint.h5", pred_path, record_path):
                p.unlink(missing_ok=True)
        old_record = None
    elif ckpt.is_file() and not cfg.resume:
        raise ConfigError(f"{out} holds a checkpoint ({ckpt.name}); pass --resume to continue the run, "
                          "--overwrite to start again, or choose another --out")
    elif cfg.resume and ckpt.is_file():
        meta, state = engine.read_checkpoint(ckpt)
        bad = recipe_mismatches(meta["config"], cfg)
        if bad:
            raise ConfigError(f"cannot resume from {ckpt}: it was made with another configuration:\n  "
                              + "\n  ".join(bad))
        if (old_record is not None and old_record.get("status") == "finished"
                and meta["epoch"] >= cfg.epochs and old_record.get("test_accuracy") is not None):
            _say(engine, f"{out}: the run is finished (test accuracy {old_record['test_accuracy']:.4f}); "
                         "nothing to do")
            return old_record
        engine.restore(state)
        start_epoch, history = int(meta["epoch"]), list(meta["history"])
        wall_before, sessions = float(meta.get("wall_time_seconds", 0.0)), list(meta.get("sessions", []))
        started = meta.get("started", started)
        _say(engine, f"resuming {out} after epoch {start_epoch}/{cfg.epochs}")
    elif cfg.resume and old_record is not None:
        if old_record.get("status") == "finished" and old_record.get("test_accuracy") is not None:
            _say(engine, f"{out}: the run is finished (no checkpoint here); returning its record")
            return old_record
        # Stopped or killed before its first checkpoint: nothing to continue, so start from the beginning.
        _say(engine, f"{out} holds no checkpoint yet (the run stopped before its first epoch ended); "
                     "starting it from the beginning")
        old_record = None
        pred_path.unlink(missing_ok=True)
    elif cfg.resume:
        _say(engine, f"nothing to resume in {out}; starting the run")

    device = engine.device_info()
    sessions.append({"started": now(), "start_epoch": start_epoch, "host": socket.gethostname(),
                     "device": device["description"], "argv": sys.argv[1:] if sys.argv else []})
    record: Dict[str, Any] = {
        "format": RECORD_FORMAT,
        "status": "running",
        "config": cfg.to_dict(),
        "framework": cfg.framework,
        "variant": cfg.variant,
        "versions": engine.versions(),
        **git_commit(),
        "device": device,
        "started": started,
        "updated": now(),
        "epochs": history,
        "steps_per_epoch": engine.steps_per_epoch,
        "num_train": engine.num_train,
        "test_accuracy": None,
        "test_top5": None,
        "test_loss": None,
        "per_class": None,
        "confusion_matrix": None,
        "macro_f1": None,
        "wall_time_seconds": round(wall_before, 3),
        "images_per_second": {"train": None, "eval": None},
        "predictions_file": None,
        "sessions": sessions,
    }

    def write_record():
        if engine.is_main:
            record["updated"] = now()
            atomic_write_json(record_path, record)

    session_start = time.monotonic()
    try:
        write_record()
        stopped = False
        for epoch in range(start_epoch, cfg.epochs):
            t0 = time.monotonic()
            tr = engine.train_epoch(epoch, desc=f"epoch {epoch + 1}/{cfg.epochs} train")
            entry = {"epoch": epoch + 1, "train_loss": _r(tr["train_loss"]),
                     "train_main_loss": _r(tr["train_main_loss"]), "train_accuracy": _r(tr["train_accuracy"]),
                     "val_loss": None, "val_accuracy": None, "lr": _r(tr["lr"], 8),
                     "seconds": _r(tr["seconds"], 3), "images_per_second": _r(tr["images_per_second"], 2),
                     "train_images": tr["images"]}
            if (epoch + 1) % cfg.eval_every == 0 or epoch + 1 == cfg.epochs:
                logits, labels, secs = engine.predict("val")
                faults.reached("eval")
                s = classification_summary(logits, labels, engine.class_names, cfg.label_smoothing)
                entry.update(val_loss=s["loss"], val_accuracy=s["accuracy"], val_top5=s["top5"],
                             eval_seconds=_r(secs, 3),
                             eval_images_per_second=_r(len(labels) / secs, 2) if secs > 0 else None)
            entry["epoch_seconds"] = _r(time.monotonic() - t0, 3)
            # The epoch, its checkpoint and the record change together: a SIGTERM waits for them.
            with stopper.critical():
                wall = wall_before + time.monotonic() - session_start
                try:
                    engine.save_checkpoint(ckpt, {"config": cfg.to_dict(), "epoch": epoch + 1,
                                                  "history": history + [entry], "wall_time_seconds": wall,
                                                  "sessions": sessions, "started": started})
                except OSError as exc:
                    if is_disk_full(exc):
                        raise _disk_full(out, ckpt, epoch) from None
                    raise
                history.append(entry)
                record["wall_time_seconds"] = round(wall, 3)
                record["images_per_second"]["train"] = _r(median(e["images_per_second"] for e in history
                                                                 if e.get("images_per_second")), 2)
                try:
                    write_record()
                except OSError as exc:
                    if is_disk_full(exc):
                        raise _disk_full(out, record_path, epoch + 1) from None
                    raise
            _say(engine, _epoch_line(entry, cfg.epochs))
            done = epoch + 1
            if done < cfg.epochs:
                if cfg.stop_after_epoch is not None and done >= cfg.stop_after_epoch:
                    stopped = True
                elif cfg.time_limit_minutes is not None:
                    elapsed = time.monotonic() - session_start
                    if elapsed + entry["epoch_seconds"] > 60 * cfg.time_limit_minutes:
                        stopped = True
            if stopped:
                return _stop(engine, record, write_record, out, done, cfg.epochs, "the time limit")

        logits, labels, secs = engine.predict("test")
        faults.reached("eval")
        s = classification_summary(logits, labels, engine.class_names, cfg.label_smoothing)
        record.update(
            test_accuracy=s["accuracy"], test_top5=s["top5"], test_loss=s["loss"], per_class=s["per_class"],
            confusion_matrix=s["confusion_matrix"], macro_f1=s["macro_f1"],
        )
        record["images_per_second"]["eval"] = _r(len(labels) / secs, 2) if secs > 0 else None
        with stopper.critical(then_stop=False):  # finished: a late SIGTERM has nothing left to stop
            try:
                if engine.is_main:
                    atomic_write_json(pred_path, predictions(logits, labels, engine.test_stems,
                                                             engine.class_names), indent=None)
                    record["predictions_file"] = pred_path.name
                record["wall_time_seconds"] = round(wall_before + time.monotonic() - session_start, 3)
                record["status"] = "finished"
                write_record()
            except OSError as exc:
                if is_disk_full(exc):
                    raise _disk_full(out, record_path, cfg.epochs) from None
                raise
        _say(engine, f"test accuracy {s['accuracy']:.4f}, top-5 {s['top5']:.4f} ({len(labels)} images); "
                     f"record: {record_path}")
        return record
    except StopRequested:
        done = len(history)
        for key in ("test_accuracy", "test_top5", "test_loss", "per_class", "confusion_matrix", "macro_f1"):
            record[key] = None
        return _stop(engine, record, write_record, out, done, cfg.epochs, "SIGTERM")
    except BaseException as exc:
        record["status"] = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
        record["error"] = f"{type(exc).__name__}: {exc}"[:2000]
        try:
            write_record()
        except Exception:  # noqa: BLE001 - keep the original error
            pass
        raise


def _stop(engine, record, write_record, out: Path, done: int, epochs: int, why: str) -> Dict[str, Any]:
    """Mark the run stopped (resumable), write its record, and say how to continue."""
    record["status"] = "stopped"
    try:
        write_record()
    except OSError as exc:  # the checkpoint is what matters; the record is rewritten on resume
        _say(engine, f"(the record could not be updated: {exc})")
    _say(engine, f"stopped by {why} after epoch {done}/{epochs}; the checkpoint in {out} is complete. "
                 f"Continue with: {_continue_command(out)}")
    return record


def _disk_full(out: Path, path: Path, epoch: int) -> StorageError:
    kept = f"the checkpoint of epoch {epoch} is kept" if epoch else "no checkpoint was written yet"
    return StorageError(f"no space left on the disk of {out} while writing {path.name}; {kept}. "
                        "Free some space there and continue with --resume")


def predictions(logits, labels, stems, class_names, k: int = 5) -> Dict[str, Any]:
    """Test-set predictions for ``predictions.json``: enough for a gallery of mistakes and CAMs.

    Keys: ``classes``, ``stems`` (``"<class>/<name>"``), ``true``, ``pred``,
    ``top5`` (class indices, best first), ``top5_prob`` (softmax
    probabilities, 4 decimals), ``correct``.
    """
    probs = softmax(logits)
    best = top_k(probs, k)
    labels = np.asarray(labels, dtype=np.int64)
    return {
        "classes": list(class_names),
        "stems": list(stems),
        "true": labels.tolist(),
        "pred": best[:, 0].tolist(),
        "top5": best.tolist(),
        "top5_prob": np.round(np.take_along_axis(probs, best, axis=1), 4).tolist(),
        "correct": (best[:, 0] == labels).tolist(),
    }


def _r(v, digits: int = 6):
    return None if v is None else round(float(v), digits)


def _epoch_line(e: Dict, epochs: int) -> str:
    s = (f"epoch {e['epoch']}/{epochs}: train loss {e['train_loss']:.4f} acc {e['train_accuracy']:.4f}")
    if e.get("val_accuracy") is not None:
        s += f" | val loss {e['val_loss']:.4f} acc {e['val_accuracy']:.4f}"
    ips = e.get("images_per_second")
    s += f" | lr {e['lr']:.4g} | {e['seconds']:.1f}s" + (f", {ips:.1f} img/s" if ips else "")
    return s
