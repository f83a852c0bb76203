"""The training configuration: one dataclass, one command line, one validator.

:class:`TrainConfig` holds every choice a run makes. The command line
(:func:`build_parser`) has one option per field, generated from the same table
(:data:`OPTIONS`), so the two cannot drift apart. :meth:`TrainConfig.validated`
checks everything and fills the defaults that depend on other fields (the
learning rate and weight decay of each optimiser); a bad value raises
:class:`ConfigError`, whose message is meant to be printed as is.

Fields fall in two groups. *Recipe* fields decide what is computed (variant,
sizes, optimiser, schedule, seed, ...): a resumed run must have the same ones
as the checkpoint it continues. *Session* fields only decide where and how a
run executes (data and output folders, workers, compilation, progress
display, stopping early): they may change between sessions of one run.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Dict, List, Optional

from ..spec.registry import NETWORKS

__all__ = [
    "ConfigError",
    "TrainConfig",
    "FRAMEWORKS",
    "MODELS",
    "VARIANTS",
    "OPTIMIZERS",
    "SCHEDULES",
    "PRECISIONS",
    "SESSION_FIELDS",
    "build_parser",
    "config_from_args",
    "recipe_mismatches",
    "min_image_size",
    "CHECKPOINT_DIR_ENV",
    "runs_home",
]

FRAMEWORKS = ("torch", "keras")
#: The networks training can build: every registered one (:data:`inception.spec.registry.NETWORKS`).
MODELS = tuple(NETWORKS)
VARIANTS = ("paper", "bn")
OPTIMIZERS = ("sgd", "rmsprop", "adamw")
SCHEDULES = ("cosine", "step", "onecycle", "constant")
PRECISIONS = ("auto", "fp32", "fp16", "bf16", "fp64")
PROGRESS = ("auto", "bar", "lines", "none")
DISTRIBUTE = ("auto", "none", "mirrored")

#: Per-optimiser defaults for ``lr`` and ``weight_decay`` (filled in when left ``None``).
#: RMSprop's are Inception v3's (Szegedy et al. 2016: lr 0.045, decay 4e-5).
OPTIMIZER_DEFAULTS = {
    "sgd": {"lr": 0.05, "weight_decay": 5e-4},
    "rmsprop": {"lr": 0.045, "weight_decay": 4e-5},
    "adamw": {"lr": 1e-3, "weight_decay": 0.05},
}

#: Fields that may differ between the sessions of one run (everything else is the recipe).
SESSION_FIELDS = frozenset({
    "data_dir", "out_dir", "runs_dir", "cache_dir", "resume", "overwrite", "num_workers", "compile",
    "jit_compile", "device", "precision", "progress", "stop_after_epoch", "time_limit_minutes",
    "deterministic", "eval_batch_size", "eval_every", "notes", "distribute", "sync_bn", "eval_precision",
})


class ConfigError(ValueError):
    """A configuration the user must fix; the message says what and how."""


#: The environment variable that moves the runs folder (see :func:`runs_home`).
CHECKPOINT_DIR_ENV = "INCEPTION_CHECKPOINT_DIR"


def runs_home(runs_dir: Optional[str] = None) -> Path:
    """The folder that holds one sub-folder per run (checkpoint, record, predictions).

    ``runs_dir`` if given, else ``$INCEPTION_CHECKPOINT_DIR``, else
    ``$XDG_CACHE_HOME/inception/runs`` (``~/.cache/inception/runs``). It lies
    outside the repository on purpose: every checkout of the project finds the
    same checkpoints, and a fresh checkout resumes the runs an earlier one
    started.
    """
    if runs_dir:
        return Path(runs_dir).expanduser()
    env = os.environ.get(CHECKPOINT_DIR_ENV)
    if env:
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path("~/.cache").expanduser())
    return Path(cache).expanduser() / "inception" / "runs"


@dataclass
class TrainConfig:
    """Everything a training run needs. See ``python -m inception.train --help``.

    Defaults are a reasonable from-scratch recipe for UC Merced on a CPU: the
    batch-norm variant at 128x128, SGD with Nesterov momentum, warm-up +
    cosine, label smoothing 0.1, the paper's auxiliary weight 0.3.
    """

    # what to train
    framework: str = "torch"
    model: str = "googlenet"
    variant: str = "bn"
    pretrained: Optional[str] = None
    aux_logits: bool = True
    aux_weight: float = 0.3
    dropout: Optional[float] = None
    aux_dropout: Optional[float] = None
    # data
    data_dir: Optional[str] = None
    split: Optional[str] = None
    cache_dir: Optional[str] = None
    image_size: int = 128
    source_size: Optional[int] = None
    eval_size: Optional[int] = None
    batch_size: int = 32
    eval_batch_size: Optional[int] = None
    augment: bool = True
    num_workers: int = 0
    # optimisation
    epochs: int = 30
    optimizer: str = "sgd"
    lr: Optional[float] = None
    momentum: float = 0.9
    nesterov: bool = True
    rmsprop_rho: float = 0.9
    rmsprop_eps: float = 1.0
    weight_decay: Optional[float] = None
    schedule: str = "cosine"
    warmup_epochs: float = 0.0
    min_lr_ratio: float = 0.0
    step_every: float = 2.0
    step_gamma: float = 0.94
    onecycle_pct_start: float = 0.3
    label_smoothing: float = 0.1
    seed: int = 0
    max_steps_per_epoch: Optional[int] = None
    # execution
    out_dir: Optional[str] = None
    runs_dir: Optional[str] = None
    resume: bool = False
    overwrite: bool = False
    device: str = "auto"
    precision: str = "auto"
    eval_precision: Optional[str] = None
    channels_last: bool = True
    compile: bool = False
    jit_compile: bool = False
    sync_bn: bool = True
    distribute: str = "auto"
    deterministic: bool = False
    eval_every: int = 1
    stop_after_epoch: Optional[int] = None
    time_limit_minutes: Optional[float] = None
    progress: str = "auto"
    notes: str = ""

    # ------------------------------------------------------------------
    def to_dict(self) -> Dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "TrainConfig":
        """Rebuild from :meth:`to_dict` output (unknown keys are an error)."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            raise ConfigError(f"unknown configuration keys: {', '.join(unknown)}")
        return cls(**d)

    def replace(self, **changes) -> "TrainConfig":
        return dataclasses.replace(self, **changes)

    def recipe(self) -> Dict[str, Any]:
        """The fields that define the computation (must match on resume)."""
        return {k: v for k, v in self.to_dict().items() if k not in SESSION_FIELDS}

    @property
    def crop_source_size(self) -> int:
        """Side of the cached images that training crops are cut from."""
        return self.source_size or self.image_size

    @property
    def test_size(self) -> int:
        """Input side of validation and test (fixed before training)."""
        return self.eval_size or self.image_size

    @property
    def run_name(self) -> str:
        net = self.variant if self.model == "googlenet" else self.model
        return f"{self.framework}_{net}_{self.image_size}px_seed{self.seed}"

    # ------------------------------------------------------------------
    def validated(self) -> "TrainConfig":
        """A checked copy with the dependent defaults filled in.

        Raises:
            ConfigError: naming the field, the bad value and what is allowed.
        """
        c = dataclasses.replace(self)
        _choice("framework", c.framework, FRAMEWORKS)
        _choice("model", c.model, MODELS)
        _choice("variant", c.variant, VARIANTS)
        _choice("optimizer", c.optimizer, OPTIMIZERS)
        _choice("schedule", c.schedule, SCHEDULES)
        _choice("precision", c.precision, PRECISIONS)
        if c.eval_precision is not None:
            _choice("eval_precision", c.eval_precision, PRECISIONS)
        _choice("progress", c.progress, PROGRESS)
        _choice("distribute", c.distribute, DISTRIBUTE)
        for name in ("image_size", "batch_size", "epochs", "eval_every"):
            _positive_int(name, getattr(c, name))
        for name in ("eval_batch_size", "max_steps_per_epoch", "stop_after_epoch", "source_size", "eval_size"):
            if getattr(c, name) is not None:
                _positive_int(name, getattr(c, name))
        _int("seed", c.seed)
        _int("num_workers", c.num_workers)
        if c.num_workers < 0:
            raise ConfigError(f"num_workers must be 0 or more, got {c.num_workers}")
        if c.seed < 0:
            raise ConfigError(f"seed must be 0 or more, got {c.seed}")
        defaults = OPTIMIZER_DEFAULTS[c.optimizer]
        if c.lr is None:
            c.lr = defaults["lr"]
        if c.weight_decay is None:
            c.weight_decay = defaults["weight_decay"]
        _number("lr", c.lr, low=0, low_open=True)
        _number("weight_decay", c.weight_decay, low=0)
        _number("momentum", c.momentum, low=0, high=1, high_open=True)
        _number("rmsprop_rho", c.rmsprop_rho, low=0, high=1, high_open=True)
        _number("rmsprop_eps", c.rmsprop_eps, low=0, low_open=True)
        _number("label_smoothing", c.label_smoothing, low=0, high=1, high_open=True)
        _number("aux_weight", c.aux_weight, low=0)
        _number("warmup_epochs", c.warmup_epochs, low=0)
        _number("min_lr_ratio", c.min_lr_ratio, low=0, high=1)
        _number("step_every", c.step_every, low=0, low_open=True)
        _number("step_gamma", c.step_gamma, low=0, low_open=True, high=1)
        _number("onecycle_pct_start", c.onecycle_pct_start, low=0, low_open=True, high=1, high_open=True)
        for name in ("dropout", "aux_dropout"):
            if getattr(c, name) is not None:
                _number(name, getattr(c, name), low=0, high=1, high_open=True)
        if c.time_limit_minutes is not None:
            _number("time_limit_minutes", c.time_limit_minutes, low=0, low_open=True)
        if c.warmup_epochs >= c.epochs and c.schedule in ("cosine", "step") and c.warmup_epochs > 0:
            raise ConfigError(
                f"warmup_epochs ({c.warmup_epochs}) must be shorter than the run ({c.epochs} epochs)")
        if c.nesterov and c.optimizer == "sgd" and c.momentum == 0:
            raise ConfigError("nesterov=True needs momentum > 0 (pass --no-nesterov or a --momentum)")
        if c.aux_logits and not NETWORKS[c.model].aux_prefixes:
            raise ConfigError(f"{c.model} has no auxiliary classifiers: pass --no-aux-logits")
        m = min_image_size(c.variant) if c.model == "googlenet" else _model_min_size(c.model, c.aux_logits)
        what = f"the {c.variant!r} variant" if c.model == "googlenet" else c.model
        if c.image_size < m:
            raise ConfigError(
                f"image_size {c.image_size} is too small for {what}: its "
                f"pools need at least {m}x{m} pixels")
        if c.eval_size is not None and c.eval_size < m:
            raise ConfigError(
                f"eval_size {c.eval_size} is too small for {what}: its "
                f"pools need at least {m}x{m} pixels")
        if c.source_size is not None and c.source_size < c.image_size:
            raise ConfigError(
                f"source_size {c.source_size} is smaller than image_size {c.image_size}: crops are cut "
                "from the source images and resampled down to the training size")
        if c.pretrained is not None:
            if c.model != "googlenet":
                raise ConfigError(f"pretrained weights are wired into training for GoogLeNet only, not {c.model!r}")
            if c.variant != "bn":
                raise ConfigError(
                    "pretrained weights (torchvision's ImageNet GoogLeNet) exist for the 'bn' "
                    f"variant only, not {c.variant!r}; pass --variant bn")
            if c.pretrained != "imagenet" and not Path(c.pretrained).expanduser().is_file():
                raise ConfigError(
                    f"pretrained must be 'imagenet' or a checkpoint file; {c.pretrained!r} does not exist")
        if c.device not in ("auto", "cpu") and not c.device.startswith(("cuda", "gpu")):
            raise ConfigError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {c.device!r}")
        if c.data_dir is not None:
            p = Path(c.data_dir).expanduser()
            if not p.exists():
                raise ConfigError(f"data directory {c.data_dir} does not exist")
            if not p.is_dir():
                raise ConfigError(f"data directory {c.data_dir} is not a directory")
        if c.resume and c.overwrite:
            raise ConfigError("resume and overwrite exclude each other: continue the run, or start it again")
        if c.out_dir is None:
            c.out_dir = str(runs_home(c.runs_dir) / c.run_name)
        return c


