"""Keras 3 builders, with the same public names and arguments as
:mod:`inception.torch`. Every import here is absolute, so ``import keras``
elsewhere still gets the real Keras."""

from .googlenet import aux_head, conv_unit, googlenet, inception_block, main_logits, pool
from .layers import AdaptiveAveragePooling2D, ChannelAffine, LocalResponseNorm

__all__ = [
    "googlenet", "main_logits", "conv_unit", "inception_block", "aux_head", "pool",
    "LocalResponseNorm", "AdaptiveAveragePooling2D", "ChannelAffine",
]

# Inception v2 (BN-Inception), v3 and v4, from the specs in inception.versions.
from .bn_inception import bn_inception
from .inception_v3 import inception_v3
from .inception_v4 import inception_v4

__all__ += ["bn_inception", "inception_v3", "inception_v4"]
