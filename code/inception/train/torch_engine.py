"""The PyTorch engine: one process, or several under ``torchrun`` (DistributedDataParallel).

What it does, step by step:

* Device: the GPU when there is one (``cuda:LOCAL_RANK`` under ``torchrun``),
  else the CPU. Precision (:mod:`inception.train.precision`): ``auto`` is bf16
  autocast on a GPU or CPU that computes bf16 natively, fp16 autocast with a
  ``GradScaler`` on older GPUs, fp32 on other CPUs; ``fp64`` runs the model
  in double precision. Channels-last
  memory format by default (faster on CPU too).
* Loss (:func:`training_loss`): ``CE(main) + aux_weight * (CE(aux1) + CE(aux2))``
  with label smoothing in every term; evaluation uses the main logits only
  (the auxiliary heads are switched off, not just ignored).
* Data order (:class:`EpochSampler`): a permutation drawn from ``(seed, epoch)``
  is cut into global batches of ``batch_size``; with ``W`` processes, rank
  ``r`` takes the ``r``-th slice of every global batch. Each process's loss is
  weighted by its share of the global batch, so DDP's gradient average equals
  the single-process gradient of the whole batch: one process and ``W``
  processes compute the same thing up to float rounding, as long as nothing
  depends on the slicing. Batch norm does (statistics per slice): use
  ``--sync-bn`` on GPUs (the default), or the ``paper`` variant, for an exact
  match; the equality test uses ``paper`` with dropout and augmentation off.
* Data: the visiting order and every image's augmentation numbers come from
  :func:`inception.data.draws.epoch_draws` (NumPy, from ``(seed, epoch)``),
  the same draws the Keras engine applies; crops are cut from a cache at
  ``source_size`` and resampled to ``image_size``; validation and test are
  whole images at ``eval_size``.
* Randomness: at the start of every epoch the global torch/NumPy/Python
  generators (dropout) and the loader's generator are
  reseeded from ``(seed, epoch, rank)``, so 1 epoch + resume + 1 epoch equals 2
  epochs bit for bit on CPU (also with loader workers, which are started
  afresh each epoch for that reason).
* Checkpoint (``checkpoint.pt``, written atomically by rank 0): model,
  optimiser and grad-scaler state, RNG states, epoch, history and the
  configuration. The learning rate is a function of the step
  (:mod:`inception.train.schedules`), so there is no scheduler object to save.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import random
import time
from typing import Dict, Iterator, List, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Sampler

from ..data.draws import epoch_draws
from .common import derive_seed
from .precision import choose_precision
from .config import ConfigError, TrainConfig
from .progress import Progress
from . import faults
from .records import cpu_name, library_versions, write_checkpoint_bytes
from .schedules import lr_at

__all__ = ["TorchEngine", "EpochSampler", "training_loss", "build_model", "build_optimizer",
           "load_checkpoint_model"]

CHECKPOINT_FORMAT = "inception-torch-checkpoint-v1"


# ----------------------------------------------------------------------
# Loss
# ----------------------------------------------------------------------


def training_loss(outputs, targets, aux_weight: float = 0.3, label_smoothing: float = 0.0
                  ) -> Tuple[torch.Tensor, torch.Tensor]:
    """The training objective and its main-head part, both batch means.

    ``outputs`` is the model's ``(logits, aux1, aux2)`` (or a bare tensor).
    Returns ``(CE(logits) + aux_weight * sum_i CE(aux_i), CE(logits))``, every
    cross-entropy with ``label_smoothing`` (computed in float32).
    """
    if isinstance(outputs, (tuple, list)):
        main, aux = outputs[0], outputs[1:]
    else:
        main, aux = outputs, ()
    main_loss = F.cross_entropy(_loss_dtype(main), targets, label_smoothing=label_smoothing)
    loss = main_loss
    for a in aux:
        loss = loss + aux_weight * F.cross_entropy(_loss_dtype(a), targets, label_smoothing=label_smoothing)
    return loss, main_loss


def _loss_dtype(logits: torch.Tensor) -> torch.Tensor:
    """Logits for the loss: float32 from a mixed-precision model, float64 left as it is."""
    return logits if logits.dtype == torch.float64 else logits.float()


# ----------------------------------------------------------------------
# Data order
# ----------------------------------------------------------------------


class EpochSampler(Sampler):
    """This process's share of a ``(seed, epoch)``-determined order, global batch by global batch.

    The order is :func:`inception.data.draws.epoch_draws`'s, the one the Keras
    engine follows too; :attr:`draws` also holds the epoch's augmentation
    numbers. The permutation of ``range(n)`` is cut into global batches of
    ``batch_size``; rank ``r`` of ``world_size`` yields, for each global batch,
    its ``r``-th slice (``batch_size // world_size`` items; the last, short
    batch is shared out as evenly as possible). A loader with batch size
    ``batch_size // world_size`` then gives each rank its slice of each global
    batch. A last global batch with fewer items than processes is dropped
    (never with one process).
    """

    def __init__(self, n: int, batch_size: int, rank: int = 0, world_size: int = 1, seed: int = 0,
                 shuffle: bool = True):
        if batch_size % world_size:
            raise ConfigError(f"batch_size {batch_size} must be a multiple of the number of processes ({world_size})")
        self.n, self.batch_size, self.rank, self.world_size = n, batch_size, rank, world_size
        self.seed, self.shuffle = seed, shuffle
        self.set_epoch(0)

    def set_epoch(self, epoch: int) -> None:
        """Draw epoch ``epoch``'s order and augmentation numbers (:attr:`draws`)."""
        self.epoch = int(epoch)
        self.draws = epoch_draws(self.seed, self.epoch, self.n, self.shuffle)

    def global_batches(self) -> List[List[int]]:
        order = self.draws.order.tolist()
        batches = [order[i:i + self.batch_size] for i in range(0, self.n, self.batch_size)]
        if batches and len(batches[-1]) < self.world_size:
            batches.pop()
        return batches

    def slice_of(self, batch: List[int]) -> List[int]:
        m, w = len(batch), self.world_size
        sizes = [m // w + (1 if r < m % w else 0) for r in range(w)]
        start = sum(sizes[: self.rank])
        return batch[start:start + sizes[self.rank]]

    def global_sizes(self) -> List[int]:
        return [len(b) for b in self.global_batches()]

    def __iter__(self) -> Iterator[int]:
        for b in self.global_batches():
            yield from self.slice_of(b)

    def __len__(self) -> int:
        return sum(len(self.slice_of(b)) for b in self.global_batches())

    def num_steps(self) -> int:
        return len(self.global_batches())


# ----------------------------------------------------------------------
# Model and optimiser
# ----------------------------------------------------------------------


def build_model(cfg: TrainConfig, num_classes: int = 21):
    """The PyTorch network a configuration trains (``cfg.model``; weights loaded if ``pretrained``)."""
    from ..torch import build_model as build, googlenet

    try:
        if cfg.model != "googlenet":
            return build(cfg.model, num_classes, cfg.aux_logits, input_size=cfg.image_size, dropout=cfg.dropout)
        return googlenet(cfg.variant, num_classes, cfg.aux_logits, input_size=cfg.image_size,
                         dropout=cfg.dropout, aux_dropout=cfg.aux_dropout,
                         transform_input=cfg.pretrained is not None, weights=cfg.pretrained)
    except OSError as exc:  # download or file problems
        raise ConfigError(f"could not load pretrained weights {cfg.pretrained!r}: {exc}") from None


def _decay_groups(model: nn.Module, weight_decay: float):
    decay, no_decay = [], []
    for p in model.parameters():
        if not p.requires_grad:
            continue
        (decay if p.ndim > 1 else no_decay).append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def build_optimizer(model: nn.Module, cfg: TrainConfig) -> torch.optim.Optimizer:
    """SGD / RMSprop / AdamW with weight decay on weights only (not biases, not batch norm)."""
    groups = _decay_groups(model, cfg.weight_decay)
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(groups, lr=cfg.lr, momentum=cfg.momentum,
                               nesterov=cfg.nesterov and cfg.momentum > 0)
    if cfg.optimizer == "rmsprop":
        # PyTorch's RMSprop: it divides by sqrt(v) + eps (TensorFlow's by sqrt(v + eps)); the Keras
        # engine takes the same steps (inception.train.keras_optimizers.TorchRMSprop).
        return torch.optim.RMSprop(groups, lr=cfg.lr, alpha=cfg.rmsprop_rho, eps=cfg.rmsprop_eps,
                                   momentum=cfg.momentum)
    if cfg.optimizer == "adamw":
        return torch.optim.AdamW(groups, lr=cfg.lr)
    raise ConfigError(f"unknown optimizer {cfg.optimizer!r}")


# ----------------------------------------------------------------------
# Engine
# ----------------------------------------------------------------------


def _dist_env() -> Tuple[int, int, int]:
    try:
        world = int(os.environ.get("WORLD_SIZE", "1"))
        rank = int(os.environ.get("RANK", "0"))
        local = int(os.environ.get("LOCAL_RANK", "0"))
    except ValueError as exc:
        raise ConfigError(f"bad torchrun environment: {exc}") from None
    return world, rank, local


class TorchEngine:
    framework = "torch"
    checkpoint_name = "checkpoint.pt"

    def __init__(self, cfg: TrainConfig):
        import torch.distributed as dist

        self.cfg = cfg
        self.world_size, self.rank, self.local_rank = _dist_env()
        self.is_main = self.rank == 0
        self.distributed = self.world_size > 1
        if cfg.batch_size % self.world_size:
            raise ConfigError(
                f"batch_size {cfg.batch_size} must be a multiple of the number of processes ({self.world_size})")
        self.device = self._pick_device()
        if self.distributed and not dist.is_initialized():
            backend = "nccl" if self.device.type == "cuda" else "gloo"
            if self.device.type == "cuda":
                torch.cuda.set_device(self.device)
            dist.init_process_group(backend)
        self._owns_pg = self.distributed
        self.amp_dtype, self.precision, self.precision_reason = self._pick_precision(cfg.precision)
        self.eval_amp_dtype, self.eval_precision, _ = (
            (self.amp_dtype, self.precision, "") if cfg.eval_precision is None
            else self._pick_precision(cfg.eval_precision))
        self.dtype = torch.float64 if self.precision == "fp64" else torch.float32
        if cfg.deterministic:
            os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
            torch.use_deterministic_algorithms(True, warn_only=True)
            torch.backends.cudnn.benchmark = False
        elif self.device.type == "cuda":
            torch.backends.cudnn.benchmark = True
        if self.device.type == "cuda":
            torch.backends.cuda.matmul.allow_tf32 = True
            torch.backends.cudnn.allow_tf32 = True
        else:
            # Subnormal floats (the bn variant's std-0.01 weights produce many) are
            # slow on x86 CPUs: flushing them to zero made a training step 3-15x
            # faster here. TensorFlow flushes them by default; results are unchanged
            # at float32 precision for all practical purposes.
            torch.set_flush_denormal(True)

        # model: same initialisation on every rank (DDP also broadcasts rank 0's)
        self._seed_all(cfg.seed)
        from ..data import CLASSES

        self.class_names = list(CLASSES)
        self.raw = build_model(cfg, len(CLASSES))
        if self.distributed and self.device.type == "cuda" and cfg.sync_bn and cfg.variant == "bn":
            self.raw = nn.SyncBatchNorm.convert_sync_batchnorm(self.raw)
        self.memory_format = torch.channels_last if cfg.channels_last else torch.contiguous_format
        self.raw.to(self.device, dtype=self.dtype, memory_format=self.memory_format)
        self.optimizer = build_optimizer(self.raw, cfg)
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp_dtype == torch.float16)
        model = self.raw
        if self.distributed:
            from torch.nn.parallel import DistributedDataParallel as DDP

            model = DDP(model, device_ids=[self.device.index] if self.device.type == "cuda" else None)
        self.train_model = torch.compile(model) if cfg.compile else model
        self.eval_model = torch.compile(self.raw) if cfg.compile else self.raw

        # data: training crops cut from the source-size cache and resampled to
        # image_size; validation and test are whole images at eval size
        from ..data import build_cache
        from ..data.split import as_split
        from ..data.torch_data import CachedUCMerced, make_loaders, seed_worker
        from ..data.transforms import DEFAULT_AUGMENT

        per_rank = cfg.batch_size // self.world_size
        loaders = make_loaders(
            cfg.data_dir, image_size=cfg.test_size, batch_size=per_rank, augment=False,
            num_workers=cfg.num_workers, seed=cfg.seed, split=cfg.split, cache_dir=cfg.cache_dir,
            eval_batch_size=cfg.eval_batch_size or cfg.batch_size, pin_memory=self.device.type == "cuda",
            progress=self.is_main,
        )
        self.eval_loaders = {"val": loaders["val"], "test": loaders["test"]}
        cache = build_cache(cfg.data_dir, cfg.image_size, cache_dir=cfg.cache_dir, progress=self.is_main)
        source = (cache if cfg.crop_source_size == cfg.image_size else
                  build_cache(cfg.data_dir, cfg.crop_source_size, cache_dir=cfg.cache_dir, progress=self.is_main))
        train_rows = cache.split_indices(as_split(cfg.split, cache.stems))["train"]
        self.train_set = CachedUCMerced(cache, train_rows, DEFAULT_AUGMENT if cfg.augment else None,
                                        source=source, dtype=self.dtype)
        self.num_train = len(self.train_set)
        self.sampler = EpochSampler(self.num_train, cfg.batch_size, self.rank, self.world_size, cfg.seed)
        self.loader_generator = torch.Generator()
        self.train_loader = DataLoader(
            self.train_set, batch_size=per_rank, sampler=self.sampler, num_workers=cfg.num_workers,
            worker_init_fn=seed_worker, generator=self.loader_generator,
            pin_memory=self.device.type == "cuda", persistent_workers=False, drop_last=False,
        )
        steps = self.sampler.num_steps()
        if cfg.max_steps_per_epoch:
            steps = min(steps, cfg.max_steps_per_epoch)
        if steps < 1:
            raise ConfigError(f"the training set has {self.num_train} images: not one batch for "
                              f"{self.world_size} processes")
        self.steps_per_epoch = steps
        test = self.eval_loaders["test"].dataset
        self.test_stems = [test.cache.stems[int(i)] for i in test.indices]

    # -- setup helpers -------------------------------------------------
    def _pick_device(self) -> torch.device:
        want = self.cfg.device
        if want == "cpu":
            return torch.device("cpu")
        has_cuda = torch.cuda.is_available()
        if want == "auto":
            return torch.device("cuda", self.local_rank) if has_cuda else torch.device("cpu")
        if not has_cuda:
            raise ConfigError(f"device {want!r} asked for, but PyTorch sees no CUDA GPU")
        if self.distributed or want in ("cuda", "gpu"):
            return torch.device("cuda", self.local_rank if self.distributed else 0)
        index = int(want.split(":", 1)[1]) if ":" in want else 0
        if index >= torch.cuda.device_count():
            raise ConfigError(f"device {want!r}: only {torch.cuda.device_count()} GPU(s)")
        return torch.device("cuda", index)

    def _pick_precision(self, requested: str):
        """``(autocast dtype or None, precision, reason)``; see :mod:`inception.train.precision`."""
        cuda = self.device.type == "cuda"
        try:
            p, why = choose_precision(requested, "gpu" if cuda else "cpu",
                                      gpu_bf16=cuda and torch.cuda.is_bf16_supported())
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        return {"fp32": None, "fp64": None, "fp16": torch.float16, "bf16": torch.bfloat16}[p], p, why

    def _autocast(self, amp_dtype):
        return torch.autocast(self.device.type, dtype=amp_dtype, enabled=amp_dtype is not None)

    def _seed_all(self, seed: int) -> None:
        torch.manual_seed(seed)  # also every CUDA device
        np.random.seed(seed % 2**32)
        random.seed(seed)

    def device_info(self) -> Dict:
        if self.device.type == "cuda":
            name = torch.cuda.get_device_name(self.device)
            desc = f"{self.world_size} x {name}" if self.distributed else name
        else:
            name = cpu_name()
            desc = f"CPU: {name}, {torch.get_num_threads()} threads" + (
                f", {self.world_size} processes" if self.distributed else "")
        return {"type": self.device.type, "name": name, "description": desc, "world_size": self.world_size,
                "precision": self.precision, "precision_reason": self.precision_reason,
                "eval_precision": self.eval_precision, "channels_last": self.cfg.channels_last,
                "compile": self.cfg.compile, "torch_threads": torch.get_num_threads()}

    def versions(self) -> Dict:
        return library_versions("torch")

    # -- training --------------------------------------------------------
    def set_epoch(self, epoch: int) -> None:
        s = derive_seed(self.cfg.seed, epoch, self.rank)
        self._seed_all(s)
        self.sampler.set_epoch(epoch)
        self.train_set.set_draws(self.sampler.draws.uniforms)
        self.loader_generator.manual_seed(derive_seed(self.cfg.seed, epoch, self.rank, "loader"))

    def train_step(self, x: torch.Tensor, y: torch.Tensor, weight: float = 1.0):
        """One optimiser step; returns (objective, main loss, correct) as device tensors (unweighted)."""
        x = x.to(self.device, dtype=self.dtype, non_blocking=True).contiguous(memory_format=self.memory_format)
        y = y.to(self.device, non_blocking=True)
        with self._autocast(self.amp_dtype):
            outputs = self.train_model(x)
        loss, main_loss = training_loss(outputs, y, self.cfg.aux_weight if self.cfg.aux_logits else 0.0,
                                        self.cfg.label_smoothing)
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss * weight if weight != 1.0 else loss).backward()
        self.scaler.step(self.optimizer)
        self.scaler.update()
        main = outputs[0] if isinstance(outputs, (tuple, list)) else outputs
        correct = (main.detach().argmax(1) == y).sum()
        return loss.detach(), main_loss.detach(), correct

    def set_lr(self, lr: float) -> None:
        for g in self.optimizer.param_groups:
            g["lr"] = lr

    def train_epoch(self, epoch: int, desc: str = "") -> Dict:
        cfg = self.cfg
        self.set_epoch(epoch)
        self.train_model.train()
        sizes = self.sampler.global_sizes()
        steps = self.steps_per_epoch
        sums = torch.zeros(4, dtype=torch.float64, device=self.device)  # loss, main loss, correct, n
        lr = cfg.lr

        def postfix():
            s = sums.tolist()
            n = max(s[3], 1.0)
            return {"loss": s[0] / n, "acc": s[2] / n, "lr": lr}

        bar = Progress(steps, desc, cfg.progress if self.is_main else "none", postfix=postfix)
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        start = time.perf_counter()
        for i, (x, y) in enumerate(itertools.islice(self.train_loader, steps)):
            lr = lr_at(epoch * steps + i, steps, cfg)
            self.set_lr(lr)
            n = x.shape[0]
            weight = n * self.world_size / sizes[i]
            loss, main_loss, correct = self.train_step(x, y, weight)
            sums += torch.stack([loss.double() * n, main_loss.double() * n, correct.double(),
                                 torch.tensor(float(n), dtype=torch.float64, device=self.device)])
            bar.update()
            faults.reached("step")
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        seconds = time.perf_counter() - start
        bar.close()
        if self.distributed:
            import torch.distributed as dist

            dist.all_reduce(sums)
        s = sums.tolist()
        n = max(s[3], 1.0)
        return {"train_loss": s[0] / n, "train_main_loss": s[1] / n, "train_accuracy": s[2] / n,
                "lr": lr, "seconds": seconds, "images": int(s[3]),
                "images_per_second": s[3] / seconds if seconds > 0 else None}

    @torch.no_grad()
    def eval_batch(self, x: torch.Tensor) -> torch.Tensor:
        """Main-head logits (float32, on the CPU) of one batch, in eval mode; auxiliary heads not run."""
        self.raw.eval()
        aux = self.raw.aux_logits
        self.raw.aux_logits = False
        try:
            x = x.to(self.device, dtype=self.dtype, non_blocking=True).contiguous(
                memory_format=self.memory_format)
            with self._autocast(self.eval_amp_dtype):
                out = self.eval_model(x)
            return out.float().cpu()
        finally:
            self.raw.aux_logits = aux

    def predict(self, part: str) -> Tuple[np.ndarray, np.ndarray, float]:
        """Main-head logits (float32) and labels of ``part`` ("val" or "test"), and the seconds taken."""
        logits, labels = [], []
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        start = time.perf_counter()
        for x, y in self.eval_loaders[part]:
            logits.append(self.eval_batch(x))
            labels.append(y)
        seconds = time.perf_counter() - start
        return torch.cat(logits).numpy(), torch.cat(labels).numpy(), seconds

    # -- checkpoints -----------------------------------------------------
    def save_checkpoint(self, path, meta: Dict) -> None:
        if not self.is_main:
            return
        state = {
            "format": CHECKPOINT_FORMAT,
            "meta": json.dumps(meta),
            "model": self.raw.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scaler": self.scaler.state_dict(),
            "rng": _rng_state(self.loader_generator),
        }
        buf = io.BytesIO()
        torch.save(state, buf)
        write_checkpoint_bytes(path, buf.getvalue())

    def read_checkpoint(self, path) -> Tuple[Dict, Dict]:
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's to fix
            raise ConfigError(f"checkpoint {path} is unreadable ({exc}); delete it or pass --overwrite") from None
        if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
            raise ConfigError(f"{path} is not a checkpoint of this trainer")
        return json.loads(state["meta"]), state

    def restore(self, state: Dict) -> None:
        try:
            self.raw.load_state_dict(state["model"])
        except RuntimeError as exc:
            raise ConfigError(f"checkpoint does not fit the model: {exc}") from None
        self.optimizer.load_state_dict(state["optimizer"])
        if state.get("scaler") and self.scaler.is_enabled():
            self.scaler.load_state_dict(state["scaler"])
        _set_rng_state(state.get("rng", {}), self.loader_generator)

    def close(self) -> None:
        if self._owns_pg:
            import torch.distributed as dist

            if dist.is_initialized():
                dist.destroy_process_group()
            self._owns_pg = False


