"""Every number chapter 7 quotes in its prose (:func:`quoted_numbers`), those of
the appendix on the two engines (:func:`engine_numbers`), and
the sentences that depend on which runs and cross-checks are recorded."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Tuple

import numpy as np

from inception.data._base import CLASSES, IMAGES_PER_CLASS
from .records import (
    PUBLISHED,
    PathLike,
    Runs,
    SLIDES,
    FINETUNE_RECIPE,
    figure_choice,
    figure_run,
    train_size,
    image_sizes,
    read_cams,
    training_images,
    recipe_label,
    recipes,
    run_label,
    size_summary,
)
from .engines import LIVE_RATE, _sci, convention_sizes, loss_above
from .headline import _and, framework_gap, recipe_sentence, results_sentence
from .mistakes import top_confusions, weakest_classes, kinds_sentence, CLASS_WORDS
from .tables import (
    EVAL_SIZES,
    aux_comparison,
    pct,
    seed_sd,
    seed_spread,
    seeds_for_power,
    seeds_for_se,
    difference_se,
    slides_explanation,
    sweep_reading,
)

__all__ = ["quoted_numbers", "engine_numbers", "convention_numbers", "crosscheck_numbers", "flip_numbers"]


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
    q = {k: "n/a" for k in ("eng_conv_steps", "eng_conv_live", "eng_conv_sgd_low", "eng_conv_sgd_high",
                            "eng_conv_sgd_path", "eng_conv_sgd_total", "eng_conv_bn_values", "eng_conv_grid",
                            "eng_conv_bn_std", "eng_keras_above", "eng_keras_above_epochs",
                            "eng_keras_above_others")}
    keras_runs = [r for r in (first.runs.values() if first else []) if r.record.get("framework") == "keras"]
    if keras_runs and keras_runs[0].record.get("steps_per_epoch"):
        c = convention_sizes(keras_runs[0].record)
        q.update({"eng_conv_steps": f"{c['steps']:,}", "eng_conv_live": pct(LIVE_RATE, 0),
                  "eng_conv_sgd_low": f"{c['sgd_low']:.2f}", "eng_conv_sgd_high": f"{c['sgd_high']:.2f}",
                  "eng_conv_sgd_path": pct(c["sgd_path"], 1), "eng_conv_sgd_total": pct(abs(c["sgd_total"] - 1), 2),
                  "eng_conv_bn_values": str(c["bn_values"]), "eng_conv_grid": "x".join(map(str, c["bn_grid"])),
                  "eng_conv_bn_std": pct(c["bn_std"], 2)})
    above = loss_above(first) if first else None
    if above:
        q.update({"eng_keras_above": str(above["above"]), "eng_keras_above_epochs": str(above["epochs"]),
                  "eng_keras_above_others": {1: "the PyTorch run's", 2: "both PyTorch runs'"}.get(
                      above["others"], f"all {above['others']} PyTorch runs'")})
    return q


def crosscheck_numbers(checks: Mapping[Tuple[int, str], Mapping[str, Any]]) -> Dict[str, str]:
    """The cross-check's numbers chapter 7 quotes (``"n/a"`` where no result of
    that precision is recorded)."""
    from inception.train.crosscheck import CROSS_TOLERANCE, EARLY_STEPS, EARLY_TOLERANCE

    q = {"eng_cc_early_steps": str(EARLY_STEPS), "eng_cc_early_tol": f"{EARLY_TOLERANCE:.0e}",
         "eng_cc_tolerance": f"{CROSS_TOLERANCE:g}"}
    for dtype, short in (("float64", "f64"), ("float32", "f32")):
        mine = [c for (seed, d), c in checks.items() if d == dtype]
        q[f"eng_cc_{short}_seeds"] = _and([str(c["seed"]) for c in mine]) if mine else "n/a"
        q[f"eng_cc_{short}_n"] = str(len(mine))
        q[f"eng_cc_{short}_steps"] = str(mine[0]["steps"]) if mine else "n/a"
        q[f"eng_cc_{short}_early"] = _sci(max(c["max_early_cross_rel_diff"] for c in mine)) if mine else "n/a"
        q[f"eng_cc_{short}_max"] = _sci(max(c["max_cross_rel_diff"] for c in mine)) if mine else "n/a"
        ys = [r["yardstick_rel_diff"] for c in mine for r in c["rows"] if r.get("yardstick_rel_diff") is not None]
        q[f"eng_cc_{short}_yard_max"] = _sci(max(ys)) if ys else "n/a"
        judged = [c for c in mine if c.get("steps_beyond_yardstick") is not None]
        total = sum(c["steps"] for c in judged)
        q[f"eng_cc_{short}_within"] = (f"{total - sum(len(c['steps_beyond_yardstick']) for c in judged)} of "
                                       f"{total} steps" if judged else "n/a")
        # the step after which the yardstick itself passes 1e-3: chaos, not a framework
        chaos = [next((r["step"] for r in c["rows"] if (r.get("yardstick_rel_diff") or 0) > 1e-3), None)
                 for c in mine]
        chaos = [x for x in chaos if x is not None]
        q[f"eng_cc_{short}_chaos_step"] = str(min(chaos)) if chaos else "none"
        q[f"eng_cc_{short}_chaos_steps"] = ((str(min(chaos)) if min(chaos) == max(chaos) else
                                             f"{min(chaos)}–{max(chaos)}") if chaos else "none")
    everything = list(checks.values())
    if q["eng_cc_f64_n"] != "0":
        same = all(c.get("labels_equal") for c in everything)
        q["eng_cc_f64_sentence"] = (
            f"In float64 (seed{'s' if q['eng_cc_f64_n'] != '1' else ''} {q['eng_cc_f64_seeds']}), the two engines' "
            f"main losses agree to {q['eng_cc_f64_early']} over the first {EARLY_STEPS} steps, where rounding in "
            f"double precision has had no room to grow; after that their difference stays within "
            f"{CROSS_TOLERANCE:g}x of the yardstick (the largest gap the yardstick has reached by that step) at "
            f"{q['eng_cc_f64_within']}. The two pipelines' float64 images differ by at most "
            f"{_sci(max(c['max_input_abs_diff'] for (_, d), c in checks.items() if d == 'float64'))} on the 0-1 scale, "
            + ("and every batch has the same labels in both" if same else "but some batches differ in their labels"))
    else:
        q["eng_cc_f64_sentence"] = "No float64 check is recorded yet"
    if q["eng_cc_f32_n"] != "0":
        q["eng_cc_f32_sentence"] = (
            f"In float32 (seed{'s' if q['eng_cc_f32_n'] != '1' else ''} {q['eng_cc_f32_seeds']}), the yardstick "
            f"itself passes 1e-3 by step {q['eng_cc_f32_chaos_steps']}, depending on the seed, and the two engines "
            f"separate as fast: "
            f"within {CROSS_TOLERANCE:g}x of it at {q['eng_cc_f32_within']}")
    else:
        q["eng_cc_f32_sentence"] = "No float32 check is recorded yet"
    words = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}
    nudged = [c.get("yardsticks", 1) for c in checks.values()
              if any(r.get("yardstick_rel_diff") is not None for r in c["rows"])]
    lo, hi = (min(nudged), max(nudged)) if nudged else (0, 0)
    q["eng_cc_nudged"] = ("n/a" if not nudged else f"{words.get(lo, lo)} run{'s' if lo > 1 else ''}" if lo == hi
                          else f"one to {words.get(hi, hi)} runs" if lo == 1 else f"{words.get(lo, lo)} to {words.get(hi, hi)} runs")
    everything = list(checks.values())
    q["eng_cc_input_diff"] = _sci(max(c["max_input_abs_diff"] for c in everything)) if everything else "n/a"
    q["eng_cc_labels_equal"] = ("yes" if all(c.get("labels_equal") for c in everything) else "no") \
        if everything else "n/a"
    q["eng_cc_image_size"] = str(everything[0]["image_size"]) if everything else "n/a"
    q["eng_cc_source_size"] = str(everything[0]["source_size"]) if everything else "n/a"
    q["eng_cc_batch"] = str(everything[0]["batch_size"]) if everything else "n/a"
    return q


def flip_numbers(checks: Mapping[Tuple[int, str], Mapping[str, Any]],
                 flips: Mapping[Tuple[int, str], Mapping[str, Any]]) -> Dict[str, str]:
    """Chapter 7's numbers on where a float64 cross-check's difference jumps:
    from the branch counts (``flips``, :func:`~.records.load_branch_flips`)
    of the float64 seed whose ordinary check (in ``checks``) strays furthest
    beyond the yardstick, among the seeds whose branches were counted (the
    sentence says "furthest" only if no other float64 check strays further)."""
    from inception.train.crosscheck import CROSS_TOLERANCE, verdicts

    q = {"eng_fl_seed": "n/a", "eng_fl_worst_step": "n/a", "eng_fl_worst_ratio": "n/a",
         "eng_fl_beyond": "n/a", "eng_fl_window": "n/a", "eng_fl_tie_step": "n/a", "eng_fl_tie_engines": "n/a",
         "eng_fl_tie_yard": "n/a", "eng_fl_tie_diff": "n/a"}
    counted = [k for k in flips if k[1] == "float64"]
    if not counted:
        q["eng_fl_sentence"] = "No count of switched branches is recorded yet"
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
    q.update({"eng_fl_seed": str(key[0]), "eng_fl_worst_step": str(step), "eng_fl_worst_ratio": f"{ratio:.0f}",
              "eng_fl_beyond": f"{len(beyond)} of {main['steps']}"})

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
    q["eng_fl_window"] = span
    # the largest burst of max-pool switches while the losses still agree closely: ties, not divergence
    calm_rows = [r for r in rows if r["cross_rel_diff"] < 1e-6 and "yardstick_flips" in r]
    burst = max(calm_rows, key=lambda r: switched(r, "flips", ("maxpool",)), default=None)
    if burst is not None and switched(burst, "flips", ("maxpool",)) > 0:
        q["eng_fl_tie_step"] = str(burst["step"])
        q["eng_fl_tie_engines"] = str(switched(burst, "flips", ("maxpool",)))
        q["eng_fl_tie_yard"] = str(switched(burst, "yardstick_flips", ("maxpool",)))
        q["eng_fl_tie_diff"] = _sci(burst["cross_rel_diff"])
    else:
        q["eng_fl_tie_step"] = q["eng_fl_tie_engines"] = q["eng_fl_tie_yard"] = q["eng_fl_tie_diff"] = "n/a"
    verdict = (f"is more than {CROSS_TOLERANCE:g}x the yardstick's envelope at {q['eng_fl_beyond']} steps, "
               f"{q['eng_fl_worst_ratio']}x at step {step}" if beyond else
               f"stays within {CROSS_TOLERANCE:g}x of the yardstick's envelope at every step, coming closest "
               f"({q['eng_fl_worst_ratio']}x) at step {step}")
    # "furthest" only if no float64 check without branch counts strays further
    others = [judged(k)[0] for k in checks if k[1] == "float64" and k not in flips]
    lead = ("strays furthest from the yardstick" if all(r <= ratio for r in others) else
            "(one of the seeds whose difference strays beyond the yardstick, and the one whose branches were "
            "counted)" if beyond else "(the seed whose branches were counted)")
    q["eng_fl_sentence"] = (
        f"Seed {key[0]} in float64 {lead}: its difference {verdict}. "
        f"On the batches of {span}, the steps that led there, the two engines' networks switched "
        f"{counts['flips']['maxpool']} max-pool outputs and {counts['flips']['relu']} ReLUs to the other branch "
        f"(most in {_and(top) if top else 'no block'}); the first of the yardstick's runs switched "
        f"{counts['yardstick_flips']['maxpool']} and {counts['yardstick_flips']['relu']}")
    return q


def _framework_sentence(group) -> str:
    """A group's two frameworks against each other, in words."""
    gap = framework_gap(group)
    if gap is None:
        return "not both frameworks have finished a seed of it"
    who = "PyTorch's" if gap >= 0 else "Keras'"
    other = "Keras'" if gap >= 0 else "PyTorch's"
    return f"{who} mean is {_points(abs(gap))} points above {other} over the seeds both ran"


