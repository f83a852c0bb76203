"""The architectures as data, in one vocabulary, importing no framework.

- ``inception.spec.layers``     the vocabulary: conv units, pools, LRN, concats, blocks, heads, conv styles
- ``inception.spec.googlenet``  the paper's Table 1 and GoogLeNet's ``paper`` and ``bn`` variants
- ``inception.spec.versions``   BN-Inception, Inception-v3 and v4
- ``inception.spec.registry``   every network by name: spec, input sizes, classifier layers, checkpoints

The counter (:mod:`inception.counting`) and the runners of both frameworks
(:mod:`inception.torch`, :mod:`inception.keras`) walk these specs.
"""

from .googlenet import (
    AUX_AFTER,
    INCEPTION_ROWS,
    TABLE1,
    TRANSFORM_INPUT_SCALE,
    TRANSFORM_INPUT_SHIFT,
    VARIANTS,
    TableRow,
    Variant,
    get_variant,
    googlenet_aux,
    googlenet_spec,
    with_row,
)
from .layers import (
    LRN,
    AuxHead,
    Block,
    Concat,
    Conv,
    ConvStyle,
    Head,
    InceptionBlock,
    NetworkSpec,
    Pool,
    VersionSpec,
    block_kind,
    block_layers,
    conv,
    iter_convs,
    iter_pools,
    join,
    out_channels,
)
from .registry import NETWORKS, NetworkConfig, network_config, network_spec
from .versions import (
    BN_INCEPTION_TABLE,
    VERSIONS,
    bn_inception_spec,
    inception_v3_spec,
    inception_v4_spec,
    version_spec,
)

__all__ = [
    "AUX_AFTER", "INCEPTION_ROWS", "TABLE1", "TRANSFORM_INPUT_SCALE", "TRANSFORM_INPUT_SHIFT",
    "VARIANTS", "TableRow", "Variant", "get_variant", "googlenet_aux", "googlenet_spec", "with_row",
    "LRN", "AuxHead", "Block", "Concat", "Conv", "ConvStyle", "Head", "InceptionBlock",
    "NetworkSpec", "Pool", "VersionSpec", "block_kind", "block_layers", "conv", "iter_convs",
    "iter_pools", "join", "out_channels",
    "NETWORKS", "NetworkConfig", "network_config", "network_spec",
    "BN_INCEPTION_TABLE", "VERSIONS", "bn_inception_spec", "inception_v3_spec",
    "inception_v4_spec", "version_spec",
]
