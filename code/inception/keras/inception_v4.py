"""Inception-v4 in Keras 3, the twin of :mod:`inception.torch.inception_v4`
(same spec, same layer names: timm's module paths)."""

from __future__ import annotations

from typing import Optional, Sequence

import keras

from ..versions.spec import VersionSpec, inception_v4_spec
from .versions import build, input_shape_for

__all__ = ["inception_v4"]


def inception_v4(
    num_classes: int = 1000,
    aux_logits: bool = False,
    *,
    input_shape: Optional[Sequence[int]] = None,
    input_size: Optional[int] = None,
    dropout: float = 0.2,
    bn_scale: bool = True,
    transform_input: bool = False,
    weights=None,
    spec: Optional[VersionSpec] = None,
    name: str = "inception_v4",
) -> keras.Model:
    """Build Inception-v4 as a functional ``keras.Model`` (channels-last).

    Same arguments as :func:`inception.torch.inception_v4`, plus
    ``input_shape`` (default ``(299, 299, 3)``) or ``input_size``.
    ``weights``: a PyTorch checkpoint path or state dict (e.g. timm's),
    loaded into the PyTorch twin and ported by name.
    """
    if spec is None:
        shape = input_shape_for(inception_v4_spec(), input_shape, input_size)
        spec = inception_v4_spec(num_classes, aux_logits, dropout=dropout, bn_scale=bn_scale, in_channels=shape[2])
    model = build(spec, input_shape, input_size, transform_input=transform_input, name=name)
    if weights is not None:
        from ..port import torch_to_keras
        from ..torch.inception_v4 import inception_v4 as torch_inception_v4

        torch_to_keras(torch_inception_v4(spec=spec, weights=weights, init_weights=False), model)
    return model
