"""The command line ``python -m inception.data`` and the package's import hygiene."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from data_fixtures import fresh_synthetic  # noqa: F401 (fixture)

from inception.data import find_data_dir
from inception.data.__main__ import main


def test_verify_ok_prints_counts(fresh_synthetic, capsys):
    assert main(["verify", "--data-dir", str(fresh_synthetic), "--per-class", "5", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "agricultural" in out and "105 images in 21 classes" in out and out.rstrip().endswith("OK")


def test_verify_failure_names_the_file_without_traceback(fresh_synthetic, capsys):
    bad = find_data_dir(fresh_synthetic) / "freeway" / "freeway04.png"
    bad.write_bytes(b"\x89PNG broken")
    assert main(["verify", "--data-dir", str(fresh_synthetic), "--per-class", "5", "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert str(bad) in err and "Traceback" not in err
    # the real data's 100 per class is the default expectation
    assert main(["verify", "--data-dir", str(fresh_synthetic), "--quick"]) == 1
    assert "expected 100" in capsys.readouterr().err


def test_verify_missing_folder_exits_1(tmp_path, capsys):
    assert main(["verify", "--data-dir", str(tmp_path / "absent")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_usage_error_exits_2():
    with pytest.raises(SystemExit) as exc:
        main(["frobnicate"])
    assert exc.value.code == 2


def test_split_command_checks_the_committed_file(capsys):
    assert main(["split"]) == 0
    assert "matches" in capsys.readouterr().out


def test_cache_command(fresh_synthetic, tmp_path, capsys):
    assert main(["cache", "--data-dir", str(fresh_synthetic), "--size", "8", "--cache-dir", str(tmp_path / "c"), "--no-progress"]) == 0
    assert "(105, 8, 8, 3)" in capsys.readouterr().out


def test_module_entry_point_and_lazy_frameworks(fresh_synthetic):
    """``python -m inception.data`` runs, and ``import inception.data`` imports neither framework."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    ok = subprocess.run([sys.executable, "-m", "inception.data", "verify", "--data-dir", str(fresh_synthetic),
                         "--per-class", "5", "--no-progress"], capture_output=True, text=True, env=env)
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run([sys.executable, "-m", "inception.data", "verify", "--data-dir", str(fresh_synthetic), "--quick"],
                         capture_output=True, text=True, env=env)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    probe = "import sys, inception.data; print('torch' in sys.modules, 'tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True).stdout
    assert out.split() == ["False", "False"]
