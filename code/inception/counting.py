"""Analytic parameter and multiply-add counts, from a spec alone.

No framework is imported here: the counts follow from the filter numbers of
:mod:`inception.spec` and the shape rules of PyTorch (which the Keras builder
reproduces exactly). The tests check these counts against both frameworks,
layer by layer.

Conventions:

* A *layer* is a leaf with weights, named as in both frameworks
  (``inception4a.branch2.1.conv``, ``inception4a.branch2.1.bn``, ``fc``).
* ``trainable`` counts weights a gradient updates; ``non_trainable`` counts
  batch-norm moving statistics (Keras reports them as non-trainable weights,
  PyTorch keeps them as buffers). PyTorch's extra ``num_batches_tracked``
  counter (one integer per batch norm) is not a weight and is not counted.
* Multiply-adds (MACs) count convolutions and fully connected layers only:
  ``H_out * W_out * C_out * k * k * C_in`` for a convolution, ``in * out`` for a
  linear layer. Biases, batch norm, ReLU, pooling and LRN are left out, as in
  the paper's Table 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple, Union

from .spec import (
    LRN,
    TABLE1,
    AuxHead,
    Conv,
    InceptionBlock,
    NetworkSpec,
    Pool,
    googlenet_spec,
)

__all__ = [
    "LayerCount",
    "BlockCount",
    "Totals",
    "conv_out_size",
    "pool_out_size",
    "conv_macs",
    "conv_params",
    "inception_cost",
    "count_layers",
    "count_blocks",
    "totals",
    "googlenet_totals",
    "table1_comparison",
    "aux_input_size",
]


@dataclass(frozen=True)
class LayerCount:
    """Counts for one layer with weights."""

    name: str
    kind: str  # "conv", "bn", "linear"
    trainable: int
    non_trainable: int
    macs: int
    output_shape: Tuple[int, ...]  # (C, H, W) or (features,)
    block: str  # the top-level block it belongs to (``inception4a``, ``aux1``, ``fc``)

    @property
    def params(self) -> int:
        return self.trainable + self.non_trainable


@dataclass(frozen=True)
class BlockCount:
    """Counts for one top-level block (a row of Table 1, or an auxiliary head)."""

    name: str
    kind: str
    output_shape: Tuple[int, ...]
    trainable: int
    non_trainable: int
    weights: int  # conv/linear weights only: no biases, no batch norm
    macs: int

    @property
    def params(self) -> int:
        return self.trainable + self.non_trainable


@dataclass(frozen=True)
class Totals:
    params: int
    trainable: int
    non_trainable: int
    macs: int


# --------------------------------------------------------------------------
# Shape rules (PyTorch's)
# --------------------------------------------------------------------------


def conv_out_size(size: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """Output size of a convolution along one axis (floor rounding)."""
    out = (size + 2 * padding - kernel) // stride + 1
    if out < 1:
        raise ValueError(
            f"input of size {size} is too small for a {kernel}x{kernel}/{stride} "
            f"window with padding {padding}"
        )
    return out


def pool_out_size(size: int, kernel: int, stride: int, padding: int = 0, ceil_mode: bool = False) -> int:
    """Output size of a pool along one axis, PyTorch's rule.

    With ``ceil_mode`` the size is rounded up, but the last window must start
    inside the input or its left padding (not entirely in the right padding).
    """
    span = size + 2 * padding - kernel
    if span < 0:
        raise ValueError(
            f"input of size {size} is too small for a {kernel}x{kernel}/{stride} pool"
        )
    if ceil_mode:
        out = -(-span // stride) + 1
        if (out - 1) * stride >= size + padding:
            out -= 1
    else:
        out = span // stride + 1
    return out


def aux_input_size(pool: str, size: int) -> int:
    """Spatial size after an auxiliary head's pool."""
    if pool == "adaptive4":
        return 4
    if pool == "avg5s3":
        return pool_out_size(size, 5, 3)
    raise ValueError(f"unknown auxiliary pool {pool!r}")


# --------------------------------------------------------------------------
# Single layers
# --------------------------------------------------------------------------


def conv_params(in_channels: int, out_channels: int, kernel: int, bias: bool = True) -> int:
    """Weights of a ``kernel x kernel`` convolution (plus biases)."""
    return kernel * kernel * in_channels * out_channels + (out_channels if bias else 0)


def conv_macs(height: int, width: int, in_channels: int, out_channels: int, kernel: int) -> int:
    """Multiply-adds of a convolution whose *output* grid is ``height x width``.

    The slides' example, a 5x5 convolution from 480 to 48 channels on a 14x14
    grid: ``conv_macs(14, 14, 480, 48, 5) == 112_896_000`` (112.9M).
    """
    return height * width * out_channels * kernel * kernel * in_channels


