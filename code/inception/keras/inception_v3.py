"""Inception-v3 in Keras 3, the twin of :mod:`inception.torch.inception_v3`
(same spec, same layer names, same counts: 27,161,264 trainable weights with
the auxiliary head, plus 36,224 batch-norm moving statistics).

keras.applications' ``InceptionV3`` is the same network with batch norm
without scale and generated layer names; ``bn_scale=False, aux_logits=False``
reproduces its 23,851,784 weights exactly (see
:func:`inception.course.versions.reference.keras_applications_v3_comparison`).
"""

from __future__ import annotations

from typing import Optional, Sequence

import keras

from ..spec.layers import NetworkSpec as VersionSpec
from ..spec.versions import inception_v3_spec
from .network import build, input_shape_for

__all__ = ["inception_v3"]


def inception_v3(
    num_classes: int = 1000,
    aux_logits: bool = True,
    *,
    input_shape: Optional[Sequence[int]] = None,
    input_size: Optional[int] = None,
    transform_input: Optional[bool] = None,
    dropout: float = 0.5,
    bn_scale: bool = True,
    weights=None,
    spec: Optional[VersionSpec] = None,
    name: str = "inception_v3",
) -> keras.Model:
    """Build Inception-v3 as a functional ``keras.Model`` (channels-last).

    Same arguments as :func:`inception.torch.inception_v3`, plus
    ``input_shape`` (``(H, W, C)``, default ``(299, 299, 3)``) or its square
    shortcut ``input_size``. The auxiliary head needs at least 299x299;
    without it the network runs from 75x75. Outputs ``[logits, aux]`` with
    ``aux_logits=True``, else ``logits``. ``weights``: ``"imagenet"``
    (torchvision's checkpoint), a ``.pth`` or ``.npz`` path or a PyTorch
    state dict, assigned by name (:mod:`inception.keras.weights`; torch is
    imported only to read a ``.pth``).
    """
    if transform_input is None:
        transform_input = weights == "imagenet"
    if spec is None:
        shape = input_shape_for(inception_v3_spec(), input_shape, input_size)
        spec = inception_v3_spec(num_classes, aux_logits, dropout=dropout, bn_scale=bn_scale, in_channels=shape[2])
    return build(spec, input_shape, input_size, transform_input=transform_input, name=name,
                 weights=weights)
