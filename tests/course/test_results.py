"""Chapter 7's numbers and figures from run records (inception.course.results), and
the appendix on the two engines.

* tables equal the records' values; runs are grouped by engine generation
  (the current engines first) and recipe, and the figures' run is picked on
  validation; evaluation sizes come
  from the configuration (older records: the training size); seed spread and
  the slides comparison are computed right; the gallery lists exactly the
  wrong predictions; the training cross-check's results are read and drawn;
* the documented image sizes equal the real headers (when the images are here);
* compute_cams on a tiny model trained on synthetic data: the schema, a map's
  mean plus bias equals the logit, the reloaded model predicts what the run
  recorded;
* missing runs, records or images give None (nothing shown) and one note, not errors;
* the chapter's and the appendix's glued numbers equal quoted_numbers() and
  engine_numbers() of the committed records.
"""

import copy
import json
import math
import shlex
from pathlib import Path

import numpy as np
import pytest

from inception.course import results as R
from inception.data import CLASSES

REPO = Path(__file__).resolve().parents[2]
CHAPTER = REPO / "book" / "07_results.ipynb"
APPENDIX = REPO / "book" / "appendix_engines.ipynb"
REAL_IMAGES = REPO.parent / "shared" / "data" / "ucmerced-jpeg95"


# --------------------------------------------------------------------------
# hand-made records
# --------------------------------------------------------------------------

def make_record(framework="torch", seed=0, aux=True, test=0.9, train_curve=(0.3, 0.5, 0.7, 0.8),
                val_curve=(0.2, 0.5, 0.75, 0.9), seconds=60.0, status="finished", n_classes=21,
                started="2026-01-01T00:00:00+0000", **config):
    cfg = {"framework": framework, "variant": "bn", "pretrained": None, "aux_logits": aux, "aux_weight": 0.3,
           "dropout": None, "aux_dropout": None, "image_size": 128, "batch_size": 32, "epochs": len(train_curve),
           "optimizer": "sgd", "lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 5e-4,
           "schedule": "onecycle", "onecycle_pct_start": 0.3, "label_smoothing": 0.1, "seed": seed,
           "augment": True, "data_dir": "/somewhere", "out_dir": f"runs/x{seed}", "progress": "lines", **config}
    epochs = [{"epoch": i + 1, "train_loss": 3.0 - i * 0.5, "train_main_loss": 2.5 - i * 0.5, "train_accuracy": tr,
               "val_loss": 2.4 - i * 0.5, "val_accuracy": va, "lr": 0.1, "seconds": seconds,
               "epoch_seconds": seconds, "images_per_second": 50.0}
              for i, (tr, va) in enumerate(zip(train_curve, val_curve))]
    cm = np.eye(n_classes, dtype=int) * 18
    cm[0, 0], cm[0, 3] = 15, 3  # agricultural taken for beach 3 times
    cm[5, 5], cm[5, 7] = 16, 2
    per_class = {c: {"precision": 0.9, "recall": float(cm[i, i] / cm[i].sum()), "f1": 0.9, "support": 20}
                 for i, c in enumerate(CLASSES[:n_classes])}
    return {"format": "inception-run-record-v1", "status": status, "config": cfg, "framework": framework,
            "started": started,
            "variant": "bn", "versions": {"torch": "2.x"}, "device": {"description": "CPU"}, "epochs": epochs,
            "steps_per_epoch": 46, "test_accuracy": test if status == "finished" else None, "test_top5": 0.99,
            "test_loss": 0.7, "per_class": per_class, "confusion_matrix": cm.tolist(), "macro_f1": 0.88,
            "wall_time_seconds": 3600.0 + seed, "images_per_second": {"train": 51.5, "eval": 180.0}}


def make_predictions():
    classes = list(CLASSES)
    stems = ["agricultural/agricultural01", "agricultural/agricultural02", "beach/beach05", "forest/forest07"]
    true = [0, 0, 3, 7]
    pred = [0, 3, 3, 5]
    top5 = [[0, 1, 2, 3, 4], [3, 0, 1, 2, 4], [3, 0, 1, 2, 4], [5, 1, 2, 3, 4]]
    prob = [[0.9, 0.05, 0.02, 0.02, 0.01], [0.6, 0.3, 0.05, 0.03, 0.02], [0.8, 0.1, 0.05, 0.03, 0.02],
            [0.7, 0.1, 0.1, 0.05, 0.05]]
    return {"classes": classes, "stems": stems, "true": true, "pred": pred, "top5": top5, "top5_prob": prob,
            "correct": [t == p for t, p in zip(true, pred)]}


def write_run(root, name, record, predictions=None):
    d = Path(root) / name
    d.mkdir(parents=True)
    (d / "record.json").write_text(json.dumps(record))
    if predictions is not None:
        (d / "predictions.json").write_text(json.dumps(predictions))
    return d


@pytest.fixture
def records(tmp_path):
    root = tmp_path / "runs"
    write_run(root, "zz-extra", make_record(seed=7, test=0.5))
    write_run(root, "torch-bn128-seed1", make_record(seed=1, test=0.93))
    write_run(root, "torch-bn128-seed0", make_record(seed=0, test=0.95), make_predictions())
    write_run(root, "keras-bn128-seed0", make_record("keras", test=0.94), make_predictions())
    write_run(root, "torch-bn128-noaux-seed0", make_record(aux=False, test=0.91))
    write_run(root, "torch-live", make_record(seed=3, status="running"))
    (root / "not-a-run").mkdir()
    return root


# --------------------------------------------------------------------------
# loading and tables
# --------------------------------------------------------------------------

def test_load_runs_order_finished_only_and_missing_root(records, tmp_path):
    runs = R.load_runs(records)
    # PyTorch before Keras, with aux heads before without, then by seed
    assert list(runs) == ["torch-bn128-seed0", "torch-bn128-seed1", "zz-extra", "torch-bn128-noaux-seed0",
                          "keras-bn128-seed0"]
    record, predictions = runs["torch-bn128-seed0"]  # unpacks as a pair
    assert record["test_accuracy"] == 0.95 and predictions["stems"][0] == "agricultural/agricultural01"
    assert runs["torch-bn128-seed1"].predictions is None
    assert "torch-live" in R.load_runs(records, finished_only=False)
    assert R.load_runs(tmp_path / "nowhere") == {}
    status = {r["run"]: r for r in R.runs_status(records)}
    assert status["torch-bn128-seed0"]["status"] == "finished (4 epochs)"
    assert status["torch-live"]["status"] == "running (4 of 4 epochs)"
    assert status["torch-live"]["engines"] == "earlier"
    assert R.runs_status(tmp_path / "nowhere") == []


