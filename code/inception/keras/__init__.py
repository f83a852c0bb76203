"""Keras 3 builders, with the same public names and arguments as
:mod:`inception.torch`. Every import here is absolute, so ``import keras``
elsewhere still gets the real Keras. Nothing here imports torch.

- ``inception.keras.googlenet``  the blocks: one conv unit, one pool, GoogLeNet's Inception module, aux heads
- ``inception.keras.network``    one builder for every spec; ``googlenet`` and ``build_model``
- ``inception.keras.weights``    named arrays (PyTorch's names and layout) into a model and out of it
- ``inception.keras.layers``     layers PyTorch has and Keras lacks
"""

from .bn_inception import bn_inception
from .googlenet import aux_head, conv_unit, inception_block, main_logits, pool, run_sequence
from .inception_v3 import inception_v3
from .inception_v4 import inception_v4
from .layers import AdaptiveAveragePooling2D, ChannelAffine, LocalResponseNorm, TorchBatchNorm
from .network import build, build_model, googlenet
from .weights import load_weights

__all__ = [
    "googlenet", "main_logits", "conv_unit", "inception_block", "aux_head", "pool", "run_sequence",
    "LocalResponseNorm", "AdaptiveAveragePooling2D", "ChannelAffine", "TorchBatchNorm",
    "bn_inception", "inception_v3", "inception_v4", "build", "build_model", "load_weights",
]
