"""PyTorch's optimisers, as Keras optimizers: the Keras engine takes PyTorch's steps.

The two libraries write the same three optimisers differently, and the
differences matter as soon as the learning rate moves or a gradient is small:

* **SGD with momentum.** ::

      PyTorch:  b <- mu * b + g              w <- w - lr * (g + mu * b)   (Nesterov)
                                             w <- w - lr * b              (plain)
      Keras:    m <- mu * m - lr * g         w <- w + mu * m - lr * g     (Nesterov)

  With a constant learning rate the two are the same algorithm (``m = -lr * b``).
  With a rate that changes from step to step, as the one-cycle schedule's does,
  they are not: Keras folds each step's rate into the buffer, so past gradients
  keep the rate they were taken with, while PyTorch applies today's rate to the
  whole buffer.
* **RMSprop.** PyTorch divides by ``sqrt(v) + eps``, Keras (and TensorFlow, and
  so Inception v3's recipe) by ``sqrt(v + eps)``; with momentum, Keras again
  folds the rate into the buffer. With Inception v3's ``eps = 1.0`` the two
  steps differ by up to a factor of ``sqrt(2)`` (where ``v = 1``).
* **AdamW.** PyTorch adds ``eps`` to ``sqrt(v_hat)``, the bias-corrected
  average; Keras adds it to ``sqrt(v)`` and corrects afterwards, so its ``eps``
  is in effect ``1 / sqrt(1 - beta2^t)`` times larger in the first steps (about
  30x at the first step with ``beta2 = 0.999``), and parameters whose gradients
  are not much larger than ``eps`` take smaller steps than in PyTorch. The decoupled weight decay
  ``w <- w * (1 - lr * wd)`` comes first in both.

The Keras engine uses these classes, PyTorch's updates, so the two engines take
the same steps under any schedule. Weight decay: SGD and RMSprop leave it to the
loss (the engine adds ``wd / 2 * |w|^2``, whose gradient is PyTorch's coupled
``wd * w``); :class:`TorchAdamW` decays the variables that are not excluded with
``exclude_from_weight_decay``, as Keras' own AdamW does.
"""

from __future__ import annotations

import keras
from keras import ops

__all__ = ["TorchSGD", "TorchRMSprop", "TorchAdamW"]


def _momentum(value) -> float:
    if not 0 <= float(value) < 1:
        raise ValueError(f"momentum must be in [0, 1), got {value!r}")
    return float(value)


def _const(value, variable):
    """A Python float as a tensor of the variable's dtype (not via float32)."""
    return ops.convert_to_tensor(value, dtype=variable.dtype)


@keras.saving.register_keras_serializable(package="inception")
class TorchSGD(keras.optimizers.Optimizer):
    """``torch.optim.SGD(momentum=mu, nesterov=...)`` (dampening 0) in Keras."""

    def __init__(self, learning_rate=0.01, momentum=0.9, nesterov=False, name="torch_sgd", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.momentum = _momentum(momentum)
        if nesterov and not self.momentum:
            raise ValueError("Nesterov momentum needs momentum > 0")
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
        mu = _const(self.momentum, variable)
        b = self.momentums[self._get_variable_index(variable)]
        self.assign(b, ops.add(ops.multiply(b, mu), g))                    # b <- mu b + g
        step = ops.add(g, ops.multiply(b, mu)) if self.nesterov else b
        self.assign_sub(variable, ops.multiply(step, lr))                 # w <- w - lr step

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config


@keras.saving.register_keras_serializable(package="inception")
class TorchRMSprop(keras.optimizers.Optimizer):
    """``torch.optim.RMSprop(alpha=rho, eps=eps, momentum=mu)`` (not centred) in Keras::

        v <- rho v + (1 - rho) g^2
        b <- mu b + g / (sqrt(v) + eps)      w <- w - lr b       (mu > 0)
                                             w <- w - lr g / (sqrt(v) + eps)
    """

    def __init__(self, learning_rate=0.01, rho=0.99, epsilon=1e-8, momentum=0.0, name="torch_rmsprop",
                 **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if not 0 <= float(rho) < 1:
            raise ValueError(f"rho must be in [0, 1), got {rho!r}")
        if not float(epsilon) > 0:
            raise ValueError(f"epsilon must be positive, got {epsilon!r}")
        self.rho, self.epsilon, self.momentum = float(rho), float(epsilon), _momentum(momentum)

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self.velocities = self.add_optimizer_variables(variables, "velocity")
        self.momentums = self.add_optimizer_variables(variables, "momentum") if self.momentum else []

    def update_step(self, gradient, variable, learning_rate):
        lr = ops.cast(learning_rate, variable.dtype)
        g = ops.cast(gradient, variable.dtype)
        i = self._get_variable_index(variable)
        v = self.velocities[i]
        rho = _const(self.rho, variable)
        self.assign(v, ops.add(ops.multiply(v, rho), ops.multiply(ops.square(g), _const(1 - self.rho, variable))))
        scaled = ops.divide(g, ops.add(ops.sqrt(v), _const(self.epsilon, variable)))
        if not self.momentum:
            self.assign_sub(variable, ops.multiply(scaled, lr))
            return
        b = self.momentums[i]
        self.assign(b, ops.add(ops.multiply(b, _const(self.momentum, variable)), scaled))
        self.assign_sub(variable, ops.multiply(b, lr))

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon, "momentum": self.momentum})
        return config


