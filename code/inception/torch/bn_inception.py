"""BN-Inception ("Inception-v2") in PyTorch (Ioffe and Szegedy 2015, "Batch
Normalization: Accelerating Deep Network Training by Reducing Internal
Covariate Shift", figure 5), built from
:func:`inception.spec.bn_inception_spec`.

Layer names follow GoogLeNet's (``conv1``, ``inception3a.branch2.1``); the
Caffe model's flat names (``inception_3a_3x3``) are not used.
"""

from __future__ import annotations

from typing import Optional

from ..spec.layers import NetworkSpec as VersionSpec
from ..spec.versions import bn_inception_spec
from .network import InceptionNet, build

__all__ = ["bn_inception"]


def bn_inception(
    num_classes: int = 1000,
    *,
    conv_bias: bool = False,
    dropout: float = 0.0,
    bn_scale: bool = True,
    transform_input: bool = False,
    init_weights: bool = True,
    weights=None,
    spec: Optional[VersionSpec] = None,
) -> InceptionNet:
    """Build BN-Inception in PyTorch (224x224 input; runs from 63x63).

    Args:
        num_classes: classifier width.
        conv_bias: keep a bias in every convolution before its batch norm,
            as the Caffe model does (10,016 more parameters, all redundant).
        dropout: before the classifier; the paper removes dropout.
        bn_scale: batch norm with a scale.
        transform_input: torchvision's ImageNet-to-(x - 0.5) / 0.5 transform.
        init_weights: He-normal convolutions, batch norm 1 and 0.
        weights: a checkpoint path or a state dict, loaded strictly.
        spec: a ready-made spec (overrides the arguments that shape it).
    """
    if spec is None:
        spec = bn_inception_spec(num_classes, conv_bias=conv_bias, dropout=dropout, bn_scale=bn_scale)
    return build(spec, transform_input=transform_input, init_weights=init_weights, weights=weights)
