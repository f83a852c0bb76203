"""GoogLeNet in PyTorch, built from :mod:`inception.spec`.

The blocks read like the paper (and like torchvision's ``googlenet.py``):
``ConvUnit`` (conv + optional batch norm + ReLU), ``Inception`` (four
branches), ``InceptionAux`` (an auxiliary classifier). The module paths are
torchvision's (``inception4a.branch2.1.conv``), so the ``"bn"`` variant loads
torchvision's state dict with ``strict=True``, and the Keras builder uses the
same strings as layer names.

Return convention (both frameworks, both modes): with ``aux_logits=True`` the
model returns ``(logits, aux1, aux2)``, main logits first, then the auxiliary
heads in the order they sit in the network; with ``aux_logits=False``, just
``logits``. (torchvision returns ``GoogLeNetOutputs(logits, aux_logits2,
aux_logits1)`` in training and a tensor in eval; we keep one shape of result
so that a Keras functional model can have the same one.) The auxiliary heads
run in eval mode too, dropout off, so that ported weights can be compared on
every output; use ``outputs[0]`` or :func:`main_logits` for predictions, or set
``model.aux_logits = False`` to skip them.
"""

from __future__ import annotations

from typing import Optional, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..counting import aux_input_size, count_blocks
from ..spec import (
    LRN,
    TRANSFORM_INPUT_SCALE,
    TRANSFORM_INPUT_SHIFT,
    AuxHead,
    Conv,
    InceptionBlock,
    NetworkSpec,
    Pool,
    googlenet_spec,
)

__all__ = ["ConvUnit", "Inception", "InceptionAux", "GoogLeNet", "googlenet", "main_logits"]



def apply_transform_input(x: Tensor) -> Tensor:
    """torchvision's ``transform_input`` (see ``inception.spec.TRANSFORM_INPUT_SCALE``)."""
    scale = torch.tensor(TRANSFORM_INPUT_SCALE, dtype=x.dtype, device=x.device)
    shift = torch.tensor(TRANSFORM_INPUT_SHIFT, dtype=x.dtype, device=x.device)
    return x * scale.view(1, 3, 1, 1) + shift.view(1, 3, 1, 1)