@keras.saving.register_keras_serializable(package="inception")
class TorchAdamW(keras.optimizers.Optimizer):
    """``torch.optim.AdamW(betas=(beta_1, beta_2), eps=eps, weight_decay=wd)`` in Keras::

        w <- w (1 - lr wd)                     (variables not excluded from decay)
        m <- m + (1 - beta1) (g - m)           v <- beta2 v + (1 - beta2) g^2
        w <- w - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 name="torch_adamw", **kwargs):
        # The base class's decay (w - w wd lr, before the step) is replaced by
        # PyTorch's product form in update_step; exclusions use its bookkeeping.
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        for label, b in (("beta_1", beta_1), ("beta_2", beta_2)):
            if not 0 <= float(b) < 1:
                raise ValueError(f"{label} must be in [0, 1), got {b!r}")
        if float(weight_decay) < 0:
            raise ValueError(f"weight_decay must be >= 0, got {weight_decay!r}")
        self.decoupled_weight_decay = float(weight_decay)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self.momentums = self.add_optimizer_variables(variables, "momentum")
        self.velocities = self.add_optimizer_variables(variables, "velocity")

    def update_step(self, gradient, variable, learning_rate):
        lr = ops.cast(learning_rate, variable.dtype)
        g = ops.cast(gradient, variable.dtype)
        i = self._get_variable_index(variable)
        m, v = self.momentums[i], self.velocities[i]
        if self.decoupled_weight_decay and self._use_weight_decay(variable):
            self.assign(variable, ops.multiply(
                variable, ops.subtract(_const(1.0, variable),
                                       ops.multiply(lr, _const(self.decoupled_weight_decay, variable)))))
        t = ops.cast(self.iterations + 1, variable.dtype)
        self.assign_add(m, ops.multiply(ops.subtract(g, m), _const(1 - self.beta_1, variable)))
        self.assign(v, ops.add(ops.multiply(v, _const(self.beta_2, variable)),
                               ops.multiply(ops.square(g), _const(1 - self.beta_2, variable))))
        correction1 = ops.subtract(_const(1.0, variable), ops.power(_const(self.beta_1, variable), t))
        correction2 = ops.subtract(_const(1.0, variable), ops.power(_const(self.beta_2, variable), t))
        denom = ops.add(ops.divide(ops.sqrt(v), ops.sqrt(correction2)), _const(self.epsilon, variable))
        self.assign_sub(variable, ops.multiply(ops.divide(lr, correction1), ops.divide(m, denom)))

    def get_config(self):
        config = super().get_config()
        config.update({"weight_decay": self.decoupled_weight_decay, "beta_1": self.beta_1,
                       "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
