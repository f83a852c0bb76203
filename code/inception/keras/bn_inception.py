"""BN-Inception ("Inception-v2") in Keras 3, the twin of
:mod:`inception.torch.bn_inception` (same spec, same layer names)."""

from __future__ import annotations

from typing import Optional, Sequence

import keras

from ..spec.layers import NetworkSpec as VersionSpec
from ..spec.versions import bn_inception_spec
from .network import build, input_shape_for

__all__ = ["bn_inception"]


def bn_inception(
    num_classes: int = 1000,
    *,
    input_shape: Optional[Sequence[int]] = None,
    input_size: Optional[int] = None,
    conv_bias: bool = False,
    dropout: float = 0.0,
    bn_scale: bool = True,
    transform_input: bool = False,
    weights=None,
    spec: Optional[VersionSpec] = None,
    name: str = "bn_inception",
) -> keras.Model:
    """Build BN-Inception as a functional ``keras.Model`` (channels-last).

    Same arguments as :func:`inception.torch.bn_inception`, plus
    ``input_shape`` (default ``(224, 224, 3)``) or ``input_size``.
    """
    if spec is None:
        shape = input_shape_for(bn_inception_spec(), input_shape, input_size)
        spec = bn_inception_spec(num_classes, conv_bias=conv_bias, dropout=dropout, bn_scale=bn_scale,
                                 in_channels=shape[2])
    return build(spec, input_shape, input_size, transform_input=transform_input, name=name,
                 weights=weights)
