"""Named arrays into a Keras model, and out of it.

The arrays are in PyTorch's state-dict names and layout, the exchange
format of :mod:`inception.weights` (which reads a checkpoint and holds the
one strict check). Each Keras variable is assigned from the key of the same
layer name, through a layout hook: keras-hub's
``port_weight(keras_variable, key, hook_fn)`` pattern. Nothing here imports
torch.
"""

from __future__ import annotations

from typing import Dict, Iterator, Mapping, Optional, Tuple

import keras
import numpy as np

from ..weights import (
    WeightsError,
    check_weights_spec,
    conv_kernel_to_keras,
    conv_kernel_to_torch,
    dense_kernel_to_keras,
    dense_kernel_to_torch,
    match_state,
    read_weights,
    to_numpy,
)

__all__ = ["load_weights", "assign_state", "export_state", "torch_shapes", "port_weight"]

# Keras variable -> (PyTorch key suffix, to Keras layout, to PyTorch layout)
_CONV = (("kernel", "weight", conv_kernel_to_keras, conv_kernel_to_torch), ("bias", "bias", None, None))
_DENSE = (("kernel", "weight", dense_kernel_to_keras, dense_kernel_to_torch), ("bias", "bias", None, None))
_BN = (("gamma", "weight", None, None), ("beta", "bias", None, None),
       ("moving_mean", "running_mean", None, None), ("moving_variance", "running_var", None, None))


def _ports(layer):
    if isinstance(layer, keras.layers.Conv2D):
        return _CONV
    if isinstance(layer, keras.layers.Dense):
        return _DENSE
    if isinstance(layer, keras.layers.BatchNormalization):
        return _BN
    raise WeightsError(f"don't know how to port weights of {type(layer).__name__} layer {layer.name!r}")


def _variables(model) -> Iterator[Tuple[str, object, object, object]]:
    """(PyTorch key, Keras variable, to-Keras hook, to-PyTorch hook) for every
    weight of every layer (nested models included)."""
    for layer in model.layers:
        if hasattr(layer, "layers") and layer.weights:  # a nested model
            yield from _variables(layer)
            continue
        if not layer.weights:
            continue
        for attr, suffix, to_keras, to_torch in _ports(layer):
            var = getattr(layer, attr, None)
            if var is not None:  # no bias, or scale=False: no gamma
                yield f"{layer.name}.{suffix}", var, to_keras, to_torch


def port_weight(variable, value, hook=None, where: str = "") -> None:
    """Assign ``hook(value)`` (a PyTorch-layout array) to a Keras variable,
    checking the shape."""
    value = to_numpy(value)
    value = hook(value) if hook else value
    if tuple(variable.shape) != tuple(value.shape):
        raise WeightsError(
            f"{where}: shape {tuple(value.shape)} does not fit {tuple(variable.shape)}; "
            "were both models built with the same arguments (input size, classes)?"
        )
    variable.assign(value.astype(np.float32))


def torch_shapes(model) -> Dict[str, tuple]:
    """The model's weights as ``{PyTorch key: PyTorch-layout shape}``."""
    out = {}
    for key, var, _, to_torch in _variables(model):
        shape = tuple(var.shape)
        out[key] = to_torch(np.empty(shape, np.float32)).shape if to_torch else shape
    return out


def assign_state(model, arrays: Mapping[str, object], strict: bool = True):
    """Assign PyTorch-named ``arrays`` to the model's variables. ``strict``:
    every variable must be given; otherwise absent keys keep their values."""
    for key, var, to_keras, _ in _variables(model):
        if key in arrays:
            port_weight(var, arrays[key], to_keras, key)
        elif strict:
            raise WeightsError(f"{key}: no array for this weight")
    return model


def export_state(model) -> Dict[str, np.ndarray]:
    """The model's weights as PyTorch-named, PyTorch-layout arrays."""
    return {key: (to_torch(np.asarray(var.numpy())) if to_torch else np.asarray(var.numpy()))
            for key, var, _, to_torch in _variables(model)}


def load_weights(model, weights, skip_classifier: Optional[bool] = None):
    """Load ``weights`` (``"imagenet"``, a ``.npz`` or ``.pth`` path, or a
    PyTorch state dict) into a model of :mod:`inception.keras`, strictly,
    with the checks of :func:`inception.weights.match_state`. Skipped
    classifiers keep the model's fresh initialisation."""
    check_weights_spec(model.spec, weights)
    state = read_weights(weights, model.spec.name)
    return assign_state(model, match_state(torch_shapes(model), state, model.spec, skip_classifier),
                        strict=False)
