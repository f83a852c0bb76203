"""Every number chapter 7 quotes in its prose (:func:`quoted_numbers`), and
the sentences that depend on which runs and cross-checks are recorded."""

from __future__ import annotations

import math
from typing import Any, Dict, Mapping, Optional, Tuple

import numpy as np

from inception.data._base import CLASSES, IMAGES_PER_CLASS
from .records import (
    BUILT_UP,
    EXPECTED_RUNS,
    PUBLISHED,
    SCRATCH_RECIPE,
    PathLike,
    Runs,
    SLIDES,
    _FRAMEWORK_NAMES,
    eval_size,
    figure_run,
    image_sizes,
    recipe_label,
    recipes,
    run_label,
    size_summary,
    source_size,
    train_size,
)
from .tables import (
    EVAL_SIZES,
    LIVE_RATE,
    _and,
    _sci,
    aux_comparison,
    best_val_sizes,
    convention_sizes,
    framework_gap,
    loss_above,
    pct,
    queued_recipe,
    results_sentence,
    seed_spread,
    slides_explanation,
    top_confusions,
)

__all__ = ["quoted_numbers", "convention_numbers", "crosscheck_numbers", "flip_numbers"]


# --------------------------------------------------------------------------
# Every number the chapter quotes
# --------------------------------------------------------------------------


def _fmt_minutes(m: Optional[float]) -> str:
    return "n/a" if m is None else f"{m:.0f} minutes"


def _fmt_epoch(e: Optional[int]) -> str:
    return "never" if e is None else str(e)


def _points(x: Optional[float]) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}"


def _g(v: Any) -> str:
    return "n/a" if v is None else (f"{v:g}" if isinstance(v, float) else str(v))


def convention_numbers(first) -> Dict[str, str]:
    """The sizes of the first recipe's SGD and batch-norm convention differences
    (:func:`convention_sizes`, from its Keras run's configuration), and at how many
    epochs that run's training loss was above every PyTorch run's (:func:`loss_above`)."""
    q = {k: "n/a" for k in ("ch7_conv_steps", "ch7_conv_live", "ch7_conv_sgd_low", "ch7_conv_sgd_high",
                            "ch7_conv_sgd_path", "ch7_conv_sgd_total", "ch7_conv_bn_values", "ch7_conv_grid",
                            "ch7_conv_bn_std", "ch7_keras_above", "ch7_keras_above_epochs",
                            "ch7_keras_above_others")}
    keras_runs = [r for r in (first.runs.values() if first else []) if r.record.get("framework") == "keras"]
    if keras_runs and keras_runs[0].record.get("steps_per_epoch"):
        c = convention_sizes(keras_runs[0].record)
        q.update({"ch7_conv_steps": f"{c['steps']:,}", "ch7_conv_live": pct(LIVE_RATE, 0),
                  "ch7_conv_sgd_low": f"{c['sgd_low']:.2f}", "ch7_conv_sgd_high": f"{c['sgd_high']:.2f}",
                  "ch7_conv_sgd_path": pct(c["sgd_path"], 1), "ch7_conv_sgd_total": pct(abs(c["sgd_total"] - 1), 2),
                  "ch7_conv_bn_values": str(c["bn_values"]), "ch7_conv_grid": "x".join(map(str, c["bn_grid"])),
                  "ch7_conv_bn_std": pct(c["bn_std"], 2)})
    above = loss_above(first) if first else None
    if above:
        q.update({"ch7_keras_above": str(above["above"]), "ch7_keras_above_epochs": str(above["epochs"]),
                  "ch7_keras_above_others": {1: "the PyTorch run's", 2: "both PyTorch runs'"}.get(
                      above["others"], f"all {above['others']} PyTorch runs'")})
    return q


