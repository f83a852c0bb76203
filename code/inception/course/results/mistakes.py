"""What the network gets wrong, from a run's confusion matrix and predictions: recall
per class, the most frequent confusions, the weakest classes and what kind of class
they are (told apart by an object, a density or a surface), the most confident mistakes."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence

import numpy as np

from inception.data._base import CLASSES

from .headline import _and
from .tables import pct


def per_class_recall(record: Mapping[str, Any]) -> Dict[str, float]:
    """Per-class accuracy (recall) on the test set: class -> fraction right."""
    return {c: float(v["recall"]) for c, v in (record.get("per_class") or {}).items()}


def top_confusions(record: Mapping[str, Any], k: int = 5) -> List[Dict[str, Any]]:
    """The ``k`` largest off-diagonal entries of the confusion matrix (rows:
    true class, columns: predicted)."""
    cm = np.asarray(record.get("confusion_matrix") or [], dtype=int)
    if cm.size == 0:
        return []
    classes = list((record.get("per_class") or {}).keys()) or list(CLASSES)
    off = cm.copy()
    np.fill_diagonal(off, 0)
    order = sorted(((int(off[i, j]), i, j) for i in range(len(cm)) for j in range(len(cm)) if off[i, j] > 0),
                   key=lambda t: (-t[0], t[1], t[2]))[:k]
    return [{"true": classes[i], "predicted": classes[j], "images": n, "of": int(cm[i].sum())}
            for n, i, j in order]


#: How a UC Merced class is told apart: by an object in the scene, by the
#: density and layout of buildings, or by a surface (a texture, a landform, a
#: road or runway).
CLASS_KINDS: Dict[str, str] = {
    **{c: "object" for c in ("airplane", "baseballdiamond", "harbor", "intersection", "overpass", "parkinglot",
                             "storagetanks", "tenniscourt")},
    **{c: "density" for c in ("buildings", "denseresidential", "mediumresidential", "sparseresidential",
                              "mobilehomepark")},
    **{c: "surface" for c in ("agricultural", "beach", "chaparral", "forest", "freeway", "golfcourse", "river",
                              "runway")},
}


#: Class names as words (``"storagetanks"`` -> ``"storage tanks"``).
CLASS_WORDS: Dict[str, str] = {c: c for c in CLASSES}
CLASS_WORDS.update({"baseballdiamond": "baseball diamond", "denseresidential": "dense residential",
                    "golfcourse": "golf course", "mediumresidential": "medium residential",
                    "mobilehomepark": "mobile home park", "parkinglot": "parking lot",
                    "sparseresidential": "sparse residential", "storagetanks": "storage tanks",
                    "tenniscourt": "tennis court"})


def weakest_classes(record: Mapping[str, Any], k: int = 2) -> List[Dict[str, Any]]:
    """The classes with the fewest right test predictions, from the confusion
    matrix: the ``k`` weakest and every class tied with the ``k``-th, weakest
    first. Each: class, right, of, its kind (:data:`CLASS_KINDS`) and the
    class it is most often taken for."""
    cm = np.asarray(record.get("confusion_matrix") or [], dtype=int)
    if cm.size == 0:
        return []
    classes = list((record.get("per_class") or {}).keys()) or list(CLASSES)
    recall = [cm[i, i] / max(cm[i].sum(), 1) for i in range(len(cm))]
    order = sorted(range(len(cm)), key=lambda i: (recall[i], i))
    cut = recall[order[min(k, len(order)) - 1]]
    out = []
    for i in (i for i in order if recall[i] <= cut):
        off = cm[i].copy()
        off[i] = -1
        j = int(np.argmax(off))
        out.append({"class": classes[i], "right": int(cm[i, i]), "of": int(cm[i].sum()),
                    "kind": CLASS_KINDS.get(classes[i], "other"),
                    "taken for": classes[j] if off[j] > 0 else None})
    return out


def kinds_sentence(classes: Sequence[str]) -> str:
    """What tells the given classes apart, by :data:`CLASS_KINDS`, in words:
    ``"storage tanks and tennis court are told apart by an object, medium
    residential by how densely it is built"``."""
    how = {"object": "an object", "density": "how densely it is built", "surface": "a surface or landform",
           "other": "something else"}
    by_kind: Dict[str, List[str]] = {}
    for c in classes:
        by_kind.setdefault(CLASS_KINDS.get(c, "other"), []).append(CLASS_WORDS.get(c, c))
    if len(by_kind) == 1:  # name the classes: the sentence must read on its own (in the takeaways too)
        (kind, names), = by_kind.items()
        verb = "are all" if len(names) > 2 else "are both" if len(names) == 2 else "is"
        return f"{_and(names)} {verb} told apart by {how[kind]}"
    parts = []
    for k, (kind, names) in enumerate(sorted(by_kind.items(), key=lambda kv: -len(kv[1]))):
        verb = ("are" if len(names) > 1 else "is") + " told apart" if k == 0 else ""
        parts.append(f"{_and(names)} {verb + ' ' if verb else ''}by {how[kind]}")
    return ", ".join(parts)


def misclassified(predictions: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """Every wrong test prediction: stem, true and predicted class, the
    predicted class's probability and the true class's rank in the top 5
    (``None`` if outside it); most confident mistakes first."""
    classes = predictions["classes"]
    out = []
    for i, (stem, t, p, ok) in enumerate(zip(predictions["stems"], predictions["true"], predictions["pred"],
                                             predictions["correct"])):
        if ok:
            continue
        top5 = list(predictions["top5"][i])
        out.append({"stem": stem, "true": classes[t], "predicted": classes[p],
                    "probability": float(predictions["top5_prob"][i][0]),
                    "true rank": (top5.index(t) + 1) if t in top5 else None})
    out.sort(key=lambda r: (-r["probability"], r["stem"]))
    return out




def mistakes_table(predictions: Optional[Mapping[str, Any]], k: int = 10) -> List[Dict[str, str]]:
    """The ``k`` most confident mistakes (:func:`misclassified`) as text: image,
    true and predicted class, the probability given to the prediction and the
    true class's rank among the five best guesses ("not in top 5" outside them)."""
    if not predictions:
        return []
    return [{"image": w["stem"].split("/")[-1], "true": w["true"], "predicted": w["predicted"],
             "probability": f"{w['probability']:.0%}",
             "true class's rank": str(w["true rank"]) if w["true rank"] else "not in top 5"}
            for w in misclassified(predictions)[:k]]

def class_table() -> List[Dict[str, str]]:
    """The 21 classes by what tells them apart (:data:`CLASS_KINDS`): one row per
    kind, its classes in words."""
    how = {"object": "an object", "density": "how densely it is built", "surface": "a surface or landform"}
    return [{"told apart by": how[kind],
             "classes": ", ".join(CLASS_WORDS[c] for c in CLASSES if CLASS_KINDS.get(c) == kind)}
            for kind in ("object", "density", "surface")]
