"""Moved: the vocabulary is :mod:`inception.spec.layers`, the networks
:mod:`inception.spec.versions`. This module re-exports both for the book's
chapter 4 and older imports."""

from ..spec.layers import (  # noqa: F401
    LRN,
    AuxHead,
    Block,
    Concat,
    Conv,
    ConvStyle,
    Head,
    NetworkSpec,
    Pool,
    VersionSpec,
    iter_convs,
    iter_pools,
    join,
    out_channels,
)
from ..spec.layers import conv  # noqa: F401
from ..spec.versions import *  # noqa: F401,F403
from ..spec.versions import __all__ as _versions_all

__all__ = [
    "AuxHead", "Block", "Concat", "Conv", "ConvStyle", "Head", "NetworkSpec", "Pool", "VersionSpec",
    "conv", "iter_convs", "iter_pools", "join", "out_channels", *_versions_all,
]