def crosscheck_numbers(checks: Mapping[Tuple[int, str], Mapping[str, Any]]) -> Dict[str, str]:
    """The cross-check's numbers chapter 7 quotes (``"n/a"`` where no result of
    that precision is recorded)."""
    from inception.train.crosscheck import CROSS_TOLERANCE, EARLY_STEPS, EARLY_TOLERANCE

    q = {"ch7_cc_early_steps": str(EARLY_STEPS), "ch7_cc_early_tol": f"{EARLY_TOLERANCE:.0e}",
         "ch7_cc_tolerance": f"{CROSS_TOLERANCE:g}"}
    for dtype, short in (("float64", "f64"), ("float32", "f32")):
        mine = [c for (seed, d), c in checks.items() if d == dtype]
        q[f"ch7_cc_{short}_seeds"] = _and([str(c["seed"]) for c in mine]) if mine else "n/a"
        q[f"ch7_cc_{short}_n"] = str(len(mine))
        q[f"ch7_cc_{short}_steps"] = str(mine[0]["steps"]) if mine else "n/a"
        q[f"ch7_cc_{short}_early"] = _sci(max(c["max_early_cross_rel_diff"] for c in mine)) if mine else "n/a"
        q[f"ch7_cc_{short}_max"] = _sci(max(c["max_cross_rel_diff"] for c in mine)) if mine else "n/a"
        ys = [r["yardstick_rel_diff"] for c in mine for r in c["rows"] if r.get("yardstick_rel_diff") is not None]
        q[f"ch7_cc_{short}_yard_max"] = _sci(max(ys)) if ys else "n/a"
        judged = [c for c in mine if c.get("steps_beyond_yardstick") is not None]
        total = sum(c["steps"] for c in judged)
        q[f"ch7_cc_{short}_within"] = (f"{total - sum(len(c['steps_beyond_yardstick']) for c in judged)} of "
                                       f"{total} steps" if judged else "n/a")
        # the step after which the yardstick itself passes 1e-3: chaos, not a framework
        chaos = [next((r["step"] for r in c["rows"] if (r.get("yardstick_rel_diff") or 0) > 1e-3), None)
                 for c in mine]
        chaos = [x for x in chaos if x is not None]
        q[f"ch7_cc_{short}_chaos_step"] = str(min(chaos)) if chaos else "none"
    everything = list(checks.values())
    if q["ch7_cc_f64_n"] != "0":
        same = all(c.get("labels_equal") for c in everything)
        q["ch7_cc_f64_sentence"] = (
            f"In float64 (seed{'s' if q['ch7_cc_f64_n'] != '1' else ''} {q['ch7_cc_f64_seeds']}), the two engines' "
            f"main losses agree to {q['ch7_cc_f64_early']} over the first {EARLY_STEPS} steps, where rounding in "
            f"double precision has had no room to grow; after that their difference stays within "
            f"{CROSS_TOLERANCE:g}x of the yardstick (the largest gap the yardstick has reached by that step) at "
            f"{q['ch7_cc_f64_within']}. The two pipelines' float64 images differ by at most "
            f"{_sci(max(c['max_input_abs_diff'] for (_, d), c in checks.items() if d == 'float64'))} on the 0-1 scale, "
            + ("and every batch has the same labels in both" if same else "but some batches differ in their labels"))
    else:
        q["ch7_cc_f64_sentence"] = "No float64 check is recorded yet"
    if q["ch7_cc_f32_n"] != "0":
        q["ch7_cc_f32_sentence"] = (
            f"In float32 (seed{'s' if q['ch7_cc_f32_n'] != '1' else ''} {q['ch7_cc_f32_seeds']}), the yardstick "
            f"itself passes 1e-3 from step {q['ch7_cc_f32_chaos_step']}, and the two engines separate as fast: "
            f"within {CROSS_TOLERANCE:g}x of it at {q['ch7_cc_f32_within']}")
    else:
        q["ch7_cc_f32_sentence"] = "No float32 check is recorded yet"
    everything = list(checks.values())
    q["ch7_cc_input_diff"] = _sci(max(c["max_input_abs_diff"] for c in everything)) if everything else "n/a"
    q["ch7_cc_labels_equal"] = ("yes" if all(c.get("labels_equal") for c in everything) else "no") \
        if everything else "n/a"
    q["ch7_cc_image_size"] = str(everything[0]["image_size"]) if everything else "n/a"
    q["ch7_cc_source_size"] = str(everything[0]["source_size"]) if everything else "n/a"
    q["ch7_cc_batch"] = str(everything[0]["batch_size"]) if everything else "n/a"
    return q


