"""Would a fused batch norm speed up the Keras engine, with the same numbers?

:class:`inception.keras.layers.TorchBatchNorm` computes a training batch's
statistics with separate operations (mean, variance, normalise: several passes
over every activation, forwards and backwards). TensorFlow's fused batch norm
(``FusedBatchNormV3``, oneDNN's on a CPU) does it in one kernel each way, and
its running variance is already PyTorch's unbiased one. This script patches
the layer's training call with the fused kernel *in this process only*, builds
the Keras engine twice from the same seed (as is, fused), checks that one step
on the same batch gives the same loss, weights and running statistics, and
times both in interleaved rounds.

    python benchmarks/keras_fused_bn.py [--image-size 128] [--steps 2] [--rounds 2]
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import inception  # noqa: E402,F401

from bench_models import Timed, engine_config, probe_parser, set_threads, time_rounds  # noqa: E402


def fused_call(original):
    import tensorflow as tf

    def call(self, inputs, training=None, mask=None):
        if (not getattr(self, "fused_for_probe", False) or not (training and self.trainable) or mask is not None or self.renorm
                or inputs.dtype == tf.float64 or self.axis not in (-1, len(inputs.shape) - 1)
                or len(inputs.shape) != 4):
            return original(self, inputs, training=training, mask=mask)
        c = inputs.shape[-1]
        gamma = tf.cast(self.gamma, tf.float32) if self.scale else tf.ones([c], tf.float32)
        beta = tf.cast(self.beta, tf.float32) if self.center else tf.zeros([c], tf.float32)
        y, mean, var = tf.compat.v1.nn.fused_batch_norm(inputs, gamma, beta, epsilon=self.epsilon,
                                                        data_format="NHWC", is_training=True)
        m = self.momentum  # var: the unbiased batch variance, PyTorch's running statistic
        self.moving_mean.assign(tf.cast(tf.cast(self.moving_mean, tf.float32) * m + mean * (1.0 - m),
                                        self.moving_mean.dtype))
        self.moving_variance.assign(tf.cast(tf.cast(self.moving_variance, tf.float32) * m + var * (1.0 - m),
                                            self.moving_variance.dtype))
        return tf.cast(y, self.compute_dtype)
    return call


def main(argv=None):
    a = probe_parser(__doc__, "keras_fused_bn.json", rounds=2).parse_args(argv)
    set_threads(a.threads)
    import numpy as np
    import tensorflow as tf

    from inception.data.synthetic import make_synthetic_ucmerced
    from inception.keras.layers import TorchBatchNorm
    from inception.train.loop import make_engine

    size, batch = a.image_size, a.batch_size
    out = {"image_size": size, "batch_size": batch, "threads": a.threads, "load_average_before": list(os.getloadavg())}
    original = TorchBatchNorm.call
    with tempfile.TemporaryDirectory() as tmp:
        data = make_synthetic_ucmerced(Path(tmp) / "data", per_class=3, size=size)
        cfg = engine_config("keras", data, Path(tmp), size, batch)
        TorchBatchNorm.call = fused_call(original)  # only on layers marked below, in this process
        plain = make_engine(cfg)
        fused = make_engine(cfg)
        marked = 0
        for layer in fused.model._flatten_layers():
            if isinstance(layer, TorchBatchNorm):
                layer.fused_for_probe = True
                marked += 1
        out["fused_layers"] = marked
        rng = np.random.default_rng(0)
        x = tf.constant(rng.standard_normal((batch, size, size, 3)).astype(np.float32))
        y = tf.constant(rng.integers(0, 21, batch))
        w0 = [v.numpy() for v in plain.model.variables]
        assert all(np.array_equal(u, v.numpy()) for u, v in zip(w0, fused.model.variables)), "different inits"
        la = [float(v) for v in plain._train_step(x, y)]
        lb = [float(v) for v in fused._train_step(x, y)]
        diffs, changes = {}, {}
        for va, vb, v0 in zip(plain.model.variables, fused.model.variables, w0):
            kind = "running statistics" if "moving" in va.path else "weights"
            d = float(np.max(np.abs(va.numpy() - vb.numpy())))
            c = float(np.max(np.abs(va.numpy() - v0)))
            diffs[kind] = max(diffs.get(kind, 0.0), d)
            changes[kind] = max(changes.get(kind, 0.0), c)
        out["one_step"] = {"loss_as_is": la[0] / batch, "loss_fused": lb[0] / batch,
                           "max_abs_difference": diffs, "max_abs_change_in_the_step": changes}
        print(json.dumps(out["one_step"], indent=1), flush=True)
        benches = [Timed("keras_step_as_is", batch, lambda: [float(v) for v in plain._train_step(x, y)]),
                   Timed("keras_step_fused_bn", batch, lambda: [float(v) for v in fused._train_step(x, y)])]
        med, samples = time_rounds(benches, a.steps, a.rounds, warmup=1)
        out["images_per_second"], out["samples"] = med, samples
        out["speedup"] = med["keras_step_fused_bn"] / med["keras_step_as_is"]
    out["load_average_after"] = list(os.getloadavg())
    print(json.dumps(out, indent=1))
    a.out.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