def test_summary_rows_equal_the_records(records):
    runs = R.load_runs(records)
    rows = {r["run"]: r for r in R.summary_rows(runs)}
    for name, run in runs.items():
        rec, row = run.record, rows[name]
        assert row["test top-1"] == rec["test_accuracy"] and row["test top-5"] == rec["test_top5"]
        assert row["macro F1"] == rec["macro_f1"] and row["epochs"] == len(rec["epochs"])
        assert row["wall time (h)"] == pytest.approx(rec["wall_time_seconds"] / 3600)
        assert row["train img/s"] == rec["images_per_second"]["train"]
        assert row["seed"] == rec["config"]["seed"] and row["image size"] == 128
    assert rows["keras-bn128-seed0"]["framework"] == "Keras"
    assert rows["torch-bn128-noaux-seed0"]["aux heads"] == "no"


def test_seed_spread_math(records):
    spread = R.seed_spread(R.load_runs(records))
    main = next(s for s in spread if s["n"] > 1)
    accs = [0.95, 0.93, 0.5]  # seeds 0, 1 and 7 share the recipe
    assert main["n"] == 3 and main["seeds"] == "0, 1, 7"
    assert main["mean"] == pytest.approx(np.mean(accs))
    assert (main["min"], main["max"]) == (0.5, 0.95) and main["range"] == pytest.approx(0.45)
    # Keras and no-aux runs are recipes of their own
    assert sorted(s["n"] for s in spread) == [1, 1, 3]


def test_aux_comparison_pairs_same_recipe(records):
    rows = R.aux_comparison(R.load_runs(records))
    assert [r["run"] for r in rows] == ["torch-bn128-seed0", "torch-bn128-noaux-seed0"]
    assert rows[1]["test top-1"] == 0.91 and rows[0]["best val"] == 0.9


def test_slides_rows_and_explanation():
    rec = make_record(train_curve=(0.3, 0.66, 0.8, 0.9), val_curve=(0.4, 0.46, 0.72, 0.93), seconds=120.0,
                      test=0.95)
    runs = {"torch-bn128-seed0": R.Run(rec, None, "torch-bn128-seed0")}
    rows = R.slides_rows(runs)
    assert rows[0]["train"] == 0.88 and rows[0]["test"] == 0.70
    assert rows[1]["train"] == 0.6578 and rows[1]["test"] == 0.4505
    assert rows[1]["gap"] == pytest.approx(0.6578 - 0.4505)
    assert rows[2]["train"] == 0.9 and rows[2]["test"] == 0.95 and rows[2]["gap"] == pytest.approx(-0.05)
    assert R.first_epoch_reaching(rec, "train_accuracy", 0.6578) == (2, 240.0)
    assert R.first_epoch_reaching(rec, "val_accuracy", 0.99) is None
    ex = R.slides_explanation(rec)
    assert ex["scratch"]["train_epoch"] == 2 and ex["scratch"]["train_minutes"] == pytest.approx(4.0)
    assert ex["scratch"]["val_at_train_epoch"] == 0.46  # our validation accuracy when we matched their train
    assert ex["scratch"]["val_epoch"] == 2  # 0.46 >= 0.4505
    assert ex["pretrained"]["train_epoch"] == 4 and ex["pretrained"]["val_epoch"] == 3
    assert ex["our_gap"] == pytest.approx(-0.05)
    q = R.quoted_numbers(runs)
    assert q["ch7_scr_train_epoch"] == "2" and q["ch7_scr_train_minutes"] == "4 minutes"
    assert q["ch7_scr_val_epoch"] == "2" and q["ch7_base_gap"] == "-5.0"
    assert q["ch7_fig_test"] == "95.0%" and q["ch7_fig_run"] == "PyTorch, seed 0, first engines (Keras' own conventions)"
    assert q["ch7_main_gap_sentence"] == "not both frameworks have finished a seed of it"  # no Keras run


def test_quoted_numbers_are_the_records_values(records):
    runs = R.load_runs(records)
    q = R.quoted_numbers(runs)
    assert q["ch7_main_label"] == "first engines (Keras' own conventions)" and q["ch7_main_engines"] == "the earlier engines"
    assert q["ch7_main_results"] == ("PyTorch 95.0%, 93.0% and 50.0% (seeds 0, 1 and 7, mean 79.3%); "
                                     "Keras 94.0% (seed 0)")
    # seed 0, the one seed both frameworks ran
    assert q["ch7_main_gap_sentence"] == "PyTorch's mean is 1.0 points above Keras' over the seeds both ran"
    assert q["ch7_groups_sentence"].startswith("Every run in the table used the first engines, whose Keras training")
    assert q["ch7_fig_run"] == "PyTorch, seed 0, first engines (Keras' own conventions)"  # best last-epoch validation, first on a tie
    assert q["ch7_fig_wrong"] == "2" and q["ch7_fig_wall"] == "1.0 hours"
    # read from the confusion matrix: agricultural 15 of 18 (3 taken for beach), chaparral 16 of 18
    assert q["ch7_weakest"] == ("agricultural (15 of 18 right, most often taken for beach) and chaparral "
                                "(16 of 18 right, most often taken for forest)")
    assert q["ch7_weakest_kinds"] == "agricultural and chaparral are both told apart by a surface or landform"
    assert q["ch7_top_confusion"] == "agricultural taken for beach (3 of 18 images)"
    assert q["ch7_seed_sentence"].startswith("PyTorch, first engines (Keras' own conventions): 3 seeds, 50.0% to 95.0% (45.0 points")
    assert q["ch7_aux_sentence"] == ("first engines (Keras' own conventions): 91.0% without the heads against 95.0% with them "
                                     "(+4.0 points for the heads, one seed)")
    assert q["ch7_slides_scr_test"] == "45.05%" and q["ch7_published_finetuned"] == "97.1%"
    assert q["ch7_cc_early"] == "n/a"
    empty = R.quoted_numbers({})
    assert empty["ch7_fig_test"] == "n/a" and empty["ch7_scr_train_epoch"] == "n/a"
    assert set(empty) == set(q)
    assert not [v for v in q.values() if "target" in v or "goal" in v]


def test_weakest_classes_keep_ties_and_name_their_kind():
    """The storage-tank, tennis-court and medium-residential case of the real
    records: 13, 15 and 15 of 20 right; the tie at the second place is kept."""
    rec = make_record()
    cm = np.eye(21, dtype=int) * 20
    tanks, tennis, medium, buildings = (CLASSES.index(c) for c in
                                        ("storagetanks", "tenniscourt", "mediumresidential", "buildings"))
    cm[tanks, tanks], cm[tanks, buildings] = 13, 7
    cm[tennis, tennis], cm[tennis, medium] = 15, 5
    cm[medium, medium], cm[medium, buildings] = 15, 5
    rec["confusion_matrix"] = cm.tolist()
    weak = R.weakest_classes(rec)
    assert [(w["class"], w["right"], w["kind"], w["taken for"]) for w in weak] == [
        ("storagetanks", 13, "object", "buildings"), ("mediumresidential", 15, "density", "buildings"),
        ("tenniscourt", 15, "object", "mediumresidential")]
    assert R.kinds_sentence([w["class"] for w in weak]) == (
        "storage tanks and tennis court are told apart by an object, medium residential by how densely it is built")
    assert R.kinds_sentence(["storagetanks", "tenniscourt"]) == "storage tanks and tennis court are both told apart by an object"
    assert R.kinds_sentence(["storagetanks"]) == "storage tanks is told apart by an object"
    assert set(R.CLASS_KINDS) == set(CLASSES)


