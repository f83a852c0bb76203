"""GoogLeNet in Keras 3 (functional, channels-last), built from :mod:`inception.spec`.

Block functions mirror the PyTorch classes of :mod:`inception.torch.googlenet`:
``conv_unit``, ``inception_block``, ``aux_head``. Every layer with weights is
named with its PyTorch module path (``inception4a.branch2.1.conv``,
``inception4a.branch2.1.bn``, ``aux1.fc1``), so :mod:`inception.port` copies
weights with a loop over names.

Where Keras and PyTorch disagree, the builder follows PyTorch exactly:

* Padding. Keras' ``'same'`` with stride 2 pads more at the bottom/right
  than at the top/left; PyTorch pads symmetrically. Strided convolutions get
  an explicit ``ZeroPadding2D`` and a ``'valid'`` convolution.
* ``ceil_mode`` pools. The padding that PyTorch's rounding implies is worked
  out from the (static) input size; where Keras' ``'same'`` gives the same
  windows it is used, otherwise the input is zero-padded. Zero padding equals
  PyTorch's implicit minus infinity here because every max pool follows a ReLU.
* The auxiliary flatten runs in PyTorch's (C, H, W) order (a ``Permute``
  first), so ``fc1``'s weights mean the same thing in both frameworks.
* torchvision's adaptive 4x4 pool and PyTorch's LRN are custom layers
  (:mod:`inception.keras.layers`).
* Batch norm: same epsilon (0.001); Keras' momentum is ``1 - `` PyTorch's; the
  running variance is PyTorch's unbiased one (:class:`~inception.keras.layers.TorchBatchNorm`).

Return convention as in PyTorch: with ``aux_logits=True`` the model's outputs
are ``[logits, aux1, aux2]``, in training and in inference.
"""

from __future__ import annotations

from typing import Optional, Sequence, Tuple

import keras
from keras import layers

from ..counting import pool_out_size
from ..spec import LRN, AuxHead, Conv, InceptionBlock, NetworkSpec, Pool, googlenet_spec
from .layers import AdaptiveAveragePooling2D, LocalResponseNorm, TorchBatchNorm, apply_transform_input

__all__ = ["conv_unit", "inception_block", "aux_head", "pool", "googlenet", "main_logits"]



def _kernel_initializer(spec: NetworkSpec):
    # The same distributions as inception.torch's reset_parameters.
    if spec.variant.batch_norm:
        return keras.initializers.RandomNormal(stddev=0.01)
    return keras.initializers.VarianceScaling(2.0, "fan_in", "untruncated_normal")


def _classifier_initializer():
    # Both variants: std 0.01, so the initial loss is about log(num_classes).
    return keras.initializers.RandomNormal(stddev=0.01)


def conv_unit(x, conv: Conv, spec: NetworkSpec, prefix: str = ""):
    """conv -> (batch norm) -> ReLU, named ``{prefix}{conv.name}.conv`` etc."""
    name = f"{prefix}{conv.name}"
    k, s, p = conv.kernel, conv.stride, conv.padding
    bn = spec.variant.batch_norm
    if s == 1 and 2 * p == k - 1:
        padding = "same"  # symmetric for odd kernels at stride 1: PyTorch's padding
    else:
        if p:
            x = layers.ZeroPadding2D(p, name=f"{name}.pad")(x)
        padding = "valid"
    x = layers.Conv2D(
        conv.out_channels, k, strides=s, padding=padding, use_bias=not bn,
        kernel_initializer=_kernel_initializer(spec), name=f"{name}.conv",
    )(x)
    if bn:
        x = TorchBatchNorm(
            epsilon=spec.variant.bn_eps, momentum=1.0 - spec.variant.bn_momentum, name=f"{name}.bn"
        )(x)
    return layers.ReLU(name=f"{name}.relu")(x)


def _keras_same_pads(size: int, kernel: int, stride: int) -> Tuple[int, int, int]:
    """(output, pad_before, pad_after) of Keras' ``'same'``."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return out, total // 2, total - total // 2


def pool(x, block: Pool, name: Optional[str] = None):
    """A max or average pool with PyTorch's geometry (padding, ceil_mode)."""
    name = name or block.name
    k, s, p = block.kernel, block.stride, block.padding
    h, w = x.shape[1], x.shape[2]
    pads = []
    for size in (h, w):
        out = pool_out_size(size, k, s, p, block.ceil_mode)
        pads.append((out, p, max((out - 1) * s + k - size - p, 0)))
    Layer = layers.MaxPooling2D if block.kind == "max" else layers.AveragePooling2D
    if all(pd == _keras_same_pads(size, k, s) for pd, size in zip(pads, (h, w))) and (
        block.kind == "max" or p == 0
    ):
        if all(b == a == 0 for _, b, a in pads):
            return Layer(k, s, padding="valid", name=name)(x)
        if block.kind == "max":
            return Layer(k, s, padding="same", name=name)(x)
    if any(b or a for _, b, a in pads):
        if block.kind != "max":
            raise NotImplementedError("padded average pools are not used by these networks")
        # Zero padding == PyTorch's implicit -inf: every max pool here follows a ReLU.
        x = layers.ZeroPadding2D(((pads[0][1], pads[0][2]), (pads[1][1], pads[1][2])), name=f"{name}.pad")(x)
    return Layer(k, s, padding="valid", name=name)(x)