def flip_numbers(checks: Mapping[Tuple[int, str], Mapping[str, Any]],
                 flips: Mapping[Tuple[int, str], Mapping[str, Any]]) -> Dict[str, str]:
    """Chapter 7's numbers on where a float64 cross-check's difference jumps:
    from the branch counts (``flips``, :func:`~.records.load_branch_flips`)
    of the float64 seed whose ordinary check (in ``checks``) strays furthest
    beyond the yardstick, among the seeds whose branches were counted (the
    sentence says "furthest" only if no other float64 check strays further)."""
    from inception.train.crosscheck import CROSS_TOLERANCE, verdicts

    q = {"ch7_fl_seed": "n/a", "ch7_fl_worst_step": "n/a", "ch7_fl_worst_ratio": "n/a",
         "ch7_fl_beyond": "n/a", "ch7_fl_window": "n/a"}
    counted = [k for k in flips if k[1] == "float64"]
    if not counted:
        q["ch7_fl_sentence"] = "No count of switched branches is recorded yet"
        return q

    def judged(k):  # the seed's ordinary check (else the counted one), its verdicts and its worst step
        check = checks[k] if k in checks else flips[k]
        if "yardstick_envelope" not in check or "steps_beyond_yardstick" not in check:
            check = {**check, **verdicts(check)}
        ratios = [r["cross_rel_diff"] / e for r, e in zip(check["rows"], check["yardstick_envelope"])]
        i = int(np.argmax(ratios))
        return ratios[i], check["rows"][i]["step"], check

    key, (ratio, step, main) = max(((k, judged(k)) for k in counted), key=lambda kj: kj[1][0])
    beyond = main["steps_beyond_yardstick"]
    rows = flips[key]["rows"]
    q.update({"ch7_fl_seed": str(key[0]), "ch7_fl_worst_step": str(step), "ch7_fl_worst_ratio": f"{ratio:.0f}",
              "ch7_fl_beyond": f"{len(beyond)} of {main['steps']}"})

    def switched(r, k, kinds=("maxpool", "relu")):
        return sum(sum(r[k][kind].values()) for kind in kinds) if k in r else 0

    # the steps that made the jump: since the last step before it on which the
    # engines switched no more branches than the yardstick's run did
    before = [r for r in rows if r["step"] < step]
    calm = max((i for i, r in enumerate(before) if switched(r, "flips") <= switched(r, "yardstick_flips")),
               default=-1)
    window = before[calm + 1:]
    counts = {k: {kind: sum(switched(r, k, (kind,)) for r in window) for kind in ("maxpool", "relu")}
              for k in ("flips", "yardstick_flips")}
    blocks: Dict[str, int] = {}
    for r in window:
        for kind in ("maxpool", "relu"):
            for blk, n in r["flips"][kind].items():
                blocks[blk] = blocks.get(blk, 0) + n
    top = sorted(blocks, key=blocks.get, reverse=True)[:3]
    span = (f"step {window[0]['step']}" if len(window) == 1 else
            f"steps {window[0]['step']} to {window[-1]['step']}") if window else "no step"
    q["ch7_fl_window"] = span
    verdict = (f"is more than {CROSS_TOLERANCE:g}x the yardstick's envelope at {q['ch7_fl_beyond']} steps, "
               f"{q['ch7_fl_worst_ratio']}x at step {step}" if beyond else
               f"stays within {CROSS_TOLERANCE:g}x of the yardstick's envelope at every step, coming closest "
               f"({q['ch7_fl_worst_ratio']}x) at step {step}")
    # "furthest" only if no float64 check without branch counts strays further
    others = [judged(k)[0] for k in checks if k[1] == "float64" and k not in flips]
    lead = ("strays furthest from the yardstick" if all(r <= ratio for r in others) else
            "(one of the seeds whose difference strays beyond the yardstick, and the one whose branches were "
            "counted)" if beyond else "(the seed whose branches were counted)")
    q["ch7_fl_sentence"] = (
        f"Seed {key[0]} in float64 {lead}: its difference {verdict}. "
        f"On the batches of {span}, the steps that led there, the two engines' networks switched "
        f"{counts['flips']['maxpool']} max-pool outputs and {counts['flips']['relu']} ReLUs to the other branch "
        f"(most in {_and(top) if top else 'no block'}); the first of the yardstick's runs switched "
        f"{counts['yardstick_flips']['maxpool']} and {counts['yardstick_flips']['relu']}")
    return q


