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

from .spec.googlenet import TABLE1, googlenet_spec
from .spec.registry import network_spec
from .spec.layers import (
    LRN,
    AuxHead,
    Concat,
    Conv,
    ConvStyle,
    Head,
    NetworkSpec,
    Pool,
    block_kind,
    block_layers,
    iter_convs,
    join,
    pair,
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
    "table1_conventions",
    "table1_convention",
    "aux_input_size",
    "conv_layer_counts",
    "sequence_counts",
    "sequence_cost",
    "bn_channels",
    "min_input_size",
    "network_min_input_size",
]

Size = Union[int, Tuple[int, int]]


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
# Sequences, blocks and whole networks (any spec)
# --------------------------------------------------------------------------


def _hw(size: Size) -> Tuple[int, int]:
    return (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))


def conv_layer_counts(c: Conv, path: str, h: int, w: int, style: ConvStyle, block: str):
    """Counts of one conv unit at ``path`` on an ``h x w`` input; returns
    ``(layers, h_out, w_out)``."""
    (kh, kw), (sh, sw), (ph, pw) = pair(c.kernel), pair(c.stride), pair(c.padding)
    try:
        ho = conv_out_size(h, kh, sh, ph)
        wo = conv_out_size(w, kw, sw, pw)
    except ValueError as e:
        raise ValueError(f"{path}: {e}") from None
    weights = kh * kw * c.in_channels * c.out_channels
    n = c.out_channels
    bias = n if style.conv_bias else 0
    layers = [LayerCount(f"{path}.conv", "conv", weights + bias, 0, ho * wo * weights, (n, ho, wo), block)]
    if style.batch_norm:
        layers.append(LayerCount(f"{path}.bn", "bn", (2 if style.bn_scale else 1) * n, 2 * n, 0,
                                 (n, ho, wo), block))
    return layers, ho, wo


def _pool_shape(p: Pool, h: int, w: int, where: str) -> Tuple[int, int]:
    if p.output_size:
        return (p.output_size, p.output_size)
    try:
        return (pool_out_size(h, p.kernel, p.stride, p.padding, p.ceil_mode),
                pool_out_size(w, p.kernel, p.stride, p.padding, p.ceil_mode))
    except ValueError as e:
        raise ValueError(f"{where}: {e}") from None


def sequence_counts(layers, prefix: str, c: int, h: int, w: int, style: ConvStyle, block: str):
    """Walk a sequence from a ``c x h x w`` input; returns
    ``(layer_counts, c, h, w)`` at its output."""
    out: List[LayerCount] = []
    for layer in layers:
        if isinstance(layer, Conv):
            if layer.in_channels != c:
                raise ValueError(f"{join(prefix, layer.name)}: expects {layer.in_channels} channels, gets {c}")
            ls, h, w = conv_layer_counts(layer, join(prefix, layer.name), h, w, style, block)
            out += ls
            c = layer.out_channels
        elif isinstance(layer, Pool):
            h, w = _pool_shape(layer, h, w, join(prefix, layer.name or "pool"))
        elif isinstance(layer, Concat):
            shapes = []
            for branch in layer.branches:
                ls, bc, bh, bw = sequence_counts(branch, prefix, c, h, w, style, block)
                out += ls
                shapes.append((bc, bh, bw))
            grids = {(bh, bw) for _, bh, bw in shapes}
            if len(grids) != 1:
                raise ValueError(
                    f"{join(prefix, layer.name)}: branches end on different grids {sorted(grids)}; "
                    "they cannot be concatenated"
                )
            c = sum(bc for bc, _, _ in shapes)
            h, w = grids.pop()
        elif not isinstance(layer, LRN):  # pragma: no cover - LRN keeps the shape
            raise TypeError(layer)
    return out, c, h, w


def _depth(layers) -> int:
    """Convolutions on the longest path through a sequence."""
    d = 0
    for layer in layers:
        if isinstance(layer, Conv):
            d += 1
        elif isinstance(layer, Concat):
            d += max((_depth(b) for b in layer.branches), default=0)
    return d