def inception_block(x, block: InceptionBlock, spec: NetworkSpec):
    """The Inception module with dimension reductions; four branches concatenated."""
    c = {conv.name: conv for conv in block.convs()}
    p = f"{block.name}."
    b1 = conv_unit(x, c["branch1"], spec, p)
    b2 = conv_unit(conv_unit(x, c["branch2.0"], spec, p), c["branch2.1"], spec, p)
    b3 = conv_unit(conv_unit(x, c["branch3.0"], spec, p), c["branch3.1"], spec, p)
    b4 = pool(x, Pool("branch4.0", "max", 3, 1, padding=1), name=f"{p}branch4.0")
    b4 = conv_unit(b4, c["branch4.1"], spec, p)
    return layers.Concatenate(axis=-1, name=f"{p}concat")([b1, b2, b3, b4])


def aux_head(x, aux: AuxHead, spec: NetworkSpec):
    """An auxiliary classifier: pool -> 1x1 conv -> FC -> dropout -> FC."""
    n = aux.name
    if aux.pool == "adaptive4":
        x = AdaptiveAveragePooling2D(4, name=f"{n}.pool")(x)
    else:
        x = layers.AveragePooling2D(5, 3, padding="valid", name=f"{n}.pool")(x)
    x = conv_unit(x, Conv("conv", aux.in_channels, aux.conv_channels, 1), spec, f"{n}.")
    x = layers.Permute((3, 1, 2), name=f"{n}.to_chw")(x)  # flatten in PyTorch's order
    x = layers.Flatten(name=f"{n}.flatten")(x)
    init = _kernel_initializer(spec)
    x = layers.Dense(aux.fc_units, activation="relu", kernel_initializer=init, name=f"{n}.fc1")(x)
    x = layers.Dropout(aux.dropout, name=f"{n}.dropout")(x)
    return layers.Dense(aux.num_classes, kernel_initializer=_classifier_initializer(), name=f"{n}.fc2")(x)


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
    weights: Optional[str] = None,
    spec: Optional[NetworkSpec] = None,
    name: str = "googlenet",
) -> keras.Model:
    """Build GoogLeNet as a functional ``keras.Model`` (channels-last).

    Takes the same arguments as :func:`inception.torch.googlenet`, plus
    ``input_shape`` (``(H, W, C)``, default ``(224, 224, 3)``); ``input_size``
    is the PyTorch builder's shortcut for a square RGB input. Giving both with
    different sizes is an error.

    Outputs are ``[logits, aux1, aux2]`` with ``aux_logits=True``, else
    ``logits``. ``weights``: ``"imagenet"`` or a checkpoint path, see
    :mod:`inception.port` (``bn`` variant). ``transform_input``: as in
    PyTorch; ``None`` means on exactly when ``weights="imagenet"``.
    """
    if input_shape is None:
        input_shape = (input_size or 224, input_size or 224, 3)
    input_shape = tuple(input_shape)
    if len(input_shape) != 3:
        raise ValueError(f"input_shape must be (height, width, channels), got {input_shape!r}.")
    if input_size is not None and input_shape[:2] != (input_size, input_size):
        raise ValueError(f"input_size={input_size} conflicts with input_shape={input_shape}.")
    if spec is None:
        spec = googlenet_spec(variant, num_classes, aux_logits, dropout=dropout,
                              aux_dropout=aux_dropout, in_channels=input_shape[2])
    elif spec.in_channels != input_shape[2]:
        raise ValueError(f"spec has {spec.in_channels} input channels, input_shape {input_shape}.")

    if transform_input is None:
        transform_input = weights == "imagenet"  # torchvision's rule
    inputs = keras.Input(shape=input_shape, name="image")
    x = inputs
    if transform_input:
        x = apply_transform_input(x)
    aux_after = {a.after: a for a in spec.aux}
    aux_outputs = []
    for block in spec.blocks:
        if isinstance(block, Conv):
            x = conv_unit(x, block, spec)
        elif isinstance(block, Pool):
            x = pool(x, block)
        elif isinstance(block, LRN):
            x = LocalResponseNorm(block.size, block.alpha, block.beta, block.k, name=block.name)(x)
        elif isinstance(block, InceptionBlock):
            x = inception_block(x, block, spec)
        else:  # pragma: no cover
            raise TypeError(f"no Keras layer for {block!r}")
        if block.name in aux_after:
            aux_outputs.append(aux_head(x, aux_after[block.name], spec))
    x = layers.GlobalAveragePooling2D(name="avgpool")(x)  # the paper's 7x7/1 at 224
    x = layers.Dropout(spec.head.dropout, name="dropout")(x)
    logits = layers.Dense(spec.head.num_classes, kernel_initializer=_classifier_initializer(), name="fc")(x)
    outputs = [logits, *aux_outputs] if aux_outputs else logits
    model = keras.Model(inputs, outputs, name=name)
    model.spec = spec  # for the counters, the porter and the training engine
    if weights is not None:
        from ..port import load_keras_weights  # imported late: port imports this module

        load_keras_weights(model, weights)
    return model


def main_logits(outputs):
    """The main classifier's logits from a model's outputs, whatever ``aux_logits`` was."""
    return outputs[0] if isinstance(outputs, (tuple, list)) else outputs
