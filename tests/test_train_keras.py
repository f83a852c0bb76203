"""The Keras engine on a tiny synthetic UC Merced (5 images per class, 32x32 input, CPU).

* the loss is main + aux_weight * (aux1 + aux2), checked by hand on a fixed batch,
  with the same label-smoothing definition as PyTorch; evaluation uses the main logits only;
* a short training run reduces the loss;
* 1 epoch + resume + 1 epoch == 2 epochs straight, bit for bit (every model and optimiser variable);
* the run record has the documented keys.
"""

import json
import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from inception.data.synthetic import make_synthetic_ucmerced  # noqa: E402
from inception.train import TrainConfig, read_record, train  # noqa: E402
from inception.train.keras_engine import KerasEngine, training_loss  # noqa: E402
from inception.train.metrics import cross_entropy  # noqa: E402
from inception.train.records import EPOCH_KEYS, RECORD_KEYS  # noqa: E402

TIMING = {"seconds", "images_per_second", "eval_seconds", "eval_images_per_second", "epoch_seconds"}


@pytest.fixture(scope="module")
def syn(tmp_path_factory):
    root = tmp_path_factory.mktemp("train_keras")
    make_synthetic_ucmerced(root / "data", per_class=5, size=40)
    return root


def config(syn, out, **kw):
    base = dict(framework="keras", variant="bn", data_dir=str(syn / "data"), cache_dir=str(syn / "cache"),
                out_dir=str(out), image_size=32, batch_size=8, epochs=2, max_steps_per_epoch=2, lr=0.02,
                progress="none", seed=0, deterministic=True, precision="fp32")  # fp32 even where bf16 is native
    base.update(kw)
    return TrainConfig(**base)


