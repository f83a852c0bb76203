"""Evaluate a trained run at other input sizes (test-time resolution).

A network trained on random resized crops sees objects larger than they are in
the whole image it is tested on: a crop of a fraction ``s`` of the area,
enlarged to the input size, magnifies by ``1/sqrt(s)``. Evaluating the whole
image at a larger size undoes that (Touvron et al. 2019, "Fixing the
train-test resolution discrepancy"). Global average pooling lets the same
weights run at any size, so this costs no training: only evaluation.

From Python::

    from inception.train.evaluate import resolution_sweep
    sweep = resolution_sweep("runs/torch-bn128-seed0", [128, 160, 192], data_dir=...)

From the shell::

    python -m inception.train.evaluate runs/torch-bn128-seed0 --sizes 128 144 160 176 192 \\
        --data-dir DIR --out data/runs/torch-bn128-seed0/resolutions.json

Both frameworks read the same decoded cache through the PyTorch loaders (the
preprocessing is shared and tested equal across frameworks); a Keras model is
rebuilt at each size with the checkpoint's weights. Evaluating at the training
size repeats the run's own test evaluation (tested).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, Dict, Optional, Sequence

import numpy as np

from ..data import DataError
from .config import ConfigError, TrainConfig, min_image_size
from .metrics import classification_summary
from .records import atomic_write_json, library_versions, now

__all__ = ["RESOLUTIONS_FORMAT", "evaluate_run", "resolution_sweep", "main"]

#: v2: validation only (v1 records, of the first recipe's runs, also hold the test set at every size).
RESOLUTIONS_FORMAT = "inception-resolutions-v2"


def _checkpoint(run_dir: Path) -> Path:
    for name in ("checkpoint.pt", "checkpoint.h5"):
        if (run_dir / name).is_file():
            return run_dir / name
    raise ConfigError(f"no checkpoint (checkpoint.pt or checkpoint.h5) in {run_dir}")


class _Checkpoint:
    """A run's checkpoint, read once: its configuration and main-head predictors.

    A PyTorch model runs at any size as loaded; a Keras model's shapes are
    static, so it is rebuilt (with the checkpoint's weights) for each size.
    """

    def __init__(self, run_dir: Path):
        self.path = _checkpoint(run_dir)
        try:
            if self.path.suffix == ".pt":
                import torch

                from .torch_engine import load_checkpoint_model

                model, self.cfg = load_checkpoint_model(self.path)
                self._torch_model = model.to(memory_format=torch.channels_last)
            else:
                import h5py

                with h5py.File(self.path, "r") as f:
                    self.cfg = TrainConfig.from_dict(json.loads(f.attrs["meta"])["config"])
                self._torch_model = None
        except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's to fix
            raise ConfigError(f"checkpoint {self.path} is unreadable or not this trainer's "
                              f"({type(exc).__name__}: {exc})") from None

    def model(self, image_size: int):
        """The trained model for square inputs of ``image_size``: the PyTorch model as
        loaded (any size), or the Keras model rebuilt at that size."""
        if self._torch_model is not None:
            return self._torch_model
        from .keras_engine import load_checkpoint_model

        return load_checkpoint_model(self.path, image_size=image_size)[0]

    def predictor(self, image_size: int):
        """A function from a normalised NCHW float32 batch (torch) to main-head logits (NumPy)."""
        if self._torch_model is not None:
            import torch

            model = self._torch_model

            def predict(x):
                with torch.inference_mode():
                    out = model(x.contiguous(memory_format=torch.channels_last))
                return (out[0] if isinstance(out, tuple) else out).float().numpy()

            return predict
        model = self.model(image_size)

        def predict(x):
            out = model(np.ascontiguousarray(x.permute(0, 2, 3, 1).numpy()), training=False)
            out = out[0] if isinstance(out, (list, tuple)) else out
            return np.asarray(out, dtype=np.float32)

        return predict


def evaluate_run(run_dir, image_size: int, *, data_dir=None, cache_dir=None, parts: Sequence[str] = ("val", "test"),
                 batch_size: int = 64, progress: bool = True) -> Dict[str, Dict[str, Any]]:
    """The run's trained network on ``parts`` of its split, whole images resized to ``image_size``.

    Returns ``{part: classification_summary}`` (accuracy, top5, loss with the
    run's label smoothing, confusion matrix, per class) plus ``predicted`` (the
    top-1 class index of every image, in split order) and ``logits`` (NumPy).

    Raises:
        ConfigError: no checkpoint, or a size the variant cannot take.
    """
    return _evaluate(_Checkpoint(Path(run_dir)), image_size, data_dir=data_dir, cache_dir=cache_dir, parts=parts,
                     batch_size=batch_size, progress=progress)


def _evaluate(ckpt: _Checkpoint, image_size: int, *, data_dir, cache_dir, parts: Sequence[str], batch_size: int,
              progress: bool) -> Dict[str, Dict[str, Any]]:
    cfg = ckpt.cfg
    image_size = int(image_size)
    smallest = min_image_size(cfg.variant)
    if image_size < smallest:
        raise ConfigError(f"image_size {image_size} is too small for the {cfg.variant} variant (at least {smallest})")
    bad = [p for p in parts if p not in ("train", "val", "test")]
    if bad:
        raise ConfigError(f"unknown split part(s) {bad}; choose from train, val, test")

    from ..data import CLASSES
    from ..data.torch_data import make_loaders

    loaders = make_loaders(data_dir if data_dir is not None else cfg.data_dir, image_size=image_size,
                           batch_size=batch_size, augment=False, split=cfg.split,
                           cache_dir=cache_dir if cache_dir is not None else cfg.cache_dir, progress=progress)
    predict = ckpt.predictor(image_size)
    out: Dict[str, Dict[str, Any]] = {}
    for part in parts:
        # the training loader shuffles; evaluate its images in split order instead
        loader = loaders[part]
        if part == "train":
            from torch.utils.data import DataLoader

            loader = DataLoader(loader.dataset, batch_size=batch_size, shuffle=False)
        logits, labels = [], []
        for x, y in loader:
            logits.append(predict(x))
            labels.append(np.asarray(y))
        logits_a, labels_a = np.concatenate(logits), np.concatenate(labels)
        summary = classification_summary(logits_a, labels_a, list(CLASSES), cfg.label_smoothing)
        summary["predicted"] = logits_a.argmax(1).tolist()
        summary["logits"] = logits_a
        out[part] = summary
    return out


def resolution_sweep(run_dir, sizes: Sequence[int], *, data_dir=None, cache_dir=None, out: Optional[str] = None,
                     batch_size: int = 64, progress: bool = True) -> Dict[str, Any]:
    """Validation accuracy of a run at each input size in ``sizes``; written to ``out`` if given.

    Validation only: the test set is read once per run, by the run itself, at
    the evaluation size fixed in its configuration before training. The record
    (JSON, no weights) keeps, per size, accuracy, top-5 and loss on the
    validation images and their top-1 predictions, so a page can redraw
    everything from it.
    """
    if not sizes:
        raise ConfigError("give at least one image size")
    run_dir = Path(run_dir)
    ckpt = _Checkpoint(run_dir)
    cfg = ckpt.cfg
    rows = []
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is a requirement
        tqdm = None
    it = sorted({int(s) for s in sizes})
    bar = tqdm(it, desc=f"{run_dir.name}: sizes", disable=not progress) if tqdm else it
    for size in bar:
        t0 = time.perf_counter()
        r = _evaluate(ckpt, size, data_dir=data_dir, cache_dir=cache_dir, parts=("val",),
                      batch_size=batch_size, progress=False)
        row = {"image_size": size, "seconds": round(time.perf_counter() - t0, 2),
               "val_accuracy": r["val"]["accuracy"], "val_top5": r["val"]["top5"], "val_loss": r["val"]["loss"],
               "val_predicted": r["val"]["predicted"]}
        rows.append(row)
    record = {"format": RESOLUTIONS_FORMAT, "run": run_dir.name, "framework": cfg.framework,
              "variant": cfg.variant, "train_image_size": cfg.image_size, "eval_image_size": cfg.test_size,
              "parts": ["val"], "created": now(),
              "versions": library_versions(cfg.framework), "results": rows}
    if out is not None:
        atomic_write_json(Path(out), record)
    return record


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python -m inception.train.evaluate",
                                description="Evaluate a trained run's checkpoint at several input sizes "
                                            "(validation images only).")
    p.add_argument("run_dir", help="a run folder holding checkpoint.pt or checkpoint.h5")
    p.add_argument("--sizes", type=int, nargs="+", required=True, help="square input sizes to evaluate at")
    p.add_argument("--data-dir", help="UC Merced folder (default: the run's, else $UCMERCED_DIR)")
    p.add_argument("--cache-dir", help="decoded-image cache folder (default: the run's)")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--out", help="write the JSON record here")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    a = p.parse_args(argv)
    try:
        rec = resolution_sweep(a.run_dir, a.sizes, data_dir=a.data_dir, cache_dir=a.cache_dir, out=a.out,
                               batch_size=a.batch_size, progress=not a.quiet)
    except (ConfigError, DataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for r in rec["results"]:
        print(f"{r['image_size']:4d} px: val {r['val_accuracy']:.4f} (top-5 {r['val_top5']:.4f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