def inception_cost(
    height: int,
    width: int,
    in_channels: int,
    c1x1: int,
    c3x3_reduce: int,
    c3x3: int,
    c5x5_reduce: int,
    c5x5: int,
    pool_proj: int,
    reduced: bool = True,
    branch3_kernel: int = 5,
    bias: bool = True,
) -> Dict[str, int]:
    """Parameters, MACs and output channels of one Inception module on an
    ``height x width`` grid (stride 1, 'same' padding).

    With ``reduced=False`` this is the paper's naive module (Figure 2a): the
    1x1, 3x3 and 5x5 convolutions act on the input directly, and the pool
    branch passes all ``in_channels`` through (no projection), so the output
    grows with every module.
    """
    hw = height * width
    k5 = branch3_kernel
    if reduced:
        convs = [
            (in_channels, c1x1, 1),
            (in_channels, c3x3_reduce, 1),
            (c3x3_reduce, c3x3, 3),
            (in_channels, c5x5_reduce, 1),
            (c5x5_reduce, c5x5, k5),
            (in_channels, pool_proj, 1),
        ]
        out = c1x1 + c3x3 + c5x5 + pool_proj
    else:
        convs = [(in_channels, c1x1, 1), (in_channels, c3x3, 3), (in_channels, c5x5, k5)]
        out = c1x1 + c3x3 + c5x5 + in_channels
    convs = [c for c in convs if c[1] > 0]
    return {
        "params": sum(conv_params(i, o, k, bias) for i, o, k in convs),
        "macs": sum(conv_macs(height, width, i, o, k) for i, o, k in convs) if hw else 0,
        "out_channels": out,
    }


# --------------------------------------------------------------------------
# Whole networks
# --------------------------------------------------------------------------


def _conv_layers(prefix: str, conv: Conv, h: int, w: int, spec: NetworkSpec, block: str):
    """Layer counts of one conv unit on an input grid h x w; returns (layers, h, w)."""
    bn = spec.variant.batch_norm
    ho = conv_out_size(h, conv.kernel, conv.stride, conv.padding)
    wo = conv_out_size(w, conv.kernel, conv.stride, conv.padding)
    name = f"{prefix}{conv.name}"
    layers = [
        LayerCount(
            f"{name}.conv", "conv",
            conv_params(conv.in_channels, conv.out_channels, conv.kernel, bias=not bn), 0,
            conv_macs(ho, wo, conv.in_channels, conv.out_channels, conv.kernel),
            (conv.out_channels, ho, wo), block,
        )
    ]
    if bn:
        layers.append(
            LayerCount(f"{name}.bn", "bn", 2 * conv.out_channels, 2 * conv.out_channels, 0,
                       (conv.out_channels, ho, wo), block)
        )
    return layers, ho, wo


def _aux_layers(aux: AuxHead, h: int, w: int, spec: NetworkSpec) -> List[LayerCount]:
    s_h, s_w = aux_input_size(aux.pool, h), aux_input_size(aux.pool, w)
    conv = Conv("conv", aux.in_channels, aux.conv_channels, 1)
    layers, _, _ = _conv_layers(f"{aux.name}.", conv, s_h, s_w, spec, aux.name)
    flat = aux.conv_channels * s_h * s_w
    layers.append(LayerCount(f"{aux.name}.fc1", "linear", flat * aux.fc_units + aux.fc_units, 0,
                             flat * aux.fc_units, (aux.fc_units,), aux.name))
    layers.append(LayerCount(f"{aux.name}.fc2", "linear", aux.fc_units * aux.num_classes + aux.num_classes,
                             0, aux.fc_units * aux.num_classes, (aux.num_classes,), aux.name))
    return layers


def _walk(spec: NetworkSpec, input_size: Union[int, Tuple[int, int]]):
    """Yield (block, layers, output_shape) for every block, aux heads and head."""
    h, w = (input_size, input_size) if isinstance(input_size, int) else tuple(input_size)
    c = spec.in_channels
    aux_after = {a.after: a for a in spec.aux}
    for block in spec.blocks:
        if isinstance(block, Conv):
            layers, h, w = _conv_layers("", block, h, w, spec, block.name)
            c = block.out_channels
        elif isinstance(block, Pool):
            h = pool_out_size(h, block.kernel, block.stride, block.padding, block.ceil_mode)
            w = pool_out_size(w, block.kernel, block.stride, block.padding, block.ceil_mode)
            layers = []
        elif isinstance(block, LRN):
            layers = []
        elif isinstance(block, InceptionBlock):
            layers = []
            for conv in block.convs():
                ls, _, _ = _conv_layers(f"{block.name}.", conv, h, w, spec, block.name)
                layers += ls
            c = block.out_channels
        else:  # pragma: no cover - the spec only holds the types above
            raise TypeError(block)
        yield block, layers, (c, h, w)
        if block.name in aux_after:
            aux = aux_after[block.name]
            yield aux, _aux_layers(aux, h, w, spec), (aux.num_classes,)
    head = spec.head
    fc = LayerCount("fc", "linear", head.in_channels * head.num_classes + head.num_classes, 0,
                    head.in_channels * head.num_classes, (head.num_classes,), "fc")
    yield head, [fc], (head.num_classes,)


