"""Inception v2/v3/v4 in Keras 3 (functional, channels-last), built from
:mod:`inception.versions.spec`.

The twin of :mod:`inception.torch.versions`: every layer with weights is
named with its PyTorch module path (``Mixed_7b.branch3x3_2a.conv``,
``features.11.branch2.3.bn``, ``AuxLogits.fc``, ``last_linear``), so
:func:`inception.port.torch_to_keras` ports weights with a loop over names.

Where Keras and PyTorch differ, the builder follows PyTorch exactly:

* Convolution padding. At stride 1 with ``padding = (kh // 2, kw // 2)``
  (odd kernels, including 1x7 and 7x1) Keras' ``'same'`` pads the same on
  both sides, as PyTorch does. Strided or partly padded convolutions get an
  explicit ``ZeroPadding2D`` and a ``'valid'`` convolution (Keras' ``'same'``
  at stride 2 pads more at the bottom and right).
* Average pools. ``count_include_pad=True`` (torchvision's v3): zero-pad,
  then a ``'valid'`` pool, which divides by the full window.
  ``count_include_pad=False`` (TF-slim's v4): Keras' ``'same'`` pool, which
  averages over the real pixels only.
* Max pools with PyTorch's ``ceil_mode`` (BN-Inception): the extra bottom/
  right row is zero-padded; equal to PyTorch's implicit minus infinity
  because every such pool reads a ReLU's output.
* Batch norm: same epsilon; Keras' momentum is ``1 -`` PyTorch's;
  ``scale=False`` where the spec drops gamma.
"""

from __future__ import annotations

from typing import Optional, Sequence

import keras
from keras import layers

from ..counting import pool_out_size
from ..versions.spec import AuxHead, Block, Concat, Conv, ConvStyle, Pool, VersionSpec, iter_convs, join
from .layers import TorchBatchNorm, apply_transform_input

__all__ = ["conv_bn", "pool", "run_sequence", "inception_module", "aux_head", "build", "input_shape_for"]



def _conv_init(style: ConvStyle, std: Optional[float] = None):
    if style.init == "torchvision_v3":
        return keras.initializers.TruncatedNormal(stddev=std or 0.1)
    return keras.initializers.VarianceScaling(2.0, "fan_in", "untruncated_normal")


def _dense_init(style: ConvStyle, std: Optional[float] = None):
    if style.init == "torchvision_v3":
        return keras.initializers.TruncatedNormal(stddev=std or 0.1)
    return keras.initializers.RandomNormal(stddev=0.01)


