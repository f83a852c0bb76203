"""One network runner for every spec, and the builders that use it.

:class:`InceptionNet` builds any :class:`~inception.spec.NetworkSpec` from
the blocks of :mod:`inception.torch.googlenet`: a named conv is a
:class:`ConvUnit`, a Table 1 row an :class:`Inception`, any other module a
:class:`SequenceModule`, each auxiliary head an :class:`InceptionAux`.
:class:`GoogLeNet` is the same runner with GoogLeNet's stage shapes in its
docstring. :func:`build_model` builds a registered network by name
(:mod:`inception.spec.registry`), the way the training engines do.

Return convention (both frameworks, both modes): with auxiliary heads the
model returns ``(logits, aux1, ...)``, main logits first, then the auxiliary
heads in the order they sit in the network; without them, just ``logits``.
(torchvision returns ``GoogLeNetOutputs(logits, aux_logits2, aux_logits1)``
in training and a tensor in eval; we keep one shape of result so that a Keras
functional model can have the same one.) The auxiliary heads run in eval mode
too, dropout off, so that ported weights can be compared on every output; use
``outputs[0]`` or :func:`main_logits` for predictions, or set
``model.aux_logits = False`` to skip them.
"""

from __future__ import annotations

from typing import Optional, Tuple, Union

import torch
from torch import Tensor, nn

from ..counting import count_blocks
from ..spec.googlenet import googlenet_spec
from ..spec.layers import LRN, Block, Conv, InceptionBlock, NetworkSpec, Pool, iter_convs, join
from ..spec.registry import network_spec
from .googlenet import ConvUnit, Inception, InceptionAux, SequenceModule, _add_at, apply_transform_input, pool_module
from .weights import load_weights

__all__ = ["InceptionNet", "GoogLeNet", "build", "build_model", "googlenet"]

Size = Union[int, Tuple[int, int]]


def _make_block(block, style) -> nn.Module:
    if isinstance(block, Conv):
        return ConvUnit.from_spec(block, style)
    if isinstance(block, Pool):
        return pool_module(block)
    if isinstance(block, LRN):
        return nn.LocalResponseNorm(block.size, block.alpha, block.beta, block.k)
    if isinstance(block, InceptionBlock):
        return Inception.from_spec(block, style)
    if isinstance(block, Block):
        (first, *rest) = block.layers
        if not rest and isinstance(first, Conv) and first.name == "":
            return ConvUnit.from_spec(first, style)  # a stem conv: Conv2d_1a_3x3.conv / .bn
        if not rest and isinstance(first, Pool) and not first.name:
            return pool_module(first)
        return SequenceModule(block.layers, style, block.kind, block.figure)
    raise TypeError(f"no PyTorch module for {block!r}")


class InceptionNet(nn.Module):
    """A network (GoogLeNet, BN-Inception, v3, v4) built from its spec.

    Stages of Inception-v3 at 299x299 (N x C x H x W): stem 192x35x35 ->
    Mixed_5b-5d 288x35x35 -> Mixed_6a 768x17x17 -> Mixed_6b-6e 768x17x17
    (AuxLogits) -> Mixed_7a 1280x8x8 -> Mixed_7b-7c 2048x8x8 -> avgpool ->
    dropout -> fc. Inception-v4: stem 384x35x35 -> 4 x A -> Reduction-A
    1024x17x17 -> 7 x B -> Reduction-B 1536x8x8 -> 3 x C -> avgpool ->
    dropout -> last_linear. ``count_blocks(spec)`` lists every block's shape.

    ``input_size`` sizes the auxiliary heads that flatten (GoogLeNet's
    ``fc1``); ``None``: the spec's native size.
    """

    def __init__(self, spec: NetworkSpec, input_size: Optional[Size] = None,
                 transform_input: bool = False, init_weights: bool = True) -> None:
        super().__init__()
        self.spec = spec
        self.transform_input = transform_input
        self.aux_logits = bool(spec.aux)
        style = spec.style
        grids = {}
        if any(a.flatten == "chw" for a in spec.aux):
            grids = {b.name: b.output_shape[1:] for b in count_blocks(spec, input_size)}
        for block in spec.blocks:
            _add_at(self, block.name, _make_block(block, style))
        for aux in spec.aux:
            _add_at(self, aux.name, InceptionAux(aux, style, grids.get(aux.after)))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))  # global: the paper's 7x7/1 at 224
        self.dropout = nn.Dropout(spec.head.dropout)
        _add_at(self, spec.head.fc_name, nn.Linear(spec.head.in_channels, spec.head.num_classes))
        self._aux_after = {a.after: a.name for a in spec.aux}
        self._order = [b.name for b in spec.blocks]  # the blocks' module paths, in forward order
        if init_weights:
            self.reset_parameters()

    def reset_parameters(self) -> None:
        """As ``spec.style.init`` says. ``"torchvision"`` (GoogLeNet ``bn``):
        every conv and linear layer truncated normal, std 0.01.
        ``"torchvision_v3"``: torchvision's Inception-v3 (truncated normal,
        std 0.1; the auxiliary head's last conv 0.01 and fc 0.001). ``"he"``
        (GoogLeNet ``paper``, whose 22 ReLU layers without batch norm do not
        train from std 0.01; BN-Inception, v4): He-normal convolutions and
        hidden layers, the classifiers std 0.01 so that the initial loss is
        about log(num_classes). Batch norm 1 and 0, biases 0."""
        init = self.spec.style.init
        classifiers = {self.spec.head.fc_name} | {join(a.name, a.fc_name) for a in self.spec.aux}
        std = {}
        if init == "torchvision_v3":
            for aux in self.spec.aux:
                convs = list(iter_convs(aux.layers))
                if convs:
                    std[join(join(aux.name, convs[-1].name), "conv")] = 0.01
                std[join(aux.name, aux.fc_name)] = 0.001
        for name, m in self.named_modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                if init == "torchvision" or name in classifiers and init == "he":
                    nn.init.trunc_normal_(m.weight, mean=0.0, std=0.01, a=-2, b=2)
                elif init == "torchvision_v3":
                    nn.init.trunc_normal_(m.weight, mean=0.0, std=std.get(name, 0.1), a=-2, b=2)
                else:
                    nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                if m.weight is not None:
                    nn.init.ones_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def _transform_input(self, x: Tensor) -> Tensor:
        return apply_transform_input(x) if self.transform_input else x

    def forward_features(self, x: Tensor):
        """Run the blocks; returns the last feature map (N x 1024 x 7 x 7 for
        GoogLeNet at 224, N x 2048 x 8 x 8 for v3 at 299) and the auxiliary
        logits (empty when they are off)."""
        x = self._transform_input(x)
        aux_out = []
        for name in self._order:
            x = self.get_submodule(name)(x)
            if self.aux_logits and name in self._aux_after:
                aux_out.append(self.get_submodule(self._aux_after[name])(x))
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