def test_aux_loss_weighting_eval_ignores_aux_and_loss_decreases(syn):
    cfg = config(syn, syn / "unused", dropout=0.0, aux_dropout=0.0, aux_weight=0.3, label_smoothing=0.1,
                 augment=False, batch_size=16, max_steps_per_epoch=None, schedule="constant",
                 optimizer="adamw", lr=1e-3).validated()
    eng = KerasEngine(cfg)
    x, y = next(iter(eng.eval_sets["val"]))  # a fixed batch of 16
    yn = y.numpy()

    main, aux1, aux2 = (o.numpy() for o in eng.model(x, training=True))
    hand_main = cross_entropy(main, yn, 0.1).mean()
    hand = hand_main + 0.3 * cross_entropy(aux1, yn, 0.1).mean() + 0.3 * cross_entropy(aux2, yn, 0.1).mean()
    moving_mean = eng.model.get_layer("conv1.bn").moving_mean.numpy().copy()
    loss_sum, main_sum, correct, n = (float(t) for t in eng._train_step(x, y))
    assert n == len(yn)
    assert loss_sum / n == pytest.approx(hand, rel=1e-5)
    assert main_sum / n == pytest.approx(hand_main, rel=1e-5)
    assert correct == float((main.argmax(1) == yn).sum())
    assert not np.array_equal(moving_mean, eng.model.get_layer("conv1.bn").moving_mean.numpy())
    # the per-example loss function itself
    per_ex, per_ex_main = training_loss([main, aux1, aux2], yn, 0.0, 0.1)
    np.testing.assert_allclose(per_ex.numpy(), per_ex_main.numpy())
    np.testing.assert_allclose(per_ex_main.numpy(), cross_entropy(main, yn, 0.1), rtol=1e-5)

    # evaluation: a model sharing the layers, main logits only
    assert len(eng.eval_model.outputs) == 1 and eng.eval_model.outputs[0].shape[-1] == 21
    logits, labels, _ = eng.predict("val")
    expected = eng.model(x, training=False)[0].numpy()
    np.testing.assert_allclose(logits[: len(yn)], expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(labels[: len(yn)], yn)

    # a short run (4 epochs of 4 steps; AdamW) reduces the loss
    losses = [eng.train_epoch(e)["train_loss"] for e in range(4)]
    assert all(np.isfinite(losses))
    assert losses[-1] < 0.8 * losses[0], losses


def _h5(path):
    import h5py

    with h5py.File(path, "r") as f:
        return {g: [f[g][k][()] for k in sorted(f[g])] for g in ("model", "optimizer")}


def _untimed(history):
    return [{k: v for k, v in e.items() if k not in TIMING} for e in history]


@pytest.fixture(scope="module")
def straight_and_resumed(syn):
    """2 epochs straight; 1 epoch, stop, resume for 1 more (augmentation and dropout on)."""
    a = train(config(syn, syn / "straight"))
    stopped = train(config(syn, syn / "resumed", stop_after_epoch=1))
    b = train(config(syn, syn / "resumed", resume=True))
    return a, stopped, b


def test_resume_gives_identical_weights(syn, straight_and_resumed):
    a, stopped, b = straight_and_resumed
    assert stopped["status"] == "stopped" and len(stopped["epochs"]) == 1
    assert b["status"] == "finished" and len(b["sessions"]) == 2
    ca, cb = _h5(syn / "straight" / "checkpoint.h5"), _h5(syn / "resumed" / "checkpoint.h5")
    for group in ("model", "optimizer"):
        assert len(ca[group]) == len(cb[group]) > 0
        for i, (va, vb) in enumerate(zip(ca[group], cb[group])):
            np.testing.assert_array_equal(va, vb, err_msg=f"{group} variable {i}")
    assert _untimed(a["epochs"]) == _untimed(b["epochs"])
    assert a["test_accuracy"] == b["test_accuracy"]


def test_record_schema(syn, straight_and_resumed):
    a = straight_and_resumed[0]
    out = syn / "straight"
    assert read_record(out) == json.loads(json.dumps(a))
    assert set(RECORD_KEYS) <= set(a)
    assert a["status"] == "finished" and a["framework"] == "keras"
    assert {"python", "tensorflow", "keras", "numpy", "inception"} <= set(a["versions"])
    assert a["device"]["type"] == "cpu" and a["device"]["replicas"] == 1
    assert [e["epoch"] for e in a["epochs"]] == [1, 2]
    for e in a["epochs"]:
        assert set(EPOCH_KEYS) <= set(e) and np.isfinite(e["train_loss"])
    cm = np.array(a["confusion_matrix"])
    assert cm.shape == (21, 21) and cm.sum() == 21
    p = json.loads((out / "predictions.json").read_text())
    assert len(p["stems"]) == 21 and sum(p["correct"]) == np.trace(cm)
    assert (out / "record.json").stat().st_size < 50_000
    # the trained model comes back from the run folder and repeats the saved predictions
    from inception.data.tf_data import make_datasets
    from inception.train import load_model

    model, cfg = load_model(out)
    assert cfg.to_dict() == a["config"]
    test = make_datasets(cfg.data_dir, cfg.image_size, 8, cache_dir=cfg.cache_dir, progress=False)["test"]
    pred = np.concatenate([model(x, training=False)[0].numpy().argmax(1) for x, _ in test]).tolist()
    assert pred == p["pred"]


@pytest.mark.parametrize("optimizer", ["sgd", "rmsprop", "adamw"])
def test_same_step_as_torch(syn, optimizer):
    """Same weights, same batch, same recipe: the engines agree (each optimiser with its
    weight decay: SGD with Nesterov momentum, RMSprop with momentum, AdamW; a rate that
    moves between the steps; label smoothing, auxiliary weight 0.3); the paper variant,
    dropout off."""
    torch = pytest.importorskip("torch")
    import copy

    from inception.port import keras_to_torch, torch_to_keras
    from inception.torch import googlenet
    from inception.train.torch_engine import TorchEngine

    # float64: in float32 the two engines' sums round differently enough (about 1e-3 of the
    # movement after two steps, depending on the thread count) to blur the comparison
    kw = dict(variant="paper", image_size=80, dropout=0.0, aux_dropout=0.0, augment=False, lr=1e-3,
              label_smoothing=0.1, optimizer=optimizer, weight_decay=5e-4, deterministic=False, precision="fp64")
    t = TorchEngine(config(syn, syn / "unused", framework="torch", **kw).validated())
    k = KerasEngine(config(syn, syn / "unused", **kw).validated())
    torch_to_keras(t.raw, k.model)
    w0 = copy.deepcopy(t.raw.state_dict())
    x, y = next(iter(t.eval_loaders["val"]))
    xk = x.permute(0, 2, 3, 1).contiguous().numpy()
    for lr in (1e-3, 2.5e-3):  # a moving rate
        t.set_lr(lr)
        k.set_lr(lr)
        lt = t.train_step(x, y)[0].item()
        s = [float(v) for v in k._train_step(xk, y.numpy())]
        assert s[0] / s[3] == pytest.approx(lt, rel=1e-12)
    back = googlenet("paper", 21, input_size=80, dropout=0.0, aux_dropout=0.0).double()
    keras_to_torch(k.model, back)
    a, b = t.raw.state_dict(), back.state_dict()
    moved = max(float((a[n] - w0[n]).abs().max()) for n in a)
    differ = max(float((a[n] - b[n]).abs().max()) for n in a)
    # Adam divides by sqrt(v) + eps: a gradient component near eps (1e-8) turns a rounding
    # difference d of the gradient into a step difference of up to lr * d / eps, 1e5 d here
    tol = 1e-7 if optimizer == "adamw" else 1e-9
    assert moved > 1e-3 and differ < tol * moved, (differ, moved)