class ConvUnit(nn.Module):
    """conv -> (batch norm) -> ReLU. torchvision calls it ``BasicConv2d``.

    With ``batch_norm`` the conv has no bias (the batch norm's shift replaces it).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        batch_norm: bool = True,
        bn_eps: float = 1e-3,
        bn_momentum: float = 0.1,
    ) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, bias=not batch_norm)
        self.bn = nn.BatchNorm2d(out_channels, eps=bn_eps, momentum=bn_momentum) if batch_norm else None

    @classmethod
    def from_spec(cls, conv: Conv, spec: NetworkSpec) -> "ConvUnit":
        v = spec.variant
        return cls(conv.in_channels, conv.out_channels, conv.kernel, conv.stride, conv.padding,
                   v.batch_norm, v.bn_eps, v.bn_momentum)

    def forward(self, x: Tensor) -> Tensor:
        x = self.conv(x)
        if self.bn is not None:
            x = self.bn(x)
        return F.relu(x, inplace=True)


class Inception(nn.Module):
    """The Inception module with dimension reductions (the paper's Figure 2b).

    branch1: 1x1 | branch2: 1x1 -> 3x3 | branch3: 1x1 -> 5x5 (3x3 in the
    ``"bn"`` variant, as torchvision) | branch4: 3x3/1 max pool -> 1x1,
    concatenated along channels.
    """

    def __init__(self, block: InceptionBlock, spec: NetworkSpec) -> None:
        super().__init__()
        c = {conv.name: ConvUnit.from_spec(conv, spec) for conv in block.convs()}
        self.branch1 = c["branch1"]
        self.branch2 = nn.Sequential(c["branch2.0"], c["branch2.1"])
        self.branch3 = nn.Sequential(c["branch3.0"], c["branch3.1"])
        # ceil_mode with stride 1 changes nothing; kept to match torchvision's repr.
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1, ceil_mode=True), c["branch4.1"])

    def forward(self, x: Tensor) -> Tensor:
        # N x C_in x H x W -> N x (c1x1 + c3x3 + c5x5 + pool_proj) x H x W
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class InceptionAux(nn.Module):
    """An auxiliary classifier: pool -> 1x1 conv 128 -> FC 1024 -> dropout -> FC.

    The pool is the paper's 5x5/3 average pool or torchvision's adaptive 4x4
    average pool (the two agree in output size at 224 and 256 input, not in
    the windows they average).
    """

    def __init__(self, aux: AuxHead, spec: NetworkSpec, grid: Tuple[int, int]) -> None:
        super().__init__()
        self.pool = aux.pool
        self.conv = ConvUnit.from_spec(Conv("conv", aux.in_channels, aux.conv_channels, 1), spec)
        h, w = (aux_input_size(aux.pool, s) for s in grid)
        self.fc1 = nn.Linear(aux.conv_channels * h * w, aux.fc_units)
        self.fc2 = nn.Linear(aux.fc_units, aux.num_classes)
        self.dropout = nn.Dropout(aux.dropout)

    def forward(self, x: Tensor) -> Tensor:
        # aux1: N x 512 x 14 x 14, aux2: N x 528 x 14 x 14 (224 input)
        if self.pool == "adaptive4":
            x = F.adaptive_avg_pool2d(x, (4, 4))
        else:
            x = F.avg_pool2d(x, 5, 3)
        # N x C x 4 x 4
        x = self.conv(x)
        # N x 128 x 4 x 4
        x = torch.flatten(x, 1)  # channels-first order: (C, H, W)
        # N x 2048
        x = F.relu(self.fc1(x), inplace=True)
        x = self.dropout(x)
        # N x 1024
        return self.fc2(x)  # N x num_classes


class GoogLeNet(nn.Module):
    """GoogLeNet built from a :class:`~inception.spec.NetworkSpec`.

    Stages at 224x224 input (N x C x H x W)::

        conv1 64x112x112 -> maxpool1 64x56x56 [-> lrn1] -> conv2 64x56x56
        -> conv3 192x56x56 [-> lrn2] -> maxpool2 192x28x28
        -> inception3a 256x28x28 -> inception3b 480x28x28 -> maxpool3 480x14x14
        -> inception4a 512 (aux1) -> 4b 512 -> 4c 512 -> 4d 528 (aux2)
        -> 4e 832x14x14 -> maxpool4 832x7x7 -> inception5a 832 -> 5b 1024x7x7
        -> avgpool 1024x1x1 -> dropout -> fc num_classes
    """

    def __init__(
        self,
        spec: NetworkSpec,
        input_size: Union[int, Tuple[int, int]] = 224,
        transform_input: bool = False,
        init_weights: bool = True,
    ) -> None:
        super().__init__()
        self.spec = spec
        self.transform_input = transform_input
        self.aux_logits = bool(spec.aux)
        self._order = []  # names of the blocks in forward order
        self._aux_after = {a.after: a.name for a in spec.aux}
        grids = {b.name: b.output_shape[1:] for b in count_blocks(spec, input_size)}
        for block in spec.blocks:
            self.add_module(block.name, _make_block(block, spec))
            self._order.append(block.name)
        for aux in spec.aux:
            self.add_module(aux.name, InceptionAux(aux, spec, grids[aux.after]))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))  # global: the paper's 7x7/1 at 224
        self.dropout = nn.Dropout(spec.head.dropout)
        self.fc = nn.Linear(spec.head.in_channels, spec.head.num_classes)
        if init_weights:
            self.reset_parameters()

    def reset_parameters(self) -> None:
        """torchvision's initialisation for the ``bn`` variant (normal, std 0.01;
        batch norm 1 and 0); He initialisation for the ``paper`` variant, whose
        22 ReLU layers without batch norm do not train from std 0.01, except
        for the classifiers (``fc``, ``aux*.fc2``: std 0.01), so that the
        initial loss is about log(num_classes)."""
        bn = self.spec.variant.batch_norm
        classifiers = {self.fc} | {getattr(self, a.name).fc2 for a in self.spec.aux}
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                if bn or m in classifiers:
                    nn.init.trunc_normal_(m.weight, mean=0.0, std=0.01, a=-2, b=2)
                else:
                    nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def _transform_input(self, x: Tensor) -> Tensor:
        return apply_transform_input(x) if self.transform_input else x

    def forward_features(self, x: Tensor):
        """Run the blocks; returns the last feature map (N x 1024 x 7 x 7 at
        224) and the auxiliary logits (empty when they are off)."""
        x = self._transform_input(x)
        aux_out = []
        for name in self._order:
            x = getattr(self, name)(x)
            if self.aux_logits and name in self._aux_after:
                aux_out.append(getattr(self, self._aux_after[name])(x))
        return x, aux_out

    def forward_head(self, features: Tensor) -> Tensor:
        x = self.avgpool(features)
        # N x 1024 x 1 x 1
        x = torch.flatten(x, 1)
        x = self.dropout(x)
        return self.fc(x)  # N x num_classes

    def forward(self, x: Tensor):
        features, aux = self.forward_features(x)
        logits = self.forward_head(features)
        if self.aux_logits:
            return (logits, *aux)
        return logits


def _make_block(block, spec: NetworkSpec) -> nn.Module:
    if isinstance(block, Conv):
        return ConvUnit.from_spec(block, spec)
    if isinstance(block, Pool):
        if block.kind == "max":
            return nn.MaxPool2d(block.kernel, block.stride, block.padding, ceil_mode=block.ceil_mode)
        return nn.AvgPool2d(block.kernel, block.stride, block.padding, ceil_mode=block.ceil_mode)
    if isinstance(block, LRN):
        return nn.LocalResponseNorm(block.size, block.alpha, block.beta, block.k)
    if isinstance(block, InceptionBlock):
        return Inception(block, spec)
    raise TypeError(f"no PyTorch layer for {block!r}")


def main_logits(outputs) -> Tensor:
    """The main classifier's logits from a model's outputs, whatever
    ``aux_logits`` was."""
    return outputs[0] if isinstance(outputs, (tuple, list)) else outputs


def googlenet(
    variant: str = "paper",
    num_classes: int = 1000,
    aux_logits: bool = True,
    *,
    input_size: Union[int, Tuple[int, int]] = 224,
    dropout: Optional[float] = None,
    aux_dropout: Optional[float] = None,
    transform_input: Optional[bool] = None,
    init_weights: bool = True,
    weights: Optional[str] = None,
    spec: Optional[NetworkSpec] = None,
) -> GoogLeNet:
    """Build GoogLeNet in PyTorch.

    Args:
        variant: ``"paper"`` (as published) or ``"bn"`` (torchvision's, batch norm).
        num_classes: classifier width (also of the auxiliary heads).
        aux_logits: attach the two auxiliary classifiers; the model then
            returns ``(logits, aux1, aux2)``.
        input_size: image size the model will see. Only the ``paper``
            variant's auxiliary heads depend on it (their 5x5/3 pool output
            feeds a fully connected layer); 224 and 256 give the same model.
        dropout: before the classifier; ``None`` takes the variant's (0.4 paper, 0.2 bn).
        aux_dropout: inside the auxiliary heads; ``None`` takes 0.7.
        transform_input: apply torchvision's input transform (ImageNet
            normalisation to the (x - 0.5) / 0.5 one), as its ImageNet weights
            expect; ``None``: on with ``weights="imagenet"``, off otherwise
            (torchvision's rule).
        init_weights: initialise as documented in :meth:`GoogLeNet.reset_parameters`.
        weights: ``"imagenet"`` or a path to a checkpoint file; see
            :mod:`inception.port` (``bn`` variant only).
        spec: a ready-made spec (overrides the arguments that shape it).
    """
    if transform_input is None:
        transform_input = weights == "imagenet"
    if spec is None:
        spec = googlenet_spec(variant, num_classes, aux_logits, dropout=dropout, aux_dropout=aux_dropout)
    model = GoogLeNet(spec, input_size=input_size, transform_input=transform_input, init_weights=init_weights)
    if weights is not None:
        from ..port import load_torch_weights  # imported late: port imports this module

        load_torch_weights(model, weights)
    return model