def _choice(name: str, value, allowed) -> None:
    if value not in allowed:
        raise ConfigError(f"unknown {name} {value!r}; choose one of: {', '.join(allowed)}")


def _int(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{name} must be an integer, got {value!r}")


def _positive_int(name: str, value) -> None:
    _int(name, value)
    if value <= 0:
        raise ConfigError(f"{name} must be a positive integer, got {value}")


def _number(name, value, low=None, high=None, low_open=False, high_open=False) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{name} must be a finite number, got {value!r}")
    bad = (low is not None and (value < low or (low_open and value == low))) or (
        high is not None and (value > high or (high_open and value == high)))
    if bad:
        if low is not None and high is not None:
            rng = "in " + ("(" if low_open else "[") + f"{low}, {high}" + (")" if high_open else "]")
        elif low is not None:
            rng = (">" if low_open else ">=") + f" {low}"
        else:
            rng = ("<" if high_open else "<=") + f" {high}"
        raise ConfigError(f"{name} must be {rng}, got {value}")


def min_image_size(variant: str) -> int:
    """Smallest square input GoogLeNet's ``variant`` accepts with its auxiliary heads
    (:func:`inception.counting.network_min_input_size`): 31 for ``bn`` (adaptive
    auxiliary pools), 79 for ``paper`` (5x5/3 auxiliary pools feeding a fully
    connected layer)."""
    return _model_min_size("googlenet", True, variant=variant)


def _model_min_size(model: str, aux_logits: bool, **kw) -> int:
    from ..counting import network_min_input_size

    return network_min_input_size(model, aux_logits=aux_logits, **kw)


def recipe_mismatches(saved: Dict[str, Any], current: "TrainConfig") -> List[str]:
    """``"field: checkpoint X, now Y"`` for every recipe field that differs."""
    now = current.recipe()
    defaults = {f.name: f.default for f in fields(TrainConfig)}
    out = []
    for k in sorted(set(now) | {k for k in saved if k not in SESSION_FIELDS}):
        a, b = saved.get(k, "<absent>"), now.get(k, "<absent>")
        if a == "<absent>" and (b is None or (k in defaults and b == defaults[k])):
            continue  # a field added after the checkpoint was written, at its default
        if a != b and not (isinstance(a, (int, float)) and isinstance(b, (int, float)) and float(a) == float(b)):
            out.append(f"{k}: checkpoint {a!r}, now {b!r}")
    return out


# ----------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------

#: (field, flags, help). Booleans get ``--x/--no-x``; types come from the defaults.
OPTIONS = [
    ("framework", ("--framework",), "torch or keras"),
    ("model", ("--model",), "the network: googlenet (Inception v1), bn_inception (v2), inception_v3, inception_v4"),
    ("variant", ("--variant",), "GoogLeNet's variant: paper (as published: LRN, no batch norm) or bn "
                                "(torchvision's, batch norm); ignored by the other models"),
    ("pretrained", ("--pretrained",), "start from ImageNet weights ('imagenet', the default when the flag "
                                      "is given without a value) or from a torchvision-format checkpoint file; bn variant only"),
    ("aux_logits", ("--aux-logits",), "train with the two auxiliary classifiers"),
    ("aux_weight", ("--aux-weight",), "weight of each auxiliary loss (the paper's 0.3)"),
    ("dropout", ("--dropout",), "dropout before the classifier (default: the variant's, 0.4 paper / 0.2 bn)"),
    ("aux_dropout", ("--aux-dropout",), "dropout inside the auxiliary heads (default 0.7)"),
    ("data_dir", ("--data-dir",), "UC Merced folder (default: $UCMERCED_DIR, else data/ucmerced)"),
    ("split", ("--split",), "split name or JSON file (default: the committed split)"),
    ("cache_dir", ("--cache-dir",), "where decoded images are cached (default data/cache)"),
    ("image_size", ("--image-size",), "input side in pixels"),
    ("source_size", ("--source-size",), "side of the decoded images that training crops are cut from and "
                                        "resampled down to --image-size (default: --image-size; 256 is "
                                        "UC Merced's native size)"),
    ("eval_size", ("--eval-size",), "input side for validation and the test evaluation: whole images at "
                                    "this size (default: --image-size); part of the recipe, fixed before training"),
    ("batch_size", ("--batch-size",), "global training batch size (split across processes/GPUs)"),
    ("eval_batch_size", ("--eval-batch-size",), "evaluation batch size (default: batch size)"),
    ("augment", ("--augment",), "random resized crops, flips/90-degree rotations, colour jitter"),
    ("num_workers", ("--num-workers",), "data loader worker processes (PyTorch)"),
    ("epochs", ("--epochs",), "number of epochs"),
    ("optimizer", ("--optimizer",), "sgd (momentum), rmsprop (Inception v3: rho 0.9, eps 1.0) or adamw"),
    ("lr", ("--lr",), "peak learning rate (default: sgd 0.05, rmsprop 0.045, adamw 0.001)"),
    ("momentum", ("--momentum",), "momentum of SGD and RMSprop"),
    ("nesterov", ("--nesterov",), "Nesterov momentum (SGD)"),
    ("rmsprop_rho", ("--rmsprop-rho",), "RMSprop's decay of the squared-gradient average"),
    ("rmsprop_eps", ("--rmsprop-eps",), "RMSprop's epsilon"),
    ("weight_decay", ("--weight-decay",), "weight decay on weights, not on biases or batch norm "
                                          "(default: sgd 5e-4, rmsprop 4e-5, adamw 0.05; L2 for sgd/rmsprop, decoupled for adamw)"),
    ("schedule", ("--schedule",), "cosine (after warm-up), step (x step_gamma every step_every epochs), onecycle, constant"),
    ("warmup_epochs", ("--warmup-epochs",), "linear warm-up length in epochs (cosine, step, constant)"),
    ("min_lr_ratio", ("--min-lr-ratio",), "final learning rate of the cosine schedule, as a fraction of lr"),
    ("step_every", ("--step-every",), "epochs between decays of the step schedule"),
    ("step_gamma", ("--step-gamma",), "decay factor of the step schedule (Inception v3: 0.94 every 2 epochs)"),
    ("onecycle_pct_start", ("--onecycle-pct-start",), "fraction of the one-cycle schedule spent rising"),
    ("label_smoothing", ("--label-smoothing",), "label smoothing of every cross-entropy term"),
    ("seed", ("--seed",), "seed for initialisation, data order, augmentation and dropout"),
    ("max_steps_per_epoch", ("--max-steps-per-epoch",), "cut epochs short (smoke tests)"),
    ("out_dir", ("--out",), "output folder: record.json, predictions.json, checkpoint (default: <runs folder>/<name>)"),
    ("runs_dir", ("--runs-dir",), "the runs folder, outside the repository, that holds one folder per run "
                                  f"(default: ${CHECKPOINT_DIR_ENV}, else ~/.cache/inception/runs)"),
    ("resume", ("--resume",), "continue the run in --out from its checkpoint (a finished run is left as is)"),
    ("overwrite", ("--overwrite",), "start again even if --out holds a run"),
    ("device", ("--device",), "auto (GPU if present), cpu, cuda or cuda:N"),
    ("precision", ("--precision",), "auto (GPU: bf16 mixed precision, fp16 where bf16 is not native; CPU: bf16 "
                                    "where the CPU has native bf16, else fp32), fp32, fp16, bf16, fp64"),
    ("eval_precision", ("--eval-precision",), "precision of validation and test (default: the training precision)"),
    ("channels_last", ("--channels-last",), "channels-last memory format (PyTorch)"),
    ("compile", ("--compile",), "torch.compile the model (PyTorch)"),
    ("jit_compile", ("--jit-compile",), "XLA-compile the train step (Keras)"),
    ("sync_bn", ("--sync-bn",), "SyncBatchNorm when training on several GPUs (PyTorch DDP)"),
    ("distribute", ("--distribute",), "Keras: auto (MirroredStrategy over all GPUs when there are several), none, mirrored"),
    ("deterministic", ("--deterministic",), "deterministic kernels (slower; needed for bit-exact resume on GPU)"),
    ("eval_every", ("--eval-every",), "validate every N epochs (and after the last)"),
    ("stop_after_epoch", ("--stop-after-epoch",), "stop this session after this epoch (resume later)"),
    ("time_limit_minutes", ("--time-limit-minutes",), "stop this session after the epoch that would overrun this limit"),
    ("progress", ("--progress",), "auto (a bar on a terminal, a line every 10%% otherwise), bar, lines, none"),
    ("notes", ("--notes",), "free text stored in the run record"),
]

_CHOICES = {"framework": FRAMEWORKS, "model": MODELS, "variant": VARIANTS, "optimizer": OPTIMIZERS, "schedule": SCHEDULES,
            "precision": PRECISIONS, "eval_precision": PRECISIONS, "progress": PROGRESS, "distribute": DISTRIBUTE}
_TYPES = {
    "pretrained": str, "dropout": float, "aux_dropout": float, "data_dir": str, "split": str,
    "cache_dir": str, "eval_batch_size": int, "lr": float, "weight_decay": float,
    "max_steps_per_epoch": int, "out_dir": str, "runs_dir": str, "source_size": int, "eval_size": int, "eval_precision": str, "stop_after_epoch": int, "time_limit_minutes": float,
}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m inception.train",
        description="Train GoogLeNet on UC Merced in PyTorch or Keras; writes record.json, "
                    "predictions.json and a checkpoint to --out.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    defaults = TrainConfig()
    assert {f.name for f in fields(TrainConfig)} == {o[0] for o in OPTIONS}, "OPTIONS out of date"
    for name, flags, help_text in OPTIONS:
        default = getattr(defaults, name)
        kw: Dict[str, Any] = {"dest": name, "help": help_text, "default": default}
        if name == "pretrained":
            kw.update(nargs="?", const="imagenet", metavar="SOURCE")
        elif isinstance(default, bool):
            kw["action"] = argparse.BooleanOptionalAction
        else:
            # choices are checked by the validator (one message style for CLI and Python)
            kw["type"] = _TYPES.get(name, type(default))
            if name in _CHOICES:
                kw["metavar"] = "{" + ",".join(_CHOICES[name]) + "}"
            elif name in ("data_dir", "out_dir", "cache_dir", "runs_dir"):
                kw["metavar"] = "DIR"
            else:
                kw["metavar"] = flags[0].lstrip("-").replace("-", "_").upper()
        p.add_argument(*flags, **kw)
    return p


def config_from_args(argv=None) -> TrainConfig:
    """Parse a command line into a (not yet validated) :class:`TrainConfig`."""
    ns = build_parser().parse_args(argv)
    return TrainConfig(**vars(ns))