def count_layers(spec: NetworkSpec, input_size: Union[int, Tuple[int, int]] = 224) -> List[LayerCount]:
    """Per-layer counts, in the order the layers run (aux heads after the
    block they attach to)."""
    return [layer for _, layers, _ in _walk(spec, input_size) for layer in layers]


def _kind(block) -> str:
    return {Conv: "conv", Pool: "pool", LRN: "lrn", InceptionBlock: "inception",
            AuxHead: "aux"}.get(type(block), "classifier")


def count_blocks(spec: NetworkSpec, input_size: Union[int, Tuple[int, int]] = 224) -> List[BlockCount]:
    """Per-block counts: one entry per block of the spec, aux head and the
    classifier (named ``fc``)."""
    out = []
    for block, layers, shape in _walk(spec, input_size):
        name = getattr(block, "name", "fc")
        weights = sum(_weights_only(l, spec) for l in layers)
        out.append(BlockCount(
            name, _kind(block), shape,
            sum(l.trainable for l in layers), sum(l.non_trainable for l in layers),
            weights, sum(l.macs for l in layers),
        ))
    return out


def _weights_only(layer: LayerCount, spec: NetworkSpec) -> int:
    """A layer's weights without biases or batch norm (the paper's Table 1 convention)."""
    if layer.kind == "bn":
        return 0
    if layer.kind == "conv" and spec.variant.batch_norm:
        return layer.trainable
    out = layer.output_shape[0]
    return layer.trainable - out


def totals(spec: NetworkSpec, input_size: Union[int, Tuple[int, int]] = 224, include_aux_macs: bool = False) -> Totals:
    """Total parameters of ``spec`` (aux heads included when the spec has
    them) and multiply-adds for one image (aux heads excluded unless
    ``include_aux_macs``: at inference they are not run)."""
    layers = count_layers(spec, input_size)
    aux_names = {a.name for a in spec.aux}
    macs = sum(l.macs for l in layers if include_aux_macs or l.block not in aux_names)
    tr = sum(l.trainable for l in layers)
    nt = sum(l.non_trainable for l in layers)
    return Totals(tr + nt, tr, nt, macs)


def googlenet_totals(variant="paper", num_classes=1000, aux_logits=True, input_size=224, **kwargs) -> Totals:
    """Shortcut: ``totals(googlenet_spec(...), input_size)``."""
    return totals(googlenet_spec(variant, num_classes, aux_logits, **kwargs), input_size)


def table1_comparison(variant="paper", input_size: int = 224) -> List[Dict[str, object]]:
    """The paper's Table 1 beside what the code computes, row by row.

    Our parameter counts use the paper's convention (weights only, no biases)
    and ``K = 1024``; operations are MACs in millions (``M = 10**6``). Each row
    gets ``params_match``/``ops_match``: true when ours is within one unit of
    the last printed digit (the paper both rounds and truncates: 159.5K is
    printed 159K, 73.6M is printed 73M).
    """
    spec = googlenet_spec(variant, num_classes=1000, aux_logits=False)
    blocks = {b.name: b for b in count_blocks(spec, input_size)}
    # conv2 and conv3 are one row ("conv2-3") in the paper.
    merged = dict(blocks)
    if "conv2" in blocks:
        b2, b3 = blocks["conv2"], blocks["conv3"]
        merged["conv2-3"] = BlockCount("conv2-3", "conv", b3.output_shape, b2.trainable + b3.trainable,
                                       b2.non_trainable + b3.non_trainable, b2.weights + b3.weights,
                                       b2.macs + b3.macs)
    rows = []
    for r in TABLE1:
        b = merged.get(r.name)
        ours_k = b.weights / 1024 if b else None
        ours_m = b.macs / 1e6 if b else None
        shape = None
        if b is not None and len(b.output_shape) == 3:
            c, h, w = b.output_shape
            shape = (h, w, c)
        elif r.name in ("avgpool", "dropout"):
            shape = (1, 1, spec.head.in_channels)
        elif r.name in ("fc", "softmax"):
            shape = (1, 1, spec.num_classes)
        rows.append({
            "name": r.name, "type": r.type,
            "paper_output": r.output, "ours_output": shape,
            "paper_params_k": r.paper_params_k, "ours_params_k": ours_k,
            "paper_ops_m": r.paper_ops_m, "ours_ops_m": ours_m,
            "params_match": _close(r.paper_params_k, ours_k),
            "ops_match": _close(r.paper_ops_m, ours_m),
        })
    return rows


def _close(printed: Optional[float], ours: Optional[float]) -> Optional[bool]:
    if printed is None or ours is None:
        return None
    unit = 1.0 if float(printed).is_integer() else 0.1
    return abs(printed - ours) < unit