class GoogLeNet(InceptionNet):
    """GoogLeNet built from a spec of :func:`inception.spec.googlenet_spec`.

    Stages at 224x224 input (N x C x H x W)::

        conv1 64x112x112 -> maxpool1 64x56x56 [-> lrn1] -> conv2 64x56x56
        -> conv3 192x56x56 [-> lrn2] -> maxpool2 192x28x28
        -> inception3a 256x28x28 -> inception3b 480x28x28 -> maxpool3 480x14x14
        -> inception4a 512 (aux1) -> 4b 512 -> 4c 512 -> 4d 528 (aux2)
        -> 4e 832x14x14 -> maxpool4 832x7x7 -> inception5a 832 -> 5b 1024x7x7
        -> avgpool 1024x1x1 -> dropout -> fc num_classes
    """


def build(spec: NetworkSpec, *, input_size: Optional[Size] = None, transform_input: bool = False,
          init_weights: bool = True, weights=None) -> InceptionNet:
    """Build the model of ``spec`` and optionally load ``weights`` (see
    :func:`inception.torch.weights.load_weights`)."""
    cls = GoogLeNet if spec.name == "googlenet" else InceptionNet
    model = cls(spec, input_size=input_size, transform_input=transform_input, init_weights=init_weights)
    if weights is not None:
        load_weights(model, weights)
    return model


def googlenet(
    variant: str = "paper",
    num_classes: int = 1000,
    aux_logits: bool = True,
    *,
    input_size: Size = 224,
    dropout: Optional[float] = None,
    aux_dropout: Optional[float] = None,
    transform_input: Optional[bool] = None,
    init_weights: bool = True,
    weights=None,
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
        init_weights: initialise as documented in :meth:`InceptionNet.reset_parameters`.
        weights: ``"imagenet"`` (``bn`` variant), a checkpoint path (``.pth``,
            ``.npz``) or a state dict; see :mod:`inception.weights`.
        spec: a ready-made spec (overrides the arguments that shape it).
    """
    if transform_input is None:
        transform_input = weights == "imagenet"
    if spec is None:
        spec = googlenet_spec(variant, num_classes, aux_logits, dropout=dropout, aux_dropout=aux_dropout)
    return build(spec, input_size=input_size, transform_input=transform_input,
                 init_weights=init_weights, weights=weights)


def build_model(name: str, num_classes: int = 1000, aux_logits: Optional[bool] = None,
                input_size: Optional[Size] = None, *, variant: Optional[str] = None,
                dropout: Optional[float] = None, weights=None, transform_input: Optional[bool] = None,
                init_weights: bool = True, **spec_kwargs) -> InceptionNet:
    """Build registered network ``name`` (``googlenet``, ``bn_inception``,
    ``inception_v3``, ``inception_v4``): the training engines' entry point.

    ``aux_logits=None`` and ``dropout=None`` take the network's defaults;
    ``variant`` is GoogLeNet's (``"paper"`` by default). ``weights`` as in
    :func:`inception.torch.weights.load_weights`; ``transform_input=None`` is
    on exactly with ``weights="imagenet"``. The Keras twin,
    ``inception.keras.build_model``, takes the same arguments.
    """
    spec = network_spec(name, num_classes, aux_logits, variant=variant, dropout=dropout, **spec_kwargs)
    if transform_input is None:
        transform_input = weights == "imagenet"
    return build(spec, input_size=input_size, transform_input=transform_input,
                 init_weights=init_weights, weights=weights)
