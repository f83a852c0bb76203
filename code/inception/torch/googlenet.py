"""The PyTorch building blocks, first those of GoogLeNet.

The blocks read like the paper (and like torchvision's ``googlenet.py``):
:class:`ConvUnit` (conv + batch norm or bias + ReLU: the one convolution unit
of every network here), :class:`Inception` (GoogLeNet's four branches, built
from a row of Table 1), :class:`InceptionAux` (an auxiliary classifier).
:class:`SequenceModule` runs any module of the spec vocabulary
(:mod:`inception.spec.layers`): the modules of BN-Inception, v3 and v4.
The networks are put together in :mod:`inception.torch.network`.

The module paths are torchvision's (``inception4a.branch2.1.conv``) and
timm's, so their state dicts load with ``strict=True``, and the Keras
builders use the same strings as layer names.
"""

from __future__ import annotations

from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..counting import sequence_counts
from ..spec.googlenet import TRANSFORM_INPUT_SCALE, TRANSFORM_INPUT_SHIFT
from ..spec.layers import (
    LRN, AuxHead, Concat, Conv, ConvStyle, InceptionBlock, Pool, iter_convs, iter_pools,
)

__all__ = [
    "BatchNorm2dNoScale", "ConvUnit", "Inception", "InceptionAux", "SequenceModule",
    "pool_module", "apply_transform_input", "main_logits",
]


def apply_transform_input(x: Tensor) -> Tensor:
    """torchvision's ``transform_input`` (see ``inception.spec.TRANSFORM_INPUT_SCALE``)."""
    scale = torch.tensor(TRANSFORM_INPUT_SCALE, dtype=x.dtype, device=x.device)
    shift = torch.tensor(TRANSFORM_INPUT_SHIFT, dtype=x.dtype, device=x.device)
    return x * scale.view(1, 3, 1, 1) + shift.view(1, 3, 1, 1)


def main_logits(outputs) -> Tensor:
    """The main classifier's logits from a model's outputs, whatever
    ``aux_logits`` was."""
    return outputs[0] if isinstance(outputs, (tuple, list)) else outputs


class BatchNorm2dNoScale(nn.BatchNorm2d):
    """Batch norm with a shift (``bias``) and no scale (``weight is None``):
    TF-slim's and keras.applications' ``scale=False``. The state dict has
    ``bias``, ``running_mean``, ``running_var``, ``num_batches_tracked``."""

    def __init__(self, num_features: int, eps: float = 1e-3, momentum: float = 0.1) -> None:
        super().__init__(num_features, eps=eps, momentum=momentum, affine=False)
        self.bias = nn.Parameter(torch.zeros(num_features))