def quoted_numbers(runs: Runs, data_dir: Optional[PathLike] = None,
                   checks: Optional[Mapping[Tuple[int, str], Mapping[str, Any]]] = None,
                   flips: Optional[Mapping[Tuple[int, str], Mapping[str, Any]]] = None) -> Dict[str, str]:
    """Every number chapter 7 quotes in its prose, as the text shown: glue
    name -> text. The names are the same whatever has been recorded; a value
    that needs a run (or a cross-check) that is not recorded reads ``"n/a"``,
    and the sentences that depend on what exists are written here. The
    chapter glues exactly these; a test compares them with the executed
    notebook's outputs."""
    from inception.data.split import TEST_PER_CLASS, VAL_PER_CLASS
    from inception.data.transforms import DEFAULT_AUGMENT

    q: Dict[str, str] = {}
    sizes = size_summary(image_sizes(data_dir))
    n = len(CLASSES)
    q["ch7_classes"] = str(n)
    q["ch7_images"] = f"{sizes['n_images']:,}"
    q["ch7_per_class"] = str(IMAGES_PER_CLASS)
    q["ch7_odd"] = str(sizes["n_odd"])
    q["ch7_n_sizes"] = str(sizes["n_sizes"])
    q["ch7_min_side"] = str(sizes["min_side"])
    q["ch7_max_side"] = str(sizes["max_side"])
    q["ch7_distortion"] = pct(sizes["max_distortion"], 1)
    q["ch7_train_per_class"] = str(IMAGES_PER_CLASS - TEST_PER_CLASS - VAL_PER_CLASS)
    q["ch7_val_per_class"] = str(VAL_PER_CLASS)
    q["ch7_test_per_class"] = str(TEST_PER_CLASS)
    q["ch7_n_test"] = str(TEST_PER_CLASS * n)
    q["ch7_n_val"] = str(VAL_PER_CLASS * n)
    q["ch7_n_train"] = f"{(IMAGES_PER_CLASS - TEST_PER_CLASS - VAL_PER_CLASS) * n:,}"
    q["ch7_one_test"] = f"{100 / (TEST_PER_CLASS * n):.2f}"
    q["ch7_one_val"] = f"{100 / (VAL_PER_CLASS * n):.2f}"
    q["ch7_slides_pre_train"] = pct(SLIDES["pretrained"]["train"], 0)
    q["ch7_slides_pre_test"] = pct(SLIDES["pretrained"]["test"], 0)
    q["ch7_slides_scr_train"] = pct(SLIDES["scratch"]["train"], 2)
    q["ch7_slides_scr_test"] = pct(SLIDES["scratch"]["test"], 2)
    q["ch7_slides_scr_gap"] = f"{100 * (SLIDES['scratch']['train'] - SLIDES['scratch']['test']):.1f}"
    q["ch7_slides_pre_gap"] = f"{100 * (SLIDES['pretrained']['train'] - SLIDES['pretrained']['test']):.0f}"
    q["ch7_published_scratch"] = pct(PUBLISHED["scratch"], 0)
    q["ch7_published_finetuned"] = pct(PUBLISHED["finetuned"], 0)

    # the recipes: the first one recorded, and the queued one (from its configuration)
    groups = recipes(runs)
    q["ch7_n_runs"] = str(len(runs))
    q["ch7_n_recipes"] = str(len(groups))
    first = groups[0] if groups else None
    queued = queued_recipe(runs)
    new = {"config": {**SCRATCH_RECIPE}}
    q["ch7_new_label"] = queued.label
    q["ch7_new_source"] = str(source_size(new))
    q["ch7_new_train"] = str(train_size(new))
    q["ch7_new_eval"] = str(eval_size(new))
    q["ch7_new_n_expected"] = str(len(EXPECTED_RUNS))
    q["ch7_new_n_done"] = str(len(queued.runs))
    q["ch7_new_results"] = results_sentence(queued)
    fr = first.record if first else None
    q["ch7_first_source"] = _g(source_size(fr)) if fr else "n/a"
    q["ch7_first_train"] = _g(train_size(fr)) if fr else "n/a"
    q["ch7_first_eval"] = _g(eval_size(fr)) if fr else "n/a"
    q["ch7_first_results"] = results_sentence(first) if first else "no run of it is recorded"
    q["ch7_first_gap"] = _points(framework_gap(first)) if first else "n/a"
    q["ch7_new_gap_sentence"] = (
        f"PyTorch's mean is {_points(framework_gap(queued))} points above Keras' over the seeds both have run"
        if framework_gap(queued) is not None and framework_gap(queued) >= 0 else
        f"Keras' mean is {_points(-framework_gap(queued))} points above PyTorch's over the seeds both have run"
        if framework_gap(queued) is not None else
        "no seed has finished in both frameworks yet")
    q.update(convention_numbers(first))
    for key in ("epochs", "batch_size", "lr", "weight_decay", "label_smoothing"):
        q[f"ch7_{key}"] = _g(SCRATCH_RECIPE.get(key))
    q["ch7_min_area"] = pct(DEFAULT_AUGMENT.scale[0], 0)
    side = math.sqrt(DEFAULT_AUGMENT.scale[0])
    q["ch7_first_crop_px"] = str(round(side * source_size(fr))) if fr else "n/a"
    q["ch7_new_crop_px"] = str(round(side * source_size(new)))
    q["ch7_first_zoom"] = (f"{train_size(fr) / (side * source_size(fr)):g}" if fr else "n/a")

    # the run the figures show
    name = figure_run(runs)
    base = runs[name].record if name else None
    q["ch7_fig_run"] = f"{run_label(base)}, {recipe_label(runs, name)}" if base else "n/a"
    q["ch7_fig_eval"] = _g(eval_size(base)) if base else "n/a"
    q["ch7_fig_test"] = pct(base["test_accuracy"]) if base else "n/a"
    q["ch7_fig_epochs"] = str(len(base["epochs"])) if base else "n/a"
    q["ch7_epoch_seconds"] = (f"{float(np.median([e['seconds'] for e in base['epochs']])):.0f}"
                              if base and base["epochs"] else "n/a")
    preds = runs[name].predictions if name else None
    q["ch7_fig_wrong"] = str(sum(not c for c in preds["correct"])) if preds else "n/a"
    if preds:
        wrong = [(t, p) for t, p, ok in zip(preds["true"], preds["pred"], preds["correct"]) if not ok]
        built = {CLASSES.index(c) for c in BUILT_UP}
        q["ch7_builtup_wrong"] = str(sum(t in built or p in built for t, p in wrong))
    else:
        q["ch7_builtup_wrong"] = "n/a"
    top = top_confusions(base, k=1) if base else []
    q["ch7_top_confusion"] = (f"{top[0]['true']} taken for {top[0]['predicted']} ({top[0]['images']} of "
                              f"{top[0]['of']} images)" if top else "n/a")
    if base:
        both = [e for e in base["epochs"] if e.get("val_accuracy") is not None]
        q["ch7_val_above_train"] = str(sum(e["val_accuracy"] > e["train_accuracy"] for e in both))
        q["ch7_val_epochs"] = str(len(both))
    else:
        q["ch7_val_above_train"] = q["ch7_val_epochs"] = "n/a"
    ex = slides_explanation(base) if base else None
    for setting, short in (("scratch", "scr"), ("pretrained", "pre")):
        e = ex[setting] if ex else {}
        q[f"ch7_{short}_train_epoch"] = _fmt_epoch(e.get("train_epoch")) if ex else "n/a"
        q[f"ch7_{short}_train_minutes"] = _fmt_minutes(e.get("train_minutes"))
        q[f"ch7_{short}_val_at_train"] = pct(e.get("val_at_train_epoch")) if ex else "n/a"
        q[f"ch7_{short}_val_epoch"] = _fmt_epoch(e.get("val_epoch")) if ex else "n/a"
        q[f"ch7_{short}_val_minutes"] = _fmt_minutes(e.get("val_minutes"))
    q["ch7_base_final_train"] = pct(ex["final_train"]) if ex else "n/a"
    q["ch7_base_test"] = pct(ex["test"]) if ex else "n/a"
    q["ch7_base_gap"] = (f"{100 * ex['our_gap']:+.1f}" if ex and ex["our_gap"] is not None else "n/a")

    # seeds and the auxiliary heads
    spread = [s for s in seed_spread(runs) if s["n"] > 1]
    q["ch7_seed_sentence"] = ("; ".join(f"{s['runs']}, {s['recipe']}: {s['n']} seeds, {pct(s['min'])} to "
                                        f"{pct(s['max'])} ({100 * s['range']:.1f} points apart)" for s in spread)
                              if spread else "no recipe has finished with two seeds yet")
    aux = aux_comparison(runs)
    pairs = [(aux[i], aux[i + 1]) for i in range(0, len(aux), 2)]
    q["ch7_aux_sentence"] = ("; ".join(
        f"{w['recipe']}: {pct(wo['test top-1'])} without the heads against {pct(w['test top-1'])} with them "
        f"({100 * (w['test top-1'] - wo['test top-1']):+.1f} points for the heads, one seed)" for w, wo in pairs)
        if pairs else "no run without the heads has finished yet")

    # test-time resolution (an analysis): what the first recipe's validation sweeps pick
    if first:
        picks = []
        for fw in ("torch", "keras"):
            best = best_val_sizes(first.runs, fw)
            if best:
                picks.append(f"{_FRAMEWORK_NAMES[fw]}: {_and([str(b) for b in best])}")
        q["ch7_sweep_val_best"] = "; ".join(picks) if picks else "n/a"
    else:
        q["ch7_sweep_val_best"] = "n/a"
    q["ch7_sweep_sizes"] = _and([str(x) for x in EVAL_SIZES])
    q.update(crosscheck_numbers(checks or {}))
    q.update(flip_numbers(checks or {}, flips or {}))
    return q
