"""Metrics, schedules and small pieces of the training package, on hand-made examples (fast, NumPy)."""

import json
import math
import os

import numpy as np
import pytest

from inception.train import TrainConfig
from inception.train.metrics import (
    classification_summary,
    confusion_matrix,
    cross_entropy,
    per_class_metrics,
    softmax,
    top_k,
    top_k_accuracy,
)
from inception.train.records import atomic_write_json, read_record
from inception.train.schedules import lr_at, lr_curve


def test_confusion_matrix_rows_are_truth():
    y = [0, 0, 1, 2, 2, 2]
    p = [0, 1, 1, 2, 0, 2]
    cm = confusion_matrix(y, p, 3)
    assert cm.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert cm.sum() == len(y)


def test_per_class_precision_recall_by_hand():
    cm = np.array([[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    m = per_class_metrics(cm)
    # precision: column-wise; recall: row-wise
    np.testing.assert_allclose(m["precision"], [1 / 2, 1 / 2, 2 / 2])
    np.testing.assert_allclose(m["recall"], [1 / 2, 1 / 1, 2 / 3])
    np.testing.assert_allclose(m["f1"], [0.5, 2 * 0.5 / 1.5, 2 * (2 / 3) / (5 / 3)])
    assert m["support"].tolist() == [2, 1, 3]


def test_empty_class_gives_zero_not_nan():
    cm = confusion_matrix([0, 0], [0, 0], 3)
    m = per_class_metrics(cm)
    assert m["precision"].tolist() == [1.0, 0.0, 0.0]
    assert m["recall"].tolist() == [1.0, 0.0, 0.0]
    assert not np.isnan(m["f1"]).any()


def test_top_k_ties_and_accuracy():
    scores = np.array([[0.1, 0.5, 0.5, 0.0], [0.9, 0.0, 0.05, 0.05]])
    assert top_k(scores, 2).tolist() == [[1, 2], [0, 2]]  # ties: lower index first
    assert top_k_accuracy(scores, [2, 3], k=1) == 0.0
    assert top_k_accuracy(scores, [2, 3], k=2) == 0.5
    assert top_k_accuracy(scores, [2, 3], k=3) == 1.0
    assert top_k_accuracy(scores, [2, 3], k=10) == 1.0  # k larger than classes


def test_cross_entropy_label_smoothing_matches_definition():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(5, 4)) * 3
    y = np.array([0, 3, 2, 1, 1])
    p = softmax(z)
    eps = 0.1
    target = (1 - eps) * np.eye(4)[y] + eps / 4
    expected = -(target * np.log(p)).sum(1)
    np.testing.assert_allclose(cross_entropy(z, y, eps), expected, rtol=1e-12)
    np.testing.assert_allclose(cross_entropy(z, y, 0.0), -np.log(p[np.arange(5), y]), rtol=1e-12)


def test_classification_summary_is_json_ready():
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 2.0, 1.0], [0.0, 1.0, 2.0], [2.0, 0.0, 1.0]])
    s = classification_summary(logits, [0, 1, 2, 2], ["a", "b", "c"])
    json.dumps(s)
    assert s["accuracy"] == 0.75
    assert s["top5"] == 1.0
    assert s["confusion_matrix"] == [[1, 0, 0], [0, 1, 0], [1, 0, 1]]
    assert s["per_class"]["c"] == {"precision": 1.0, "recall": 0.5, "f1": round(2 / 3, 6), "support": 2}
    assert s["per_class"]["a"]["precision"] == 0.5


def _cfg(**kw):
    return TrainConfig(**{"epochs": 10, "lr": 0.1, **kw}).validated()


def test_cosine_with_warmup():
    cfg = _cfg(schedule="cosine", warmup_epochs=2, min_lr_ratio=0.01)
    steps = 5
    curve = lr_curve(steps, cfg)
    assert len(curve) == 50
    assert curve[0] == pytest.approx(0.1 / 10)  # warm-up starts at lr / warm-up steps
    assert curve[9] == pytest.approx(0.1)       # ... and reaches lr at its last step
    assert curve[10] == pytest.approx(0.1)      # cosine starts at lr
    assert curve[-1] == pytest.approx(0.001)    # ... and ends at lr * min_lr_ratio
    assert all(a >= b for a, b in zip(curve[10:], curve[11:]))


def test_step_schedule_is_inception_v3_like():
    cfg = _cfg(schedule="step", step_every=2, step_gamma=0.94)
    assert lr_at(0, 10, cfg) == pytest.approx(0.1)
    assert lr_at(19, 10, cfg) == pytest.approx(0.1)
    assert lr_at(20, 10, cfg) == pytest.approx(0.094)
    assert lr_at(99, 10, cfg) == pytest.approx(0.1 * 0.94 ** 4)


def test_onecycle_matches_torch():
    torch = pytest.importorskip("torch")
    cfg = _cfg(schedule="onecycle")
    steps = 7
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.1, momentum=0.9)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=70, cycle_momentum=False)
    ours = lr_curve(steps, cfg)
    theirs = []
    for _ in range(70):
        theirs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_atomic_write_leaves_no_temp_and_keeps_old_on_failure(tmp_path):
    path = tmp_path / "record.json"
    atomic_write_json(path, {"a": 1})
    assert read_record(tmp_path) == {"a": 1}

    class Boom:
        pass

    with pytest.raises(TypeError):
        atomic_write_json(path, {"a": Boom()})  # fails while serialising: nothing written
    assert read_record(path) == {"a": 1}
    assert sorted(os.listdir(tmp_path)) == ["record.json"]
    # a failure half-way through writing the temporary file also leaves the old file whole
    from inception.train.records import atomic_write_with

    def half(tmp):
        with open(tmp, "w") as f:
            f.write('{"a": ')
        raise OSError("disk full")

    with pytest.raises(OSError):
        atomic_write_with(path, half)
    assert read_record(path) == {"a": 1}
    assert sorted(os.listdir(tmp_path)) == ["record.json"]


def test_temporary_checkpoint_names_are_git_ignored(tmp_path):
    """The temp files keep the checkpoint's suffix, so *.pt / *.h5 in .gitignore cover them."""
    from inception.train.records import atomic_write_with

    seen = []
    atomic_write_with(tmp_path / "checkpoint.pt", lambda t: (seen.append(t), open(t, "wb").close()))
    atomic_write_with(tmp_path / "checkpoint.h5", lambda t: (seen.append(t), open(t, "wb").close()))
    assert seen[0].endswith(".pt") and seen[1].endswith(".h5")


def test_derive_seed_is_stable():
    from inception.train.common import derive_seed

    assert derive_seed(0, 1) == derive_seed(0, 1)
    assert len({derive_seed(0, 1), derive_seed(0, 2), derive_seed(1, 1), derive_seed(0, 1, "x")}) == 4
    assert 0 <= derive_seed(123, 4, 5) < 2**63
    assert math.isfinite(derive_seed(0))


def test_chance_p_value_is_the_binomial_tail():
    from inception.train.metrics import chance_p_value

    assert chance_p_value(0, 10, 2) == 1.0
    assert chance_p_value(10, 10, 2) == pytest.approx(2.0**-10)
    assert chance_p_value(9, 10, 2) == pytest.approx(11 * 2.0**-10)
    # 8 of 105 right among 21 classes (5 expected) is no surprise; 14 is
    assert chance_p_value(8, 105, 21) > 0.05
    assert chance_p_value(14, 105, 21) < 1e-3
