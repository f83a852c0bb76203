"""Named arrays into a PyTorch model, and out of it.

The checkpoint is read and checked by :mod:`inception.weights` (one strict
check for both frameworks); here each array is copied to the parameter or
buffer of the same name. PyTorch's layout is the exchange format, so no
conversion is needed on this side.
"""

from __future__ import annotations

from typing import Dict, Mapping, Optional

import numpy as np
import torch
from torch import nn

from ..weights import WeightsError, check_weights_spec, match_state, read_weights

__all__ = ["load_weights", "assign_state", "export_state"]


def export_state(model: nn.Module) -> Dict[str, np.ndarray]:
    """The model's state dict as NumPy arrays (PyTorch's names and layout)."""
    return {k: v.detach().cpu().numpy() for k, v in model.state_dict().items()}


def assign_state(model: nn.Module, arrays: Mapping[str, object]) -> nn.Module:
    """Copy ``arrays`` (a subset of the state dict's names) into ``model``;
    the other entries keep their values. A shape that differs raises
    :class:`~inception.weights.WeightsError` naming it."""
    own = model.state_dict()
    for k, v in arrays.items():
        if k not in own:
            raise WeightsError(f"{k}: the model has no such parameter or buffer")
        if tuple(v.shape) != tuple(own[k].shape):
            raise WeightsError(f"{k}: shape {tuple(v.shape)} does not fit {tuple(own[k].shape)}")
    merged = {k: torch.as_tensor(arrays[k], dtype=own[k].dtype) if k in arrays else v for k, v in own.items()}
    model.load_state_dict(merged, strict=True)
    return model


def load_weights(model: nn.Module, weights, skip_classifier: Optional[bool] = None) -> nn.Module:
    """Load ``weights`` (``"imagenet"``, a ``.pth``/``.npz`` path or a state
    dict) into a model of :mod:`inception.torch`, strictly (see
    :func:`inception.weights.match_state`: auxiliary heads, classifiers of
    another width)."""
    check_weights_spec(model.spec, weights)
    state = read_weights(weights, model.spec.name)
    own = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    return assign_state(model, match_state(own, state, model.spec, skip_classifier))
