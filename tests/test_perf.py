"""The Performance appendix's record handling (no timing here: see benchmarks/)."""

import json

from inception import perf


def _record(**ratios):
    return {
        "device": "cpu x", "device_type": "cpu", "image_size": 128, "batch_size": 32,
        "train_images_per_second": {"torchvision_plain": 20.0, "ours_channels_last": 30.0, "keras_eager": 24.0},
        "inference_images_per_second": {"torchvision_plain": 60.0, "ours_channels_last": 80.0},
        "fraction_of_matmul_peak_train": {"torchvision_plain": 0.5, "ours_channels_last": 0.75},
        **ratios,
    }


def test_load_skips_quick_records(tmp_path):
    (tmp_path / "models-cpu.json").write_text(json.dumps(_record()))
    (tmp_path / "models-cpu-quick.json").write_text(json.dumps({**_record(), "quick": True}))
    assert list(perf.load_benchmarks(tmp_path)) == ["models-cpu"]


def test_model_rows_follow_the_record():
    rows = perf.model_rows(_record())
    assert [r["configuration"] for r in rows] == ["torchvision_plain", "ours_channels_last", "keras_eager"]
    assert rows[1]["train img/s"] == 30.0 and rows[1]["inference img/s"] == 80.0
    assert rows[2]["inference img/s"] is None and rows[0]["fraction of matmul peak (train)"] == 0.5


def test_ratio_rows_hold_each_ratio_to_its_goal():
    rec = _record(ratio_ours_default_over_torchvision_plain_train=1.5,
                  ratio_keras_best_over_torch_default_train=0.6,
                  ratio_something_new=2.0)
    rows = {r["ratio"]: r for r in perf.ratio_rows(rec)}
    assert rows["ratio_ours_default_over_torchvision_plain_train"]["met"] is True
    assert rows["ratio_keras_best_over_torch_default_train"]["met"] is False
    assert rows["ratio_keras_best_over_torch_default_train"]["goal"] == 0.7
    assert rows["ratio_something_new"]["met"] is None


def test_committed_records_have_the_keys_the_page_reads():
    for name, rec in perf.load_benchmarks().items():
        if name.startswith("models-"):
            assert perf.model_rows(rec) and all(k.startswith("ratio_") for k in (r["ratio"] for r in perf.ratio_rows(rec)))
        if name == "data_pipeline":
            assert perf.pipeline_rows(rec)
