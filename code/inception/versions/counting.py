"""Analytic parameter and multiply-add counts for the specs of
:mod:`inception.versions.spec`, with asymmetric kernels.

Same conventions as :mod:`inception.counting` (whose shape rules, PyTorch's,
are reused): ``trainable`` are the weights a gradient updates (PyTorch's
``parameters()``), ``non_trainable`` the batch-norm moving statistics
(PyTorch's buffers, Keras' non-trainable weights; ``num_batches_tracked`` is
not counted). A ``kh x kw`` convolution from ``C_in`` to ``C_out`` channels
has ``kh * kw * C_in * C_out`` weights and costs that many multiply-adds per
output pixel; batch norm, pools, ReLU and biases cost no MACs here, as in the
papers.
"""

from __future__ import annotations

from typing import Dict, List, Tuple, Union

from ..counting import BlockCount, LayerCount, Totals, conv_out_size, pool_out_size
from .spec import AuxHead, Concat, Conv, ConvStyle, Head, Pool, VersionSpec, iter_convs, join

__all__ = [
    "conv_layer_counts",
    "sequence_counts",
    "sequence_cost",
    "count_layers",
    "count_blocks",
    "totals",
    "min_input_size",
    "bn_channels",
]

Size = Union[int, Tuple[int, int]]


def _hw(size: Size) -> Tuple[int, int]:
    return (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))


def conv_layer_counts(c: Conv, path: str, h: int, w: int, style: ConvStyle, block: str):
    """Counts of one conv unit at ``path`` on an ``h x w`` input; returns
    ``(layers, h_out, w_out)``."""
    (kh, kw), (sh, sw), (ph, pw) = c.kernel, c.stride, c.padding
    try:
        ho = conv_out_size(h, kh, sh, ph)
        wo = conv_out_size(w, kw, sw, pw)
    except ValueError as e:
        raise ValueError(f"{path}: {e}") from None
    weights = kh * kw * c.in_channels * c.out_channels
    bias = c.out_channels if style.conv_bias else 0
    n = c.out_channels
    layers = [
        LayerCount(f"{path}.conv", "conv", weights + bias, 0, ho * wo * weights, (n, ho, wo), block),
        LayerCount(f"{path}.bn", "bn", (2 if style.bn_scale else 1) * n, 2 * n, 0, (n, ho, wo), block),
    ]
    return layers, ho, wo


def _pool_shape(p: Pool, h: int, w: int, where: str) -> Tuple[int, int]:
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
        else:  # pragma: no cover
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
        "params": sum(l.trainable for l in ls if l.kind == "conv") - (
            sum(l.output_shape[0] for l in ls if l.kind == "conv") if style.conv_bias else 0),
        "params_bn": sum(l.trainable for l in ls),
        "macs": sum(l.macs for l in ls),
        "out_channels": c,
        "out_size": (ho, wo),
        "depth": _depth(layers),
        "convs": sum(1 for l in ls if l.kind == "conv"),
    }


def _aux_layers(aux: AuxHead, c: int, h: int, w: int, style: ConvStyle) -> List[LayerCount]:
    ls, c, _, _ = sequence_counts(aux.layers, aux.name, c, h, w, style, aux.name)
    fc = join(aux.name, aux.fc_name)
    ls.append(LayerCount(fc, "linear", c * aux.num_classes + aux.num_classes, 0, c * aux.num_classes,
                         (aux.num_classes,), aux.name))
    return ls


def _walk(spec: VersionSpec, input_size: Size):
    """Yield ``(block, layers, output_shape)`` for every block, aux head and the head."""
    h, w = _hw(input_size)
    c = spec.in_channels
    style = spec.style
    aux_after = {a.after: a for a in spec.aux}
    for block in spec.blocks:
        if block.in_channels != c:
            raise ValueError(f"{block.name}: expects {block.in_channels} channels, gets {c}")
        layers, c, h, w = sequence_counts(block.layers, block.name, c, h, w, style, block.name)
        yield block, layers, (c, h, w)
        if block.name in aux_after:
            aux = aux_after[block.name]
            yield aux, _aux_layers(aux, c, h, w, style), (aux.num_classes,)
    head = spec.head
    if head.in_channels != c:
        raise ValueError(f"the classifier expects {head.in_channels} features, gets {c}")
    fc = LayerCount(head.fc_name, "linear", c * head.num_classes + head.num_classes, 0, c * head.num_classes,
                    (head.num_classes,), head.fc_name)
    yield head, [fc], (head.num_classes,)


def count_layers(spec: VersionSpec, input_size: Size = None) -> List[LayerCount]:
    """Per-layer counts in execution order (aux heads after their block).
    ``input_size`` defaults to the network's native size."""
    size = spec.input_size if input_size is None else input_size
    return [l for _, ls, _ in _walk(spec, size) for l in ls]


def count_blocks(spec: VersionSpec, input_size: Size = None) -> List[BlockCount]:
    """One :class:`~inception.counting.BlockCount` per block, aux head and
    the classifier (named by its fc, ``fc`` or ``last_linear``)."""
    size = spec.input_size if input_size is None else input_size
    out = []
    for block, layers, shape in _walk(spec, size):
        if isinstance(block, Head):
            name, kind = block.fc_name, "classifier"
        elif isinstance(block, AuxHead):
            name, kind = block.name, "aux"
        else:
            name, kind = block.name, block.kind
        weights = sum(_weights_only(l, spec.style) for l in layers)
        out.append(BlockCount(name, kind, shape, sum(l.trainable for l in layers),
                              sum(l.non_trainable for l in layers), weights, sum(l.macs for l in layers)))
    return out


def _weights_only(layer: LayerCount, style: ConvStyle) -> int:
    if layer.kind == "bn":
        return 0
    if layer.kind == "conv":
        return layer.trainable - (layer.output_shape[0] if style.conv_bias else 0)
    return layer.trainable - layer.output_shape[0]


def totals(spec: VersionSpec, input_size: Size = None, include_aux_macs: bool = False) -> Totals:
    """Total parameters (aux heads included when the spec has them) and
    multiply-adds for one image (aux heads excluded unless
    ``include_aux_macs``: at inference they are not run)."""
    layers = count_layers(spec, input_size)
    aux = {a.name for a in spec.aux}
    tr = sum(l.trainable for l in layers)
    nt = sum(l.non_trainable for l in layers)
    macs = sum(l.macs for l in layers if include_aux_macs or l.block not in aux)
    return Totals(tr + nt, tr, nt, macs)


def bn_channels(spec: VersionSpec) -> int:
    """Channels normalised by batch norm in the whole network (one gamma, one
    beta, one mean and one variance each)."""
    n = sum(c.out_channels for b in spec.blocks for c in b.convs())
    n += sum(c.out_channels for a in spec.aux for c in iter_convs(a.layers))
    return n


def min_input_size(spec: VersionSpec, start: int = 8, stop: int = 1024) -> int:
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