def _rng_state(loader_generator: torch.Generator) -> Dict:
    np_state = np.random.get_state()
    st = {
        "torch": torch.get_rng_state(),
        "numpy": {"key": torch.from_numpy(np_state[1].astype(np.int64)), "pos": int(np_state[2]),
                  "has_gauss": int(np_state[3]), "cached_gaussian": float(np_state[4])},
        "python": json.dumps(random.getstate()),
        "loader": loader_generator.get_state(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        st["cuda"] = torch.cuda.get_rng_state_all()
    return st


def _set_rng_state(st: Dict, loader_generator: torch.Generator) -> None:
    """Restore the saved generators (each epoch reseeds them anyway; kept for mid-epoch tools)."""
    if "torch" in st:
        torch.set_rng_state(st["torch"])
    if "numpy" in st:
        n = st["numpy"]
        np.random.set_state(("MT19937", n["key"].numpy().astype(np.uint32), n["pos"], n["has_gauss"],
                             n["cached_gaussian"]))
    if "python" in st:
        v = json.loads(st["python"])
        random.setstate((v[0], tuple(v[1]), v[2]))
    if "loader" in st:
        loader_generator.set_state(st["loader"])
    if "cuda" in st and torch.cuda.is_available():
        try:
            torch.cuda.set_rng_state_all(st["cuda"])
        except RuntimeError:  # a different number of GPUs now
            pass


def load_checkpoint_model(path, device: str = "cpu"):
    """The trained PyTorch model of a checkpoint (eval mode), and its configuration."""
    state = torch.load(path, map_location=device, weights_only=True)
    if state.get("format") != CHECKPOINT_FORMAT:
        raise ConfigError(f"{path} is not a checkpoint of this trainer")
    meta = json.loads(state["meta"])
    cfg = TrainConfig.from_dict(meta["config"]).replace(pretrained=None)
    from ..data import CLASSES

    model = build_model(cfg, len(CLASSES))
    if meta["config"].get("pretrained") is not None:
        model.transform_input = True
    model.load_state_dict(state["model"])
    return model.eval(), cfg
