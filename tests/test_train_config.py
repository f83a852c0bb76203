"""The configuration and the command line: bad input gets a clear message and exit status 2.

Every check here fails before a model is built, so the whole file takes seconds.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from inception.train import ConfigError, TrainConfig, build_parser, train
from inception.train.cli import main
from inception.train.config import OPTIONS, recipe_mismatches

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def data_dir(tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    return d


def run_main(argv, capsys):
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--framework", "jax"], "unknown framework 'jax'; choose one of: torch, keras"),
        (["--variant", "v3"], "unknown variant 'v3'; choose one of: paper, bn"),
        (["--epochs", "0"], "epochs must be a positive integer, got 0"),
        (["--image-size", "-5"], "image_size must be a positive integer, got -5"),
        (["--batch-size", "0"], "batch_size must be a positive integer, got 0"),
        (["--image-size", "16"], "image_size 16 is too small for the 'bn' variant"),
        (["--variant", "paper", "--image-size", "64"], "too small for the 'paper' variant"),
        (["--lr", "0"], "lr must be > 0, got 0.0"),
        (["--label-smoothing", "1"], "label_smoothing must be in [0, 1), got 1.0"),
        (["--optimizer", "lamb"], "unknown optimizer 'lamb'"),
        (["--schedule", "poly"], "unknown schedule 'poly'"),
        (["--variant", "paper", "--pretrained"], "for the 'bn' variant only"),
        (["--pretrained", "/no/such/file.pth"], "does not exist"),
        (["--resume", "--overwrite"], "resume and overwrite exclude each other"),
    ],
)
def test_bad_values_exit_2_with_message(args, message, data_dir, tmp_path, capsys):
    code, err = run_main(["--data-dir", str(data_dir), "--out", str(tmp_path / "out"), *args], capsys)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_missing_data_dir(tmp_path, capsys):
    code, err = run_main(["--data-dir", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and "does not exist" in err and "nowhere" in err


def test_unwritable_output_dir(data_dir, tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    code, err = run_main(["--data-dir", str(data_dir), "--out", str(blocker / "run")], capsys)
    assert code == 2 and "is not writable" in err
    code, err = run_main(["--data-dir", str(data_dir), "--out", str(blocker)], capsys)
    assert code == 2 and "exists and is not a folder" in err


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes anywhere")
def test_read_only_output_dir(data_dir, tmp_path, capsys):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        code, err = run_main(["--data-dir", str(data_dir), "--out", str(ro / "run")], capsys)
    finally:
        ro.chmod(0o700)
    assert code == 2 and "is not writable" in err


def _fake_record(out: Path, **config):
    out.mkdir(parents=True, exist_ok=True)
    cfg = TrainConfig(**config).validated()
    (out / "record.json").write_text(json.dumps({"status": "stopped", "config": cfg.to_dict()}))


def test_resume_from_another_configuration(data_dir, tmp_path, capsys):
    out = tmp_path / "run"
    _fake_record(out, framework="torch", variant="bn", image_size=128, batch_size=32, data_dir=str(data_dir))
    code, err = run_main(["--data-dir", str(data_dir), "--out", str(out), "--resume", "--image-size", "96"], capsys)
    assert code == 2
    assert "cannot resume" in err and "image_size: checkpoint 128, now 96" in err
    code, err = run_main(["--data-dir", str(data_dir), "--out", str(out), "--resume", "--framework", "keras"], capsys)
    assert code == 2 and "framework: checkpoint 'torch', now 'keras'" in err


def test_occupied_output_dir_needs_resume_or_overwrite(data_dir, tmp_path, capsys):
    out = tmp_path / "run"
    _fake_record(out, data_dir=str(data_dir))
    code, err = run_main(["--data-dir", str(data_dir), "--out", str(out)], capsys)
    assert code == 2 and "already holds a run" in err and "--resume" in err


def test_session_fields_may_change_on_resume(tmp_path):
    a = TrainConfig(data_dir=str(tmp_path), out_dir="/x", num_workers=0, progress="bar").validated()
    b = TrainConfig(data_dir=None, out_dir="/y", num_workers=4, progress="none", resume=True,
                    time_limit_minutes=30).validated()
    assert recipe_mismatches(a.to_dict(), b) == []
    c = TrainConfig(seed=1).validated()
    assert recipe_mismatches(a.to_dict(), c) == ["seed: checkpoint 0, now 1"]


def test_a_checkpoint_older_than_a_field_resumes_at_its_default():
    """A checkpoint written before a recipe field existed (here ``model``)
    resumes when the field is at its default, and only then."""
    old = TrainConfig().validated().to_dict()
    del old["model"]
    assert recipe_mismatches(old, TrainConfig(resume=True).validated()) == []
    assert "model: checkpoint '<absent>', now 'inception_v3'" in recipe_mismatches(
        old, TrainConfig(model="inception_v3", image_size=299).validated())


def test_defaults_filled_per_optimizer():
    assert TrainConfig(optimizer="rmsprop").validated().lr == 0.045
    assert TrainConfig(optimizer="adamw").validated().weight_decay == 0.05
    assert TrainConfig(optimizer="sgd", lr=0.2).validated().lr == 0.2
    assert Path(TrainConfig().validated().out_dir).name == "torch_bn_128px_seed0"


def test_every_field_has_an_option_and_round_trips():
    fields = set(TrainConfig().to_dict())
    assert fields == {o[0] for o in OPTIONS}
    ns = build_parser().parse_args(["--framework", "keras", "--no-augment", "--pretrained", "--lr", "0.01"])
    cfg = TrainConfig(**vars(ns))
    assert (cfg.framework, cfg.augment, cfg.pretrained, cfg.lr) == ("keras", False, "imagenet", 0.01)
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ConfigError, match="unknown configuration keys: bogus"):
        TrainConfig.from_dict({"bogus": 1})


def test_python_api_raises_config_error(tmp_path):
    with pytest.raises(ConfigError, match="unknown variant"):
        train(TrainConfig(variant="resnet", out_dir=str(tmp_path)))


def test_command_line_in_a_subprocess(tmp_path):
    """The real entry point: --help works; a user error is one line on stderr, status 2, no traceback."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    r = subprocess.run([sys.executable, "-m", "inception.train", "--help"], capture_output=True, text=True,
                       env=env, cwd=REPO, timeout=120)
    assert r.returncode == 0 and "--framework" in r.stdout and "--resume" in r.stdout
    r = subprocess.run([sys.executable, "-m", "inception.train", "--framework", "mxnet", "--out", str(tmp_path)],
                       capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert r.returncode == 2
    assert r.stderr.strip() == "error: unknown framework 'mxnet'; choose one of: torch, keras"
    r = subprocess.run([sys.executable, "-m", "inception.train", "--epochs", "many"], capture_output=True,
                       text=True, env=env, cwd=REPO, timeout=120)
    assert r.returncode == 2 and "invalid int value: 'many'" in r.stderr and "Traceback" not in r.stderr