def test_eval_size_comes_from_the_configuration():
    old = make_record()  # made before eval_size and source_size existed
    new = make_record(source_size=256, eval_size=160)
    assert (R.train_size(old), R.source_size(old), R.eval_size(old)) == (128, 128, 128)
    assert (R.train_size(new), R.source_size(new), R.eval_size(new)) == (128, 256, 160)
    # an older record lacking a field reads as one that sets it to the training size
    assert R.recipe_key(old) == R.recipe_key(make_record(source_size=128, eval_size=128))
    assert R.recipe_key(old) != R.recipe_key(new)
    rows = {r["setting"]: r["value"] for r in R.recipe_rows(new)}
    assert rows["validation and test input"].startswith("160x160")
    assert "256x256" in rows["training input"]


#: A configuration written by the current engines: it carries their marker field.
CURRENT = {R.CURRENT_ENGINES_FIELD: None}


def _two_generations(tmp_path):
    """The earlier engines' runs (no marker field) and the current engines' runs
    of a new recipe (crops from 256 px, evaluated at 160), one of them unfinished."""
    root = tmp_path / "runs"
    old = dict(started="2026-01-01T00:00:00+0000")
    new = dict(started="2026-02-01T00:00:00+0000", source_size=256, eval_size=160, **CURRENT)
    write_run(root, "torch-bn128-seed0", make_record(seed=0, test=0.93, **old), make_predictions())
    write_run(root, "keras-bn128-seed0", make_record("keras", seed=0, test=0.87, **old))
    write_run(root, "torch-crop256-seed0", make_record(seed=0, test=0.95, val_curve=(.2, .5, .7, .90), **new))
    write_run(root, "keras-crop256-seed0", make_record("keras", seed=0, test=0.94, val_curve=(.2, .5, .7, .93),
                                                       **new), make_predictions())
    write_run(root, "torch-crop256-noaux-seed0", make_record(aux=False, test=0.96, val_curve=(.2, .5, .7, .99),
                                                             **new))
    write_run(root, "keras-crop256-seed1", make_record("keras", seed=1, status="running", **new))
    return R.load_runs(root)


def test_engine_generation_from_the_record():
    assert R.engine_generation(make_record()) == "earlier"
    assert R.engine_generation(make_record(**CURRENT)) == "current"
    # a record that says which engines trained it is believed
    assert R.engine_generation({**make_record(**CURRENT), "engines": "earlier"}) == "earlier"
    assert R.engine_generation({**make_record(), "engines": "current"}) == "current"
    committed = R.load_runs()
    for name in ("torch-bn128-seed0", "torch-bn128-seed1", "keras-bn128-seed0", "torch-bn128-noaux-seed0"):
        assert R.engine_generation(committed[name].record) == "earlier", name


def test_the_marker_field_arrived_with_the_current_engines():
    """CURRENT_ENGINES_FIELD is absent from the configuration before
    CURRENT_ENGINES_COMMIT and present at it (where the git history is here)."""
    import subprocess

    def config_at(rev):
        out = subprocess.run(["git", "show", f"{rev}:code/inception/train/config.py"], cwd=REPO,
                             capture_output=True, text=True)
        return out.stdout if out.returncode == 0 else None

    at, before = config_at(R.CURRENT_ENGINES_COMMIT), config_at(R.CURRENT_ENGINES_COMMIT + "^")
    if at is None or before is None:
        pytest.skip("no git history here")
    field = f"    {R.CURRENT_ENGINES_FIELD}:"
    assert field in at and field not in before


def test_new_runs_form_their_own_group_first(tmp_path):
    """Two finished runs of the current engines beside the committed records of
    the earlier engines: two groups, the new one first, shown with its recipe."""
    import shutil

    root = tmp_path / "runs"
    shutil.copytree(REPO / "data" / "runs", root)
    old = {n for n, r in R.load_runs(root).items() if R.engine_generation(r.record) == "earlier"}
    cfg = dict(source_size=256, eval_size=160, started="2026-12-04T00:00:00+0000", **CURRENT)
    for name in [n for n in R.load_runs(root) if n not in old]:  # only the earlier engines' records
        shutil.rmtree(root / name)
    write_run(root, "torch-new-seed0", make_record(seed=0, test=0.95, **cfg))
    write_run(root, "keras-new-seed0", make_record("keras", seed=0, test=0.96, **cfg))
    write_run(root, "keras-new-seed1", make_record("keras", seed=1, status="running", **cfg))
    runs = R.load_runs(root)
    groups = R.recipes(runs)
    assert [g.generation for g in groups] == ["current", "earlier"]
    assert [g.label for g in groups] == ["same-step engines", "first engines (Keras' own conventions)"]
    assert list(groups[0].runs) == ["torch-new-seed0", "keras-new-seed0"]  # the running one is left out
    assert set(groups[1].runs) == old
    assert groups[0].description == "from scratch, 128-px crops of 256-px images, tested at 160 px, 4 epochs"
    assert R.figure_run(runs) in groups[0].runs
    head = R.headline_rows(runs)
    assert [(r["runs"], r["framework"]) for r in head[:4]] == [
        ("same-step engines", "PyTorch"), ("", "Keras"), ("first engines (Keras' own conventions)", "PyTorch"), ("", "Keras")]
    assert head[0]["recipe"] == groups[0].description and head[1]["mean"] == "96.0%"
    q = R.quoted_numbers(runs)
    assert q["ch7_main_label"] == "same-step engines"
    assert q["ch7_groups_sentence"].startswith("The same-step engines' runs come first; the first engines' Keras training")
    assert q["ch7_earlier_gap_sentence"].startswith("PyTorch's mean is")


