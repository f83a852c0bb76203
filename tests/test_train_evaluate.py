"""Evaluating a trained run at other input sizes (inception.train.evaluate), both frameworks.

Known answer: at the training size, the evaluation repeats the run's own test
evaluation (accuracy, loss and every prediction). At another size the same
weights run (global average pooling) and the sweep record holds every size.
"""

import json

import numpy as np
import pytest

pytest.importorskip("torch")

from inception.data.synthetic import make_synthetic_ucmerced  # noqa: E402
from inception.train import ConfigError, TrainConfig, train  # noqa: E402
from inception.train.evaluate import RESOLUTIONS_FORMAT, evaluate_run, main, resolution_sweep  # noqa: E402


@pytest.fixture(scope="module")
def syn(tmp_path_factory):
    root = tmp_path_factory.mktemp("evaluate")
    make_synthetic_ucmerced(root / "data", per_class=5, size=48)
    return root


def _trained(syn, framework):
    out = syn / f"run-{framework}"
    if not (out / "record.json").is_file():
        train(TrainConfig(framework=framework, variant="bn", data_dir=str(syn / "data"),
                          cache_dir=str(syn / "cache"), out_dir=str(out), image_size=32, batch_size=8, epochs=1,
                          max_steps_per_epoch=8, lr=0.02, progress="none", seed=3,
                          precision="fp32"))  # the sweep evaluates in fp32
    return out


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_at_the_training_size_it_repeats_the_runs_own_evaluation(syn, framework):
    if framework == "keras":
        pytest.importorskip("tensorflow")
    run = _trained(syn, framework)
    record = json.loads((run / "record.json").read_text())
    preds = json.loads((run / "predictions.json").read_text())
    r = evaluate_run(run, 32, data_dir=syn / "data", cache_dir=syn / "cache", progress=False)
    assert r["test"]["predicted"] == preds["pred"]
    assert r["test"]["accuracy"] == pytest.approx(record["test_accuracy"], abs=1e-9)
    assert r["test"]["loss"] == pytest.approx(record["test_loss"], rel=1e-4)
    assert r["val"]["accuracy"] == pytest.approx(record["epochs"][-1]["val_accuracy"], abs=1e-9)
    assert r["test"]["confusion_matrix"] == record["confusion_matrix"]


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_sweep_record_holds_every_size_and_other_sizes_change_the_logits(syn, framework, tmp_path):
    if framework == "keras":
        pytest.importorskip("tensorflow")
    run = _trained(syn, framework)
    out = tmp_path / "resolutions.json"
    rec = resolution_sweep(run, [48, 32, 40, 32], data_dir=syn / "data", cache_dir=syn / "cache", out=str(out),
                           progress=False)
    assert json.loads(out.read_text()) == json.loads(json.dumps(rec))
    assert rec["format"] == RESOLUTIONS_FORMAT and rec["framework"] == framework
    assert rec["train_image_size"] == 32
    assert [r["image_size"] for r in rec["results"]] == [32, 40, 48]  # sorted, duplicates dropped
    n_val = len(evaluate_run(run, 32, data_dir=syn / "data", cache_dir=syn / "cache", parts=("val",),
                             progress=False)["val"]["predicted"])
    for r in rec["results"]:
        assert 0 <= r["val_accuracy"] <= r["val_top5"] <= 1 and len(r["val_predicted"]) == n_val
        # the test set is read once per run, by the run: never by the sweep
        assert not any(k.startswith("test") for k in r)
    assert rec["parts"] == ["val"] and rec["eval_image_size"] == 32

    # the same weights at another size: other logits (the model really ran at that size)
    at = {s: evaluate_run(run, s, data_dir=syn / "data", cache_dir=syn / "cache", parts=("test",),
                          progress=False)["test"]["logits"] for s in (32, 40)}
    assert at[32].shape == at[40].shape
    assert np.abs(at[32] - at[40]).max() > 1e-5 * max(1.0, np.abs(at[32]).max())


def test_bad_requests_fail_clearly(syn, tmp_path, capsys):
    run = _trained(syn, "torch")
    with pytest.raises(ConfigError, match="too small"):
        evaluate_run(run, 16, data_dir=syn / "data", cache_dir=syn / "cache", progress=False)
    with pytest.raises(ConfigError, match="unknown split part"):
        evaluate_run(run, 32, data_dir=syn / "data", cache_dir=syn / "cache", parts=("dev",), progress=False)
    with pytest.raises(ConfigError, match="no checkpoint"):
        evaluate_run(tmp_path, 32)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "checkpoint.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ConfigError, match="unreadable"):
        evaluate_run(bad, 32)
    assert main([str(tmp_path), "--sizes", "32"]) == 2
    assert "no checkpoint" in capsys.readouterr().err
    assert main([str(run), "--sizes", "32", "--data-dir", str(syn / "data"), "--cache-dir", str(syn / "cache"),
                 "--quiet"]) == 0
    assert "32 px: val" in capsys.readouterr().out
