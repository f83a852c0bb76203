"""How the benchmarks measure (inception.course.benchtools): the load gate on simulated load readings,
interleaved rounds and their spread on a fake clock, the multiply-add counter against known
answers, the subnormal counter, and a tiny end-to-end run of each benchmark script."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from inception.course import benchtools as bt

ROOT = Path(__file__).resolve().parents[2]


# --- the load gate ----------------------------------------------------------


class Clock:
    """A fake clock that sleeping advances."""

    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t

    def sleep(self, s):
        self.t += s


def readings(*values):
    it = iter(values)
    last = [values[-1]]

    def read():
        try:
            last[0] = next(it)
        except StopIteration:
            pass
        return last[0]
    return read


def test_wait_for_quiet_returns_at_once_on_a_quiet_machine():
    clock = Clock()
    w = bt.wait_for_quiet(2, 0.25, timeout=60, poll=10, read_load=readings(0.3), sleep=clock.sleep, clock=clock)
    assert w["quiet"] and w["threshold"] == 0.5 and w["readings"] == [0.3] and w["waited_seconds"] == 0


def test_wait_for_quiet_waits_until_the_load_falls():
    clock = Clock()
    w = bt.wait_for_quiet(2, 0.25, timeout=60, poll=10, read_load=readings(3.0, 1.2, 0.6, 0.4),
                          sleep=clock.sleep, clock=clock)
    assert w["quiet"] and w["readings"] == [3.0, 1.2, 0.6, 0.4] and w["waited_seconds"] == 30


def test_wait_for_quiet_gives_up_after_the_timeout():
    clock = Clock()
    w = bt.wait_for_quiet(2, 0.25, timeout=25, poll=10, read_load=readings(6.6), sleep=clock.sleep, clock=clock)
    assert not w["quiet"] and w["waited_seconds"] == 25 and len(w["readings"]) == 4  # 0, 10, 20, 25 s


def test_the_threshold_scales_with_the_cores():
    clock = Clock()
    # 1.0 is busy on 2 cores, quiet on 8
    assert not bt.wait_for_quiet(2, 0.25, timeout=0, read_load=readings(1.0), sleep=clock.sleep, clock=clock)["quiet"]
    assert bt.wait_for_quiet(8, 0.25, timeout=0, read_load=readings(1.0), sleep=clock.sleep, clock=clock)["quiet"]


def test_judge_load_allows_the_benchmarks_own_threads_only():
    ok, why = bt.judge_load(0.3, [1.1, 1.4], 1.2, cores=2, own_threads=1)
    assert ok and why.startswith("quiet")
    ok, why = bt.judge_load(6.6, [6.0], 5.9, cores=2, own_threads=1)  # the committed record's load
    assert not ok and "busy before the run" in why and "6.60" in why
    ok, why = bt.judge_load(0.3, [1.2, 2.7, 1.3], 1.0, cores=2, own_threads=1)  # a job started midway
    assert not ok and "2.70" in why and "during" in why
    ok, _ = bt.judge_load(0.3, [], 2.2, cores=2, own_threads=2)  # two own threads: 2.2 < 2.5
    assert ok


def test_load_sampler_samples_during_and_once_on_exit():
    values = iter([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0])
    with bt.LoadSampler(0.01, read_load=lambda: next(values, 9.0)) as s:
        import time

        time.sleep(0.08)
    assert len(s.samples) >= 2 and s.samples[0] == 1.0


# --- interleaved rounds -----------------------------------------------------


def test_time_interleaved_runs_a_b_c_a_b_c_and_times_each_round():
    clock, order = Clock(), []

    def step(name, seconds):
        def fn():
            order.append(name)
            clock.t += seconds
        return fn

    benches = [bt.Timed("a", 4, step("a", 1.0)), bt.Timed("b", 4, step("b", 2.0)), bt.Timed("c", 2, step("c", 0.5))]
    samples = bt.time_interleaved(benches, steps=2, rounds=3, warmup=1, clock=clock)
    assert order == ["a", "b", "c"] + ["a", "a", "b", "b", "c", "c"] * 3
    assert samples == {"a": [4.0] * 3, "b": [2.0] * 3, "c": [4.0] * 3}  # 2 steps x batch / seconds


def test_time_interleaved_calls_prepare_before_every_round():
    calls, clock = [], Clock()

    def step():
        calls.append("step")
        clock.t += 1.0
    b = bt.Timed("a", 1, step, prepare=lambda: calls.append("prep"))
    bt.time_interleaved([b], steps=1, rounds=2, warmup=0, clock=clock)
    assert calls == ["prep", "prep", "step", "prep", "step"]


def test_spread_median_range_and_quartiles():
    assert bt.spread([5, 1, 3]) == {"median": 3, "min": 1, "max": 5, "q1": 1, "q3": 5, "n": 3}
    s = bt.spread([4, 1, 3, 2, 10, 6])
    assert (s["median"], s["q1"], s["q3"], s["min"], s["max"]) == (3.5, 2, 6, 1, 10)
    assert bt.spread([7.0]) == {"median": 7.0, "min": 7.0, "max": 7.0, "q1": 7.0, "q3": 7.0, "n": 1}
    with pytest.raises(ValueError):
        bt.spread([])


# --- counted cost -------------------------------------------------------------


@pytest.mark.parametrize("name,gmacs,params", [("resnet18", 1.814073344, 11689512), ("alexnet", 0.71418848, 61100840),
                                               ("mobilenet_v2", 0.300774272, 3504872)])
def test_count_macs_known_answers_from_torchvision(name, gmacs, params):
    c = bt.count_macs(bt.build_zoo_model(name), 224)
    assert c["macs"] == pytest.approx(gmacs * 1e9, abs=1) and c["params"] == params
    assert c["macs"] / 1e9 == pytest.approx(bt.published_top1(name)["torchvision_gmacs"], abs=0.001)


def test_count_macs_splits_depthwise_convolutions():
    c = bt.count_macs(bt.build_zoo_model("mobilenet_v2"), 224)
    # the 17 depthwise 3x3 convolutions: about 7% of the multiply-adds
    assert 0.06 < c["depthwise"] / c["macs"] < 0.08
    assert bt.count_macs(bt.build_zoo_model("resnet18"), 224)["depthwise"] == 0


@pytest.mark.parametrize("variant", ["paper", "bn"])
def test_count_macs_agrees_with_the_packages_own_count_of_googlenet(variant):
    from inception.counting import googlenet_totals

    c = bt.count_macs(bt.build_zoo_model(f"googlenet_{variant}", aux_logits=False), 224)
    t = googlenet_totals(variant, 1000, False, 224)
    assert c["macs"] == t.macs and c["params"] == t.trainable  # the counter: parameters, not running statistics


def test_googlenet_bn_is_torchvisions_googlenet_in_cost():
    c = bt.count_macs(bt.build_zoo_model("googlenet_bn", aux_logits=False), 224)
    pub = bt.published_top1("googlenet_bn")
    assert c["params"] == 6624904 and c["macs"] / 1e9 == pytest.approx(pub["torchvision_gmacs"], abs=0.001)
    assert pub["top1"] == pytest.approx(69.778) and bt.published_top1("googlenet_paper") is None


def test_zoo_has_the_networks_of_the_comparison():
    assert set(bt.ZOO) == {"googlenet_paper", "googlenet_bn", "alexnet", "vgg16", "resnet18", "resnet50",
                           "inception_v3", "mobilenet_v2"}
    # original (V1) weights: ResNet-50's 76.1%, not the 80.9% of torchvision's newer recipe
    assert bt.published_top1("resnet50")["top1"] == pytest.approx(76.13)


def test_inception_v3_trains_without_its_aux_head_below_299_px():
    assert bt.zoo_trains_with_aux("inception_v3", 299) and not bt.zoo_trains_with_aux("inception_v3", 224)
    assert bt.zoo_trains_with_aux("googlenet_paper", 224) and not bt.zoo_trains_with_aux("resnet50", 299)
    assert not bt.build_zoo_model("inception_v3", input_size=224).aux_logits
    assert bt.build_zoo_model("inception_v3", input_size=299).aux_logits


def test_zoo_steps_run_and_train():
    import torch

    torch.manual_seed(0)
    step = bt.zoo_train_step(bt.build_zoo_model("googlenet_bn", num_classes=5), batch=2, size=64)
    first = step()
    for _ in range(4):
        last = step()
    assert last < first  # one fixed batch: the loss falls
    import math

    assert math.isfinite(bt.zoo_infer_step(bt.build_zoo_model("resnet18", num_classes=5), 2, 64)())


# --- subnormal numbers --------------------------------------------------------


def test_count_subnormal_known_answers():
    import torch

    tiny = torch.finfo(torch.float32).tiny
    assert tiny == pytest.approx(1.1754944e-38)
    torch.set_flush_denormal(False)  # an earlier test may have left it on: build the subnormals exactly
    t = torch.tensor([0.0, 1e-4, 0.01 ** 2, tiny, tiny / 2, -tiny / 4, 1e-45, float("inf"), 1e-39])
    # subnormal: tiny/2, -tiny/4, 1e-45 (the smallest, 2**-149 rounds to it) and 1e-39; not 0, 1e-4, tiny, inf
    assert bt.count_subnormal(t) == 4
    assert bt.count_subnormal(torch.full((3,), 0.01) * 0.01) == 0  # 0.01**2 = 1e-4 is an ordinary number
    flushed = torch.set_flush_denormal(True)  # False where the CPU cannot flush
    try:  # with denormals flushed, as the engines train, they are still counted
        assert bt.count_subnormal(t) == 4
    finally:
        if flushed:
            torch.set_flush_denormal(False)


def test_subnormal_census_counts_every_step():
    import torch

    torch.manual_seed(0)
    rows = bt.subnormal_census(bt.build_zoo_model("googlenet_bn", num_classes=5), steps=3, batch=2, size=64)
    assert [r["step"] for r in rows] == [1, 2, 3]
    n = sum(p.numel() for p in bt.build_zoo_model("googlenet_bn", num_classes=5).parameters())
    assert all(r["grad_total"] == n and r["momentum_total"] == n and r["prob_total"] == 10 for r in rows)
    assert all(0 < r["grad_min"] < 1 and r["grad_subnormal"] >= 0 for r in rows)
    torch.set_flush_denormal(True)


# --- the scripts, end to end, tiny ------------------------------------------------


def _script(name, out, *extra):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "code"), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / name), "--quick", "--out", str(out), *extra],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(out.read_text())


@pytest.mark.slow
def test_bench_zoo_quick_writes_a_record_marked_unreliable(tmp_path):
    rec = _script("bench_zoo.py", tmp_path / "zoo.json")
    assert rec["quick"] and rec["reliable"] is False and "not a measurement" in rec["reliability_reason"]
    assert set(rec["load"]) >= {"before", "during", "after"}
    n = rec["networks"]["resnet18"]
    assert n["train_images_per_second"] > 0 and n["infer_spread"]["n"] == 1 and n["published"]["top1"]
    from inception.course import performance

    assert not performance.is_reliable(rec) and performance.load_benchmarks(tmp_path) == {}


@pytest.mark.slow
def test_bench_models_quick_writes_a_record_marked_unreliable(tmp_path):
    rec = _script("bench_models.py", tmp_path / "models.json", "--no-keras", "--no-profile")
    assert rec["reliable"] is False and rec["load"]["before"] >= 0
    m = rec["sizes"]["64"]
    assert m["train_spread"]["ours_default"]["n"] == 1 and m["ratios"]["ours_default_over_torchvision_best"] > 0
    assert "synthetic" in rec["data"]


def test_zoo_counts_each_network_at_the_size_of_its_published_accuracy():
    assert bt.zoo_input_size("inception_v3") == 299 and bt.zoo_input_size("resnet18") == 224
    assert bt.zoo_input_size("googlenet_paper") == 224  # no published weights: the paper's 224
    c = bt.zoo_counts(None, keys=["inception_v3", "resnet18"])
    v3 = c["inception_v3"]
    # torchvision's table: 5.71 GFLOPS (multiply-adds) at 299 px; its 27.2 M parameters
    # include the auxiliary head, which the count leaves out
    assert v3["input_size"] == 299
    assert v3["macs"] / 1e9 == pytest.approx(v3["published"]["torchvision_gmacs"], abs=0.001)
    assert v3["params"] == 23834568
    assert c["resnet18"]["input_size"] == 224
    assert bt.zoo_counts(224, keys=["inception_v3"])["inception_v3"]["input_size"] == 224
