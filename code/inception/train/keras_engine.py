"""The Keras engine (TensorFlow backend): a custom training loop with the PyTorch engine's recipe.

Why a custom loop rather than ``model.fit``: the loss, the learning-rate
curve, the weight decay and the data order must be the PyTorch engine's, and
a resumed run must repeat epoch ``e`` exactly. So:

* Loss (:func:`training_loss`): ``CE(main) + aux_weight * (CE(aux1) + CE(aux2))``,
  each with label smoothing, the same formula as PyTorch's ``cross_entropy``;
  evaluation runs a model that shares the layers but outputs the main logits
  only (the auxiliary heads are not computed).
* Weight decay: L2 on weights (not biases, not batch norm) added to the loss
  as ``wd / 2 * sum(w**2)`` for SGD and RMSprop, which gives PyTorch's
  ``grad + wd * w``; AdamW's decay is decoupled, PyTorch's ``w * (1 - lr * wd)``,
  with the same exclusions. Learning rate: :func:`inception.train.schedules.lr_at`,
  set before every step. Optimisers: PyTorch's updates, all three
  (:mod:`inception.train.keras_optimizers`): Keras' own SGD and RMSprop fold the
  rate into the momentum buffer, so under a moving rate they take other steps,
  and Keras' RMSprop (``sqrt(v + eps)``) and AdamW (epsilon before the bias
  correction) place epsilon differently. Batch norm keeps
  PyTorch's running statistics (unbiased variance,
  :class:`inception.keras.layers.TorchBatchNorm`). So the two engines
  take the same steps from the same weights on the same batches
  (:mod:`inception.train.crosscheck`).
* Data: a fresh ``tf.data`` pipeline per epoch that follows
  :func:`inception.data.draws.epoch_draws` (NumPy, from ``(seed, epoch)``):
  the PyTorch engine's order and augmentation numbers, applied with
  TensorFlow's operations (:func:`inception.data.tf_data.dataset_from_cache`).
  Dropout draws from Keras seed-generator variables, saved in the checkpoint
  with the weights.
* Devices: the GPU when there is one; several GPUs through
  ``tf.distribute.MirroredStrategy`` (one process; each batch is split across
  the GPUs, losses are summed over the global batch, gradients summed across
  replicas). Precision (:mod:`inception.train.precision`): ``auto`` is
  ``mixed_bfloat16`` on a GPU or CPU with native bf16, ``mixed_float16`` with
  loss scaling on older GPUs, float32 on other CPUs; ``fp64`` builds the
  model in float64. Logits are cast to float32 (or kept float64) for the loss.
* Checkpoint (``checkpoint.h5``, atomic): every model variable (weights, batch
  norm statistics, seed generators), every optimiser variable, and a JSON
  blob with the epoch, history and configuration.
"""

from __future__ import annotations

import io
import json
import math
import os
import time
from typing import Dict, Tuple

import numpy as np

from ..data.draws import epoch_draws
from .precision import choose_precision
from .config import ConfigError, TrainConfig
from .progress import Progress
from . import faults
from .records import cpu_name, library_versions, write_checkpoint_bytes
from .schedules import lr_at

__all__ = ["KerasEngine", "training_loss", "cross_entropy", "build_model", "load_checkpoint_model"]

CHECKPOINT_FORMAT = "inception-keras-checkpoint-v1"


def cross_entropy(logits, labels, label_smoothing: float = 0.0):
    """Per-example cross-entropy with label smoothing (PyTorch's definition), float32 (float64 for float64 logits)."""
    import tensorflow as tf

    logp = tf.nn.log_softmax(tf.cast(logits, tf.float64 if logits.dtype == tf.float64 else tf.float32), axis=-1)
    nll = -tf.gather(logp, tf.cast(labels, tf.int32), axis=1, batch_dims=1)
    if label_smoothing:
        return (1.0 - label_smoothing) * nll + label_smoothing * (-tf.reduce_mean(logp, axis=-1))
    return nll


