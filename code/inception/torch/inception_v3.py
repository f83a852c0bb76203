"""Inception-v3 in PyTorch (Szegedy et al. 2016, "Rethinking the Inception
Architecture for Computer Vision"), built from
:func:`inception.spec.inception_v3_spec`.

Module paths, batch norm (eps 0.001), average pools (``count_include_pad``)
and the auxiliary head are torchvision's, so
``torchvision.models.inception_v3(weights=None, aux_logits=True,
init_weights=True).state_dict()`` loads with ``strict=True`` and the outputs
match (tested). 27,161,264 parameters with the auxiliary head, 23,834,568
without (1000 classes), as torchvision reports.
"""

from __future__ import annotations

from typing import Optional

from ..spec.layers import NetworkSpec as VersionSpec
from ..spec.versions import inception_v3_spec
from .network import InceptionNet, build

__all__ = ["inception_v3"]


def inception_v3(
    num_classes: int = 1000,
    aux_logits: bool = True,
    *,
    transform_input: Optional[bool] = None,
    dropout: float = 0.5,
    bn_scale: bool = True,
    init_weights: bool = True,
    weights=None,
    spec: Optional[VersionSpec] = None,
) -> InceptionNet:
    """Build Inception-v3 in PyTorch.

    Args:
        num_classes: classifier width (and the auxiliary head's).
        aux_logits: attach the auxiliary classifier on ``Mixed_6e``; the model
            then returns ``(logits, aux)`` in training and in eval. It needs
            an input of at least 299x299 (its 5x5 conv needs a 17x17 grid);
            without it the network runs from 75x75.
        transform_input: torchvision's input transform (ImageNet
            normalisation to the (x - 0.5) / 0.5 Google's weights expect);
            ``None``: on when ``weights="imagenet"``, as torchvision does.
        dropout: before the classifier (torchvision: 0.5).
        bn_scale: batch norm with a scale (torchvision); ``False`` drops it
            (keras.applications, TF-slim).
        init_weights: torchvision's initialisation (truncated normal, std 0.1).
        weights: ``"imagenet"`` (torchvision's ``IMAGENET1K_V1``, the
            Google-trained model, URL in :mod:`inception.spec.registry`), a
            ``.pth``/``.npz`` path, or a state dict; loaded strictly.
        spec: a ready-made spec (overrides the arguments that shape it).
    """
    if transform_input is None:
        transform_input = weights == "imagenet"
    if spec is None:
        spec = inception_v3_spec(num_classes, aux_logits, dropout=dropout, bn_scale=bn_scale)
    return build(spec, transform_input=transform_input, init_weights=init_weights, weights=weights)
