"""Keras 3 builders, with the same public names and arguments as
:mod:`inception.torch`. Every import here is absolute, so ``import keras``
elsewhere still gets the real Keras."""

from .googlenet import aux_head, conv_unit, googlenet, inception_block, main_logits, pool
from .layers import AdaptiveAveragePooling2D, ChannelAffine, LocalResponseNorm

__all__ = [
    "googlenet", "main_logits", "conv_unit", "inception_block", "aux_head", "pool",
    "LocalResponseNorm", "AdaptiveAveragePooling2D", "ChannelAffine",
]