def conv_bn(x, c: Conv, style: ConvStyle, path: str, init_std: Optional[float] = None):
    """conv -> batch norm -> ReLU, layers ``{path}.conv``, ``{path}.bn``,
    ``{path}.relu`` (and ``{path}.pad`` when PyTorch's padding needs it)."""
    (kh, kw), (sh, sw), (ph, pw) = c.kernel, c.stride, c.padding
    if (sh, sw) == (1, 1) and kh % 2 and kw % 2 and (ph, pw) == (kh // 2, kw // 2):
        padding = "same"  # symmetric at stride 1 with odd kernels: PyTorch's padding
    else:
        if ph or pw:
            x = layers.ZeroPadding2D((ph, pw), name=f"{path}.pad")(x)
        padding = "valid"
    x = layers.Conv2D(c.out_channels, (kh, kw), strides=(sh, sw), padding=padding, use_bias=style.conv_bias,
                      kernel_initializer=_conv_init(style, init_std), name=f"{path}.conv")(x)
    x = TorchBatchNorm(epsilon=style.bn_eps, momentum=1.0 - style.bn_momentum, scale=style.bn_scale,
                       name=f"{path}.bn")(x)
    return layers.ReLU(name=f"{path}.relu")(x)


def _keras_same_pads(size: int, kernel: int, stride: int):
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return out, total // 2, total - total // 2


def pool(x, p: Pool, name: str):
    """A pool with PyTorch's geometry (padding, ``ceil_mode``,
    ``count_include_pad``), on an input of static size."""
    k, s, pad = p.kernel, p.stride, p.padding
    sizes = (x.shape[1], x.shape[2])
    if None in sizes:
        raise ValueError(f"{name}: pools need a known input height and width")
    pads = []
    for size in sizes:
        out = pool_out_size(size, k, s, pad, p.ceil_mode)
        pads.append((out, pad, max((out - 1) * s + k - size - pad, 0)))
    Layer = layers.MaxPooling2D if p.kind == "max" else layers.AveragePooling2D
    if all(b == a == 0 for _, b, a in pads):
        return Layer(k, s, padding="valid", name=name)(x)
    keras_same = all(pd == _keras_same_pads(size, k, s) for pd, size in zip(pads, sizes))
    if p.kind == "max":
        if keras_same:
            return Layer(k, s, padding="same", name=name)(x)
        # Zero padding == PyTorch's -inf here: these max pools read ReLU outputs.
        x = layers.ZeroPadding2D(((pads[0][1], pads[0][2]), (pads[1][1], pads[1][2])), name=f"{name}.pad")(x)
        return Layer(k, s, padding="valid", name=name)(x)
    if not p.count_include_pad:
        if keras_same:
            return Layer(k, s, padding="same", name=name)(x)  # TF averages over real pixels only
        raise NotImplementedError(f"{name}: this average pool's padding has no Keras equivalent here")
    if any(a != b for _, b, a in pads):
        raise NotImplementedError(f"{name}: ceil-mode average pools that pad unevenly are not supported")
    x = layers.ZeroPadding2D(((pads[0][1], pads[0][2]), (pads[1][1], pads[1][2])), name=f"{name}.pad")(x)
    return Layer(k, s, padding="valid", name=name)(x)  # divides by k * k: count_include_pad=True


def run_sequence(x, seq, style: ConvStyle, prefix: str, counter=None, init_std=None):
    """Apply a spec sequence; layers named below ``prefix``. ``counter``
    numbers the pools that have no name of their own (``{prefix}.pool0``)."""
    counter = counter if counter is not None else [0]
    for layer in seq:
        if isinstance(layer, Conv):
            x = conv_bn(x, layer, style, join(prefix, layer.name), (init_std or {}).get(layer.name))
        elif isinstance(layer, Pool):
            name = layer.name
            if not name:
                name = f"pool{counter[0]}"
                counter[0] += 1
            x = pool(x, layer, join(prefix, name))
        elif isinstance(layer, Concat):
            outs = [run_sequence(x, b, style, prefix, counter, init_std) if b else x for b in layer.branches]
            x = layers.Concatenate(axis=-1, name=join(prefix, layer.name))(outs)
        else:  # pragma: no cover
            raise TypeError(layer)
    return x


def inception_module(x, block: Block, style: ConvStyle):
    """One block of the spec (a stem convolution, a pool or a module)."""
    if len(block.layers) == 1 and isinstance(block.layers[0], Pool) and not block.layers[0].name:
        return pool(x, block.layers[0], block.name)
    return run_sequence(x, block.layers, style, block.name)


def aux_head(x, aux: AuxHead, style: ConvStyle):
    """An auxiliary classifier: pools and convs, global average, dropout, fc."""
    init_std = None
    if style.init == "torchvision_v3":
        convs = list(iter_convs(aux.layers))
        init_std = {convs[-1].name: 0.01} if convs else None
    x = run_sequence(x, aux.layers, style, aux.name, init_std=init_std)
    x = layers.GlobalAveragePooling2D(name=join(aux.name, "avgpool"))(x)
    x = layers.Dropout(aux.dropout, name=join(aux.name, "dropout"))(x)
    return layers.Dense(aux.num_classes, kernel_initializer=_dense_init(style, 0.001),
                        name=join(aux.name, aux.fc_name))(x)


def input_shape_for(spec: VersionSpec, input_shape=None, input_size=None):
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


def build(spec: VersionSpec, input_shape: Optional[Sequence[int]] = None, input_size: Optional[int] = None,
          transform_input: bool = False, name: Optional[str] = None) -> keras.Model:
    """Build the functional ``keras.Model`` of ``spec``.

    Outputs: ``[logits, aux]`` when the spec has an auxiliary head (training
    and inference alike), else ``logits``. The model carries ``model.spec``.
    """
    input_shape = input_shape_for(spec, input_shape, input_size)
    from ..versions.counting import count_layers

    try:  # a clear error for inputs that are too small, before Keras' own
        count_layers(spec, input_shape[:2])
    except ValueError as e:
        raise ValueError(f"input {input_shape[:2]} does not fit {spec.name}: {e}") from None
    style = spec.style
    inputs = keras.Input(shape=input_shape, name="image")
    x = inputs
    if transform_input:
        x = apply_transform_input(x)
    aux_after = {a.after: a for a in spec.aux}
    aux_outputs = []
    for block in spec.blocks:
        x = inception_module(x, block, style)
        if block.name in aux_after:
            aux_outputs.append(aux_head(x, aux_after[block.name], style))
    x = layers.GlobalAveragePooling2D(name="avgpool")(x)
    x = layers.Dropout(spec.head.dropout, name="dropout")(x)
    logits = layers.Dense(spec.head.num_classes, kernel_initializer=_dense_init(style),
                          name=spec.head.fc_name)(x)
    outputs = [logits, *aux_outputs] if aux_outputs else logits
    model = keras.Model(inputs, outputs, name=name or spec.name)
    model.spec = spec
    return model
