"""Inception v2/v3/v4 in PyTorch, built from :mod:`inception.versions.spec`.

One interpreter serves the three networks, so that what the spec says is
what runs (and what :mod:`inception.versions.counting` counts):

* :class:`ConvBN` is a convolution unit (torchvision's ``BasicConv2d``,
  timm's ``ConvNormAct``): conv -> batch norm -> ReLU, children ``conv`` and ``bn``.
* :class:`InceptionModule` is a block of the spec: its convolutions are
  registered at their module paths (``branch7x7_2``, ``branch1.0``) and
  ``forward`` walks the spec's sequence: convolutions, pools, concatenations.
* :class:`AuxClassifier` and :class:`InceptionNet` put blocks, auxiliary
  heads and the classifier together.

The module paths are those of the spec (torchvision's for v3, timm's for v4),
so the reference implementations' state dicts load with ``strict=True``.

Return convention (as :mod:`inception.torch.googlenet`): with auxiliary heads
the model returns ``(logits, aux)``, main logits first, in training and in
eval (torchvision's ``Inception3`` returns ``InceptionOutputs`` in training
and a tensor in eval; set ``model.aux_logits = False`` to skip the head).
"""

from __future__ import annotations

import os
from typing import Mapping

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .googlenet import apply_transform_input
from ..versions.spec import AuxHead, Block, Concat, Conv, ConvStyle, Pool, VersionSpec, iter_convs, iter_pools, join

__all__ = [
    "BatchNorm2dNoScale",
    "ConvBN",
    "InceptionModule",
    "AuxClassifier",
    "InceptionNet",
    "build",
    "load_weights",
]



class BatchNorm2dNoScale(nn.BatchNorm2d):
    """Batch norm with a shift (``bias``) and no scale (``weight is None``):
    TF-slim's and keras.applications' ``scale=False``. The state dict has
    ``bias``, ``running_mean``, ``running_var``, ``num_batches_tracked``."""

    def __init__(self, num_features: int, eps: float = 1e-3, momentum: float = 0.1) -> None:
        super().__init__(num_features, eps=eps, momentum=momentum, affine=False)
        self.bias = nn.Parameter(torch.zeros(num_features))


class ConvBN(nn.Module):
    """conv -> batch norm -> ReLU (torchvision: ``BasicConv2d``).

    The conv has no bias unless ``style.conv_bias`` (the batch norm's shift
    makes it redundant); the batch norm has no scale when ``style.bn_scale``
    is false.
    """

    def __init__(self, spec: Conv, style: ConvStyle = ConvStyle()) -> None:
        super().__init__()
        self.conv = nn.Conv2d(spec.in_channels, spec.out_channels, spec.kernel, spec.stride, spec.padding,
                              bias=style.conv_bias)
        if style.bn_scale:
            self.bn = nn.BatchNorm2d(spec.out_channels, eps=style.bn_eps, momentum=style.bn_momentum)
        else:
            self.bn = BatchNorm2dNoScale(spec.out_channels, eps=style.bn_eps, momentum=style.bn_momentum)

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(self.bn(self.conv(x)), inplace=True)


def _pool_module(p: Pool) -> nn.Module:
    if p.kind == "max":
        return nn.MaxPool2d(p.kernel, p.stride, p.padding, ceil_mode=p.ceil_mode)
    return nn.AvgPool2d(p.kernel, p.stride, p.padding, ceil_mode=p.ceil_mode, count_include_pad=p.count_include_pad)