def test_groups_order_labels_and_tables(tmp_path):
    runs = _two_generations(tmp_path)
    groups = R.recipes(runs)
    assert [g.label for g in groups] == ["same-step engines", "first engines (Keras' own conventions)"]
    assert list(groups[1].runs) == ["torch-bn128-seed0", "keras-bn128-seed0"]
    assert set(groups[0].runs) == {"torch-crop256-seed0", "keras-crop256-seed0", "torch-crop256-noaux-seed0"}
    assert R.aux_runs(groups[0]) == ["torch-crop256-seed0", "keras-crop256-seed0"]
    # the figures show the current engines' run with aux heads and the best last validation (not test)
    assert R.figure_run(runs) == "keras-crop256-seed0"
    assert R.figure_run({}) is None
    rows = R.run_rows(runs)
    assert [(r["recipe"], r["framework"], r["aux heads"]) for r in rows] == [
        ("same-step engines", "PyTorch", "yes"), ("same-step engines", "Keras", "yes"),
        ("same-step engines", "PyTorch", "no"), ("first engines (Keras' own conventions)", "PyTorch", "yes"),
        ("first engines (Keras' own conventions)", "Keras", "yes")]
    assert [r["evaluated at"] for r in rows] == [160, 160, 160, 128, 128]
    assert [r["test top-1"] for r in rows] == [0.95, 0.94, 0.96, 0.93, 0.87]
    assert R.framework_gap(groups[1]) == pytest.approx(0.06) and R.framework_gap(groups[0]) == pytest.approx(0.01)
    assert R.results_sentence(groups[0]) == "PyTorch 95.0% (seed 0); Keras 94.0% (seed 0)"
    q = R.quoted_numbers(runs)
    assert q["ch7_main_gap_sentence"] == "PyTorch's mean is 1.0 points above Keras' over the seeds both ran"
    assert q["ch7_fig_run"] == "Keras, seed 0, same-step engines"
    # the aux pair is matched within its group, framework and seed
    aux = R.aux_comparison(runs)
    assert [r["run"] for r in aux] == ["torch-crop256-seed0", "torch-crop256-noaux-seed0"]
    assert aux[0]["recipe"] == "same-step engines"
    settings = {r["setting"]: r for r in R.recipe_settings(groups)}
    assert settings["training crops cut from (px)"] == {"setting": "training crops cut from (px)",
                                                        "same-step engines": 256, "first engines (Keras' own conventions)": 128}
    assert settings["validation and test size (px)"]["same-step engines"] == 160
    head = R.headline_rows(runs)
    assert head[0] == {"runs": "same-step engines", "recipe": groups[0].description, "framework": "PyTorch",
                       "seed 0": "95.0%", "mean": "95.0%"}  # the run without heads is not a headline
    assert [r["runs"] for r in head[-4:]] == ["the slides, from scratch", "the slides, ImageNet-pretrained",
                                             "Castelluccio et al. (2015), from scratch",
                                             "Castelluccio et al. (2015), fine-tuned"]
    assert [r["mean"] for r in head[-4:]] == ["45.05%", "70%", "about 92%", "97.1%"]
    # two recipes of one generation are told apart by their recipe, the newest first
    later = make_record(started="2026-03-01T00:00:00+0000", epochs=9, **CURRENT)
    labels = [g.label for g in R.recipes({**runs, "x": R.Run(later, None, "x")})]
    assert labels == ["same-step engines, " + R.recipe_description(later),
                      "same-step engines, " + R.recipe_description(runs["torch-crop256-seed0"].record),
                      "first engines (Keras' own conventions)"]


def test_train_config_repeats_a_record():
    rec = make_record(source_size=256, eval_size=160)
    cfg = R.train_config(rec, data_dir="D", out_dir="O")
    assert (cfg.image_size, cfg.source_size, cfg.eval_size, cfg.epochs) == (128, 256, 160, 4)
    assert (cfg.data_dir, cfg.out_dir, cfg.framework, cfg.seed) == ("D", "O", "torch", 0)


def test_image_source_tells_a_reencoded_copy_from_the_tiffs(tmp_path):
    from PIL import Image

    from inception.data.synthetic import make_synthetic_ucmerced

    tif = make_synthetic_ucmerced(tmp_path / "tif", per_class=1, size=16, ext=".tif")
    jpg = make_synthetic_ucmerced(tmp_path / "jpg", per_class=1, size=16, ext=".jpg")
    assert R.image_source(tif)["official"] is True and R.image_source(tif)["format"] == "TIFF"
    src = R.image_source(jpg)
    assert src["official"] is False and src["format"] == "JPG" and src["quality"] == 95
    assert "re-encoded as JPG at quality 95" in R.images_note(jpg)
    assert "official UC Merced TIFF files" in R.images_note(tif)
    img = Image.new("RGB", (32, 32), (120, 80, 40))
    for q in (50, 75, 90, 95):
        img.save(tmp_path / f"q{q}.jpg", quality=q)
        assert R.jpeg_quality(tmp_path / f"q{q}.jpg") == q
    img.save(tmp_path / "x.png")
    assert R.jpeg_quality(tmp_path / "x.png") is None


def test_cams_of_falls_back_to_a_run_with_maps(tmp_path):
    runs = _two_generations(tmp_path)
    assert R.cams_of(runs, "keras-crop256-seed0") == (None, None)
    cams = {"format": R.CAMS_FORMAT, "items": [], "classes": list(CLASSES), "grid": [4, 4]}
    (runs["torch-bn128-seed0"].path / "cams.json").write_text(json.dumps(cams))
    name, found = R.cams_of(runs, "keras-crop256-seed0")
    assert name == "torch-bn128-seed0" and found["grid"] == [4, 4]


# --------------------------------------------------------------------------
# the training cross-check
# --------------------------------------------------------------------------

def make_crosscheck(dtype, seed=0, steps=20, grow=10.0, start=1e-16):
    rows = [{"step": i, "lr": 0.01 * i, "torch_loss": 3.0, "keras_loss": 3.0, "input_max_abs_diff": 5e-16,
             "labels_equal": True, "cross_rel_diff": min(1.0, start * grow ** i),
             "yardstick_loss": 3.0, "yardstick_rel_diff": min(1.0, 2 * start * grow ** i)} for i in range(steps)]
    return {"format": "inception-train-crosscheck-v1", "dtype": dtype, "steps": steps, "seed": seed,
            "image_size": 128, "batch_size": 32, "source_size": 256, "rows": rows,
            "max_cross_rel_diff": max(r["cross_rel_diff"] for r in rows),
            "max_early_cross_rel_diff": max(r["cross_rel_diff"] for r in rows[:12]),
            "max_input_abs_diff": 5e-16, "labels_equal": True, "early_ok": dtype == "float64" or None,
            "within_yardstick": True, "steps_beyond_yardstick": []}


def test_crosschecks_are_read_tabled_and_drawn(tmp_path):
    d = tmp_path / "cc"
    d.mkdir()
    (d / "seed1-float32.json").write_text(json.dumps(make_crosscheck("float32", 1, start=1e-7, grow=4.0)))
    (d / "seed1-float64.json").write_text(json.dumps(make_crosscheck("float64", 1, grow=3.0)))
    (d / "seed0-float64.json").write_text(json.dumps(make_crosscheck("float64", 0, grow=3.0)))
    (d / "notes.json").write_text("{}")
    checks = R.load_crosschecks(d)
    assert list(checks) == [(0, "float64"), (1, "float64"), (1, "float32")]
    assert R.load_crosschecks(tmp_path / "none") == {}
    rows = R.crosscheck_rows(checks)
    assert rows[0]["same labels"] == "yes" and rows[0]["steps within 10x the yardstick"] == "20 of 20"
    assert rows[2]["loss difference, all steps"] == checks[(1, "float32")]["max_cross_rel_diff"]
    q = R.crosscheck_numbers(checks)
    assert q["eng_cc_f64_n"] == "2" and q["eng_cc_f64_seeds"] == "0 and 1" and q["eng_cc_f32_seeds"] == "1"
    assert q["eng_cc_f64_early"] == f"{3.0 ** 11 * 1e-16:.1e}"
    assert q["eng_cc_f32_chaos_step"] == "7"  # 2e-7 * 4^7 > 1e-3 > 2e-7 * 4^6
    assert q["eng_cc_labels_equal"] == "yes" and q["eng_cc_f64_within"] == "40 of 40 steps"
    assert set(R.crosscheck_numbers({})) == set(q)
    ax = R.plot_crosscheck(checks).axes[0]
    assert ax.get_yscale() == "log" and len(ax.lines) == 6
    assert R.plot_crosscheck({}) is None


