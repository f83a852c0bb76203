"""PyTorch builders. ``from inception import torch as it`` leaves the real
``torch`` untouched: every import in this package is absolute."""

from .googlenet import ConvUnit, GoogLeNet, Inception, InceptionAux, googlenet, main_logits

__all__ = ["ConvUnit", "GoogLeNet", "Inception", "InceptionAux", "googlenet", "main_logits"]

# Inception v2 (BN-Inception), v3 and v4, from the specs in inception.versions.
from .bn_inception import bn_inception
from .inception_v3 import inception_v3
from .inception_v4 import inception_v4
from .versions import AuxClassifier, ConvBN, InceptionModule, InceptionNet

__all__ += ["bn_inception", "inception_v3", "inception_v4", "AuxClassifier", "ConvBN", "InceptionModule", "InceptionNet"]
