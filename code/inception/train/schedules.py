"""Learning-rate schedules as pure functions of the step (framework-free).

Both engines call :func:`lr_at` before every optimiser step and set the
optimiser's learning rate to the result, so PyTorch and Keras follow the same
curve, and a resumed run needs nothing but the step number to continue it.

Schedules (``total`` = epochs x steps per epoch, ``w`` = warm-up steps):

* ``cosine``: linear warm-up from ``lr / w`` to ``lr`` over ``w`` steps, then
  half a cosine from ``lr`` down to ``lr * min_lr_ratio`` at the last step.
* ``step``: warm-up, then ``lr * step_gamma ** floor(epoch / step_every)``
  with a fractional epoch (Inception v3: x0.94 every 2 epochs).
* ``onecycle``: PyTorch's ``OneCycleLR`` (cosine annealing, default factors):
  from ``lr / 25`` up to ``lr`` over ``onecycle_pct_start`` of the steps, then
  down to ``lr / 25 / 1e4``. The learning rate only; momentum is not cycled.
* ``constant``: warm-up, then ``lr``.
"""

from __future__ import annotations

import math

__all__ = ["lr_at", "lr_curve", "momentum_step_sizes"]

ONECYCLE_DIV = 25.0
ONECYCLE_FINAL_DIV = 1e4


def _cos(start: float, end: float, pct: float) -> float:
    return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1.0)


def lr_at(step: int, steps_per_epoch: int, config) -> float:
    """Learning rate for optimiser step ``step`` (0-based) of a run.

    Args:
        step: global step, ``epoch * steps_per_epoch + i``.
        steps_per_epoch: optimiser steps per epoch.
        config: a validated :class:`~inception.train.TrainConfig` (reads
            ``lr``, ``epochs``, ``schedule`` and the schedule's parameters).
    """
    total = max(1, config.epochs * steps_per_epoch)
    base = float(config.lr)
    if config.schedule == "onecycle":
        initial = base / ONECYCLE_DIV
        final = initial / ONECYCLE_FINAL_DIV
        up = float(config.onecycle_pct_start * total) - 1.0
        end = float(total - 1)
        if up <= 0:
            return _cos(base, final, step / end) if end > 0 else base
        if step <= up:
            return _cos(initial, base, step / up)
        return _cos(base, final, min(1.0, (step - up) / max(end - up, 1e-12)))

    warmup = int(round(config.warmup_epochs * steps_per_epoch))
    if step < warmup:
        return base * (step + 1) / warmup
    if config.schedule == "constant":
        return base
    if config.schedule == "step":
        epoch = step / steps_per_epoch
        return base * config.step_gamma ** math.floor(epoch / config.step_every + 1e-9)
    if config.schedule == "cosine":
        span = max(1, total - warmup - 1)
        pct = min(1.0, (step - warmup) / span)
        return _cos(base, base * config.min_lr_ratio, pct)
    raise ValueError(f"unknown schedule {config.schedule!r}")


def lr_curve(steps_per_epoch: int, config) -> list:
    """The whole schedule, one value per step (for plots)."""
    return [lr_at(s, steps_per_epoch, config) for s in range(config.epochs * steps_per_epoch)]


def momentum_step_sizes(rates, momentum: float = 0.9, nesterov: bool = True):
    """Step sizes of PyTorch's and Keras' SGD under the rates ``rates``, for a
    gradient of 1 that never changes: ``(torch, keras)``, one value per step.

    PyTorch keeps the rate outside the buffer (``b <- mu b + g``, step
    ``lr_t (g + mu b)`` with Nesterov, ``lr_t b`` without); Keras folds each
    step's rate into it (``m <- mu m - lr_t g``, step ``lr_t g - mu m``, or
    ``-m``). Under a constant rate the two are equal; under a moving one the
    Keras buffer remembers past rates, so its steps are larger while the rate
    falls and smaller while it rises. With a changing gradient the same
    re-weighting applies to each past gradient.
    """
    mu = float(momentum)
    b = m = 0.0
    torch_steps, keras_steps = [], []
    for lr in rates:
        b = mu * b + 1.0
        m = mu * m + lr  # the size of Keras' (negative) buffer
        torch_steps.append(lr * (1.0 + mu * b) if nesterov else lr * b)
        keras_steps.append(lr + mu * m if nesterov else m)
    return torch_steps, keras_steps