def test_branch_flips_are_read_counted_and_drawn(tmp_path):
    # a float64 check whose difference jumps 1000x at step 5, the yardstick smooth
    check = make_crosscheck("float64", 3, steps=8, grow=2.0)
    del check["steps_beyond_yardstick"]  # judged from the rows
    for r in check["rows"]:
        r["yardstick_rel_diff"] = 1e-15 * 2.0 ** r["step"]
        r["cross_rel_diff"] = r["yardstick_rel_diff"] * (1000.0 if r["step"] >= 5 else 2.0)
        r["flips"] = {"maxpool": {"inception4e": 3} if r["step"] == 4 else {}, "relu": {"conv2": 1}}
        r["yardstick_flips"] = {"maxpool": {}, "relu": {"conv2": 1} if r["step"] == 1 else {}}
    d = tmp_path / "cc" / "flips"
    d.mkdir(parents=True)
    (d / "seed3-float64.json").write_text(json.dumps(check))
    assert R.load_branch_flips(tmp_path / "cc" / "flips") == {(3, "float64"): check}
    assert R.load_branch_flips(tmp_path / "none") == {}
    q = R.flip_numbers({}, {(3, "float64"): check})  # without the ordinary check, the counted one is judged
    assert q["eng_fl_seed"] == "3" and q["eng_fl_worst_step"] == "5" and q["eng_fl_worst_ratio"] == "1000"
    assert q["eng_fl_beyond"] == "3 of 8"  # steps 5, 6 and 7
    s = q["eng_fl_sentence"]
    # the steps counted: since the last one (step 1) on which the engines switched no more than the yardstick
    assert q["eng_fl_window"] == "steps 2 to 4"
    assert "3 max-pool outputs and 3 ReLUs" in s and "switched 0 and 0" in s and "conv2 and inception4e" in s
    assert "is more than 10x" in s and "step 5" in s and "strays furthest" in s
    # another seed's ordinary check strays further, its branches not counted: no "furthest"
    worse = copy.deepcopy(check)
    for r in worse["rows"]:
        r["cross_rel_diff"] *= 2
    q2 = R.flip_numbers({(3, "float64"): check, (7, "float64"): worse}, {(3, "float64"): check})
    assert q2["eng_fl_seed"] == "3" and "furthest" not in q2["eng_fl_sentence"]
    assert "the one whose branches were counted" in q2["eng_fl_sentence"]
    calm = make_crosscheck("float64", 3, steps=8, grow=2.0)  # within the yardstick everywhere
    del calm["steps_beyond_yardstick"]
    for r in calm["rows"]:
        r["flips"] = r["yardstick_flips"] = {"maxpool": {}, "relu": {}}
    assert "stays within 10x" in R.flip_numbers({}, {(3, "float64"): calm})["eng_fl_sentence"]
    assert set(R.flip_numbers({}, {})) == set(q)
    fig = R.plot_branch_flips(check)
    assert len(fig.axes) == 2 and fig.axes[1].get_yscale() == "log" and len(fig.axes[1].lines) == 4
    assert R.plot_branch_flips(make_crosscheck("float64")) is None


def test_command_line_repeats_the_recipe():
    from inception.train.config import config_from_args

    rec = make_record()
    full = {**R.FINETUNE_RECIPE}
    for cfg in (rec["config"], full):
        cmd = R.command_line(cfg, data_dir="D", out="O")
        args = shlex.split(cmd)[3:]
        back = config_from_args(args).to_dict()
        for k, v in cfg.items():
            if k not in ("data_dir", "out_dir", "progress"):
                assert back[k] == v, k
        assert back["data_dir"] == "D" and back["out_dir"] == "O"


def test_recipe_rows_read_the_config():
    rows = {r["setting"]: r["value"] for r in R.recipe_rows(make_record())}
    assert rows["training input"].startswith("128x128") and rows["epochs x batch"].startswith("4 x 32")
    assert "peak 0.1" in rows["learning rate"] and "one-cycle" in rows["learning rate"]
    assert "Nesterov" in rows["optimiser"] and rows["label smoothing"] == "0.1"


def test_confusions_and_gallery_selection():
    rec = make_record()
    top = R.top_confusions(rec, k=2)
    assert top == [{"true": "agricultural", "predicted": "beach", "images": 3, "of": 18},
                   {"true": "chaparral", "predicted": "forest", "images": 2, "of": 18}]
    pred = make_predictions()
    wrong = R.misclassified(pred)
    wrong_stems = {s for s, ok in zip(pred["stems"], pred["correct"]) if not ok}
    assert {w["stem"] for w in wrong} == wrong_stems and len(wrong) == len(wrong_stems)
    assert [w["probability"] for w in wrong] == [0.7, 0.6]  # most confident first
    assert wrong[1] == {"stem": "agricultural/agricultural02", "true": "agricultural", "predicted": "beach",
                        "probability": 0.6, "true rank": 2}
    assert wrong[0]["true rank"] is None  # forest not in the top 5
    assert R.per_class_recall(rec)["agricultural"] == pytest.approx(15 / 18)


def test_cam_selection_picks_right_and_wrong():
    pred = make_predictions()
    idx = R._select_cam_images(pred, n_correct=2, n_wrong=5)
    assert sorted(i for i in idx if pred["correct"][i]) == [0, 2]
    assert [i for i in idx if not pred["correct"][i]] == [3, 1]


# --------------------------------------------------------------------------
# the data set
# --------------------------------------------------------------------------

def test_documented_sizes():
    sizes = R.image_sizes()
    s = R.size_summary(sizes)
    assert s["n_images"] == 2100 and s["n_odd"] == 44 and s["counts"][(256, 256)] == 2056
    assert (s["min_side"], s["max_side"]) == (242, 257)
    assert s["max_distortion"] == pytest.approx(256 / 242 - 1)  # 242 px stretched to 256: 5.8%
    assert R.class_counts() == {c: 100 for c in CLASSES}


@pytest.mark.skipif(not REAL_IMAGES.is_dir(), reason="the real UC Merced images are not here")
def test_documented_sizes_equal_the_real_headers():
    assert R.image_sizes(REAL_IMAGES) == R.image_sizes()
    assert R.class_counts(REAL_IMAGES) == R.class_counts()