def training_loss(outputs, labels, aux_weight: float = 0.3, label_smoothing: float = 0.0):
    """Per-example ``(objective, main-head loss)``; see the module docstring."""
    if isinstance(outputs, (list, tuple)):
        main, aux = outputs[0], outputs[1:]
    else:
        main, aux = outputs, ()
    main_loss = cross_entropy(main, labels, label_smoothing)
    loss = main_loss
    for a in aux:
        loss = loss + aux_weight * cross_entropy(a, labels, label_smoothing)
    return loss, main_loss


def build_model(cfg: TrainConfig, num_classes: int = 21):
    """The Keras network a configuration trains (``cfg.model``; weights loaded if ``pretrained``)."""
    from ..keras import build_model as build, googlenet

    try:
        if cfg.model != "googlenet":
            return build(cfg.model, num_classes, cfg.aux_logits, input_size=cfg.image_size, dropout=cfg.dropout)
        return googlenet(cfg.variant, num_classes, cfg.aux_logits,
                         input_shape=(cfg.image_size, cfg.image_size, 3), dropout=cfg.dropout,
                         aux_dropout=cfg.aux_dropout, transform_input=cfg.pretrained is not None,
                         weights=cfg.pretrained)
    except OSError as exc:
        raise ConfigError(f"could not load pretrained weights {cfg.pretrained!r}: {exc}") from None


def _decayed(variable) -> bool:
    return len(variable.shape) > 1