def sequence_cost(layers, in_channels: int, size: Size, style: ConvStyle = ConvStyle()) -> Dict[str, int]:
    """Parameters, multiply-adds, output shape and depth of a sequence (a
    module) on an ``in_channels x size x size`` input.

    ``params`` counts the convolution weights only (no biases, no batch norm:
    the papers' convention); ``params_bn`` adds batch norm's trainable weights.
    """
    h, w = _hw(size)
    ls, c, ho, wo = sequence_counts(layers, "", in_channels, h, w, style, "")
    return {
        "params": sum(_weights_only(l, style) for l in ls if l.kind == "conv"),
        "params_bn": sum(l.trainable for l in ls),
        "macs": sum(l.macs for l in ls),
        "out_channels": c,
        "out_size": (ho, wo),
        "depth": _depth(layers),
        "convs": sum(1 for l in ls if l.kind == "conv"),
    }


def _linear(name: str, n_in: int, n_out: int, block: str) -> LayerCount:
    return LayerCount(name, "linear", n_in * n_out + n_out, 0, n_in * n_out, (n_out,), block)


def _aux_layers(aux: AuxHead, c: int, h: int, w: int, style: ConvStyle) -> List[LayerCount]:
    ls, c, h, w = sequence_counts(aux.layers, aux.name, c, h, w, style, aux.name)
    n = c * h * w if aux.flatten == "chw" else c  # flattened, or globally pooled
    for name, units in aux.hidden:
        ls.append(_linear(join(aux.name, name), n, units, aux.name))
        n = units
    ls.append(_linear(join(aux.name, aux.fc_name), n, aux.num_classes, aux.name))
    return ls


def _walk(spec: NetworkSpec, input_size: Size):
    """Yield ``(block, layers, output_shape)`` for every block, aux head and the head."""
    h, w = _hw(input_size)
    c = spec.in_channels
    style = spec.style
    aux_after = {a.after: a for a in spec.aux}
    for block in spec.blocks:
        expects = getattr(block, "in_channels", c)
        if expects != c:
            raise ValueError(f"{block.name}: expects {expects} channels, gets {c}")
        layers, c, h, w = sequence_counts(block_layers(block), block.name, c, h, w, style, block.name)
        yield block, layers, (c, h, w)
        if block.name in aux_after:
            aux = aux_after[block.name]
            yield aux, _aux_layers(aux, c, h, w, style), (aux.num_classes,)
    head = spec.head
    if head.in_channels != c:
        raise ValueError(f"the classifier expects {head.in_channels} features, gets {c}")
    yield head, [_linear(head.fc_name, c, head.num_classes, head.fc_name)], (head.num_classes,)


def count_layers(spec: NetworkSpec, input_size: Optional[Size] = None) -> List[LayerCount]:
    """Per-layer counts, in the order the layers run (aux heads after the
    block they attach to). ``input_size`` defaults to the network's native size."""
    size = spec.input_size if input_size is None else input_size
    return [layer for _, layers, _ in _walk(spec, size) for layer in layers]


def count_blocks(spec: NetworkSpec, input_size: Optional[Size] = None) -> List[BlockCount]:
    """Per-block counts: one entry per block of the spec, aux head and the
    classifier (named by its fc: ``fc``, ``last_linear``)."""
    size = spec.input_size if input_size is None else input_size
    out = []
    for block, layers, shape in _walk(spec, size):
        if isinstance(block, Head):
            name, kind = block.fc_name, "classifier"
        elif isinstance(block, AuxHead):
            name, kind = block.name, "aux"
        else:
            name, kind = block.name, block_kind(block)
        out.append(BlockCount(
            name, kind, shape,
            sum(l.trainable for l in layers), sum(l.non_trainable for l in layers),
            sum(_weights_only(l, spec.style) for l in layers), sum(l.macs for l in layers),
        ))
    return out


def _weights_only(layer: LayerCount, style: ConvStyle) -> int:
    """A layer's weights without biases or batch norm (the papers' convention)."""
    if layer.kind == "bn":
        return 0
    if layer.kind == "conv" and not style.conv_bias:
        return layer.trainable
    return layer.trainable - layer.output_shape[0]


def totals(spec: NetworkSpec, input_size: Optional[Size] = None, include_aux_macs: bool = False) -> Totals:
    """Total parameters of ``spec`` (aux heads included when the spec has
    them) and multiply-adds for one image (aux heads excluded unless
    ``include_aux_macs``: at inference they are not run)."""
    layers = count_layers(spec, input_size)
    aux_names = {a.name for a in spec.aux}
    macs = sum(l.macs for l in layers if include_aux_macs or l.block not in aux_names)
    tr = sum(l.trainable for l in layers)
    nt = sum(l.non_trainable for l in layers)
    return Totals(tr + nt, tr, nt, macs)