class ConvUnit(nn.Module):
    """conv -> (batch norm) -> ReLU. torchvision calls it ``BasicConv2d``.

    ``style`` says how (:class:`~inception.spec.ConvStyle`): with batch norm
    the conv has no bias unless ``style.conv_bias`` (the batch norm's shift
    replaces it), and the batch norm has no scale when ``style.bn_scale`` is
    false. ``kernel_size``, ``stride`` and ``padding``: ints or pairs.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 style: ConvStyle = ConvStyle()) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding,
                              bias=style.conv_bias)
        self.bn = None
        if style.batch_norm:
            norm = nn.BatchNorm2d if style.bn_scale else BatchNorm2dNoScale
            self.bn = norm(out_channels, eps=style.bn_eps, momentum=style.bn_momentum)

    @classmethod
    def from_spec(cls, conv: Conv, style: ConvStyle) -> "ConvUnit":
        return cls(conv.in_channels, conv.out_channels, conv.kernel, conv.stride, conv.padding, style)

    def forward(self, x: Tensor) -> Tensor:
        x = self.conv(x)
        if self.bn is not None:
            x = self.bn(x)
        return F.relu(x, inplace=True)


class Inception(nn.Module):
    """The Inception module with dimension reductions (the paper's Figure 2b).

    The arguments are a row of Table 1, as in torchvision's ``Inception``.
    branch1: 1x1 | branch2: 1x1 -> 3x3 | branch3: 1x1 -> 5x5 | branch4:
    3x3/1 max pool -> 1x1, concatenated along channels.
    """

    def __init__(self, in_channels: int, ch1x1: int, ch3x3red: int, ch3x3: int,
                 ch5x5red: int, ch5x5: int, pool_proj: int, branch3_kernel: int = 5,
                 style: ConvStyle = ConvStyle()) -> None:
        super().__init__()
        k = branch3_kernel  # torchvision's "5x5" branch is a 3x3 (branch3_kernel=3)
        self.branch1 = ConvUnit(in_channels, ch1x1, 1, style=style)
        self.branch2 = nn.Sequential(
            ConvUnit(in_channels, ch3x3red, 1, style=style),
            ConvUnit(ch3x3red, ch3x3, 3, padding=1, style=style))
        self.branch3 = nn.Sequential(
            ConvUnit(in_channels, ch5x5red, 1, style=style),
            ConvUnit(ch5x5red, ch5x5, k, padding=k // 2, style=style))
        self.branch4 = nn.Sequential(  # ceil_mode at stride 1: torchvision's repr
            nn.MaxPool2d(3, stride=1, padding=1, ceil_mode=True),
            ConvUnit(in_channels, pool_proj, 1, style=style))

    def forward(self, x: Tensor) -> Tensor:
        # N x C_in x H x W -> four branches, each N x C_i x H x W
        branches = [self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)]
        # -> N x (ch1x1 + ch3x3 + ch5x5 + pool_proj) x H x W
        return torch.cat(branches, 1)

    @classmethod
    def from_spec(cls, b: InceptionBlock, style: ConvStyle) -> "Inception":
        return cls(b.in_channels, b.c1x1, b.c3x3_reduce, b.c3x3, b.c5x5_reduce, b.c5x5,
                   b.pool_proj, b.branch3_kernel, style)


def pool_module(p: Pool) -> nn.Module:
    """The PyTorch module of a spec :class:`~inception.spec.Pool`."""
    if p.output_size:
        adaptive = nn.AdaptiveMaxPool2d if p.kind == "max" else nn.AdaptiveAvgPool2d
        return adaptive((p.output_size, p.output_size))
    if p.kind == "max":
        return nn.MaxPool2d(p.kernel, p.stride, p.padding, ceil_mode=p.ceil_mode)
    return nn.AvgPool2d(p.kernel, p.stride, p.padding, ceil_mode=p.ceil_mode,
                        count_include_pad=p.count_include_pad)


def _add_at(root: nn.Module, path: str, module: nn.Module) -> None:
    """Register ``module`` at a dotted ``path`` below ``root``, creating the
    containers on the way (``nn.Sequential`` where the next part is an index,
    as in timm's ``branch1.0``)."""
    parts = path.split(".")
    parent = root
    for i, part in enumerate(parts[:-1]):
        child = parent._modules.get(part)
        if child is None:
            child = nn.Sequential() if parts[i + 1].isdigit() else nn.Module()
            parent.add_module(part, child)
        parent = child
    if parts[-1] in parent._modules:
        raise ValueError(f"two modules at {path!r}")
    parent.add_module(parts[-1], module)


class SequenceModule(nn.Module):
    """One module of the spec vocabulary: parallel branches of convolutions
    and pools, concatenated (possibly twice, as in v3's figure-7 module: the
    1x3 and 3x1 outputs side by side).

    Convolutions are registered at their module paths (``branch7x7_2``,
    ``branch1.0``), pools where the spec names them; ``forward`` walks the
    spec's sequence. Each kind of block's shapes are in the docstring of the
    spec function that writes it (e.g. ``inception.spec.versions.v3_inception_b``);
    ``count_blocks(spec, size)`` gives every block's output shape.
    """

    def __init__(self, layers, style: ConvStyle = ConvStyle(), kind: str = "", figure: str = "") -> None:
        super().__init__()
        self.layers, self.kind, self.figure = tuple(layers), kind, figure
        for c in iter_convs(self.layers):
            _add_at(self, c.name, ConvUnit.from_spec(c, style))
        for p in iter_pools(self.layers):
            if p.name:  # a module where the reference implementation has one
                _add_at(self, p.name, pool_module(p))

    def run(self, layers, x: Tensor) -> Tensor:
        for layer in layers:
            if isinstance(layer, Conv):
                x = self.get_submodule(layer.name)(x)
            elif isinstance(layer, Pool):
                x = self.get_submodule(layer.name)(x) if layer.name else pool_module(layer)(x)
            elif isinstance(layer, Concat):
                x = torch.cat([self.run(b, x) if b else x for b in layer.branches], 1)
            elif isinstance(layer, LRN):
                x = F.local_response_norm(x, layer.size, layer.alpha, layer.beta, layer.k)
            else:  # pragma: no cover
                raise TypeError(layer)
        return x

    def forward(self, x: Tensor) -> Tensor:
        return self.run(self.layers, x)

    def extra_repr(self) -> str:
        return f"{self.kind}, {self.figure}" if self.figure else self.kind


class InceptionAux(SequenceModule):
    """An auxiliary classifier (:class:`~inception.spec.AuxHead`).

    GoogLeNet's: pool -> 1x1 conv 128 -> flatten (C, H, W) -> fc1 1024 + ReLU
    -> dropout -> fc2 (the pool is the paper's 5x5/3 average or torchvision's
    adaptive 4x4). Inception-v3's: 5x5/3 average pool -> 1x1 conv 128 -> 5x5
    conv 768 -> global average -> fc. ``grid`` (the input's height and width)
    sizes a flatten's fully connected layer.
    """

    def __init__(self, aux: AuxHead, style: ConvStyle = ConvStyle(),
                 grid: Optional[Tuple[int, int]] = None) -> None:
        super().__init__(aux.layers, style, "aux")
        self.aux = aux
        n = aux.fc_in
        if aux.flatten == "chw":
            _, c, h, w = sequence_counts(aux.layers, aux.name, aux.in_channels, *grid, style, aux.name)
            n = c * h * w
        for name, units in aux.hidden:
            _add_at(self, name, nn.Linear(n, units))
            n = units
        self.dropout = nn.Dropout(aux.dropout)
        _add_at(self, aux.fc_name, nn.Linear(n, aux.num_classes))

    def forward(self, x: Tensor) -> Tensor:
        # GoogLeNet at 224: N x 512 (aux1) or 528 (aux2) x 14 x 14 -> pool N x C x 4 x 4
        # -> conv N x 128 x 4 x 4. v3 at 299: N x 768 x 17 x 17 -> N x 768 x 1 x 1
        x = self.run(self.layers, x)
        if self.aux.flatten == "chw":
            x = torch.flatten(x, 1)  # channels-first order: (C, H, W), N x 2048
        else:
            x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)  # N x C
        for name, _ in self.aux.hidden:
            x = F.relu(self.get_submodule(name)(x), inplace=True)  # N x 1024
        x = self.dropout(x)
        return self.get_submodule(self.aux.fc_name)(x)  # N x num_classes