class KerasEngine:
    framework = "keras"
    checkpoint_name = "checkpoint.h5"

    def __init__(self, cfg: TrainConfig):
        if int(os.environ.get("WORLD_SIZE", "1") or 1) > 1:
            raise ConfigError("the Keras engine runs in one process (several GPUs through MirroredStrategy); "
                              "do not launch it with torchrun")
        import keras
        import tensorflow as tf

        if keras.backend.backend() != "tensorflow":
            raise ConfigError(f"the Keras engine needs the TensorFlow backend, not {keras.backend.backend()!r} "
                              "(set KERAS_BACKEND=tensorflow)")
        self.cfg, self.tf, self.keras = cfg, tf, keras
        self.is_main, self.world_size = True, 1
        if cfg.deterministic:
            tf.config.experimental.enable_op_determinism()
        self.gpus = self._pick_devices()
        self.strategy = self._pick_strategy()
        self.replicas = self.strategy.num_replicas_in_sync
        if cfg.batch_size % self.replicas:
            raise ConfigError(f"batch_size {cfg.batch_size} must be a multiple of the number of GPUs ({self.replicas})")
        self.policy, self.precision, self.precision_reason = self._pick_precision(cfg.precision)
        self.eval_policy, self.eval_precision, _ = (
            (self.policy, self.precision, "") if cfg.eval_precision is None
            else self._pick_precision(cfg.eval_precision))

        from ..data import CLASSES

        self.class_names = list(CLASSES)
        keras.utils.set_random_seed(cfg.seed)
        old_policy, old_floatx = keras.mixed_precision.global_policy(), keras.config.floatx()
        with self.strategy.scope():
            try:
                if self.policy:
                    keras.mixed_precision.set_global_policy(self.policy)
                if self.policy == "float64":  # the input layer follows floatx, not the policy
                    keras.config.set_floatx("float64")
                self.model = build_model(cfg, len(CLASSES))
                # Validation and test: whole images at eval_size, in the evaluation
                # precision. Keras' static shapes need a model per input size: a
                # second model, given the training model's weights before each use.
                self.eval_net = self.model
                if cfg.test_size != cfg.image_size or self.eval_policy != self.policy:
                    if self.eval_policy != self.policy:
                        keras.mixed_precision.set_global_policy(self.eval_policy or old_policy)
                    self.eval_net = build_model(cfg.replace(image_size=cfg.test_size, pretrained=None),
                                                len(CLASSES))
            finally:
                keras.mixed_precision.set_global_policy(old_policy)
                keras.config.set_floatx(old_floatx)
            outs = self.eval_net.outputs
            self.eval_model = (keras.Model(self.eval_net.inputs, outs[0], name="googlenet_main")
                               if isinstance(outs, (list, tuple)) and len(outs) > 1 else self.eval_net)
            self.train_vars = list(self.model.trainable_variables)
            try:
                if self.policy == "float64":  # the learning rate variable follows floatx too
                    keras.config.set_floatx("float64")
                self.optimizer = self._make_optimizer()
                self.optimizer.build(self.train_vars)
            finally:
                keras.config.set_floatx(old_floatx)
        self.decayed = [v for v in self.train_vars if _decayed(v)]

        # data
        from ..data import build_cache
        from ..data.split import as_split
        from ..data.tf_data import dataset_from_cache
        from ..data.transforms import DEFAULT_AUGMENT

        self._dataset_from_cache = dataset_from_cache
        self.augment = DEFAULT_AUGMENT if cfg.augment else None
        self.cache = build_cache(cfg.data_dir, cfg.image_size, cache_dir=cfg.cache_dir, progress=True)
        self.source = (self.cache if cfg.crop_source_size == cfg.image_size else
                       build_cache(cfg.data_dir, cfg.crop_source_size, cache_dir=cfg.cache_dir, progress=True))
        self.eval_cache = (self.cache if cfg.test_size == cfg.image_size else
                           build_cache(cfg.data_dir, cfg.test_size, cache_dir=cfg.cache_dir, progress=True))
        self.parts = self.cache.split_indices(as_split(cfg.split, self.cache.stems))
        self.num_train = len(self.parts["train"])
        steps = math.ceil(self.num_train / cfg.batch_size)
        if cfg.max_steps_per_epoch:
            steps = min(steps, cfg.max_steps_per_epoch)
        self.steps_per_epoch = steps
        self.test_stems = [self.cache.stems[int(i)] for i in self.parts["test"]]
        ebs = cfg.eval_batch_size or cfg.batch_size
        self.dtype = self.tf.float64 if self.precision == "fp64" else self.tf.float32
        self.eval_sets = {p: dataset_from_cache(self.eval_cache, self.parts[p], batch_size=ebs, dtype=self.dtype)
                          for p in ("val", "test")}
        self._build_steps()

    # -- setup -------------------------------------------------------------
    def _pick_devices(self):
        tf, want = self.tf, self.cfg.device
        gpus = tf.config.list_physical_devices("GPU")
        try:
            if want == "cpu" and gpus:
                tf.config.set_visible_devices([], "GPU")
                return []
            if want.startswith(("cuda", "gpu")):
                if not gpus:
                    raise ConfigError(f"device {want!r} asked for, but TensorFlow sees no GPU")
                if ":" in want:
                    i = int(want.split(":", 1)[1])
                    if i >= len(gpus):
                        raise ConfigError(f"device {want!r}: only {len(gpus)} GPU(s)")
                    tf.config.set_visible_devices([gpus[i]], "GPU")
                    return [gpus[i]]
        except RuntimeError:
            raise ConfigError("TensorFlow has already initialised its devices in this process; choose the "
                              "device with CUDA_VISIBLE_DEVICES before starting Python") from None
        return tf.config.get_visible_devices("GPU")

    def _pick_strategy(self):
        tf, d = self.tf, self.cfg.distribute
        if d == "mirrored" or (d == "auto" and len(self.gpus) > 1):
            if self.gpus:
                return tf.distribute.MirroredStrategy()
            cpus = [x.name for x in tf.config.list_logical_devices("CPU")]
            return tf.distribute.MirroredStrategy(cpus)
        return tf.distribute.get_strategy()

    def _pick_precision(self, requested: str):
        """``(Keras dtype policy or None, precision, reason)``; see :mod:`inception.train.precision`."""
        gpu_bf16 = False
        if self.gpus:
            try:
                cc = self.tf.config.experimental.get_device_details(self.gpus[0]).get("compute_capability", (0, 0))
            except Exception:  # noqa: BLE001
                cc = (0, 0)
            gpu_bf16 = tuple(cc) >= (8, 0)
        try:
            p, why = choose_precision(requested, "gpu" if self.gpus else "cpu", gpu_bf16=gpu_bf16)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        return {"fp32": None, "fp16": "mixed_float16", "bf16": "mixed_bfloat16", "fp64": "float64"}[p], p, why

    def _make_optimizer(self):
        keras, cfg = self.keras, self.cfg
        from .keras_optimizers import TorchAdamW, TorchRMSprop, TorchSGD

        if cfg.optimizer == "sgd":
            opt = TorchSGD(cfg.lr, momentum=cfg.momentum, nesterov=cfg.nesterov and cfg.momentum > 0)
        elif cfg.optimizer == "rmsprop":
            opt = TorchRMSprop(cfg.lr, rho=cfg.rmsprop_rho, epsilon=cfg.rmsprop_eps, momentum=cfg.momentum)
        elif cfg.optimizer == "adamw":
            opt = TorchAdamW(cfg.lr, weight_decay=cfg.weight_decay)
            opt.exclude_from_weight_decay(var_list=[v for v in self.train_vars if not _decayed(v)])
        else:  # pragma: no cover - validated before
            raise ConfigError(f"unknown optimizer {cfg.optimizer!r}")
        if self.policy == "mixed_float16":
            opt = keras.optimizers.LossScaleOptimizer(opt)
        return opt

    def _build_steps(self) -> None:
        tf, cfg, strategy = self.tf, self.cfg, self.strategy
        model, opt, train_vars = self.model, self.optimizer, self.train_vars
        aux_w = cfg.aux_weight if cfg.aux_logits else 0.0
        ls = cfg.label_smoothing
        l2 = cfg.weight_decay if cfg.optimizer in ("sgd", "rmsprop") and cfg.weight_decay > 0 else 0.0
        decayed, replicas = self.decayed, float(self.replicas)
        scaled = hasattr(opt, "scale_loss") and self.policy == "mixed_float16"

        def replica_step(x, y, n_global):
            with tf.GradientTape() as tape:
                outputs = model(x, training=True)
                per_ex, per_ex_main = training_loss(outputs, y, aux_w, ls)
                loss = tf.reduce_sum(per_ex) / tf.cast(n_global, per_ex.dtype)
                if l2:
                    # d/dw (wd/2 |w|^2) = wd * w, PyTorch's coupled weight decay; / replicas
                    # because the replicas' gradients are summed
                    loss += 0.5 * l2 / replicas * tf.add_n([tf.reduce_sum(tf.square(tf.cast(v, loss.dtype)))
                                                            for v in decayed])
                target = opt.scale_loss(loss) if scaled else loss
            grads = tape.gradient(target, train_vars)
            opt.apply(grads, train_vars)
            main = outputs[0] if isinstance(outputs, (list, tuple)) else outputs
            correct = tf.reduce_sum(tf.cast(tf.equal(tf.argmax(main, axis=-1, output_type=tf.int64),
                                                     tf.cast(y, tf.int64)), tf.float32))
            return tf.reduce_sum(per_ex), tf.reduce_sum(per_ex_main), correct

        replica_fn = tf.function(replica_step, jit_compile=cfg.jit_compile) if cfg.jit_compile else replica_step
        SUM = tf.distribute.ReduceOp.SUM

        def train_step(batch):
            x, y = batch
            n_local = strategy.run(lambda t: tf.cast(tf.shape(t)[0], tf.float32), args=(x,))
            n = strategy.reduce(SUM, n_local, axis=None)
            loss, main_loss, correct = strategy.run(replica_fn, args=(x, y, n))
            return (strategy.reduce(SUM, loss, axis=None), strategy.reduce(SUM, main_loss, axis=None),
                    strategy.reduce(SUM, correct, axis=None), n)

        eval_model = self.eval_model

        def eval_step(batch):
            x, y = batch
            logits = strategy.run(lambda t: tf.cast(eval_model(t, training=False), tf.float32), args=(x,))
        # (float32 logits: enough for accuracy and the record, whatever the precision)
            return strategy.gather(logits, axis=0), strategy.gather(y, axis=0)

        # One trace each: the signature leaves the batch dimension open, so the last,
        # smaller batch of an epoch does not trigger a second trace (seconds each).
        train_spec = strategy.experimental_distribute_dataset(self.train_dataset(0)).element_spec
        eval_spec = strategy.experimental_distribute_dataset(self.eval_sets["val"]).element_spec
        self._train_fn = tf.function(train_step, input_signature=[train_spec])
        self._eval_fn = tf.function(eval_step, input_signature=[eval_spec])

    def _train_step(self, x, y):
        """One optimiser step on a (distributed) batch: sums of objective, main loss, correct, and the count."""
        return self._train_fn((x, y))

    def _eval_step(self, x, y):
        return self._eval_fn((x, y))

    def device_info(self) -> Dict:
        if self.gpus:
            try:
                name = self.tf.config.experimental.get_device_details(self.gpus[0]).get("device_name", "GPU")
            except Exception:  # noqa: BLE001
                name = "GPU"
            desc = f"{len(self.gpus)} x {name}" if len(self.gpus) > 1 else name
            kind = "gpu"
        else:
            name = cpu_name()
            desc = f"CPU: {name}"
            kind = "cpu"
        return {"type": kind, "name": name, "description": desc, "world_size": 1, "replicas": self.replicas,
                "strategy": type(self.strategy).__name__, "precision": self.precision,
                "precision_reason": self.precision_reason, "eval_precision": self.eval_precision,
                "jit_compile": self.cfg.jit_compile}

    def versions(self) -> Dict:
        return library_versions("keras")

    # -- training ------------------------------------------------------------
    def train_dataset(self, epoch: int):
        """Epoch ``epoch``'s batches: :func:`inception.data.draws.epoch_draws`'s order and augmentation,
        the PyTorch engine's batches to float rounding."""
        rows = self.parts["train"]
        if self.augment is None:
            ds = self._dataset_from_cache(self.cache, rows[epoch_draws(self.cfg.seed, epoch, len(rows)).order],
                                          batch_size=self.cfg.batch_size, dtype=self.dtype)
        else:
            ds = self._dataset_from_cache(self.cache, rows, batch_size=self.cfg.batch_size, augment=self.augment,
                                          draws=epoch_draws(self.cfg.seed, epoch, len(rows)),
                                          source=self.source, dtype=self.dtype)
        if self.cfg.max_steps_per_epoch:
            ds = ds.take(self.steps_per_epoch)
        return ds

    def set_lr(self, lr: float) -> None:
        self.optimizer.learning_rate = lr

    def train_epoch(self, epoch: int, desc: str = "") -> Dict:
        cfg = self.cfg
        dist_ds = self.strategy.experimental_distribute_dataset(self.train_dataset(epoch))
        steps = self.steps_per_epoch
        sums = [0.0, 0.0, 0.0, 0.0]
        pending = []
        lr = cfg.lr

        def flush():
            for t in pending:
                for j in range(4):
                    sums[j] += float(t[j])
            pending.clear()

        def postfix():
            flush()
            n = max(sums[3], 1.0)
            return {"loss": sums[0] / n, "acc": sums[2] / n, "lr": lr}

        bar = Progress(steps, desc, cfg.progress, postfix=postfix)
        start = time.perf_counter()
        for i, (x, y) in enumerate(dist_ds):  # at most `steps` batches (take() in train_dataset)
            lr = lr_at(epoch * steps + i, steps, cfg)
            self.set_lr(lr)
            pending.append(self._train_step(x, y))
            bar.update()
            faults.reached("step")
        flush()
        seconds = time.perf_counter() - start
        bar.close()
        n = max(sums[3], 1.0)
        return {"train_loss": sums[0] / n, "train_main_loss": sums[1] / n, "train_accuracy": sums[2] / n,
                "lr": lr, "seconds": seconds, "images": int(sums[3]),
                "images_per_second": sums[3] / seconds if seconds > 0 else None}

    def predict(self, part: str) -> Tuple[np.ndarray, np.ndarray, float]:
        """Main-head logits (float32), labels and seconds for ``part`` ("val" or "test")."""
        if self.eval_net is not self.model:
            for dst, src in zip(self.eval_net.variables, self.model.variables):
                dst.assign(self.tf.cast(src, dst.dtype))
        logits, labels = [], []
        start = time.perf_counter()
        for x, y in self.strategy.experimental_distribute_dataset(self.eval_sets[part]):
            lg, yy = self._eval_step(x, y)
            logits.append(lg.numpy())
            labels.append(yy.numpy())
        seconds = time.perf_counter() - start
        return np.concatenate(logits).astype(np.float32), np.concatenate(labels).astype(np.int64), seconds

    # -- checkpoints -----------------------------------------------------------
    def save_checkpoint(self, path, meta: Dict) -> None:
        import h5py

        model_vars = [(v.path, np.asarray(v.numpy())) for v in self.model.variables]
        opt_vars = [(v.path, np.asarray(v.numpy())) for v in self.optimizer.variables]

        buf = io.BytesIO()
        with h5py.File(buf, "w") as f:
            f.attrs["format"] = CHECKPOINT_FORMAT
            f.attrs["meta"] = json.dumps(meta)
            for group, items in (("model", model_vars), ("optimizer", opt_vars)):
                g = f.create_group(group)
                for i, (name, value) in enumerate(items):
                    d = g.create_dataset(f"{i:05d}", data=value)
                    d.attrs["path"] = name
        write_checkpoint_bytes(path, buf.getvalue())

    def read_checkpoint(self, path) -> Tuple[Dict, Dict]:
        import h5py

        try:
            with h5py.File(path, "r") as f:
                if f.attrs.get("format") != CHECKPOINT_FORMAT:
                    raise ConfigError(f"{path} is not a checkpoint of this trainer")
                meta = json.loads(f.attrs["meta"])
                state = {g: [(f[g][k].attrs["path"], f[g][k][()]) for k in sorted(f[g])]
                         for g in ("model", "optimizer")}
        except (OSError, KeyError) as exc:
            raise ConfigError(f"checkpoint {path} is unreadable ({exc}); delete it or pass --overwrite") from None
        return meta, state

    def restore(self, state: Dict) -> None:
        for group, variables in (("model", self.model.variables), ("optimizer", self.optimizer.variables)):
            saved = state[group]
            if len(saved) != len(variables):
                raise ConfigError(f"checkpoint has {len(saved)} {group} variables, the {group} has {len(variables)}")
            for (name, value), v in zip(saved, variables):
                if tuple(value.shape) != tuple(v.shape):
                    raise ConfigError(f"checkpoint variable {name} has shape {value.shape}, {v.path} has {tuple(v.shape)}")
                v.assign(value)

    def close(self) -> None:
        pass


def load_checkpoint_model(path, image_size=None):
    """The trained Keras model of a checkpoint, and its configuration.

    ``image_size`` builds the model for another square input (default: the
    training size); the weights do not depend on it, only the static shapes do.
    """
    import h5py

    with h5py.File(path, "r") as f:
        if f.attrs.get("format") != CHECKPOINT_FORMAT:
            raise ConfigError(f"{path} is not a checkpoint of this trainer")
        meta = json.loads(f.attrs["meta"])
        values = [f["model"][k][()] for k in sorted(f["model"])]
    cfg = TrainConfig.from_dict(meta["config"])
    from ..data import CLASSES
    from ..keras import googlenet

    size = int(image_size or cfg.image_size)
    if cfg.model == "googlenet":
        model = googlenet(cfg.variant, len(CLASSES), cfg.aux_logits, input_shape=(size, size, 3),
                          dropout=cfg.dropout, aux_dropout=cfg.aux_dropout,
                          transform_input=cfg.pretrained is not None)
    else:
        model = build_model(cfg.replace(image_size=size), len(CLASSES))
    for v, value in zip(model.variables, values):
        v.assign(value)
    return model, cfg
