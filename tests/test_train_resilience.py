"""A run survives anything but a lost disk (the command line, in real processes).

Each case runs ``python -m inception.train`` on a tiny synthetic UC Merced and
makes it fail at a chosen moment (:mod:`inception.train.faults`): SIGKILL in a
training step, in an evaluation, half-way through a checkpoint write, before
the first checkpoint; SIGTERM in a step and during a checkpoint write; a full
disk during a checkpoint write. The run is then continued with ``--resume`` and
must reach the same record as a run that was never interrupted: the same
per-epoch losses and accuracies, the same test predictions.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

from inception.data.synthetic import make_synthetic_ucmerced  # noqa: E402
from inception.train.config import CHECKPOINT_DIR_ENV, TrainConfig, runs_home  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
TIMING = {"seconds", "images_per_second", "eval_seconds", "eval_images_per_second", "epoch_seconds"}


@pytest.fixture(scope="module")
def syn(tmp_path_factory):
    root = tmp_path_factory.mktemp("resilience")
    make_synthetic_ucmerced(root / "data", per_class=5, size=40)
    return root


def _args(syn, out, framework="torch"):
    return ["--framework", framework, "--variant", "bn", "--data-dir", str(syn / "data"),
            "--cache-dir", str(syn / "cache"), "--out", str(out), "--image-size", "32", "--batch-size", "8",
            "--epochs", "3", "--max-steps-per-epoch", "2", "--lr", "0.02", "--progress", "none", "--seed", "0"]


def _train(args, fault=None):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1",
           "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(REPO / "code")}
    env.pop("INCEPTION_FAULT", None)
    if fault:
        env["INCEPTION_FAULT"] = fault
    return subprocess.run([sys.executable, "-m", "inception.train", *args], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=600)


def _outcome(out: Path):
    """What an interruption must not change: per-epoch results (no timings), test results, predictions."""
    rec = json.loads((out / "record.json").read_text())
    epochs = [{k: v for k, v in e.items() if k not in TIMING} for e in rec["epochs"]]
    pred = json.loads((out / "predictions.json").read_text())
    return {"status": rec["status"], "epochs": epochs, "test_accuracy": rec["test_accuracy"],
            "test_loss": rec["test_loss"], "confusion_matrix": rec["confusion_matrix"],
            "pred": pred["pred"], "top5_prob": pred["top5_prob"]}


@pytest.fixture(scope="module")
def straight(syn):
    out = syn / "straight"
    p = _train(_args(syn, out))
    assert p.returncode == 0, p.stderr
    return _outcome(out)


@pytest.mark.parametrize("fault, killed_after", [
    ("step:3", 1),        # in the first step of epoch 2
    ("eval:2", 1),        # in epoch 2's validation
    ("checkpoint:2", 1),  # half-way through writing epoch 2's checkpoint
    ("step:1", 0),        # before the first checkpoint: --resume starts again
    ("eval:4", 3),        # in the test evaluation, after the last checkpoint
])
def test_killed_at_any_moment_resumes_to_the_same_record(syn, straight, fault, killed_after):
    out = syn / f"killed-{fault.replace(':', '-')}"
    p = _train(_args(syn, out), fault=fault)
    assert p.returncode == -9, (p.returncode, p.stderr[-2000:])
    assert json.loads((out / "record.json").read_text())["status"] == "running"
    if killed_after:
        meta_epochs = len(json.loads((out / "record.json").read_text())["epochs"])
        assert meta_epochs == killed_after
    else:
        assert not (out / "checkpoint.pt").exists()
    if fault.startswith("checkpoint"):
        assert list(out.glob(".checkpoint.tmp-*")), "the kill should leave a half-written checkpoint behind"
    r = _train(_args(syn, out) + ["--resume"])
    assert r.returncode == 0, r.stderr[-2000:]
    assert not list(out.glob(".*.tmp-*"))
    assert _outcome(out) == straight


@pytest.mark.parametrize("fault, stopped_after", [
    ("step:3:term", 1),        # a SIGTERM in a step: the epoch is given up, the last checkpoint stands
    ("checkpoint:2:term", 2),  # a SIGTERM while the checkpoint is written: it is finished first
])
def test_sigterm_stops_cleanly_and_says_how_to_continue(syn, straight, fault, stopped_after):
    out = syn / f"term-{fault.replace(':', '-')}"
    p = _train(_args(syn, out), fault=fault)
    assert p.returncode == 0, p.stderr[-2000:]
    rec = json.loads((out / "record.json").read_text())
    assert rec["status"] == "stopped" and len(rec["epochs"]) == stopped_after
    assert rec["test_accuracy"] is None
    assert f"stopped by SIGTERM after epoch {stopped_after}/3" in p.stdout
    assert "Continue with: python -m inception.train" in p.stdout and "--resume" in p.stdout
    r = _train(_args(syn, out) + ["--resume"])
    assert r.returncode == 0, r.stderr[-2000:]
    assert f"resuming {out} after epoch {stopped_after}/3" in r.stdout
    assert _outcome(out) == straight


def test_time_limit_stops_after_an_epoch(syn, straight):
    out = syn / "time-limit"
    p = _train(_args(syn, out) + ["--time-limit-minutes", "0.0001"])
    assert p.returncode == 0, p.stderr[-2000:]
    assert "stopped by the time limit after epoch 1/3" in p.stdout and "--resume" in p.stdout
    r = _train(_args(syn, out) + ["--resume"])
    assert r.returncode == 0 and _outcome(out) == straight


def test_a_full_disk_is_one_line_and_keeps_the_previous_checkpoint(syn, straight):
    out = syn / "disk-full"
    p = _train(_args(syn, out), fault="checkpoint:2:enospc")
    assert p.returncode == 2
    err = p.stderr.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in p.stderr, p.stderr
    assert err[0].startswith("error: no space left on the disk of ") and str(out) in err[0]
    assert "checkpoint of epoch 1 is kept" in err[0]
    rec = json.loads((out / "record.json").read_text())
    assert len(rec["epochs"]) == 1  # the record does not claim the epoch whose checkpoint failed
    assert not list(out.glob(".*.tmp-*"))
    r = _train(_args(syn, out) + ["--resume"])
    assert r.returncode == 0, r.stderr[-2000:]
    assert "resuming" in r.stdout and _outcome(out) == straight


@pytest.mark.slow
def test_keras_killed_while_writing_its_checkpoint(syn):
    """The Keras engine writes its checkpoint (HDF5) through the same atomic path."""
    pytest.importorskip("tensorflow")
    ref, out = syn / "keras-straight", syn / "keras-killed"
    assert _train(_args(syn, ref, "keras")).returncode == 0
    p = _train(_args(syn, out, "keras"), fault="checkpoint:2")
    assert p.returncode == -9
    assert list(out.glob(".checkpoint.tmp-*"))
    r = _train(_args(syn, out, "keras") + ["--resume"])
    assert r.returncode == 0, r.stderr[-2000:]
    assert _outcome(out) == _outcome(ref)


def test_runs_live_outside_the_repository_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv(CHECKPOINT_DIR_ENV, raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    cfg = TrainConfig(seed=3).validated()
    assert Path(cfg.out_dir) == tmp_path / "home" / ".cache" / "inception" / "runs" / cfg.run_name
    monkeypatch.setenv(CHECKPOINT_DIR_ENV, str(tmp_path / "elsewhere"))
    assert Path(TrainConfig().validated().out_dir).parent == tmp_path / "elsewhere" == runs_home()
    assert Path(TrainConfig(runs_dir=str(tmp_path / "opt")).validated().out_dir).parent == tmp_path / "opt"
    assert Path(TrainConfig(out_dir=str(tmp_path / "x")).validated().out_dir) == tmp_path / "x"
    # the runs folder is where a session runs, not what it computes: a resume may move it
    assert "runs_dir" not in TrainConfig().recipe()


def test_queue_script_keeps_checkpoints_outside_and_always_resumes():
    script = (REPO / "data" / "runs" / "run_all.sh").read_text()
    assert "RUNS_HOME=${INCEPTION_CHECKPOINT_DIR:-$HOME/.cache/inception/runs}" in script
    assert '--out "$out" --resume' in script and "--time-limit-minutes" in script
    p = subprocess.run(["bash", "-n", str(REPO / "data" / "runs" / "run_all.sh")], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
