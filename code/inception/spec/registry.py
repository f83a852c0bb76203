"""Every network the package builds, by name, with its metadata as data.

Like timm's ``_cfg(url, input_size, mean, std, first_conv, classifier)``
beside each model: the spec function, the native input size, the smallest
input the network accepts, the classifier layers (those that depend on the
number of classes, re-initialised for fine-tuning) and the checkpoint URLs.
The builders (``inception.torch.build_model``, ``inception.keras.build_model``),
the weights reader (:mod:`inception.weights`) and the training engines read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, Optional, Tuple

from ..constants import IMAGENET_MEAN, IMAGENET_STD
from .googlenet import googlenet_spec
from .layers import NetworkSpec
from .versions import bn_inception_spec, inception_v3_spec, inception_v4_spec

__all__ = ["NetworkConfig", "NETWORKS", "network_config", "network_spec"]


@dataclass(frozen=True)
class NetworkConfig:
    """What the package knows about a network besides its blocks.

    The smallest input depends on the options (GoogLeNet's ``paper`` heads
    need 79x79, its ``bn`` heads 31x31): ``counting.network_min_input_size``
    computes it from the spec. ``urls``: named checkpoints in PyTorch's
    state-dict format; ``weights_spec``: the spec arguments those checkpoints
    need (GoogLeNet's are for the ``bn`` variant).
    """

    name: str
    spec_fn: Callable[..., NetworkSpec]
    input_size: int
    classifier: Tuple[str, ...]
    aux_prefixes: Tuple[str, ...] = ()
    aux_default: bool = False
    urls: Dict[str, str] = field(default_factory=dict)
    weights_spec: Dict[str, object] = field(default_factory=dict)
    mean: Tuple[float, float, float] = IMAGENET_MEAN
    std: Tuple[float, float, float] = IMAGENET_STD
    description: str = ""


NETWORKS: Dict[str, NetworkConfig] = {
    "googlenet": NetworkConfig(
        "googlenet", googlenet_spec, 224, ("fc", "aux1.fc2", "aux2.fc2"),
        aux_prefixes=("aux1.", "aux2."), aux_default=True,
        urls={"imagenet": "https://download.pytorch.org/models/googlenet-1378be20.pth"},
        weights_spec={"variant": "bn"},
        description="GoogLeNet (Szegedy et al. 2015), torchvision's module paths",
    ),
    "bn_inception": NetworkConfig(
        "bn_inception", bn_inception_spec, 224, ("fc",),
        description="BN-Inception (Ioffe and Szegedy 2015)",
    ),
    "inception_v3": NetworkConfig(
        "inception_v3", inception_v3_spec, 299, ("fc", "AuxLogits.fc"),
        aux_prefixes=("AuxLogits.",), aux_default=True,
        urls={"imagenet": "https://download.pytorch.org/models/inception_v3_google-0cc3c7bd.pth"},
        description="Inception-v3 (Szegedy et al. 2016), torchvision's module paths",
    ),
    "inception_v4": NetworkConfig(
        "inception_v4", inception_v4_spec, 299, ("last_linear", "AuxLogits.fc"),
        aux_prefixes=("AuxLogits.",), aux_default=False,
        description="Inception-v4 (Szegedy et al. 2017), timm's module paths",
    ),
}


def network_config(name: str) -> NetworkConfig:
    """``network_config("inception_v3").classifier == ("fc", "AuxLogits.fc")``."""
    if name not in NETWORKS:
        raise ValueError(f"Unknown network {name!r}; expected one of {sorted(NETWORKS)}.")
    return NETWORKS[name]


def network_spec(name: str, num_classes: int = 1000, aux_logits: Optional[bool] = None, *,
                 variant: Optional[str] = None, dropout: Optional[float] = None,
                 in_channels: int = 3, **kwargs) -> NetworkSpec:
    """The spec of network ``name`` with the options every network shares.

    ``aux_logits=None`` takes the network's default; ``variant`` is
    GoogLeNet's (``"paper"`` or ``"bn"``) and an error for the others;
    ``dropout=None`` takes the network's. Other keyword arguments go to the
    network's spec function (``bn_scale``, ``conv_bias``, ``aux_dropout``).
    """
    cfg = network_config(name)
    aux = cfg.aux_default if aux_logits is None else bool(aux_logits)
    if name == "googlenet":
        return googlenet_spec(variant or "paper", num_classes, aux, dropout=dropout,
                              in_channels=in_channels, **kwargs)
    if variant is not None:
        raise ValueError(f"variant={variant!r} is GoogLeNet's option; {name} has none.")
    if dropout is not None:
        kwargs["dropout"] = dropout
    if name == "bn_inception":
        if aux:
            raise ValueError("bn_inception has no auxiliary heads; use aux_logits=False.")
        return bn_inception_spec(num_classes, in_channels=in_channels, **kwargs)
    return cfg.spec_fn(num_classes, aux, in_channels=in_channels, **kwargs)
