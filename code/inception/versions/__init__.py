"""Inception v2 (BN-Inception), v3 and v4: specs as data, analytic counts,
the module-level comparisons of the book's chapter 4, and the published
counts the builds are checked against.

- ``inception.versions.spec``      blocks with asymmetric kernels and nested branches; the three networks
- ``inception.versions.counting``  parameters and multiply-adds from a spec
- ``inception.versions.modules``   one module per version at a fixed size; the factorisation savings
- ``inception.versions.reference`` published counts and accuracies, and where ours differ

The builders are ``inception.torch.inception_v3`` / ``inception_v4`` /
``bn_inception`` and their Keras twins.
"""

from .counting import count_blocks, count_layers, min_input_size, totals
from .spec import (
    AuxHead,
    Block,
    Concat,
    Conv,
    ConvStyle,
    Head,
    Pool,
    VersionSpec,
    bn_inception_spec,
    conv,
    inception_v3_spec,
    inception_v4_spec,
    version_spec,
)

__all__ = [
    "AuxHead", "Block", "Concat", "Conv", "ConvStyle", "Head", "Pool", "VersionSpec",
    "bn_inception_spec", "conv", "inception_v3_spec", "inception_v4_spec", "version_spec",
    "count_blocks", "count_layers", "min_input_size", "totals",
]
