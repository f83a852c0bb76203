"""Inception-v4 in PyTorch (Szegedy et al. 2017, "Inception-v4,
Inception-ResNet and the Impact of Residual Connections on Learning"),
built from :func:`inception.spec.inception_v4_spec`.

Module paths are timm's (``features.0`` ... ``features.21``,
``last_linear``), so the state dict of ``timm.create_model("inception_v4")``
(TF-slim's model converted) loads with ``strict=True``. 42,679,816
parameters with 1000 classes, timm's count.
"""

from __future__ import annotations

from typing import Optional

from ..spec.layers import NetworkSpec as VersionSpec
from ..spec.versions import inception_v4_spec
from .network import InceptionNet, build

__all__ = ["inception_v4"]


def inception_v4(
    num_classes: int = 1000,
    aux_logits: bool = False,
    *,
    dropout: float = 0.2,
    bn_scale: bool = True,
    transform_input: bool = False,
    init_weights: bool = True,
    weights=None,
    spec: Optional[VersionSpec] = None,
) -> InceptionNet:
    """Build Inception-v4 in PyTorch (299x299 input; runs from 75x75).

    Args:
        num_classes: classifier width (TF-slim's checkpoints have 1001: a
            background class first).
        aux_logits: the paper draws no auxiliary head; ``True`` adds
            TF-slim's (on ``features.17``, needs 299x299 input), and the model
            returns ``(logits, aux)``.
        dropout: before the classifier (the paper: keep probability 0.8).
        bn_scale: batch norm with a scale (timm); ``False``: TF-slim's.
        transform_input: torchvision's ImageNet-to-(x - 0.5) / 0.5 transform.
        init_weights: He-normal convolutions, batch norm 1 and 0.
        weights: a checkpoint path or a state dict (e.g. timm's), loaded strictly.
        spec: a ready-made spec (overrides the arguments that shape it).
    """
    if spec is None:
        spec = inception_v4_spec(num_classes, aux_logits, dropout=dropout, bn_scale=bn_scale)
    return build(spec, transform_input=transform_input, init_weights=init_weights, weights=weights)
