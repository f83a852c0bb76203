"""Small Keras layers that PyTorch has and Keras lacks.

Each reproduces PyTorch's arithmetic exactly, so that ported weights give the
same outputs (see the tests in ``tests/test_port.py``).
"""

from __future__ import annotations

import math

import keras
from keras import ops

__all__ = ["LocalResponseNorm", "AdaptiveAveragePooling2D", "ChannelAffine", "TorchBatchNorm"]


@keras.saving.register_keras_serializable(package="inception")
class LocalResponseNorm(keras.layers.Layer):
    """Local response normalisation across channels, PyTorch's convention.

    ``b_c = a_c / (k + alpha / size * sum_{c'} a_{c'}^2) ** beta`` with the
    sum over ``size`` channels around ``c`` (``size // 2`` before,
    ``(size - 1) // 2`` after, zero-padded). ``tf.nn.local_response_normalization``
    differs in two ways: its ``alpha`` is not divided by the window size, and
    its window is given as a radius (``depth_radius = (size - 1) / 2``). We
    implement the PyTorch form with ``keras.ops`` so that it runs on any backend.
    """

    def __init__(self, size=5, alpha=1e-4, beta=0.75, k=1.0, **kwargs):
        super().__init__(**kwargs)
        self.size, self.alpha, self.beta, self.k = int(size), float(alpha), float(beta), float(k)

    def call(self, x):
        sq = ops.square(x)
        channels = x.shape[-1]
        before, after = self.size // 2, (self.size - 1) // 2
        padded = ops.pad(sq, [[0, 0], [0, 0], [0, 0], [before, after]])
        window = padded[..., 0:channels]
        for i in range(1, self.size):
            window = window + padded[..., i : i + channels]
        div = ops.power(self.k + (self.alpha / self.size) * window, self.beta)
        return x / div

    def get_config(self):
        return {**super().get_config(), "size": self.size, "alpha": self.alpha, "beta": self.beta, "k": self.k}


@keras.saving.register_keras_serializable(package="inception")
class AdaptiveAveragePooling2D(keras.layers.Layer):
    """PyTorch's ``adaptive_avg_pool2d`` for channels-last input of known size.

    Output cell ``i`` averages input rows ``floor(i * H / out)`` to
    ``ceil((i + 1) * H / out)``: windows that may overlap and differ in size
    when ``H`` is not a multiple of ``out`` (14 -> 4 at 224 input), which no
    fixed-window Keras pool reproduces.
    """

    def __init__(self, output_size=4, **kwargs):
        super().__init__(**kwargs)
        self.output_size = int(output_size)

    @staticmethod
    def _bins(size, out):
        return [(math.floor(i * size / out), math.ceil((i + 1) * size / out)) for i in range(out)]

    def call(self, x):
        h, w = x.shape[1], x.shape[2]
        if h is None or w is None:
            raise ValueError("AdaptiveAveragePooling2D needs a known input height and width.")
        rows = []
        for r0, r1 in self._bins(h, self.output_size):
            cols = [ops.mean(x[:, r0:r1, c0:c1, :], axis=(1, 2)) for c0, c1 in self._bins(w, self.output_size)]
            rows.append(ops.stack(cols, axis=1))
        return ops.stack(rows, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_size, self.output_size, input_shape[3])

    def get_config(self):
        return {**super().get_config(), "output_size": self.output_size}


@keras.saving.register_keras_serializable(package="inception")
class ChannelAffine(keras.layers.Layer):
    """``x * scale + shift`` per channel, with fixed (non-weight) constants.
    Used for torchvision's ``transform_input``."""

    def __init__(self, scale, shift, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.shift = [float(s) for s in scale], [float(s) for s in shift]

    def call(self, x):
        scale = ops.convert_to_tensor(self.scale, dtype=x.dtype)
        shift = ops.convert_to_tensor(self.shift, dtype=x.dtype)
        return x * scale + shift

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "shift": self.shift}


@keras.saving.register_keras_serializable(package="inception")
class TorchBatchNorm(keras.layers.BatchNormalization):
    """Batch normalisation with PyTorch's running statistics.

    Both frameworks normalise a training batch with its biased variance
    (divide by ``n``). They differ in what they remember for inference:
    PyTorch's ``BatchNorm2d`` folds the *unbiased* variance (divide by
    ``n - 1``) into ``running_var``, Keras the biased one. This layer does what
    PyTorch does, so that the two frameworks' running statistics agree after
    any number of training steps. ``momentum`` is Keras' (``1 -`` PyTorch's).
    """

    def call(self, inputs, training=None, mask=None):
        if not (training and self.trainable) or mask is not None or self.renorm:
            return super().call(inputs, training=training, mask=mask)
        compute_dtype = keras.backend.result_type(inputs.dtype, "float32")
        x = ops.cast(inputs, compute_dtype)
        mean, variance = self._moments(x, None)
        n = 1
        for a in self._reduction_axes:
            n = n * ops.shape(x)[a]
        n = ops.cast(n, compute_dtype)
        unbiased = variance * n / ops.maximum(n - 1, 1)
        m = self.momentum
        self.moving_mean.assign(ops.cast(
            ops.cast(self.moving_mean, compute_dtype) * m + mean * (1.0 - m), self.moving_mean.dtype))
        self.moving_variance.assign(ops.cast(
            ops.cast(self.moving_variance, compute_dtype) * m + unbiased * (1.0 - m),
            self.moving_variance.dtype))
        gamma = ops.cast(self.gamma, compute_dtype) if self.scale else None
        beta = ops.cast(self.beta, compute_dtype) if self.center else None
        out = ops.batch_normalization(x, mean, variance, axis=self.axis, offset=beta, scale=gamma,
                                      epsilon=self.epsilon)
        return ops.cast(out, self.compute_dtype)