def _pool(p: Pool, x: Tensor) -> Tensor:
    if p.kind == "max":
        return F.max_pool2d(x, p.kernel, p.stride, p.padding, ceil_mode=p.ceil_mode)
    return F.avg_pool2d(x, p.kernel, p.stride, p.padding, ceil_mode=p.ceil_mode,
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


class _SequenceRunner(nn.Module):
    """Runs a spec sequence whose convolutions are registered on ``self``."""

    def _register(self, layers, style: ConvStyle) -> None:
        for c in iter_convs(layers):
            _add_at(self, c.name, ConvBN(c, style))
        for p in iter_pools(layers):
            if p.name:  # registered where the reference implementation has a module
                _add_at(self, p.name, _pool_module(p))

    def _run(self, layers, x: Tensor) -> Tensor:
        for layer in layers:
            if isinstance(layer, Conv):
                x = self.get_submodule(layer.name)(x)
            elif isinstance(layer, Pool):
                x = self.get_submodule(layer.name)(x) if layer.name else _pool(layer, x)
            elif isinstance(layer, Concat):
                x = torch.cat([self._run(branch, x) if branch else x for branch in layer.branches], 1)
            else:  # pragma: no cover
                raise TypeError(layer)
        return x


class InceptionModule(_SequenceRunner):
    """One block of a :class:`~inception.versions.spec.VersionSpec`:
    parallel branches of convolutions and pools, concatenated (possibly
    twice, as in v3's figure-7 module: the 1x3 and 3x1 outputs side by side).

    Each kind of block's shapes (N x C x H x W at the native input size) are
    in the docstring of the spec function that writes it, e.g.
    :func:`inception.versions.spec.v3_inception_b`; ``count_blocks(spec,
    size)`` gives every block's output shape at any input size.
    """

    def __init__(self, block: Block, style: ConvStyle = ConvStyle()) -> None:
        super().__init__()
        self.block = block
        self._register(block.layers, style)

    def forward(self, x: Tensor) -> Tensor:
        return self._run(self.block.layers, x)

    def extra_repr(self) -> str:
        return f"{self.block.kind}, {self.block.figure}" if self.block.figure else self.block.kind


class AuxClassifier(_SequenceRunner):
    """An auxiliary classifier: pools and convolutions, global average pool,
    dropout, fc (torchvision's ``InceptionAux`` for v3)."""

    def __init__(self, aux: AuxHead, style: ConvStyle = ConvStyle()) -> None:
        super().__init__()
        self.aux = aux
        self._register(aux.layers, style)
        self.dropout = nn.Dropout(aux.dropout)
        _add_at(self, aux.fc_name, nn.Linear(aux.fc_in, aux.num_classes))

    def forward(self, x: Tensor) -> Tensor:
        # v3: N x 768 x 17 x 17 -> pool 5x5/3 -> N x 768 x 5 x 5 -> conv0 -> N x 128 x 5 x 5
        # -> conv1 (5x5, valid) -> N x 768 x 1 x 1
        x = self._run(self.aux.layers, x)
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        # N x 768
        return self.get_submodule(self.aux.fc_name)(self.dropout(x))  # N x num_classes


def _make_block(block: Block, style: ConvStyle) -> nn.Module:
    if len(block.layers) == 1 and isinstance(block.layers[0], Conv) and block.layers[0].name == "":
        return ConvBN(block.layers[0], style)  # a stem convolution: Conv2d_1a_3x3.conv / .bn
    if len(block.layers) == 1 and isinstance(block.layers[0], Pool):
        return _pool_module(block.layers[0])
    return InceptionModule(block, style)


class InceptionNet(nn.Module):
    """An Inception network (v2, v3 or v4) built from its spec.

    Stages of Inception-v3 at 299x299 (N x C x H x W): stem 192x35x35 ->
    Mixed_5b-5d 288x35x35 -> Mixed_6a 768x17x17 -> Mixed_6b-6e 768x17x17
    (AuxLogits) -> Mixed_7a 1280x8x8 -> Mixed_7b-7c 2048x8x8 -> avgpool ->
    dropout -> fc. Inception-v4: stem 384x35x35 -> 4 x A -> Reduction-A
    1024x17x17 -> 7 x B -> Reduction-B 1536x8x8 -> 3 x C -> avgpool ->
    dropout -> last_linear. ``count_blocks(spec)`` lists every block's shape.
    """

    def __init__(self, spec: VersionSpec, transform_input: bool = False, init_weights: bool = True) -> None:
        super().__init__()
        self.spec = spec
        self.transform_input = transform_input
        self.aux_logits = bool(spec.aux)
        style = spec.style
        for block in spec.blocks:
            _add_at(self, block.name, _make_block(block, style))
        for aux in spec.aux:
            _add_at(self, aux.name, AuxClassifier(aux, style))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(spec.head.dropout)
        _add_at(self, spec.head.fc_name, nn.Linear(spec.head.in_channels, spec.head.num_classes))
        self._aux_after = {a.after: a.name for a in spec.aux}
        if init_weights:
            self.reset_parameters()

    def reset_parameters(self) -> None:
        """``"torchvision_v3"`` style: torchvision's Inception-v3
        initialisation (truncated normal, std 0.1; the auxiliary 5x5 conv
        0.01 and fc 0.001); ``"he"``: He-normal convolutions, normal(0.01)
        fully connected layers. Batch norm 1 and 0, biases 0."""
        tv = self.spec.style.init == "torchvision_v3"
        special = {}
        if tv:
            for aux in self.spec.aux:
                convs = list(iter_convs(aux.layers))
                if convs:
                    special[join(join(aux.name, convs[-1].name), "conv")] = 0.01
                special[join(aux.name, aux.fc_name)] = 0.001
        for name, m in self.named_modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                if tv:
                    nn.init.trunc_normal_(m.weight, mean=0.0, std=special.get(name, 0.1), a=-2, b=2)
                elif isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
                else:
                    nn.init.normal_(m.weight, std=0.01)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                if m.weight is not None:
                    nn.init.ones_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def _transform_input(self, x: Tensor) -> Tensor:
        # torchvision's: ImageNet-normalised input -> the (x - 0.5) / 0.5 its
        # Google-trained weights expect.
        return apply_transform_input(x) if self.transform_input else x

    def forward_features(self, x: Tensor):
        """Run the blocks; returns the last feature map (N x 2048 x 8 x 8 for
        v3 at 299) and the auxiliary logits (empty when they are off)."""
        x = self._transform_input(x)
        aux_out = []
        for block in self.spec.blocks:
            x = self.get_submodule(block.name)(x)
            if self.aux_logits and block.name in self._aux_after:
                aux_out.append(self.get_submodule(self._aux_after[block.name])(x))
        return x, aux_out

    def forward_head(self, features: Tensor) -> Tensor:
        x = torch.flatten(self.avgpool(features), 1)
        # N x C
        x = self.dropout(x)
        return self.get_submodule(self.spec.head.fc_name)(x)  # N x num_classes

    def forward(self, x: Tensor):
        features, aux = self.forward_features(x)
        logits = self.forward_head(features)
        if self.aux_logits and aux:
            return (logits, *aux)
        return logits


def load_weights(model: InceptionNet, weights) -> InceptionNet:
    """Load a state dict (a mapping or a checkpoint path) strictly.

    A checkpoint with auxiliary heads loads into a model without them (the
    heads' keys are dropped), as torchvision does.
    """
    if isinstance(weights, (str, os.PathLike)):
        from ..port import load_state_dict_file

        weights = load_state_dict_file(weights)
    if not isinstance(weights, Mapping):
        raise ValueError(f"weights must be a state dict or a checkpoint path, got {type(weights).__name__}")
    own = model.state_dict()
    state = dict(weights)
    if not model.spec.aux:
        state = {k: v for k, v in state.items() if not k.startswith("AuxLogits.")}
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    if missing or unexpected:
        raise ValueError(
            f"checkpoint does not fit {model.spec.name}: missing {missing[:8]}, unexpected {unexpected[:8]}"
        )
    model.load_state_dict(state, strict=True)
    return model


def build(
    spec: VersionSpec,
    *,
    transform_input: bool = False,
    init_weights: bool = True,
    weights=None,
) -> InceptionNet:
    """Build an :class:`InceptionNet` from ``spec`` and optionally load
    ``weights`` (a state dict or checkpoint path)."""
    model = InceptionNet(spec, transform_input=transform_input, init_weights=init_weights)
    if weights is not None:
        load_weights(model, weights)
    return model
