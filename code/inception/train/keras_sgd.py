"""PyTorch's SGD with momentum, as a Keras optimizer.

The two libraries write momentum differently::

    PyTorch:  b <- mu * b + g              w <- w - lr * (g + mu * b)   (Nesterov)
                                           w <- w - lr * b              (plain)
    Keras:    m <- mu * m - lr * g         w <- w + mu * m - lr * g     (Nesterov)

With a constant learning rate the two are the same algorithm (``m = -lr * b``).
With a rate that changes from step to step, as the one-cycle schedule's does,
they are not: Keras folds each step's rate into the buffer, so past gradients
keep the rate they were taken with, while PyTorch applies today's rate to the
whole buffer. The Keras engine uses this optimizer, PyTorch's update, so the
two engines take the same steps under any schedule.
"""

from __future__ import annotations

import keras
from keras import ops

__all__ = ["TorchSGD"]


@keras.saving.register_keras_serializable(package="inception")
class TorchSGD(keras.optimizers.Optimizer):
    """``torch.optim.SGD(momentum=mu, nesterov=...)`` (dampening 0) in Keras.

    Weight decay is left to the loss (the engine adds ``wd / 2 * |w|^2``,
    whose gradient is PyTorch's coupled ``wd * w``).
    """

    def __init__(self, learning_rate=0.01, momentum=0.9, nesterov=False, name="torch_sgd", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if not 0 <= float(momentum) < 1:
            raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
        if nesterov and not momentum:
            raise ValueError("Nesterov momentum needs momentum > 0")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self.momentums = self.add_optimizer_variables(variables, "momentum") if self.momentum else []

    def update_step(self, gradient, variable, learning_rate):
        lr = ops.cast(learning_rate, variable.dtype)
        g = ops.cast(gradient, variable.dtype)
        if not self.momentum:
            self.assign_sub(variable, ops.multiply(g, lr))
            return
        mu = ops.convert_to_tensor(self.momentum, dtype=variable.dtype)  # not via float32
        b = self.momentums[self._get_variable_index(variable)]
        self.assign(b, ops.add(ops.multiply(b, mu), g))
        step = ops.add(g, ops.multiply(b, mu)) if self.nesterov else b
        self.assign_sub(variable, ops.multiply(step, lr))

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
