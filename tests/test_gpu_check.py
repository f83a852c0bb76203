"""benchmarks/gpu_check.sh in its dry run: every step of the GPU check, on the CPU, tiny, synthetic."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

STEPS = ["torch_epoch", "keras_epoch", "throughput", "ddp", "finetune_torch", "finetune_keras"]


@pytest.mark.slow
def test_gpu_check_dry_run_runs_every_step(tmp_path):
    out = tmp_path / "gpu-check.json"
    env = {**os.environ, "PYTHON": sys.executable, "TMPDIR": str(tmp_path)}
    proc = subprocess.run(["bash", str(ROOT / "benchmarks" / "gpu_check.sh"), "--dry-run", "--out", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rec = json.loads(out.read_text())
    assert rec["dry_run"] and rec["passed"]
    steps = {s["name"]: s for s in rec["steps"]}
    assert list(steps) == STEPS
    assert all(s["rc"] == 0 and not s.get("skipped") for s in steps.values())
    for name in ("torch_epoch", "keras_epoch", "ddp", "finetune_torch", "finetune_keras"):
        run = steps[name]["run"]
        assert run["status"] == "finished" and run["channels_last"] and run["epochs"] == 1, (name, run)
    assert steps["ddp"]["run"]["world_size"] == 2
    assert steps["finetune_torch"]["run"]["pretrained"].endswith("random_googlenet.pth")
    assert "64" in steps["throughput"]["bench"]
    # the work folder is removed afterwards
    assert not list(tmp_path.glob("gpu_check.*"))
