"""The PyTorch engine on a tiny synthetic UC Merced (5 images per class, 32x32 input, CPU).

* the loss is main + aux_weight * (aux1 + aux2), checked by hand on a fixed batch;
  evaluation uses the main logits only;
* a short training run reduces the loss;
* 1 epoch + resume + 1 epoch == 2 epochs straight, bit for bit (weights, optimiser, history);
* the run record and predictions have the documented keys;
* DDP with 2 processes (gloo, torchrun) equals one process, up to float rounding.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from inception.data.synthetic import make_synthetic_ucmerced  # noqa: E402
from inception.train import TrainConfig, read_record, train  # noqa: E402
from inception.train.metrics import cross_entropy  # noqa: E402
from inception.train.records import EPOCH_KEYS, RECORD_KEYS  # noqa: E402
from inception.train.torch_engine import EpochSampler, TorchEngine, training_loss  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
TIMING = {"seconds", "images_per_second", "eval_seconds", "eval_images_per_second", "epoch_seconds"}


@pytest.fixture(scope="module")
def syn(tmp_path_factory):
    root = tmp_path_factory.mktemp("train_torch")
    make_synthetic_ucmerced(root / "data", per_class=5, size=40)
    return root


def config(syn, out, **kw):
    base = dict(framework="torch", variant="bn", data_dir=str(syn / "data"), cache_dir=str(syn / "cache"),
                out_dir=str(out), image_size=32, batch_size=8, epochs=3, max_steps_per_epoch=2, lr=0.02,
                progress="none", seed=0, precision="fp32")  # exact comparisons: fp32 even where bf16 is native
    base.update(kw)
    return TrainConfig(**base)


def test_aux_loss_weighting_eval_ignores_aux_and_loss_decreases(syn):
    cfg = config(syn, syn / "unused", dropout=0.0, aux_dropout=0.0, aux_weight=0.3, label_smoothing=0.1,
                 augment=False, batch_size=16, max_steps_per_epoch=None, schedule="constant",
                 optimizer="adamw", lr=1e-3).validated()
    eng = TorchEngine(cfg)
    x, y = next(iter(eng.eval_loaders["val"]))  # a fixed batch of 16
    x = x.contiguous(memory_format=torch.channels_last)

    # the objective, by hand, from the same forward pass (training mode, batch statistics)
    eng.raw.train()
    with torch.no_grad():
        main, aux1, aux2 = (o.numpy() for o in eng.raw(x))
    yn = y.numpy()
    hand_main = cross_entropy(main, yn, 0.1).mean()
    hand = hand_main + 0.3 * cross_entropy(aux1, yn, 0.1).mean() + 0.3 * cross_entropy(aux2, yn, 0.1).mean()
    loss, main_loss, correct = eng.train_step(x, y)
    assert loss.item() == pytest.approx(hand, rel=1e-5)
    assert main_loss.item() == pytest.approx(hand_main, rel=1e-5)
    assert int(correct) == int((main.argmax(1) == yn).sum())
    # without auxiliary weight the objective is the main loss
    outs = tuple(torch.from_numpy(a) for a in (main, aux1, aux2))
    l0, m0 = training_loss(outs, y, aux_weight=0.0, label_smoothing=0.1)
    assert l0.item() == pytest.approx(m0.item())

    # evaluation: main logits only (eval mode), auxiliary heads switched off and back on
    logits, labels, _ = eng.predict("val")
    eng.raw.eval()
    with torch.no_grad():
        expected = eng.raw(x)[0].numpy()
    np.testing.assert_allclose(logits[: len(y)], expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(labels[: len(y)], yn)
    assert eng.raw.aux_logits is True

    # a short run (4 epochs of 4 steps; AdamW) reduces the loss
    losses = [eng.train_epoch(e)["train_loss"] for e in range(4)]
    assert all(np.isfinite(losses))
    assert losses[-1] < 0.8 * losses[0], losses


def test_pretrained_from_a_checkpoint_file(syn, tmp_path):
    """--pretrained PATH: a torchvision-format 1000-class state dict; all but the classifiers load."""
    from inception.torch import googlenet

    torch.manual_seed(1)
    src = googlenet("bn", 1000)
    torch.save(src.state_dict(), tmp_path / "googlenet.pth")
    eng = TorchEngine(config(syn, tmp_path / "out", pretrained=str(tmp_path / "googlenet.pth")).validated())
    assert eng.raw.transform_input  # torchvision's weights expect its input transform
    assert torch.equal(eng.raw.inception4a.branch2[1].conv.weight, src.inception4a.branch2[1].conv.weight)
    assert eng.raw.fc.out_features == 21 and eng.raw.aux1.fc2.out_features == 21


def test_sampler_slices_global_batches():
    single = EpochSampler(21, 8, 0, 1, seed=3)
    ranks = [EpochSampler(21, 8, r, 2, seed=3) for r in range(2)]
    for s in (single, *ranks):
        s.set_epoch(5)
    batches = single.global_batches()
    assert [len(b) for b in batches] == [8, 8, 5]
    for b in batches:
        assert ranks[0].slice_of(b) + ranks[1].slice_of(b) == b
    assert len(ranks[0]) == 4 + 4 + 3 and len(ranks[1]) == 4 + 4 + 2
    assert sorted(list(ranks[0]) + list(ranks[1])) == list(range(21))
    single.set_epoch(6)
    assert single.global_batches() != batches  # a new order every epoch
    with pytest.raises(ValueError, match="multiple of the number of processes"):
        EpochSampler(21, 7, 0, 2)


def _checkpoint(path):
    return torch.load(path, map_location="cpu", weights_only=True)


def _untimed(history):
    return [{k: v for k, v in e.items() if k not in TIMING} for e in history]


@pytest.fixture(scope="module")
def straight_and_resumed(syn):
    """2 epochs straight; and 1 epoch, stop, resume for 1 more (augmentation, dropout, a loader worker)."""
    kw = dict(num_workers=1, epochs=2)
    a = train(config(syn, syn / "straight", **kw))
    stopped = train(config(syn, syn / "resumed", stop_after_epoch=1, **kw))
    b = train(config(syn, syn / "resumed", resume=True, **kw))
    return a, stopped, b


def test_resume_gives_identical_weights(syn, straight_and_resumed):
    a, stopped, b = straight_and_resumed
    assert stopped["status"] == "stopped" and len(stopped["epochs"]) == 1
    assert b["status"] == "finished" and len(b["sessions"]) == 2
    ca, cb = _checkpoint(syn / "straight" / "checkpoint.pt"), _checkpoint(syn / "resumed" / "checkpoint.pt")
    assert ca["model"].keys() == cb["model"].keys()
    for k in ca["model"]:
        assert torch.equal(ca["model"][k], cb["model"][k]), k
    for sa, sb in zip(ca["optimizer"]["state"].values(), cb["optimizer"]["state"].values()):
        assert torch.equal(sa["momentum_buffer"], sb["momentum_buffer"])
    assert _untimed(a["epochs"]) == _untimed(b["epochs"])
    assert a["test_accuracy"] == b["test_accuracy"] and a["confusion_matrix"] == b["confusion_matrix"]


def test_record_schema_and_predictions(syn, straight_and_resumed):
    a = straight_and_resumed[0]
    out = syn / "straight"
    assert read_record(out) == json.loads(json.dumps(a))
    assert set(RECORD_KEYS) <= set(a)
    assert a["status"] == "finished" and a["framework"] == "torch" and a["variant"] == "bn"
    assert {"python", "torch", "torchvision", "numpy", "inception"} <= set(a["versions"])
    assert a["device"]["type"] == "cpu" and a["device"]["precision"] == "fp32"
    assert len(a["epochs"]) == 2
    for i, e in enumerate(a["epochs"]):
        assert set(EPOCH_KEYS) <= set(e) and e["epoch"] == i + 1
        assert np.isfinite(e["train_loss"]) and 0 <= e["val_accuracy"] <= 1
    assert a["epochs"][-1]["lr"] == pytest.approx(0.0)  # cosine ends at 0
    cm = np.array(a["confusion_matrix"])
    assert cm.shape == (21, 21) and cm.sum() == 21
    assert a["test_accuracy"] == pytest.approx(np.trace(cm) / 21, abs=1e-6)
    assert set(a["per_class"]) == set(json.loads((out / "predictions.json").read_text())["classes"])
    assert set(a["images_per_second"]) == {"train", "eval"} and a["images_per_second"]["train"] > 0
    assert a["wall_time_seconds"] > 0 and a["config"]["seed"] == 0
    p = json.loads((out / "predictions.json").read_text())
    assert len(p["stems"]) == len(p["true"]) == len(p["pred"]) == 21
    assert p["stems"][0].split("/")[0] == p["classes"][p["true"][0]]
    assert all(len(t) == 5 for t in p["top5"]) and all(t[0] == q for t, q in zip(p["top5"], p["pred"]))
    assert sum(p["correct"]) == np.trace(cm)
    # no weights in the record: small
    assert (out / "record.json").stat().st_size < 50_000
    # the trained model comes back from the run folder and repeats the saved predictions
    from inception.data.torch_data import make_loaders
    from inception.train import load_model

    model, cfg = load_model(out)
    assert cfg.to_dict() == a["config"] and not model.training
    test = make_loaders(cfg.data_dir, cfg.image_size, 8, cache_dir=cfg.cache_dir, progress=False)["test"]
    with torch.no_grad():
        pred = torch.cat([model(x)[0].argmax(1) for x, _ in test]).tolist()
    assert pred == p["pred"]
    # resuming a finished run returns its record without training
    again = train(config(syn, out, resume=True, num_workers=1, epochs=2))
    assert again["test_accuracy"] == a["test_accuracy"] and again["updated"] == a["updated"]


def test_ddp_two_processes_equal_one(syn):
    """torchrun, 2 CPU processes (gloo), global batch 8 = 2 x 4, vs one process with batch 8.

    The paper variant (no batch norm: per-process batch statistics would differ),
    dropout and augmentation off (their random streams are per process). The
    gradients agree to float32 rounding (~1e-6); the test checks that the two
    runs' weights differ by far less than the training moved them.
    """
    from inception.train.torch_engine import build_model

    kw = dict(variant="paper", image_size=80, dropout=0.0, aux_dropout=0.0, augment=False, epochs=2,
              max_steps_per_epoch=2, lr=1e-4)
    one = train(config(syn, syn / "ddp1", **kw))
    args = ["--framework", "torch", "--variant", "paper", "--data-dir", str(syn / "data"), "--cache-dir",
            str(syn / "cache"), "--out", str(syn / "ddp2"), "--image-size", "80", "--batch-size", "8",
            "--epochs", "2", "--max-steps-per-epoch", "2", "--lr", "1e-4", "--dropout", "0",
            "--aux-dropout", "0", "--no-augment", "--progress", "none", "--precision", "fp32"]
    env = {k: v for k, v in os.environ.items() if k not in ("WORLD_SIZE", "RANK", "LOCAL_RANK")}
    r = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                        "-m", "inception.train", *args], capture_output=True, text=True, env=env, cwd=REPO,
                       timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    two = read_record(syn / "ddp2")
    assert two["device"]["world_size"] == 2 and two["status"] == "finished"
    assert r.stdout.count("test accuracy") == 1  # only rank 0 reports and writes
    for e1, e2 in zip(one["epochs"], two["epochs"]):
        assert e1["train_images"] == e2["train_images"] == 16
        assert e2["train_loss"] == pytest.approx(e1["train_loss"], rel=1e-5)
    c1, c2 = _checkpoint(syn / "ddp1" / "checkpoint.pt")["model"], _checkpoint(syn / "ddp2" / "checkpoint.pt")["model"]
    torch.manual_seed(0)
    c0 = build_model(config(syn, syn / "unused", **kw).validated()).state_dict()
    moved = max(float((c1[k] - c0[k]).abs().max()) for k in c1)
    differ = max(float((c1[k] - c2[k]).abs().max()) for k in c1)
    assert moved > 1e-4  # training did move the weights (lr 1e-4, 4 steps)
    assert differ < 1e-2 * moved, (differ, moved)