def test_missing_images_and_runs_give_notes(tmp_path):
    nowhere = tmp_path / "no-images"
    assert R.find_images(nowhere) is None
    assert R.plot_class_grid(nowhere) is None
    assert R.plot_gallery(make_predictions(), nowhere) is None
    assert R.plot_cams(None, nowhere) is None and R.plot_cams(tmp_path / "cams.json", nowhere) is None
    assert R.plot_learning_curves({}) is None
    assert R.plot_confusion({}, ["torch-bn128-seed0"]) is None
    assert R.plot_per_class({}, ["torch-bn128-seed0"]) is None
    assert R.image_sizes(nowhere) == R.image_sizes()  # falls back to the documented sizes
    assert R.show_photos(None) is None  # nothing displayed
    assert R.image_source(nowhere) is None
    assert R.images_note(nowhere).startswith("This page was built without the UC Merced photographs")


def test_figures_from_records(records):
    runs = R.load_runs(records)
    names = ["torch-bn128-seed0", "keras-bn128-seed0"]
    assert len(R.plot_learning_curves(runs).axes) == 2
    assert len(R.plot_confusion(runs, names).axes) == 2
    ax = R.plot_per_class(runs, names).axes[0]
    assert len(ax.patches) == 2 * len(CLASSES)
    assert R.plot_size_histogram(R.image_sizes()).axes[0].patches[0].get_height() == 2056


# --------------------------------------------------------------------------
# class activation maps of a real (tiny) trained model
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    torch = pytest.importorskip("torch")
    from inception.data.synthetic import make_synthetic_ucmerced
    from inception.train import TrainConfig, train

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        root = tmp_path_factory.mktemp("results_cam")
        data = make_synthetic_ucmerced(root / "data", per_class=5, size=40)
        train(TrainConfig(framework="torch", variant="bn", data_dir=str(data), cache_dir=str(root / "cache"),
                          out_dir=str(root / "run"), image_size=32, eval_size=64, batch_size=8, epochs=2, lr=0.02,
                          progress="none", seed=0))
    finally:
        torch.set_num_threads(threads)
    return root


def test_compute_cams_schema_and_logits(tiny_run):
    out = tiny_run / "records" / "cams.json"
    cams = R.compute_cams(tiny_run / "run", tiny_run / "data", out, n_correct=2, n_wrong=3)
    on_disk = json.loads(out.read_text())
    assert on_disk == json.loads(json.dumps(cams))
    assert R.read_cams(out)["format"] == R.CAMS_FORMAT
    # at the run's evaluation size (64), not its training size (32)
    assert cams["framework"] == "torch" and cams["image_size"] == 64 and cams["grid"] == [2, 2]
    assert set(cams) >= {"run", "classes", "items", "n_correct", "n_wrong"}
    preds = json.loads((tiny_run / "run" / "predictions.json").read_text())
    n_wrong = min(3, sum(not c for c in preds["correct"]))
    assert cams["n_wrong"] == n_wrong and cams["n_correct"] <= 2
    assert len(cams["items"]) == cams["n_wrong"] + cams["n_correct"]
    assert cams["model_agrees"] == len(cams["items"])
    for it in cams["items"]:
        i = preds["stems"].index(it["stem"])
        assert (it["true"], it["pred"], it["correct"]) == (preds["true"][i], preds["pred"][i], preds["correct"][i])
        assert it["model_pred"] == it["pred"]  # the reloaded model predicts what the run recorded
        assert it["maps"][0]["class"] == it["pred"]
        assert len(it["maps"]) == (1 if it["correct"] else 2)
        if not it["correct"]:
            assert it["maps"][1]["class"] == it["true"]
        for m in it["maps"]:
            grid = np.asarray(m["map"])
            assert grid.shape == tuple(cams["grid"])
            assert grid.mean() + m["bias"] == pytest.approx(m["logit"], abs=2e-4)
    # no weights and no pixels: a few kilobytes
    assert out.stat().st_size < 20_000
    assert R.plot_cams(out, tiny_run / "data") is not None
    assert R.plot_cams(out, tiny_run / "nowhere") is not None  # maps alone


def test_compute_cams_needs_a_finished_run_and_images(tiny_run, tmp_path):
    with pytest.raises(FileNotFoundError, match="predictions.json"):
        R.compute_cams(tmp_path, tiny_run / "data")
    with pytest.raises(FileNotFoundError, match="images"):
        R.compute_cams(tiny_run / "run", tmp_path / "nowhere", tmp_path / "c.json")


def test_cams_command(tiny_run, tmp_path, capsys):
    from inception.train import cams as C

    out = tmp_path / "maps" / "cams.json"
    assert C.main([str(tiny_run / "run"), "--data-dir", str(tiny_run / "data"), "--out", str(out),
                   "--correct", "1", "--wrong", "1"]) == 0
    maps = C.read_cams(out)
    assert maps is not None and maps["run"] == "run"
    assert maps["n_correct"] <= 1 and maps["n_wrong"] <= 1 and len(maps["items"]) == maps["n_correct"] + maps["n_wrong"]
    assert "agrees with the recorded prediction" in capsys.readouterr().out
    # an unfinished run and a missing image folder: a clear error and exit status 2, nothing written
    assert C.main([str(tmp_path), "--out", str(tmp_path / "x.json")]) == 2
    assert "predictions.json" in capsys.readouterr().err
    assert C.main([str(tiny_run / "run"), "--data-dir", str(tmp_path / "nowhere"), "--out", str(tmp_path / "x.json")]) == 2
    assert "images not found" in capsys.readouterr().err and not (tmp_path / "x.json").exists()


# --------------------------------------------------------------------------
# the chapter quotes the records
# --------------------------------------------------------------------------

