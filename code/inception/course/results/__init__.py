"""Results on UC Merced, read from the committed run records (chapter 7 and
the appendix "Do the two engines train alike?").

Seven modules, one job each: :mod:`~inception.course.results.records` (run records
on disk, recipes, the data set, CAMs, the cross-check's results),
:mod:`~inception.course.results.tables` (with :mod:`~inception.course.results.headline`
and :mod:`~inception.course.results.mistakes`), :mod:`~inception.course.results.figures` and
:mod:`~inception.course.results.quoted` (the numbers the prose quotes) and
:mod:`~inception.course.results.engines` (the appendix on the two engines); every name is
re-exported here.

The training runs (``python -m inception.train``, queued by
``data/runs/run_all.sh``) leave a small record per run under
``data/runs/<name>/``: ``record.json`` (configuration, learning curve, test
metrics, timings), ``predictions.json`` (every test image's top-5) and, once
computed with :func:`compute_cams`, ``cams.json`` (class activation maps of a
few test images). No weights and no images are committed. Everything here
reads those files, so the chapter renders anywhere; a run appears once its
record says it finished, and the images' absence is one note.

* Loading: :func:`load_runs`; grouping: :func:`recipes` (by engine generation,
  :func:`engine_generation` against :data:`CURRENT_ENGINES_COMMIT`, and by
  recipe, :func:`recipe_key`; the current engines first), :func:`recipe_description`,
  :func:`figure_run` (the run the figures show: validation chooses);
  sizes: :func:`train_size`, :func:`source_size`, :func:`eval_size` (the
  size of a run's one test evaluation, fixed in its configuration).
* Tables: :func:`headline_rows` (per group, framework and seed, the mean, the
  slides and the literature), :func:`run_rows`, :func:`recipe_settings`,
  :func:`recipe_sentence`, :func:`train_config` (a record's configuration,
  to train it again), :func:`summary_rows`, :func:`recipe_rows`,
  :func:`command_line`, :func:`slides_rows` (against :data:`SLIDES`),
  :func:`seed_spread`, :func:`aux_comparison`, :func:`top_confusions`,
  :func:`misclassified`, :func:`weakest_classes` and :func:`kinds_sentence`
  (from the confusion matrix), :func:`resolution_rows` (the test-size sweep,
  an analysis).
* The appendix on the two engines (:mod:`~inception.course.results.engines`): the
  training cross-check, :func:`load_crosschecks`,
  :func:`crosscheck_rows`, :func:`plot_crosscheck`; where it jumps:
  :func:`load_branch_flips`, :func:`plot_branch_flips`, :func:`flip_numbers`.
* How large the earlier engines' convention differences were:
  :func:`convention_sizes`, :func:`loss_above`, :func:`plot_momentum_steps`.
* Why the slides' run fell short, from our learning curve:
  :func:`first_epoch_reaching`, :func:`slides_explanation`.
* Figures (matplotlib, not displayed; show them with
  :func:`inception.course.book.show`): :func:`plot_learning_curves`,
  :func:`plot_confusion`, :func:`plot_per_class`, :func:`plot_gallery`,
  :func:`plot_class_grid`, :func:`plot_size_histogram`, :func:`plot_cams`,
  :func:`show_cams` (over the photographs where they are here, alone where not).
* The data set: :func:`image_sizes` (headers, or :data:`ODD_SIZES` when the
  images are absent), :func:`size_summary`, :func:`class_counts`.
* Class activation maps: :func:`compute_cams` (from :mod:`inception.train.cams`; needs the run's checkpoint),
  :func:`read_cams`.
* Every number the chapter quotes: :func:`quoted_numbers`; the appendix:
  :func:`engine_numbers` (tests compare them with the glued values).

A figure function returns ``None`` when what it needs is missing (and
:func:`show_photos` of ``None`` displays nothing); :func:`images_note` says,
in one sentence for the reader, where the photographs come from (the
official TIFFs or a re-encoded copy, :func:`image_source`) or that they are
absent.
"""


from .figures import *  # noqa: F401,F403
from .records import *  # noqa: F401,F403
from .tables import *  # noqa: F401,F403
from .headline import *  # noqa: F401,F403
from .mistakes import *  # noqa: F401,F403
from .quoted import *  # noqa: F401,F403
from .engines import *  # noqa: F401,F403
from inception.train.cams import select_cam_images as _select_cam_images  # noqa: F401 (tests)

__all__ = [
    "Run",
    "SLIDES",
    "PUBLISHED",
    "ODD_SIZES",
    "FINETUNE_RECIPE",
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
    "Recipe",
    "train_size",
    "source_size",
    "eval_size",
    "recipe_key",
    "recipes",
    "recipe_label",
    "figure_run",
    "figure_choice",
    "training_images",
    "GENERATION_LABELS",
    "seed_table",
    "aux_table",
    "slides_table",
    "mistakes_table",
    "class_table",
    "recipe_table",
    "seed_sd",
    "difference_se",
    "seeds_for_se",
    "seeds_for_power",
    "sweep_reading",
    "show_classes",
    "default_crosscheck_dir",
    "load_crosschecks",
    "load_branch_flips",
    "run_rows",
    "RUN_FORMATS",
    "SPREAD_FORMATS",
    "AUX_FORMATS",
    "RESOLUTION_FORMATS",
    "CROSSCHECK_FORMATS",
    "convention_sizes",
    "loss_above",
    "framework_results",
    "framework_gap",
    "results_sentence",
    "crosscheck_rows",
    "crosscheck_numbers",
    "plot_crosscheck",
    "plot_branch_flips",
    "flip_numbers",
    "SUMMARY_FORMATS",
    "cams_of",
    "read_resolutions",
    "chosen_eval_size",
    "best_val_sizes",
    "resolution_rows",
    "plot_resolutions",
    "CURRENT_ENGINES_COMMIT",
    "CURRENT_ENGINES_FIELD",
    "GENERATIONS",
    "engine_generation",
    "recipe_description",
    "headline_rows",
    "train_config",
    "recipe_settings",
    "CLASS_KINDS",
    "weakest_classes",
    "image_source",
    "images_note",
    "jpeg_quality",
    "engine_numbers",
    "show_cams",
    "aux_runs",
    "plot_momentum_steps",
    "recipe_sentence",
    "kinds_sentence",
    "CLASS_WORDS",
]


