"""The Performance appendix's record handling, and time to accuracy from run records.
No timing here: speed is measured by the scripts in benchmarks/, never asserted."""

import json

import pytest

from inception.course import performance
from inception.course.performance import time_to_accuracy


def _size(scale=1.0):
    return {
        "train_images_per_second": {"ours_default": 30.0 * scale, "torchvision_plain": 12.0 * scale,
                                    "torchvision_channels_last": 20.0 * scale, "keras_default": 15.0 * scale},
        "skipped": {"torchvision_bf16_channels_last": "no native bf16 (the CPU flags list none)"},
        "ratios": {"ours_default_over_torchvision_plain": 2.5, "ours_default_over_torchvision_best": 1.5,
                   "keras_default_over_torch_default": 0.5, "ours_default_gflops": 29.0,
                   "ours_default_fraction_of_fp32_matmul": 0.3, "ours_default_fraction_of_bf16_matmul": 0.05},
        "ours_default_profile_seconds": {"convolution": 0.6, "batch norm": 0.3, "other": 0.1, "ReLU": 0.0},
    }


def _record():
    return {"device": "cpu x", "device_type": "cpu", "threads": 2, "batch_size": 32,
            "matmul_gflops": {"fp32": 100.0, "bf16": 600.0}, "sizes": {"224": _size(0.3), "128": _size()}}


def test_load_skips_quick_records_and_dry_runs(tmp_path):
    (tmp_path / "models-cpu.json").write_text(json.dumps(_record()))
    (tmp_path / "models-cpu-quick.json").write_text(json.dumps({**_record(), "quick": True}))
    (tmp_path / "gpu-check-dry-run.json").write_text(json.dumps({"dry_run": True}))
    assert list(performance.load_benchmarks(tmp_path)) == ["models-cpu"]


def test_speed_rows_have_a_column_per_size_and_say_what_was_not_run():
    rec = _record()
    assert performance.sizes(rec) == [128, 224]
    rows = {r["configuration"]: r for r in performance.speed_rows(rec)}
    plain = rows[performance.CONFIGURATIONS["torchvision_plain"]]
    assert plain["128 px"] == 12.0 and plain["224 px"] == pytest.approx(3.6) and plain["not run"] == ""
    bf16 = rows[performance.CONFIGURATIONS["torchvision_bf16_channels_last"]]
    assert bf16["128 px"] is None and "native bf16" in bf16["not run"]
    # reading order is the table's, not the record's
    assert list(rows)[0] == performance.CONFIGURATIONS["torchvision_plain"]


def test_ratio_flop_and_profile_rows():
    rec = _record()
    ratios = performance.ratio_rows(rec)
    assert ratios[0]["128 px"] == 2.5 and ratios[-1]["128 px"] is None
    flops = performance.flop_rows(rec)
    assert [f["input"] for f in flops] == ["128 px", "224 px"]
    assert flops[0]["of the bf16 matmul rate"] == 0.05
    prof = performance.profile_rows(rec, 128)
    assert [p["operations"] for p in prof] == ["convolution", "batch norm", "other"]
    assert sum(p["share"] for p in prof) == pytest.approx(1.0)


def test_plots_draw_from_a_record():
    import matplotlib

    matplotlib.use("Agg")
    assert performance.plot_throughput(_record()).axes
    assert performance.plot_step_time(_record()).axes


def test_committed_model_records_have_what_the_page_reads():
    for name, rec in performance.load_benchmarks().items():
        if name.startswith("models-"):
            assert performance.speed_rows(rec) and performance.ratio_rows(rec) and performance.flop_rows(rec)
            assert "bf16_native" in rec and rec["bf16_reason"]
        if name == "data_pipeline":
            assert performance.pipeline_rows(rec)


def _run(*val_accuracies):
    return {"epochs": [{"epoch": i + 1, "seconds": 50.0, "eval_seconds": 10.0, "val_accuracy": a}
                       for i, a in enumerate(val_accuracies)]}


def test_time_to_accuracy_counts_training_and_evaluation_up_to_the_first_hit():
    rec = _run(0.5, 0.91, 0.89, 0.96)
    assert time_to_accuracy(rec, 0.90) == {"minutes": 2.0, "epochs": 2}
    assert time_to_accuracy(rec, 0.95) == {"minutes": 4.0, "epochs": 4}
    assert time_to_accuracy(rec, 0.91) == {"minutes": 2.0, "epochs": 2}  # reaching counts


def test_time_to_accuracy_none_when_never_reached_or_no_epochs():
    assert time_to_accuracy(_run(0.5, 0.8), 0.9) is None
    assert time_to_accuracy({}, 0.9) is None


def test_time_to_accuracy_skips_epochs_without_validation():
    rec = _run(None, 0.92)
    del rec["epochs"][0]["eval_seconds"]
    assert time_to_accuracy(rec, 0.9) == {"minutes": 110.0 / 60.0, "epochs": 2}