def glued_values(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    out = {}
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            name = o.get("metadata", {}).get("scrapbook", {}).get("name")
            text = o.get("data", {}).get("application/papermill.record/text/plain")
            if name and text is not None:
                out[name] = text
    return out


@pytest.mark.parametrize("path, numbers", [
    (CHAPTER, lambda: R.quoted_numbers(R.load_runs(), R.find_images(), R.load_crosschecks())),
    (APPENDIX, lambda: R.engine_numbers(R.load_runs(), R.load_crosschecks(), R.load_branch_flips())),
], ids=["chapter 7", "appendix"])
def test_glued_numbers_come_from_the_committed_records(path, numbers):
    glued = glued_values(path)
    expected = numbers()
    missing = sorted(set(expected) - set(glued))
    assert not missing, f"{path.name} does not glue {missing}; re-execute it"
    stale = {k: (glued[k], repr(v)) for k, v in expected.items() if glued[k] != repr(v)}
    assert not stale, (f"{path.name}'s numbers differ from data/ (re-execute it: "
                       f"python -m inception.course.book execute book/{path.name}): {stale}")


def test_eval_sizes_are_the_queued_ones():
    """EVAL_SIZES (the chapter's sweep) equals EVAL_SIZES in data/runs/run_all.sh."""
    import re

    text = (REPO / "data" / "runs" / "run_all.sh").read_text()
    queued = tuple(int(v) for v in re.search(r"EVAL_SIZES=\((.*?)\)", text).group(1).split())
    assert queued == R.EVAL_SIZES


def _sweep_run(tmp_path, name, framework, val, test, train_size=128):
    d = tmp_path / name
    d.mkdir(parents=True)
    sizes = sorted(val)
    (d / "resolutions.json").write_text(json.dumps({
        "format": "inception-resolutions-v1", "run": name, "framework": framework, "train_image_size": train_size,
        "results": [{"image_size": s, "val_accuracy": val[s], "test_accuracy": test[s]} for s in sizes]}))
    record = {"framework": framework, "status": "finished", "test_accuracy": test[train_size],
              "config": {"framework": framework, "seed": len(name)}}
    return R.Run(record, None, name, d)


def test_eval_size_is_chosen_on_validation_only(tmp_path):
    """The chosen size maximises mean validation accuracy over a framework's runs;
    test accuracy never enters; ties go to the size nearest the training size."""
    a = _sweep_run(tmp_path, "a", "torch", {128: .90, 160: .92, 192: .93}, {128: .90, 160: .99, 192: .91})
    b = _sweep_run(tmp_path, "b", "torch", {128: .90, 160: .94, 192: .92}, {128: .90, 160: .99, 192: .91})
    k = _sweep_run(tmp_path, "k", "keras", {128: .80, 160: .85, 192: .85}, {128: .80, 160: .70, 192: .95})
    runs = {"a": a, "b": b, "k": k}
    assert R.chosen_eval_size(runs, "torch") == 160  # means: 0.90, 0.93, 0.925
    assert R.chosen_eval_size({"a": a}, "torch") == 192
    assert R.chosen_eval_size(runs, "keras") == 160  # tie: nearer 128
    assert R.best_val_sizes(runs, "keras") == [160, 192] and R.best_val_sizes(runs, "torch") == [160]
    # equal image counts tie even where the records' 6-decimal rounding differs
    c = _sweep_run(tmp_path, "c", "torch", {128: .933333, 160: .919048}, {128: .9, 160: .9})
    d = _sweep_run(tmp_path, "d", "torch", {128: .904762, 160: .919048}, {128: .9, 160: .9})
    assert R.best_val_sizes({"c": c, "d": d}, "torch") == [128, 160]
    assert R.chosen_eval_size({"c": c, "d": d}, "torch") == 128
    assert R.chosen_eval_size(runs, "jax") is None
    rows = {r["run"]: r for r in R.resolution_rows(runs)}
    assert rows["a"]["test there"] == .99 and rows["a"]["best size on val"] == 160
    assert rows["k"]["test there"] == .70 and rows["k"]["val there"] == .85
    assert rows["k"]["test (the run's own)"] == .80 and rows["k"]["evaluated at"] is None  # no config size
    assert R.plot_resolutions(runs) is not None and R.plot_resolutions({}) is None


@pytest.mark.parametrize("path, names", [
    (CHAPTER, lambda: set(R.quoted_numbers({}))), (APPENDIX, lambda: set(R.engine_numbers({})))],
    ids=["chapter 7", "appendix"])
def test_prose_uses_only_quoted_numbers(path, names):
    """Every {glue:text} role in the prose names a value the package computes."""
    import re

    nb = json.loads(path.read_text(encoding="utf-8"))
    prose = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    used = set(re.findall(r"\{glue:text\}`([^`]+)`", prose))
    assert used and used <= names()


def test_convention_sizes_and_the_loss_comparison(tmp_path):
    """A constant rate: both momentum conventions take equal steps; one-cycle: they
    differ, by more while the rate moves fastest; the batch-norm factor from the last
    block's grid; loss_above counts epochs above every run of the other framework."""
    cfg = {"framework": "keras", "variant": "bn", "image_size": 128, "batch_size": 32, "epochs": 4,
           "lr": 0.1, "momentum": 0.9, "nesterov": True, "schedule": "constant", "seed": 0}
    flat = R.convention_sizes({"config": cfg, "steps_per_epoch": 10})
    assert flat["steps"] == 40 and flat["sgd_low"] == pytest.approx(1) and flat["sgd_high"] == pytest.approx(1)
    assert flat["sgd_path"] == pytest.approx(0, abs=1e-12)
    assert flat["bn_grid"] == (4, 4) and flat["bn_values"] == 32 * 4 * 4  # 128 px -> 4x4 in inception5b
    assert flat["bn_std"] == pytest.approx(math.sqrt(512 / 511) - 1)
    cycle = R.convention_sizes({"config": {**cfg, "schedule": "onecycle", "image_size": 224, "batch_size": 8},
                                "steps_per_epoch": 10})
    assert cycle["sgd_low"] < 1 < cycle["sgd_high"] and cycle["sgd_path"] > 0
    assert cycle["bn_values"] == 8 * 7 * 7
    with pytest.raises(ValueError):
        R.convention_sizes({"config": cfg})

    def run(name, framework, losses, seed=0, aux=True):
        rec = {"framework": framework, "config": {"framework": framework, "seed": seed, "aux_logits": aux},
               "epochs": [{"train_main_loss": v} for v in losses]}
        return R.Run(rec, None, name, tmp_path)

    group = R.Recipe("first recipe", "k", {
        "t0": run("t0", "torch", [3, 2, 1, 1.0]), "t1": run("t1", "torch", [3, 2.5, 1, 0.5], seed=1),
        "k1": run("k1", "keras", [1, 1, 1, 1], seed=1), "k0": run("k0", "keras", [3.5, 2.4, 1.1, 0.9]),
        "noaux": run("noaux", "torch", [9, 9, 9, 9], aux=False)})
    assert R.loss_above(group) == {"run": "k0", "epochs": 4, "above": 2, "others": 2}
    assert R.loss_above(R.Recipe("x", "k", {"t0": group.runs["t0"]})) is None
    q = R.convention_numbers(group)
    assert q["eng_keras_above"] == "2" and q["eng_keras_above_others"] == "both PyTorch runs'"
    assert q["eng_conv_steps"] == "n/a"  # the hand-made records have no steps_per_epoch


def test_recipe_sentence_reads_the_configuration():
    assert R.recipe_sentence(make_record()) == (
        "the batch-norm variant from random weights, with both auxiliary heads, by SGD with Nesterov momentum "
        "0.9 under a one-cycle schedule that rises to a peak rate of 0.1 and falls to almost zero, with weight "
        "decay 0.0005 and label smoothing 0.1")
    other = R.recipe_sentence(make_record(aux=False, schedule="cosine", lr=0.05, pretrained="imagenet"))
    assert other.startswith("the batch-norm variant from ImageNet weights, without auxiliary heads")
    assert "a cosine schedule from a rate of 0.05" in other


# --------------------------------------------------------------------------
# the chapter's ready tables, the seed arithmetic, the sweep read on validation
# --------------------------------------------------------------------------


def test_distortion_is_the_stretch_of_the_short_side():
    s = R.size_summary({"a/a1": (256, 256), "b/b1": (242, 256), "c/c1": (256, 250)})
    assert s["max_distortion"] == pytest.approx(256 / 242 - 1)
    assert R.quoted_numbers({})["ch7_distortion"] == "5.8%"  # sparseresidential45, 242x256


def test_seed_table_prints_a_dash_for_one_seed(records):
    runs = R.load_runs(records)
    rows = R.seed_table(runs)
    by_runs = {r["runs"]: r for r in rows}
    assert by_runs["PyTorch"]["range"] == "45.0 points" and by_runs["PyTorch"]["n"] == "3"
    assert by_runs["Keras"]["range"] == "–" and by_runs["PyTorch, no aux"]["range"] == "–"
    spread = {s["runs"]: s for s in R.seed_spread(runs)}
    assert spread["PyTorch"]["sd"] == pytest.approx(np.std([0.95, 0.93, 0.5], ddof=1))
    assert spread["Keras"]["sd"] is None


def test_seed_arithmetic_known_answers():
    # sd 1 point, 5 seeds per arm: SE of the difference sqrt(2/5) = 0.632
    assert R.difference_se(1.0, 5) == pytest.approx(math.sqrt(0.4))
    assert R.seeds_for_se(1.0, 1.0, 2.0) == 8  # 2 * (2 * 1 / 1)^2
    assert R.seeds_for_se(1.0, 1.01, 2.0) == 9
    assert R.seeds_for_power(1.0, 1.0) == 16  # 2 * (1.96 + 0.84)^2 = 15.7
    assert R.seeds_for_power(2.0, 1.0) == 4
    assert R.seed_sd({}) is None


def test_exercise_numbers_follow_the_seed_spread(records):
    q = R.quoted_numbers(R.load_runs(records))
    sd = 100 * np.std([0.95, 0.93, 0.5], ddof=1)
    assert q["ch7_ex_sd"] == f"{sd:.1f}" and q["ch7_ex_k"] == "5"
    assert q["ch7_ex_se"] == f"{sd * math.sqrt(2 / 5):.2f}"
    assert q["ch7_ex_k_2se"] == str(math.ceil(2 * (2 * sd) ** 2))


def test_figure_choice_reports_ties():
    a = make_record(seed=0, val_curve=(0.2, 0.5, 0.75, 0.9))
    b = make_record(seed=1, val_curve=(0.2, 0.5, 0.75, 0.9))
    c = make_record(seed=2, val_curve=(0.2, 0.5, 0.75, 0.8))
    runs = {n: R.Run(r, None, n) for n, r in (("torch-s0", a), ("torch-s1", b), ("torch-s2", c))}
    choice = R.figure_choice(runs)
    assert choice["run"] == "torch-s0" and choice["tied"] == ["torch-s0", "torch-s1"]
    assert R.quoted_numbers(runs)["ch7_fig_choice"] == ("PyTorch, seed 0 and PyTorch, seed 1 tie at 90.0%; ties go to "
                                                        "PyTorch, then to the lower seed")
    alone = {"torch-s2": runs["torch-s2"], "torch-s0": runs["torch-s0"]}
    assert R.figure_choice(alone)["tied"] == ["torch-s0"]
    assert R.figure_choice({}) == {}


def test_training_images_from_the_data_folder():
    def runs(*folders):
        return {f"r{i}": R.Run(make_record(seed=i, data_dir=f), None, f"r{i}") for i, f in enumerate(folders)}

    assert R.training_images(runs("/x/ucmerced-jpeg95", "/y/ucmerced-jpeg95")) == "JPEG, quality 95"
    assert R.training_images(runs("/x/ucmerced-jpeg95", "/y/ucmerced-jpeg80")) is None
    assert R.training_images(runs("/somewhere")) is None
    assert R.training_images(R.load_runs()) == "JPEG, quality 95"  # the committed records


def test_ready_tables_are_text(records):
    runs = R.load_runs(records)
    preds = runs["torch-bn128-seed0"].predictions
    rows = R.mistakes_table(preds, k=1)
    wrong = R.misclassified(preds)[0]
    assert rows == [{"image": wrong["stem"].split("/")[-1], "true": wrong["true"], "predicted": wrong["predicted"],
                     "probability": f"{wrong['probability']:.0%}",
                     "true class's rank": str(wrong["true rank"]) if wrong["true rank"] else "not in top 5"}]
    assert R.mistakes_table(None) == []
    slides = R.slides_table(runs)
    assert slides[1] == {"result": "slides, from scratch", "train": "65.78%", "test": "45.05%", "gap": "+20.7 points"}
    assert all(isinstance(v, str) for r in R.aux_table(runs) for v in r.values())
    kinds = R.class_table()
    assert sum(len(r["classes"].split(", ")) for r in kinds) == len(CLASSES)
    assert R.recipe_table({"image_size": 224})[0] == {"setting": "image size", "value": "224"}


def test_sweep_read_on_validation_only():
    runs = R.load_runs()
    reading = {r["framework"]: r for r in R.sweep_reading(runs)}
    torch = reading["torch"]
    assert torch["chosen"] == R.chosen_eval_size(runs, "torch") and torch["train"] == 128
    assert torch["gain"] == pytest.approx(torch["means"][torch["chosen"]] - torch["means"][128])
    assert torch["worst"] == min(torch["means"], key=torch["means"].get)
    fig = R.plot_resolutions(runs)
    labels = [l.get_label() for l in fig.axes[0].get_lines()]
    assert labels and not [l for l in labels if l.endswith(": test")]  # validation only


def test_network_macs_plain_and_separable():
    from inception.course import conclusion

    m = conclusion.network_macs()
    assert m["conv1_plain"] == 7 * 7 * 3 * 64 * 112 * 112
    assert m["conv1_separable"] == (7 * 7 * 24 + 24 * 64) * 112 * 112  # multiplier 8
    assert m["plain"] - m["separable"] == m["conv1_plain"] - m["conv1_separable"]
    assert round(m["separable"] / 1e9, 1) == 1.5  # the paper's announced budget


def test_engine_numbers_nudged_runs_and_ties():
    q = R.engine_numbers(R.load_runs(), R.load_crosschecks(), R.load_branch_flips())
    counts = {c.get("yardsticks", 1) for c in R.load_crosschecks().values()}
    if counts:
        assert q["eng_cc_nudged"] in ("one to three runs", "three runs", "one run") and (
            (min(counts), max(counts)) != (1, 3) or q["eng_cc_nudged"] == "one to three runs")
    assert "by step" in q["eng_cc_f32_sentence"] or q["eng_cc_f32_sentence"].startswith("No float32")
    assert q["eng_current_sentence"].startswith("No full training run") or "same-step" in q["eng_current_sentence"]
