"""Class activation maps of a trained run, written beside its record.

GoogLeNet ends in global average pooling and one linear layer, so the logit of
class ``c`` is the spatial mean of a map, ``M_c(x, y) = w_c . f(x, y)``, plus
the bias ``b_c`` (Zhou et al. 2016). This module reloads a finished run's
checkpoint, picks a few right and a few wrong test predictions from its
``predictions.json``, and writes their maps to ``cams.json``: small, no weights
and no pixels, so a page can draw them without the checkpoint. It is the
counterpart of :mod:`inception.train.evaluate`, which writes
``resolutions.json`` the same way.

From Python::

    from inception.train.cams import compute_cams
    cams = compute_cams("runs/torch-crop256-seed0", data_dir=..., out_json="data/runs/torch-crop256-seed0/cams.json")

From the shell::

    python -m inception.train.cams runs/torch-crop256-seed0 --data-dir DIR \\
        --out data/runs/torch-crop256-seed0/cams.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

import numpy as np

from ..data import DataError
from ..data.transforms import normalize_numpy
from .config import ConfigError

__all__ = ["CAMS_FORMAT", "compute_cams", "read_cams", "select_cam_images", "main"]

CAMS_FORMAT = "inception-cams-v1"

PathLike = Union[str, Path]


def _read_json(path: Path) -> Optional[Dict[str, Any]]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def select_cam_images(predictions: Mapping[str, Any], n_correct: int, n_wrong: int) -> List[int]:
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


def _image_root(data_dir: Optional[PathLike], cfg) -> Path:
    """The UC Merced class folders: ``data_dir``, else ``$UCMERCED_DIR`` or the
    default location, else the folder the run was trained from."""
    from ..data import find_data_dir

    tries = [data_dir] if data_dir is not None else [None, cfg.data_dir]
    errors = []
    for d in tries:
        try:
            return find_data_dir(d)
        except DataError as exc:
            errors.append(str(exc).splitlines()[0])
    raise FileNotFoundError("UC Merced images not found: " + "; ".join(errors))


def compute_cams(run_dir: PathLike, data_dir: Optional[PathLike] = None, out_json: Optional[PathLike] = None,
                 n_correct: int = 6, n_wrong: int = 6, decimals: int = 4) -> Dict[str, Any]:
    """Class activation maps for a few test images of a trained run.

    Loads the run's model from its checkpoint (PyTorch or Keras, whichever the
    run used; a Keras model is rebuilt at the evaluation size), picks
    ``n_correct`` right and ``n_wrong`` wrong test predictions from its
    ``predictions.json`` (:func:`select_cam_images`), preprocesses those images
    exactly as the evaluation did (resized whole to the run's evaluation size,
    ImageNet normalisation) and computes, for each, the map of the predicted
    class and, for a mistake, of the true class too. Writes ``out_json``
    (default ``run_dir/cams.json``) and returns the same dict.

    Each item: ``stem``, ``true``, ``pred``, ``prob`` (from the predictions),
    ``model_pred`` (the reloaded model's own argmax; ``model_agrees`` counts
    the items where it equals the recorded prediction), and ``maps``: a list
    of ``{"class", "map" (h x w, rounded), "logit", "bias"}``; a map's mean
    plus its bias is the class's logit.

    Raises:
        FileNotFoundError: the run has no ``predictions.json`` (not finished),
            or the images are not found.
        ConfigError: the run folder holds no checkpoint.
    """
    from ..cam import keras_cam, torch_cam
    from ..data.layout import decode_resized, scan
    from .evaluate import _Checkpoint

    run_dir = Path(run_dir)
    preds = _read_json(run_dir / "predictions.json")
    if preds is None:
        raise FileNotFoundError(f"{run_dir / 'predictions.json'} is missing: the run has not finished")
    ckpt = _Checkpoint(run_dir)  # the one place a run's checkpoint is read, as the evaluation reads it
    cfg, size = ckpt.cfg, ckpt.cfg.test_size
    model = ckpt.model(size)  # a Keras model is rebuilt at the evaluation size
    root = _image_root(data_dir, cfg)
    by_stem = scan(root, require_all_classes=False).by_stem()
    chosen = select_cam_images(preds, n_correct, n_wrong)
    stems = [preds["stems"][i] for i in chosen]
    missing = [s for s in stems if s not in by_stem]
    if missing:
        raise FileNotFoundError(f"UC Merced images not found in {root}: {', '.join(missing[:3])}")
    x = normalize_numpy(np.stack([decode_resized(by_stem[s].path, size) for s in stems]))  # N, S, S, 3

    def cams_for(class_idx):
        if cfg.framework == "torch":
            return torch_cam(model, x.transpose(0, 3, 1, 2), class_idx)
        return keras_cam(model, x, class_idx)

    bias = model.fc.bias.detach().numpy() if cfg.framework == "torch" else model.get_layer("fc").bias.numpy()
    pred_cls = np.asarray([preds["pred"][i] for i in chosen])  # the recorded predictions
    pred_maps, _, logits = cams_for(pred_cls)
    model_pred = logits.argmax(axis=1)
    true_cls = np.asarray([preds["true"][i] for i in chosen])
    true_maps, _, _ = cams_for(true_cls)

    def entry(k, cls, maps):
        return {"class": int(cls), "map": np.round(maps[k], decimals).tolist(),
                "logit": round(float(logits[k, cls]), 5), "bias": round(float(bias[cls]), 5)}

    items = []
    for k, i in enumerate(chosen):
        maps = [entry(k, pred_cls[k], pred_maps)]
        if int(true_cls[k]) != int(pred_cls[k]):
            maps.append(entry(k, true_cls[k], true_maps))
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
    """A ``cams.json`` written by :func:`compute_cams`, or ``None`` if absent or of another format."""
    data = _read_json(Path(path))
    if data is None or data.get("format") != CAMS_FORMAT:
        return None
    return data


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python -m inception.train.cams",
                                description="Class activation maps of a finished run, written as JSON.")
    p.add_argument("run_dir", help="a finished run folder: checkpoint.pt or checkpoint.h5, and predictions.json")
    p.add_argument("--data-dir", help="UC Merced folder (default: $UCMERCED_DIR, else the run's)")
    p.add_argument("--out", help="where to write cams.json (default: RUN_DIR/cams.json)")
    p.add_argument("--correct", type=int, default=6, help="how many right predictions to map (default 6)")
    p.add_argument("--wrong", type=int, default=6, help="how many mistakes to map (default 6)")
    a = p.parse_args(argv)
    if a.correct < 0 or a.wrong < 0:
        p.error("--correct and --wrong must be at least 0")
    try:
        cams = compute_cams(a.run_dir, a.data_dir, a.out, n_correct=a.correct, n_wrong=a.wrong)
    except (ConfigError, DataError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{cams['run']}: {cams['n_correct']} right and {cams['n_wrong']} wrong test images mapped at "
          f"{cams['image_size']} px ({cams['grid'][0]}x{cams['grid'][1]} grid); the reloaded model agrees with "
          f"the recorded prediction on {cams['model_agrees']} of {len(cams['items'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
