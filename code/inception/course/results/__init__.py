"""Results on UC Merced, read from the committed run records (chapter 7).

Four modules, one job each: :mod:`~inception.course.results.records` (run records
on disk, recipes, the data set, CAMs, the cross-check's results),
:mod:`~inception.course.results.tables`, :mod:`~inception.course.results.figures` and
:mod:`~inception.course.results.quoted` (the numbers the prose quotes); every name is
re-exported here.

The training runs (``python -m inception.train``, queued by
``data/runs/run_all.sh``) leave a small record per run under
``data/runs/<name>/``: ``record.json`` (configuration, learning curve, test
metrics, timings), ``predictions.json`` (every test image's top-5) and, once
computed with :func:`compute_cams`, ``cams.json`` (class activation maps of a
few test images). No weights and no images are committed. Everything here
reads those files, so the chapter renders anywhere, and degrades to a note
where a run has not finished or the images are not on the machine.

* Loading: :func:`load_runs`, :data:`EXPECTED_RUNS` (the queued recipe),
  :data:`FIRST_RECIPE_RUNS`, :func:`runs_status`; recipes: :func:`recipes`
  (runs grouped by configuration, oldest first), :func:`queued_recipe`,
  :func:`figure_run` (the run the figures show: validation chooses);
  sizes: :func:`train_size`, :func:`source_size`, :func:`eval_size` (the
  size of a run's one test evaluation, fixed in its configuration).
* Tables: :func:`run_rows` (per recipe, framework and seed),
  :func:`summary_rows`, :func:`recipe_rows`, :func:`recipe_comparison`,
  :func:`command_line`, :func:`slides_rows` (against :data:`SLIDES`),
  :func:`seed_spread`, :func:`aux_comparison`, :func:`top_confusions`,
  :func:`misclassified`, :func:`resolution_rows` (the test-size sweep, an
  analysis).
* The training cross-check of the two engines: :func:`load_crosschecks`,
  :func:`crosscheck_rows`, :func:`plot_crosscheck`; where it jumps:
  :func:`load_branch_flips`, :func:`plot_branch_flips`, :func:`flip_numbers`.
* How large the first recipe's convention differences were:
  :func:`convention_sizes`, :func:`loss_above`.
* Why the slides' run fell short, from our learning curve:
  :func:`first_epoch_reaching`, :func:`slides_explanation`.
* Figures (matplotlib, not displayed; show them with
  :func:`inception.course.book.show`): :func:`plot_learning_curves`,
  :func:`plot_confusion`, :func:`plot_per_class`, :func:`plot_gallery`,
  :func:`plot_class_grid`, :func:`plot_size_histogram`, :func:`plot_cams`.
* The data set: :func:`image_sizes` (headers, or :data:`ODD_SIZES` when the
  images are absent), :func:`size_summary`, :func:`class_counts`.
* Class activation maps: :func:`compute_cams` (from :mod:`inception.train.cams`; needs the run's checkpoint),
  :func:`read_cams`.
* Every number the chapter quotes: :func:`quoted_numbers` (tests compare it
  with the chapter's glued values).

A figure function returns ``None`` when what it needs is missing;
:func:`missing_note` says why, in a sentence for the reader.
"""


from .figures import *  # noqa: F401,F403
from .records import *  # noqa: F401,F403
from .tables import *  # noqa: F401,F403
from .quoted import *  # noqa: F401,F403
from inception.train.cams import select_cam_images as _select_cam_images  # noqa: F401 (tests)

__all__ = [
    "RunSpec",
    "Run",
    "EXPECTED_RUNS",
    "SLIDES",
    "PUBLISHED",
    "ODD_SIZES",
    "FINETUNE_RECIPE",
    "SCRATCH_RECIPE",
    "gpu_plan",
    "default_runs_dir",
    "find_images",
    "load_runs",
    "runs_status",
    "run_label",
    "final_train_accuracy",
    "summary_rows",
    "recipe_rows",
    "command_line",
    "slides_rows",
    "first_epoch_reaching",
    "slides_explanation",
    "seed_spread",
    "aux_comparison",
    "per_class_recall",
    "top_confusions",
    "misclassified",
    "image_sizes",
    "size_summary",
    "class_counts",
    "compute_cams",
    "read_cams",
    "quoted_numbers",
    "missing_note",
    "pct",
    "show_photos",
    "plot_learning_curves",
    "plot_confusion",
    "plot_per_class",
    "plot_gallery",
    "plot_class_grid",
    "plot_size_histogram",
    "plot_cams",
    "EVAL_SIZES",
    "FIRST_RECIPE_RUNS",
    "Recipe",
    "train_size",
    "source_size",
    "eval_size",
    "recipe_key",
    "recipes",
    "recipe_label",
    "figure_run",
    "default_crosscheck_dir",
    "load_crosschecks",
    "load_branch_flips",
    "run_rows",
    "RUN_FORMATS",
    "SPREAD_FORMATS",
    "AUX_FORMATS",
    "RESOLUTION_FORMATS",
    "CROSSCHECK_FORMATS",
    "queued_recipe",
    "convention_sizes",
    "loss_above",
    "queued_recipe_key",
    "framework_results",
    "framework_gap",
    "results_sentence",
    "recipe_comparison",
    "crosscheck_rows",
    "crosscheck_numbers",
    "plot_crosscheck",
    "plot_branch_flips",
    "flip_numbers",
    "SUMMARY_FORMATS",
    "NO_IMAGES",
    "MAIN_RUN",
    "KERAS_RUN",
    "NOAUX_RUN",
    "cams_of",
    "read_resolutions",
    "chosen_eval_size",
    "best_val_sizes",
    "resolution_rows",
    "plot_resolutions",
]


