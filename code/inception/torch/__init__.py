"""PyTorch builders. ``from inception import torch as it`` leaves the real
``torch`` untouched: every import in this package is absolute.

- ``inception.torch.googlenet``  the blocks: one conv unit, GoogLeNet's Inception module, aux heads, the module runner
- ``inception.torch.network``    one network runner for every spec; ``googlenet`` and ``build_model``
- ``inception.torch.weights``    named arrays into a model and out of it
- ``bn_inception``, ``inception_v3``, ``inception_v4``  the builders of the later versions
"""

from .bn_inception import bn_inception
from .googlenet import (
    BatchNorm2dNoScale,
    ConvUnit,
    Inception,
    InceptionAux,
    SequenceModule,
    main_logits,
)
from .inception_v3 import inception_v3
from .inception_v4 import inception_v4
from .network import GoogLeNet, InceptionNet, build, build_model, googlenet
from .weights import load_weights

#: Names of the v2-v4 code, the same classes.
ConvBN = ConvUnit
InceptionModule = SequenceModule
AuxClassifier = InceptionAux

__all__ = [
    "ConvUnit", "GoogLeNet", "Inception", "InceptionAux", "googlenet", "main_logits",
    "bn_inception", "inception_v3", "inception_v4", "AuxClassifier", "ConvBN", "InceptionModule",
    "InceptionNet", "BatchNorm2dNoScale", "SequenceModule", "build", "build_model", "load_weights",
]