def quoted_numbers(runs: Runs, data_dir: Optional[PathLike] = None,
                   checks: Optional[Mapping[Tuple[int, str], Mapping[str, Any]]] = None) -> Dict[str, str]:
    """Every number chapter 7 quotes in its prose, as the text shown: glue
    name -> text. The names are the same whatever has been recorded; a value
    that needs a run (or a cross-check) that is not recorded reads ``"n/a"``,
    and the sentences that depend on what exists are written here. The
    chapter glues exactly these; a test compares them with the executed
    notebook's outputs. They do not depend on whether the images are here
    (``data_dir`` only changes where the image sizes are read from, not
    their values)."""
    from inception.data.split import TEST_PER_CLASS, VAL_PER_CLASS
    from inception.train.crosscheck import EARLY_STEPS

    q: Dict[str, str] = {}
    sizes = size_summary(image_sizes(data_dir))
    n = len(CLASSES)
    q["ch7_classes"] = str(n)
    q["ch7_images"] = f"{sizes['n_images']:,}"
    q["ch7_per_class"] = str(IMAGES_PER_CLASS)
    q["ch7_odd"] = str(sizes["n_odd"])
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
    q["ch7_published_finetuned"] = pct(PUBLISHED["finetuned"], 1)

    # the groups: the main one (current engines when any has finished) first
    groups = recipes(runs)
    main = groups[0] if groups else None
    q["ch7_main_label"] = main.label if main else "n/a"
    q["ch7_main_engines"] = ("the current engines" if main and main.generation == "current" else
                             "the earlier engines" if main else "n/a")
    q["ch7_main_results"] = results_sentence(main) if main else "no run has finished"
    q["ch7_main_recipe"] = recipe_sentence(main.record) if main else "n/a"
    q["ch7_train_size"] = str(train_size(main.record)) if main else "n/a"
    q["ch7_ft_size"] = str(FINETUNE_RECIPE["image_size"])
    q["ch7_main_gap_sentence"] = _framework_sentence(main) if main else "n/a"
    current = [g for g in groups if g.generation == "current"]
    earlier = [g for g in groups if g.generation == "earlier"]
    first = ("the first engines' Keras training used Keras' own SGD update and batch-norm statistics, which "
             "differ slightly from PyTorch's, while the same-step engines take PyTorch's in both frameworks")
    if current and earlier:
        q["ch7_groups_sentence"] = f"The same-step engines' runs come first; {first}"
    elif earlier:
        q["ch7_groups_sentence"] = (
            "Every run in the table used the first engines, whose Keras training followed Keras' own SGD update "
            "and batch-norm statistics, which differ slightly from PyTorch's")
    else:
        q["ch7_groups_sentence"] = "Every run in the table used the same-step engines, which take PyTorch's steps in both frameworks"
    eg = earlier[0] if earlier else None
    q["ch7_earlier_gap_sentence"] = _framework_sentence(eg) if eg else "n/a"

    # the run the figures show, and how validation chose it
    name = figure_run(runs)
    choice = figure_choice(runs)
    if choice and len(choice["tied"]) > 1:
        tied = [run_label(runs[n].record) for n in choice["tied"]]
        q["ch7_fig_choice"] = (f"{_and(tied)} tie at {pct(choice['val'])}; ties go to PyTorch, then to the "
                               f"lower seed")
    elif choice:
        q["ch7_fig_choice"] = f"its {pct(choice['val'])} is the highest, with no tie"
    else:
        q["ch7_fig_choice"] = "no run has finished"
    src = training_images(runs)
    q["ch7_train_images"] = (f"a JPEG copy (quality {src.split()[-1]}) of the official TIFF files"
                             if src and src.startswith("JPEG") else
        "the official TIFF files" if src == "TIFF" else "the images")
    base = runs[name].record if name else None
    q["ch7_fig_run"] = f"{run_label(base)}, {recipe_label(runs, name)}" if base else "n/a"
    q["ch7_fig_test"] = pct(base["test_accuracy"]) if base else "n/a"
    q["ch7_fig_epochs"] = str(len(base["epochs"])) if base else "n/a"
    q["ch7_fig_wall"] = f"{(base.get('wall_time_seconds') or 0) / 3600:.1f} hours" if base else "n/a"
    dev = (base.get("device") or {}) if base else {}
    q["ch7_fig_device"] = (f"a {'GPU' if dev.get('type') in ('cuda', 'gpu') else 'CPU'} ({dev['name']})"
                           if dev.get("name") else "n/a")
    preds = runs[name].predictions if name else None
    q["ch7_fig_wrong"] = str(sum(not c for c in preds["correct"])) if preds else "n/a"
    top = top_confusions(base, k=1) if base else []
    words = CLASS_WORDS
    q["ch7_top_confusion"] = (f"{words[top[0]['true']]} taken for {words[top[0]['predicted']]} ({top[0]['images']} "
                              f"of {top[0]['of']} images)" if top else "n/a")
    weak = weakest_classes(base) if base else []
    q["ch7_weakest"] = _and([f"{words[w['class']]} ({w['right']} of {w['of']} right, most often taken for "
                             f"{words.get(w['taken for'], 'nothing')})" for w in weak]) if weak else "n/a"
    q["ch7_weakest_kinds"] = kinds_sentence([w["class"] for w in weak]) if weak else "n/a"
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
        q[f"ch7_{short}_val_epoch"] = _fmt_epoch(e.get("val_epoch")) if ex else "n/a"
        q[f"ch7_{short}_val_at_train"] = pct(e.get("val_at_train_epoch")) if ex else "n/a"
    q["ch7_base_final_train"] = pct(ex["final_train"]) if ex else "n/a"
    q["ch7_base_test"] = pct(ex["test"]) if ex else "n/a"
    q["ch7_base_gap"] = (f"{100 * ex['our_gap']:+.1f}" if ex and ex["our_gap"] is not None else "n/a")

    # seeds and the auxiliary heads
    spread = [s for s in seed_spread(runs) if s["n"] > 1]
    q["ch7_seed_sentence"] = ("; ".join(f"{s['runs']}, {s['recipe']}: {s['n']} seeds, {pct(s['min'])} to "
                                        f"{pct(s['max'])} ({100 * s['range']:.1f} points apart)" for s in spread)
                              if spread else "no group has finished two seeds of one framework yet")
    sd = seed_sd(runs)
    k_ex = 5
    if sd and sd[0] > 0:
        s_pts = 100 * sd[0]
        q["ch7_ex_sd"] = f"{s_pts:.1f}"
        q["ch7_ex_sd_from"] = f"{sd[1]} seeds of {sd[2]}"
        q["ch7_ex_k"] = str(k_ex)
        q["ch7_ex_se"] = f"{difference_se(s_pts, k_ex):.2f}"
        q["ch7_ex_ratio"] = f"{1.0 / difference_se(s_pts, k_ex):.1f}"
        q["ch7_ex_k_2se"] = str(seeds_for_se(1.0, s_pts, 2.0))
        q["ch7_ex_k_power"] = str(seeds_for_power(1.0, s_pts))
    else:
        for k in ("ch7_ex_sd", "ch7_ex_sd_from", "ch7_ex_k", "ch7_ex_se", "ch7_ex_ratio", "ch7_ex_k_2se",
                  "ch7_ex_k_power"):
            q[k] = "n/a"
    aux = aux_comparison(runs)
    pairs = [(aux[i], aux[i + 1]) for i in range(0, len(aux), 2)]
    q["ch7_aux_sentence"] = ("; ".join(
        f"{w['recipe']}: {pct(wo['test top-1'])} without the heads against {pct(w['test top-1'])} with them "
        f"({100 * (w['test top-1'] - wo['test top-1']):+.1f} points for the heads, one seed)" for w, wo in pairs)
        if pairs else "no run without the heads has finished yet")

    # the engines, in one paragraph (the appendix has the rest)
    mine = [c for (seed, d), c in (checks or {}).items() if d == "float64"]
    q["ch7_cc_seeds"] = str(len(mine))
    q["ch7_cc_early_steps"] = str(EARLY_STEPS)
    q["ch7_cc_early"] = _sci(max(c["max_early_cross_rel_diff"] for c in mine)) if mine else "n/a"
    q["ch7_sweep_sizes"] = _and([str(x) for x in EVAL_SIZES])
    reading = sweep_reading(runs)
    names = {"torch": "PyTorch's", "keras": "Keras'"}
    parts = []
    for r in reading:
        ties = [t for t in r["tied"] if t != r["chosen"]]
        tie = f" (tied with {_and([str(t) for t in ties])})" if ties else ""
        many = r["runs"] > 1
        parts.append(f"{names[r['framework']]} {'mean over ' + str(r['runs']) + ' runs' if many else 'one run'} "
                     f"peaks at {r['chosen']} px{tie}, {abs(100 * r['gain']):.1f} points ({abs(r['gain_images']):.0f} of "
                     f"{VAL_PER_CLASS * n} images) {'above' if r['gain'] >= 0 else 'below'} the training size, "
                     f"and is lowest at {r['worst']} px")
    q["ch7_sweep_reading"] = ("On validation, " + "; ".join(parts) if parts else "No run has a size sweep yet")
    cam_name = name
    cams = read_cams(runs[cam_name].path / "cams.json") if name and runs[name].path else None
    if cams is None:
        cam_name, cams = next(((n, read_cams(r.path / "cams.json")) for n, r in runs.items()
                               if r.path and read_cams(r.path / "cams.json")), (None, None))
    q["ch7_cam_grid"] = "x".join(map(str, cams["grid"])) if cams else "n/a"
    q["ch7_cam_size"] = str(cams["image_size"]) if cams else "n/a"
    return q


