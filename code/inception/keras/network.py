"""One network builder for every spec in Keras 3, the twin of
:mod:`inception.torch.network` (same specs, same layer names).

:func:`build` walks a :class:`~inception.spec.NetworkSpec` with the blocks of
:mod:`inception.keras.googlenet`; :func:`googlenet` and :func:`build_model`
(a registered network by name) take the same arguments as their PyTorch
twins, plus ``input_shape``.

Return convention as in PyTorch: with auxiliary heads the model's outputs
are ``[logits, aux1, ...]``, in training and in inference; else ``logits``.
"""

from __future__ import annotations

from typing import Optional, Sequence

import keras
from keras import layers

from ..counting import count_layers
from ..spec.googlenet import TRANSFORM_INPUT_SCALE, TRANSFORM_INPUT_SHIFT, googlenet_spec
from ..spec.layers import LRN, Block, Conv, InceptionBlock, NetworkSpec, Pool
from ..spec.registry import network_spec
from .googlenet import aux_head, classifier_initializer, conv_unit, inception_block, pool, run_sequence
from .layers import ChannelAffine, LocalResponseNorm
from .weights import load_weights

__all__ = ["build", "build_model", "googlenet", "input_shape_for", "apply_transform_input"]


def apply_transform_input(x):
    """torchvision's ``transform_input`` as a ``ChannelAffine`` layer named
    ``transform_input`` (see ``inception.spec.TRANSFORM_INPUT_SCALE``)."""
    return ChannelAffine(list(TRANSFORM_INPUT_SCALE), list(TRANSFORM_INPUT_SHIFT), name="transform_input")(x)


def input_shape_for(spec: NetworkSpec, input_shape=None, input_size=None):
    """Resolve ``input_shape`` / ``input_size`` against the spec (the
    PyTorch builders' ``input_size`` shortcut; a conflict is an error)."""
    if input_shape is None:
        s = input_size or spec.input_size
        input_shape = (s, s, spec.in_channels)
    input_shape = tuple(input_shape)
    if len(input_shape) != 3:
        raise ValueError(f"input_shape must be (height, width, channels), got {input_shape!r}.")
    if input_size is not None and input_shape[:2] != (input_size, input_size):
        raise ValueError(f"input_size={input_size} conflicts with input_shape={input_shape}.")
    if input_shape[2] != spec.in_channels:
        raise ValueError(f"spec has {spec.in_channels} input channels, input_shape {input_shape}.")
    return input_shape


def _block(x, block, style):
    """One top-level block of a spec."""
    if isinstance(block, Conv):
        return conv_unit(x, block, style, block.name)
    if isinstance(block, Pool):
        return pool(x, block)
    if isinstance(block, LRN):
        return LocalResponseNorm(block.size, block.alpha, block.beta, block.k, name=block.name)(x)
    if isinstance(block, InceptionBlock):
        b = block
        return inception_block(x, b.c1x1, b.c3x3_reduce, b.c3x3, b.c5x5_reduce, b.c5x5, b.pool_proj,
                               name=b.name, branch3_kernel=b.branch3_kernel, style=style)
    if isinstance(block, Block):
        (first, *rest) = block.layers
        if not rest and isinstance(first, Pool) and not first.name:
            return pool(x, first, block.name)
        return run_sequence(x, block.layers, style, block.name)
    raise TypeError(f"no Keras layer for {block!r}")  # pragma: no cover


def build(spec: NetworkSpec, input_shape: Optional[Sequence[int]] = None, input_size: Optional[int] = None,
          transform_input: bool = False, name: Optional[str] = None, weights=None) -> keras.Model:
    """Build the functional ``keras.Model`` of ``spec`` (channels-last) and
    optionally load ``weights`` (see :func:`inception.keras.weights.load_weights`).

    The model carries ``model.spec``.
    """
    input_shape = input_shape_for(spec, input_shape, input_size)
    try:  # a clear error for inputs that are too small, before Keras' own
        count_layers(spec, input_shape[:2])
    except ValueError as e:
        raise ValueError(f"input {input_shape[:2]} does not fit {spec.name}: {e}") from None
    style = spec.style
    inputs = keras.Input(shape=input_shape, name="image")
    x = apply_transform_input(inputs) if transform_input else inputs
    aux_after = {a.after: a for a in spec.aux}
    aux_outputs = []
    for block in spec.blocks:
        x = _block(x, block, style)
        if block.name in aux_after:
            aux_outputs.append(aux_head(x, aux_after[block.name], style))
    x = layers.GlobalAveragePooling2D(name="avgpool")(x)  # GoogLeNet: the paper's 7x7/1 at 224
    x = layers.Dropout(spec.head.dropout, name="dropout")(x)
    logits = layers.Dense(spec.head.num_classes, kernel_initializer=classifier_initializer(style),
                          name=spec.head.fc_name)(x)
    outputs = [logits, *aux_outputs] if aux_outputs else logits
    model = keras.Model(inputs, outputs, name=name or spec.name)
    model.spec = spec  # for the counters, the porter and the training engine
    if weights is not None:
        load_weights(model, weights)
    return model


def googlenet(
    variant: str = "paper",
    num_classes: int = 1000,
    aux_logits: bool = True,
    *,
    input_shape: Optional[Sequence[int]] = None,
    input_size: Optional[int] = None,
    dropout: Optional[float] = None,
    aux_dropout: Optional[float] = None,
    transform_input: Optional[bool] = None,
    weights=None,
    spec: Optional[NetworkSpec] = None,
    name: str = "googlenet",
) -> keras.Model:
    """Build GoogLeNet as a functional ``keras.Model`` (channels-last).

    Takes the same arguments as :func:`inception.torch.googlenet`, plus
    ``input_shape`` (``(H, W, C)``, default ``(224, 224, 3)``); ``input_size``
    is the PyTorch builder's shortcut for a square RGB input. Giving both with
    different sizes is an error.

    Outputs are ``[logits, aux1, aux2]`` with ``aux_logits=True``, else
    ``logits``. ``weights``: ``"imagenet"`` (``bn`` variant), a ``.pth`` or
    ``.npz`` path or a state dict, see :mod:`inception.weights` (torch is
    imported only to read a ``.pth``). ``transform_input``: as in PyTorch;
    ``None`` means on exactly when ``weights="imagenet"``.
    """
    if spec is None:
        channels = input_shape_for(googlenet_spec(variant), input_shape, input_size)[2]
        spec = googlenet_spec(variant, num_classes, aux_logits, dropout=dropout,
                              aux_dropout=aux_dropout, in_channels=channels)
    if transform_input is None:
        transform_input = weights == "imagenet"  # torchvision's rule
    return build(spec, input_shape, input_size, transform_input=transform_input, name=name, weights=weights)


def build_model(name: str, num_classes: int = 1000, aux_logits: Optional[bool] = None,
                input_size: Optional[int] = None, *, variant: Optional[str] = None,
                dropout: Optional[float] = None, weights=None, transform_input: Optional[bool] = None,
                input_shape: Optional[Sequence[int]] = None, **spec_kwargs) -> keras.Model:
    """Build registered network ``name``; the twin of
    :func:`inception.torch.build_model`, with the same arguments (plus
    ``input_shape``)."""
    spec = network_spec(name, num_classes, aux_logits, variant=variant, dropout=dropout, **spec_kwargs)
    if transform_input is None:
        transform_input = weights == "imagenet"
    return build(spec, input_shape, input_size, transform_input=transform_input, weights=weights)