def bn_channels(spec: NetworkSpec) -> int:
    """Channels normalised by batch norm in the whole network (one gamma, one
    beta, one mean and one variance each); 0 without batch norm."""
    if not spec.style.batch_norm:
        return 0
    n = sum(c.out_channels for b in spec.blocks for c in iter_convs(block_layers(b)))
    n += sum(c.out_channels for a in spec.aux for c in iter_convs(a.layers))
    return n


def min_input_size(spec: NetworkSpec, start: int = 8, stop: int = 1024) -> int:
    """The smallest square input the network accepts (every layer's output
    at least 1x1, every concatenation consistent).

    Larger inputs do not all fit: in BN-Inception's stride-2 modules (3c,
    4e) the padded stride-2 convolutions round down and the ceil-mode pool
    rounds up, so they disagree on odd grids (107x107 fails, 97 and 224 fit).
    """
    for s in range(start, stop):
        try:
            count_layers(spec, s)
        except ValueError:
            continue
        return s
    raise ValueError(f"no input size in [{start}, {stop}) fits {spec.name}")


def network_min_input_size(name: str, **spec_kwargs) -> int:
    """The smallest square input of registered network ``name`` built with
    ``spec_kwargs`` (those of :func:`inception.spec.network_spec`)::

        network_min_input_size("googlenet", variant="paper")  # 79: the aux heads' 5x5/3 pool
        network_min_input_size("inception_v3", aux_logits=False)  # 75, torchvision's min_size
    """
    return min_input_size(network_spec(name, **spec_kwargs))


def googlenet_totals(variant="paper", num_classes=1000, aux_logits=True, input_size=224, **kwargs) -> Totals:
    """Shortcut: ``totals(googlenet_spec(...), input_size)``."""
    return totals(googlenet_spec(variant, num_classes, aux_logits, **kwargs), input_size)


def table1_comparison(variant="paper", input_size: int = 224, biases: bool = False,
                      k: int = 1024) -> List[Dict[str, object]]:
    """The paper's Table 1 beside what the code computes, row by row.

    Our parameter counts are weights only (``biases=False``) or weights and
    biases (``biases=True``, the paper variant's trainable parameters), in
    units of ``k`` (1024 or 1000); operations are MACs in millions
    (``M = 10**6``). Each row gets ``params_match``/``ops_match``: true when
    ours is within one unit of the last printed digit (the paper both rounds
    and truncates: 159.5K is printed 159K, 73.6M is printed 73M). Which
    convention reproduces the most rows: :func:`table1_conventions`.
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
        ours_k = ((b.trainable if biases else b.weights) / k) if b else None
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


def table1_conventions(variant="paper", input_size: int = 224) -> List[Dict[str, object]]:
    """How many rows of Table 1 each counting convention reproduces.

    One row per convention (weights only or with biases, ``K`` = 1024 or
    1000): ``rows`` (rows with a printed parameter count), ``agree`` (rows
    whose parameters *and* operations are within one unit of the printed
    digit) and ``agreeing`` (their names). The operations do not depend on
    the convention; only the parameter column does.
    """
    out = []
    for biases in (False, True):
        for k in (1024, 1000):
            rows = [r for r in table1_comparison(variant, input_size, biases=biases, k=k)
                    if r["paper_params_k"] is not None]
            agreeing = [r["name"] for r in rows if r["params_match"] and r["ops_match"]]
            out.append({"parameters": "weights and biases" if biases else "weights only",
                        "biases": biases, "K": k, "rows": len(rows), "agree": len(agreeing),
                        "agreeing": agreeing})
    return out


def table1_convention(variant="paper", input_size: int = 224) -> Dict[str, object]:
    """The convention of :func:`table1_conventions` that reproduces the most
    rows (the first in its order on a tie: weights only before biases)."""
    conventions = table1_conventions(variant, input_size)
    best = max(c["agree"] for c in conventions)
    return next(c for c in conventions if c["agree"] == best)


def _close(printed: Optional[float], ours: Optional[float]) -> Optional[bool]:
    if printed is None or ours is None:
        return None
    unit = 1.0 if float(printed).is_integer() else 0.1
    return abs(printed - ours) < unit
