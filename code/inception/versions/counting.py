"""Moved: one counter serves every spec, :mod:`inception.counting`. This
module re-exports it for the book's chapter 4 and older imports."""

from ..counting import (  # noqa: F401
    BlockCount,
    LayerCount,
    Totals,
    bn_channels,
    conv_layer_counts,
    count_blocks,
    count_layers,
    min_input_size,
    sequence_cost,
    sequence_counts,
    totals,
)

__all__ = [
    "conv_layer_counts", "sequence_counts", "sequence_cost", "count_layers", "count_blocks",
    "totals", "min_input_size", "bn_channels",
]
