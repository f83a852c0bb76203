"""The appendix on the two engines ("Do the two engines train alike?"): the
cross-check's table (:func:`crosscheck_rows`), how large the earlier engines'
convention differences were (:func:`convention_sizes`, :func:`loss_above`,
:func:`plot_momentum_steps`). The cross-check figures are
:func:`~inception.course.results.figures.plot_crosscheck` and
:func:`~inception.course.results.figures.plot_branch_flips`."""

from __future__ import annotations

import math
from typing import Any, Dict, List, Mapping, Optional, Tuple

import numpy as np

from inception.data._base import CLASSES
from ..diagrams import new_figure
from .records import Recipe, _cfg
from .headline import _train_config

# --------------------------------------------------------------------------
# The training cross-check
# --------------------------------------------------------------------------


def crosscheck_rows(checks: Mapping[Tuple[int, str], Mapping[str, Any]]) -> List[Dict[str, Any]]:
    """One row per cross-check (seed, precision): steps, the largest difference
    between the two pipelines' images, whether every batch had the same labels,
    the largest relative difference of the main loss over the first steps and
    over all steps, the yardstick's largest (the same engine against itself,
    one ulp apart; the largest over ``nudged runs`` such runs) and how
    many steps stayed within the allowed multiple of it."""
    from inception.train.crosscheck import CROSS_TOLERANCE

    rows = []
    for (seed, dtype), c in checks.items():
        ys = [r.get("yardstick_rel_diff") for r in c["rows"] if r.get("yardstick_rel_diff") is not None]
        bad = c.get("steps_beyond_yardstick")
        rows.append({
            "seed": seed, "precision": dtype, "steps": c["steps"],
            "largest image difference": c.get("max_input_abs_diff"),
            "same labels": "yes" if c.get("labels_equal") else "no",
            "loss difference, early steps": c.get("max_early_cross_rel_diff"),
            "loss difference, all steps": c.get("max_cross_rel_diff"),
            "yardstick, all steps": max(ys) if ys else None,
            "nudged runs": c.get("yardsticks", 1) if ys else 0,
            f"steps within {CROSS_TOLERANCE:g}x the yardstick": (
                f"{c['steps'] - len(bad)} of {c['steps']}" if bad is not None else "n/a"),
        })
    return rows


def _sci(v: Optional[float]) -> str:
    return "n/a" if v is None else f"{v:.1e}"


CROSSCHECK_FORMATS = {"largest image difference": _sci, "loss difference, early steps": _sci,
                      "loss difference, all steps": _sci, "yardstick, all steps": _sci}


#: The SGD comparison of :func:`convention_sizes` counts the steps whose rate is
#: at least this fraction of the peak (below it, steps are too small to matter).
LIVE_RATE = 0.01


