"""PyTorch builders. ``from inception import torch as it`` leaves the real
``torch`` untouched: every import in this package is absolute."""

from .googlenet import ConvUnit, GoogLeNet, Inception, InceptionAux, googlenet, main_logits

__all__ = ["ConvUnit", "GoogLeNet", "Inception", "InceptionAux", "googlenet", "main_logits"]
