"""The Performance appendix's record handling, and time to accuracy from run records.
No timing here: speed is measured by the scripts in benchmarks/, never asserted."""

import json

import pytest

from inception.course import performance
from inception.course import efficiency
from inception.course.performance import time_to_accuracy


def _size(scale=1.0):
    return {
        "train_images_per_second": {"ours_default": 30.0 * scale, "torchvision_plain": 12.0 * scale,
                                    "torchvision_channels_last": 20.0 * scale, "keras_default": 15.0 * scale},
        "skipped": {"torchvision_bf16_channels_last": "no native bf16 (the CPU flags list none)"},
        "train_spread": {"ours_default": {"median": 30.0 * scale, "min": 28.0 * scale, "max": 31.0 * scale}},
        "ratios": {"ours_default_over_torchvision_plain": 2.5, "ours_default_over_torchvision_best": 1.5,
                   "keras_default_over_torch_default": 0.5, "ours_default_gflops": 29.0,
                   "ours_default_fraction_of_fp32_matmul": 0.3, "ours_default_fraction_of_matmul": 0.05},
        "ours_default_precision": "bf16", "keras": {"default_precision": "fp32"},
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
    assert plain["128 px range"] is None  # no spread recorded for it
    assert rows[performance.CONFIGURATIONS["ours_default"]]["128 px range"] == (28.0, 31.0)
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
    # against the matmul rate of the precision the step computes in, nothing else
    assert flops[0]["of the matmul rate"] == 0.05 and flops[0]["precision"] == "bf16"
    assert set(flops[0]) == {"input", "precision", "GFLOP/s of our step", "of the matmul rate"}
    prof = performance.profile_rows(rec, 128)
    assert [p["operations"] for p in prof] == ["convolution", "batch norm", "other"]
    assert sum(p["share"] for p in prof) == pytest.approx(1.0)


def test_plots_draw_from_a_record_and_display_once():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.close("all")
    figs = [performance.plot_throughput(_record()), performance.plot_step_time(_record()),
            efficiency.plot_pareto(efficiency.zoo_rows(_zoo()), {"GMACs": "multiply-adds"})]
    assert all(f.axes for f in figs)
    # closed: a notebook shows each once (show(fig)), not again as an open figure at the cell's end
    assert plt.get_fignums() == []


def test_reliability_of_records():
    assert performance.is_reliable({**_record(), "reliable": True})
    assert not performance.is_reliable({**_record(), "reliable": True, "quick": True})
    assert not performance.is_reliable({**_record(), "reliable": False, "reliability_reason": "busy"})
    assert performance.unreliable_reason({**_record(), "reliable": False, "reliability_reason": "busy"}) == "busy"
    # a record from before the load checks: unreliable, and the reason gives its load
    old = {**_record(), "load_average_before": [6.59, 5.5, 4.6], "cpu_count": 2}
    assert not performance.is_reliable(old) and "6.6 on 2 cores" in performance.unreliable_reason(old)
    assert performance.unreliable_reason(None) and performance.unreliable_reason({**_record(), "reliable": True}) == ""


def test_the_committed_record_taken_under_load_is_not_a_measurement():
    for name, rec in performance.load_benchmarks().items():
        if name.startswith(("models-", "zoo-")) and rec.get("load_average_before", [0])[0] > 2:
            assert not performance.is_reliable(rec), name


def test_committed_model_records_have_what_the_page_reads():
    for name, rec in performance.load_benchmarks().items():
        if name.startswith("models-") and performance.is_reliable(rec):
            assert performance.speed_rows(rec) and performance.ratio_rows(rec) and performance.flop_rows(rec)
            assert "bf16_native" in rec and rec["bf16_reason"] and rec["cpu_flags"]
        if name.startswith("zoo-") and performance.is_reliable(rec):
            assert len(rec["networks"]) >= 8 and all("train_spread" in n for n in rec["networks"].values())


def _run_record(fw, rate, cpu="cpu x", size=128):
    return {"framework": fw, "config": {"image_size": size}, "images_per_second": {"train": rate},
            "device": {"name": cpu, "precision": "fp32"}}


def test_run_rate_rows_compare_the_benchmark_with_the_runs():
    rec = {**_record(), "device": "cpu x"}
    runs = {"a": _run_record("torch", 20.0), "b": _run_record("torch", 40.0), "c": _run_record("torch", 28.0),
            "k": _run_record("keras", 20.0, cpu="cpu y"), "other size": _run_record("keras", 1.0, size=224)}
    rows = {r["engine"]: r for r in performance.run_rate_rows(rec, runs)}
    t = rows["PyTorch"]
    assert t["runs images/s"] == 28.0 and t["runs"] == 3 and t["benchmark images/s"] == 30.0
    assert t["ratio"] == pytest.approx(30 / 28) and t["agree"] and t["same CPU"]
    k = rows["Keras"]
    assert k["runs images/s"] == 20.0 and k["ratio"] == pytest.approx(0.75) and k["agree"]  # 25% off: still agrees
    assert not k["same CPU"] and k["benchmark precision"] == "fp32" and t["benchmark precision"] == "bf16"
    runs["k"] = _run_record("keras", 10.0)
    assert not {r["engine"]: r for r in performance.run_rate_rows(rec, runs)}["Keras"]["agree"]


def test_pareto_front_known_answer():
    pts = [(1.0, 60.0), (2.0, 70.0), (3.0, 65.0), (4.0, 75.0), (0.5, 50.0), (2.0, None), (5.0, 75.0)]
    # (3, 65) is beaten by (2, 70); (5, 75) by (4, 75); None is left out
    assert efficiency.pareto_front(pts) == [4, 0, 1, 3]
    assert efficiency.pareto_front([(1.0, 1.0), (1.0, 1.0)]) == [0, 1]  # equal points beat neither


def _zoo():
    def net(name, gmacs, top1, train=None, infer=None, depthwise=0.0):
        n = {"name": name, "macs": gmacs * 1e9, "params": 1e6, "depthwise": depthwise * 1e9, "activations": 1e6,
             "published": {"top1": top1} if top1 else None}
        if train:
            n.update(train_images_per_second=train, infer_images_per_second=infer)
        return n
    return {"googlenet_paper": net("GoogLeNet (paper)", 1.6, None, 5.0, 15.0),
            "googlenet_bn": net("GoogLeNet (batch norm)", 1.5, 69.8, 5.0, 15.0),
            "vgg16": net("VGG-16", 15.5, 71.6, 0.8, 2.0),
            "resnet18": net("ResNet-18", 1.8, 69.8, 6.0, 18.0),
            "mobilenet_v2": net("MobileNetV2", 0.3, 71.9, 8.0, 30.0, depthwise=0.02)}


def test_zoo_rows_and_findings():
    rows = efficiency.zoo_rows(_zoo())
    g = {r["key"]: r for r in rows}
    assert g["vgg16"]["train GMAC/s"] == pytest.approx(3 * 15.5 * 0.8)
    assert g["mobilenet_v2"]["depthwise share"] == pytest.approx(0.02 / 0.3)
    f = efficiency.zoo_findings(rows)
    assert f["front_macs"] == ["MobileNetV2"] and not f["googlenet_on_front_macs"]
    assert f["more_accurate_with_fewer_macs"] == ["MobileNetV2"]
    assert f["fewer_macs_than"] == ["GoogLeNet (paper)", "VGG-16", "ResNet-18"]
    assert f["slowest_per_mac"]["key"] == "mobilenet_v2" and f["fastest_per_mac"]["key"] == "vgg16"
    assert "front_time" not in efficiency.zoo_findings(efficiency.zoo_rows({k: {kk: vv for kk, vv in v.items()
                                                                                  if "per_second" not in kk}
                                                                              for k, v in _zoo().items()}))


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


def test_record_facts_describe_each_record():
    ok = {**_record(), "reliable": True, "cpu_flags": ["avx2", "avx512_bf16", "sse4_2"], "bf16_native": True,
          "rounds": 5, "steps_per_round": 2, "load": {"before": 0.2, "during": [1.1, 1.3], "after": 1.2},
          "wall_seconds": 600.0, "versions": {"torch": "2.x"}}
    old = {**_record(), "load_average_before": [6.59], "load_average_after": [3.5], "cpu_count": 2, "rounds": 3}
    rows = {r[""]: r for r in performance.record_facts({"new": ok, "old": old, "absent": None})}
    assert set(rows["machine"]) == {"", "new", "old"}
    assert rows["native bf16"]["new"] == "yes" and rows["native bf16"]["old"] == ""
    assert rows["load during and after, at most"]["new"] == "1.30"
    assert rows["load before (one-minute average)"]["old"] == "6.59"
    assert rows["timings shown?"]["new"] == "yes" and rows["timings shown?"]["old"].startswith("no: ")
    assert rows["rounds"]["old"] == 3 and rows["rounds"]["new"] == 5


def test_sentences_for_the_page():
    rec = {**_record(), "reliable": True, "load": {"before": 0.21, "during": [1.3], "after": 1.1}}
    rec["sizes"]["128"]["ratios"].update(torchvision_best_setting="torchvision_channels_last",
                                         ours_step_over_torchvision_best=1.02)
    text = performance.engine_sentence(rec, 128)
    assert "1.50x the speed of torchvision's fastest" in text and "step alone" in text and "1.02x" in text
    assert "Keras engine trains at 0.50x" in text
    assert "0.21 before" in performance.status_sentence(rec, "speeds") and "at most 1.30" in performance.status_sentence(rec, "x")
    old = {**_record(), "load_average_before": [6.59], "cpu_count": 2}
    s = performance.status_sentence(old, "speeds")
    assert s == "The benchmark ran on a busy machine (load 6.6 on 2 cores); its speeds are not shown."
    assert performance.status_sentence(None) == "No benchmark has been run yet, so no timings are shown."
    rows = [{"engine": "PyTorch", "benchmark images/s": 36.0, "runs images/s": 30.0, "runs": 3, "ratio": 1.2,
             "agree": True, "same CPU": True, "runs CPU": "x", "runs precision": "fp32",
             "benchmark precision": "fp32"},
            {"engine": "Keras", "benchmark images/s": 12.0, "runs images/s": 24.0, "runs": 1, "ratio": 0.5,
             "agree": False, "same CPU": False, "runs CPU": "Intel", "runs precision": "fp32",
             "benchmark precision": "bf16"}]
    s = performance.run_agreement_sentence(rows)
    assert s.startswith("The PyTorch engine's 36.0") and "(within 25%)" in s and "another CPU (Intel)" in s
    assert performance.run_agreement_sentence([]).startswith("No training run")


def _reliable_models():
    return {**_record(), "reliable": True, "rounds": 5, "cpu_count": 2,
            "load": {"before": 0.2, "during": [1.1], "after": 1.0}}


def test_intro_and_rounds_follow_the_records():
    assert efficiency.intro_sentence(None).endswith("by counted cost")
    assert efficiency.intro_sentence({"networks": {}, "reliable": False}).endswith("by counted cost")
    assert efficiency.intro_sentence({"networks": {}, "reliable": True}).endswith("counted and timed")
    assert performance.rounds_clause({"rounds": 3}) == "3 rounds give 3 rates"
    assert performance.rounds_clause(None) == "5 rounds give 5 rates"
    assert performance.rounds_clause({"rounds": 1}) == "1 round gives 1 rate"
    assert performance.load_clause({"load_average_before": [6.59], "load_average_after": [3.5],
                                    "cpu_count": 2}) == "load 6.6 on 2 cores"


def test_speed_displays_one_sentence_when_busy_and_figures_when_quiet():
    import matplotlib

    matplotlib.use("Agg")
    busy = {**_record(), "load_average_before": [6.59], "cpu_count": 2}
    assert performance.speed_displays(busy) == []
    assert performance.flop_displays(busy) == []
    quiet = _reliable_models()
    shown = performance.speed_displays(quiet)
    assert len(shown) == 3 and not isinstance(shown[0], str)
    assert "30.0" in str(shown[1]) and "28.0 to 31.0" in str(shown[1])
    assert len(performance.flop_displays(quiet)) == 2
    assert performance.status_sentence(quiet).startswith("The timings below were measured on cpu x")


def test_zoo_table_and_costs_add_timings_only_for_a_quiet_record():
    rows = efficiency.zoo_rows(_zoo())
    assert "train images/s" not in str(efficiency.zoo_table(rows))
    assert list(efficiency.pareto_costs(rows)) == ["GMACs"]
    timed = efficiency.zoo_rows({k: {**n, "train_images_per_second": 10.0,
                                      "infer_images_per_second": 40.0} for k, n in _zoo().items()})
    assert "train images/s" in str(efficiency.zoo_table(timed, timed=True))
    assert list(efficiency.pareto_costs(timed, timed=True)) == ["GMACs", "train ms/image"]
    assert timed[0]["train ms/image"] == pytest.approx(100.0)


def test_later_networks_sentence_follows_the_table():
    rows = [{"key": "googlenet_bn", "network": "GoogLeNet", "GMACs": 1.50, "top-1 (%)": 69.78},
            {"key": "resnet18", "network": "ResNet-18", "GMACs": 1.81, "top-1 (%)": 69.76},
            {"key": "mobilenet_v2", "network": "MobileNetV2", "GMACs": 0.30, "top-1 (%)": 71.88},
            {"key": "resnet50", "network": "ResNet-50", "GMACs": 4.09, "top-1 (%)": 76.13}]
    s = efficiency.later_networks_sentence(rows)
    assert s == ("ResNet-18 only matches it (69.8%) at higher cost (1.81 billion); "
                 "ResNet-50 beats it (76.1%) at higher cost (4.09 billion); "
                 "MobileNetV2 beats it (71.9%) at lower cost (0.30 billion).")


def test_time_to_accuracy_rows_keep_epochs_only():
    runs = {"a": {"framework": "torch", "config": {"image_size": 128, "seed": 0},
                  "device": {"precision": "fp32", "name": "cpu"},
                  "epochs": [{"epoch": 1, "val_accuracy": 0.5, "seconds": 60},
                             {"epoch": 2, "val_accuracy": 0.91, "seconds": 60}]}}
    (row,) = performance.tta_rows(runs)
    assert row["epochs to 90%"] == 2 and row["epochs to 95%"] is None
    assert not any("minutes" in k or "images/s" in k for k in row)
    assert performance.validation_step(210) == pytest.approx(100 / 210)


def test_bf16_sentence_names_both_cpus_and_measures_only_quietly():
    runs = {"a": {"device": {"name": "Intel Xeon", "precision": "fp32"}}}
    busy = {"device": "AMD EPYC", "bf16_native": False, "matmul_gflops": {"fp32": 16.0, "bf16": 0.4}}
    s = performance.bf16_sentence(busy, runs)
    assert s == ("The benchmark's CPU, AMD EPYC, has no native bf16. The training runs of chapter 7 "
                 "ran on another CPU, Intel Xeon, in fp32.")
    quiet = {**busy, "device": "Intel Xeon", "bf16_native": True, "reliable": True}
    s = performance.bf16_sentence(quiet, runs)
    assert "computes bf16 natively" in s and "0 GFLOP/s against 16" in s and "on the same CPU" in s


def test_merge_zoo_keeps_counted_cost_and_adds_quiet_timings_only():
    counts = {"inception_v3": {"name": "Inception-v3", "macs": 5.71e9, "params": 23.8e6,
                               "input_size": 299, "published": {"top1": 77.3}}}
    rec = {"reliable": True, "networks": {"inception_v3": {
        "macs": 2.84e9, "train_images_per_second": 2.0, "infer_images_per_second": 6.0}}}
    nets = efficiency.merge_zoo(counts, rec)
    (row,) = efficiency.zoo_rows(nets)
    assert row["GMACs"] == pytest.approx(5.71) and row["input (px)"] == 299
    assert row["train GMAC/s"] == pytest.approx(3 * 2.84 * 2.0)  # the cost of what was timed
    assert "train images/s" not in efficiency.zoo_rows(
        efficiency.merge_zoo(counts, {**rec, "reliable": False}))[0]
    assert counts["inception_v3"].get("timed_macs") is None  # not modified in place


def test_census_plot_has_integer_step_ticks():
    import matplotlib

    matplotlib.use("Agg")
    rows = [{"step": s, "grad_min": 1e-6, "momentum_min": 1e-7, "prob_min": 1e-3} for s in (1, 2, 3)]
    fig = performance.plot_subnormal_census(rows)
    ticks = [t for t in fig.axes[0].get_xticks() if 1 <= t <= 3]
    assert ticks and all(float(t).is_integer() for t in ticks)