def convention_sizes(record: Mapping[str, Any]) -> Dict[str, Any]:
    """How large two of the first recipe's convention differences were, from a
    run's configuration (chapter 7, "PyTorch against Keras").

    * SGD: the step sizes of PyTorch's and Keras' momentum under the run's own
      schedule, for a gradient that never changes
      (:func:`inception.train.schedules.momentum_step_sizes`): ``sgd_low`` and
      ``sgd_high``, the smallest and largest ratio Keras / PyTorch while the
      rate is at least :data:`LIVE_RATE` of its peak; ``sgd_path``, the summed difference of
      the steps as a fraction of PyTorch's summed steps; ``sgd_total``, the
      ratio of the summed steps.
    * Batch norm: ``bn_grid``, the last block's (smallest) grid, ``bn_values``, the values per channel that a batch's
      statistics average over in the last block (batch x the smallest grid), and
      ``bn_std``, how much larger PyTorch's unbiased running variance makes the
      test-time standard deviation there, ``sqrt(m / (m - 1)) - 1`` (smaller grids
      are where it is largest).
    """
    from inception.counting import count_blocks
    from inception.spec import googlenet_spec
    from inception.train.schedules import lr_curve, momentum_step_sizes

    cfg = _train_config(_cfg(record))
    steps = int(record.get("steps_per_epoch") or 0)
    if steps < 1:
        raise ValueError("the record has no steps_per_epoch")
    rates = np.array(lr_curve(steps, cfg))
    t, k = (np.array(v) for v in momentum_step_sizes(rates, cfg.momentum, cfg.nesterov))
    live = rates >= LIVE_RATE * rates.max()
    ratio = k[live] / t[live]
    spec = googlenet_spec(cfg.variant, num_classes=len(CLASSES), aux_logits=cfg.aux_logits)
    grid = min((b.output_shape[1:] for b in count_blocks(spec, cfg.image_size) if len(b.output_shape) == 3),
               key=lambda hw: hw[0] * hw[1])
    m = cfg.batch_size * grid[0] * grid[1]
    return {"steps": int(len(rates)), "momentum": cfg.momentum,
            "sgd_low": float(ratio.min()), "sgd_high": float(ratio.max()),
            "sgd_path": float(np.abs(k - t).sum() / t.sum()), "sgd_total": float(k.sum() / t.sum()),
            "bn_grid": tuple(int(v) for v in grid), "bn_values": int(m),
            "bn_std": float(math.sqrt(m / (m - 1)) - 1)}


def loss_above(group: Recipe, framework: str = "keras", metric: str = "train_main_loss") -> Optional[Dict[str, Any]]:
    """At how many epochs a recipe's ``framework`` run (with auxiliary heads,
    the lowest seed) had a ``metric`` above every run of the other framework
    (with heads): ``{"run", "epochs", "above", "others"}``; ``None`` without
    runs of both."""
    mine = sorted((n for n, r in group.runs.items() if r.record.get("framework") == framework
                   and _cfg(r.record).get("aux_logits", True)), key=lambda n: _cfg(group.runs[n].record).get("seed", 0))
    others = [r.record for n, r in group.runs.items() if r.record.get("framework") != framework
              and _cfg(r.record).get("aux_logits", True)]
    if not mine or not others:
        return None
    curve = [e[metric] for e in group.runs[mine[0]].record["epochs"]]
    n = min([len(curve)] + [len(o["epochs"]) for o in others])
    above = sum(curve[i] > max(o["epochs"][i][metric] for o in others) for i in range(n))
    return {"run": mine[0], "epochs": n, "above": int(above), "others": len(others)}




def plot_momentum_steps(record: Mapping[str, Any]):
    """Above, a run's learning rate at every step of its schedule; below, the
    ratio of Keras' to PyTorch's momentum step for a gradient that never
    changes (:func:`inception.train.schedules.momentum_step_sizes`), where the
    rate is at least :data:`~inception.course.results.engines.LIVE_RATE` of its peak.
    ``None`` for a record without ``steps_per_epoch``."""
    from inception.train.schedules import lr_curve, momentum_step_sizes

    steps = int(record.get("steps_per_epoch") or 0)
    if steps < 1:
        return None
    cfg = _train_config(_cfg(record))
    rates = np.array(lr_curve(steps, cfg))
    t, k = (np.array(v) for v in momentum_step_sizes(rates, cfg.momentum, cfg.nesterov))
    live = rates >= LIVE_RATE * rates.max()
    x = np.arange(len(rates)) / steps
    fig = new_figure((10, 4.8))
    top, bottom = fig.subplots(2, 1, sharex=True)
    top.plot(x, rates, color="#1f77b4")
    top.set_ylabel("learning rate")
    top.grid(alpha=0.3)
    bottom.plot(x[live], (k / t)[live], color="#d62728")
    bottom.axhline(1.0, color="grey", lw=0.8, ls=":")
    bottom.set_ylabel("Keras step /\nPyTorch step")
    bottom.set_xlabel("epoch")
    bottom.grid(alpha=0.3)
    fig.tight_layout()
    return fig
