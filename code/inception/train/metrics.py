"""Classification metrics in NumPy, shared by both engines and by the book.

Conventions:

* ``confusion_matrix[i, j]`` counts images of true class ``i`` predicted as ``j``
  (rows: truth, columns: prediction), as scikit-learn.
* precision of class ``j`` = ``cm[j, j] / cm[:, j].sum()``, recall of class
  ``i`` = ``cm[i, i] / cm[i, :].sum()``; an empty denominator gives 0.0.
* top-k: the true class is among the ``k`` highest scores; ties are broken
  towards the lower class index (a stable sort), so the result is
  deterministic. Top-1 equals accuracy from :func:`numpy.argmax`.
"""

from __future__ import annotations

from typing import Dict, Optional, Sequence

import numpy as np

__all__ = [
    "softmax",
    "top_k",
    "top_k_accuracy",
    "confusion_matrix",
    "per_class_metrics",
    "classification_summary",
    "cross_entropy",
    "chance_p_value",
]


def chance_p_value(correct: int, n: int, num_classes: int) -> float:
    """The probability of getting ``correct`` or more of ``n`` images right by
    guessing uniformly among ``num_classes`` (the binomial tail): how surprising
    an accuracy of ``correct / n`` is if the model has learned nothing."""
    from math import comb

    p = 1.0 / num_classes
    return float(min(1.0, sum(comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(max(correct, 0), n + 1))))


def softmax(logits) -> np.ndarray:
    """Row-wise softmax in float64, numerically stable."""
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def cross_entropy(logits, labels, label_smoothing: float = 0.0) -> np.ndarray:
    """Per-example cross-entropy with label smoothing, the engines' definition:

    ``(1 - eps) * (-log p_y) + eps * mean_k(-log p_k)``, which equals the
    cross-entropy against the target ``(1 - eps) * onehot + eps / K``
    (PyTorch's ``label_smoothing`` and Keras' ``CategoricalCrossentropy``).
    """
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    y = np.asarray(labels, dtype=np.int64)
    nll = -logp[np.arange(len(y)), y]
    return (1 - label_smoothing) * nll + label_smoothing * (-logp.mean(axis=-1))


def top_k(scores, k: int) -> np.ndarray:
    """Indices of the ``k`` largest scores per row, best first (ties: lower index first)."""
    s = np.asarray(scores)
    k = min(k, s.shape[-1])
    return np.argsort(-s, axis=-1, kind="stable")[..., :k]


def top_k_accuracy(scores, labels, k: int = 5) -> float:
    """Fraction of rows whose label is among the ``k`` best scores."""
    y = np.asarray(labels, dtype=np.int64)
    if len(y) == 0:
        return 0.0
    return float(np.mean((top_k(scores, k) == y[:, None]).any(axis=1)))


def confusion_matrix(labels, predictions, num_classes: Optional[int] = None) -> np.ndarray:
    """``(K, K)`` int64 counts, rows true class, columns predicted class."""
    y = np.asarray(labels, dtype=np.int64)
    p = np.asarray(predictions, dtype=np.int64)
    if y.shape != p.shape:
        raise ValueError(f"labels {y.shape} and predictions {p.shape} differ in shape")
    if num_classes is None:
        num_classes = int(max(y.max(initial=-1), p.max(initial=-1)) + 1)
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(cm, (y, p), 1)
    return cm


def per_class_metrics(cm) -> Dict[str, np.ndarray]:
    """Precision, recall, F1 and support per class from a confusion matrix."""
    cm = np.asarray(cm, dtype=np.float64)
    tp = np.diag(cm)
    predicted = cm.sum(axis=0)
    support = cm.sum(axis=1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, support, out=np.zeros_like(tp), where=support > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
    return {"precision": precision, "recall": recall, "f1": f1, "support": support.astype(np.int64)}


def classification_summary(logits, labels, class_names: Sequence[str], label_smoothing: float = 0.0,
                           digits: int = 6) -> dict:
    """Everything the run record keeps about one evaluated set.

    Returns a JSON-ready dict: ``accuracy``, ``top5``, ``loss`` (mean
    cross-entropy with ``label_smoothing``), ``confusion_matrix`` (list of
    lists), ``per_class`` (``{name: {precision, recall, f1, support}}``),
    ``macro_precision``, ``macro_recall``, ``macro_f1``.
    """
    logits = np.asarray(logits)
    y = np.asarray(labels, dtype=np.int64)
    k = len(class_names)
    pred = top_k(logits, 1)[:, 0] if len(y) else np.zeros(0, np.int64)
    cm = confusion_matrix(y, pred, k)
    pc = per_class_metrics(cm)
    r = lambda v: round(float(v), digits)  # noqa: E731
    return {
        "accuracy": r(np.mean(pred == y)) if len(y) else 0.0,
        "top5": r(top_k_accuracy(logits, y, 5)),
        "loss": r(cross_entropy(logits, y, label_smoothing).mean()) if len(y) else 0.0,
        "confusion_matrix": cm.tolist(),
        "per_class": {
            name: {"precision": r(pc["precision"][i]), "recall": r(pc["recall"][i]),
                   "f1": r(pc["f1"][i]), "support": int(pc["support"][i])}
            for i, name in enumerate(class_names)
        },
        "macro_precision": r(pc["precision"].mean()),
        "macro_recall": r(pc["recall"].mean()),
        "macro_f1": r(pc["f1"].mean()),
    }
