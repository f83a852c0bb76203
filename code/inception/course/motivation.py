"""Chapter 2, Motivation: which filter size, the cost of widening, and
where GoogLeNet pools.

* :func:`kernel_costs`: one convolution at every kernel size, against a 1x1.
* :func:`widening_cost`: widening two chained convolutions ``f`` times costs
  ``f**2`` times the computation.
* :func:`pooling_schedule`: GoogLeNet's stages between its stride-2 steps.

The chapter's depth is :func:`inception.course.introduction.depth`; the naive
network's cost is :func:`inception.course.inception_module.naive_blocks_totals`.
"""

from __future__ import annotations

from typing import Any, Dict, List, Sequence

from inception.counting import conv_macs, count_blocks
from inception.spec import googlenet_spec

Row = Dict[str, Any]

__all__ = ["kernel_costs", "widening_cost", "pooling_schedule"]


def kernel_costs(height: int = 28, width: int = 28, in_channels: int = 192, out_channels: int = 128,
                 kernels: Sequence[int] = (1, 3, 5, 7)) -> List[Dict[str, Any]]:
    """Parameters and MACs of one ``k x k`` convolution for each ``k``
    (stride 1, 'same' padding), and the cost relative to a 1x1."""
    rows = []
    base = conv_macs(height, width, in_channels, out_channels, 1)
    for k in kernels:
        macs = conv_macs(height, width, in_channels, out_channels, k)
        rows.append({
            "kernel": f"{k}x{k}",
            "params": k * k * in_channels * out_channels + out_channels,
            "MACs": macs,
            "vs 1x1": macs / base,
        })
    return rows

def widening_cost(height: int = 28, width: int = 28, channels: int = 128, factor: int = 2,
                  kernel: int = 3) -> Dict[str, float]:
    """Two chained ``kernel x kernel`` convolutions with ``channels`` filters
    each, reading a ``channels``-wide input, then with ``factor`` times as
    many filters; the chain's input keeps its width. The second layer's
    input and output both widen, so it costs ``factor**2`` times as much;
    the first, whose input is fixed, ``factor`` times: the paper's
    "quadratic increase", exact for every layer after the first."""
    first = conv_macs(height, width, channels, channels, kernel)
    second = conv_macs(height, width, channels, channels, kernel)
    first_w = conv_macs(height, width, channels, channels * factor, kernel)
    second_w = conv_macs(height, width, channels * factor, channels * factor, kernel)
    before, after = first + second, first_w + second_w
    return {"before": before, "after": after, "ratio": after / before,
            "first_ratio": first_w / first, "second_ratio": second_w / second}


def pooling_schedule(input_size: int = 224) -> List[Row]:
    """GoogLeNet's stages between its stride-2 steps: grid, blocks,
    multiply-adds of the stage, and what the stage would cost on the grid of
    the stage before (that is, without the max pool in front of it): the
    cost of a convolution grows with the grid's area."""
    spec = googlenet_spec("paper", 1000, aux_logits=False)
    stages: Dict[int, Row] = {}
    for b in count_blocks(spec, input_size):
        if b.kind == "aux":
            continue
        grid = b.output_shape[1] if len(b.output_shape) == 3 else 1
        s = stages.setdefault(grid, {"grid": f"{grid}x{grid}", "side": grid, "blocks": [], "MACs": 0})
        if b.kind in ("conv", "inception"):
            s["blocks"].append(b.name)
        s["MACs"] += b.macs
    rows = [s for s in stages.values() if s["side"] > 1]
    total = sum(s["MACs"] for s in rows)
    for prev, s in zip([None] + rows[:-1], rows):
        s["share"] = s["MACs"] / total
        s["MACs without the pool before"] = (
            s["MACs"] * (prev["side"] / s["side"]) ** 2 if prev else None)
        s["blocks"] = ", ".join(s["blocks"])
    return rows