def engine_numbers(runs: Runs, checks: Optional[Mapping[Tuple[int, str], Mapping[str, Any]]] = None,
                   flips: Optional[Mapping[Tuple[int, str], Mapping[str, Any]]] = None) -> Dict[str, str]:
    """Every number the appendix on the two engines quotes: the earlier
    engines' convention sizes and their Keras run against PyTorch's
    (:func:`convention_numbers`), the cross-checks (:func:`crosscheck_numbers`)
    and the branch switches (:func:`flip_numbers`)."""
    earlier = [g for g in recipes(runs) if g.generation == "earlier"]
    eg = earlier[0] if earlier else None
    q = {"eng_earlier_results": results_sentence(eg) if eg else "n/a",
         "eng_earlier_gap_sentence": _framework_sentence(eg) if eg else "n/a"}
    current = [g for g in recipes(runs) if g.generation == "current"]
    gap = framework_gap(current[0]) if current else None
    q["eng_current_sentence"] = (
        "No full training run of the same-step engines has finished yet, so whether their trained networks differ "
        "only as much as two seeds do is still to be measured" if gap is None else
        f"The same-step engines' finished runs give {results_sentence(current[0])}: "
        f"{_framework_sentence(current[0])}, to be read against the spread between seeds in chapter 7")
    q.update(convention_numbers(eg))
    q.update(crosscheck_numbers(checks or {}))
    q.update(flip_numbers(checks or {}, flips or {}))
    return q
