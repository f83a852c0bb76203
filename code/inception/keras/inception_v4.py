"""Inception-v4 in Keras 3, the twin of :mod:`inception.torch.inception_v4`
(same spec, same layer names: timm's module paths)."""

from __future__ import annotations

from typing import Optional, Sequence

import keras

from ..spec.layers import NetworkSpec as VersionSpec
from ..spec.versions import inception_v4_spec
from .network import build, input_shape_for

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
    ``weights``: a ``.pth`` or ``.npz`` checkpoint path or a PyTorch state
    dict (e.g. timm's), assigned by name (:mod:`inception.keras.weights`).
    """
    if spec is None:
        shape = input_shape_for(inception_v4_spec(), input_shape, input_size)
        spec = inception_v4_spec(num_classes, aux_logits, dropout=dropout, bn_scale=bn_scale, in_channels=shape[2])
    return build(spec, input_shape, input_size, transform_input=transform_input, name=name,
                 weights=weights)
