"""The Keras 3 building blocks (functional, channels-last), first those of GoogLeNet.

Block functions mirror the PyTorch classes of :mod:`inception.torch.googlenet`:
``conv_unit`` (the one convolution unit of every network here),
``inception_block`` (GoogLeNet's four branches, from a row of Table 1),
``aux_head``; ``run_sequence`` runs any module of the spec vocabulary (the
modules of BN-Inception, v3 and v4). Every layer with weights is named with
its PyTorch module path (``inception4a.branch2.1.conv``,
``inception4a.branch2.1.bn``, ``aux1.fc1``), so weights are copied with a
loop over names (:mod:`inception.keras.weights`). The networks are put
together in :mod:`inception.keras.network`.

Where Keras and PyTorch disagree, the blocks follow PyTorch exactly:

* Padding. Keras' ``'same'`` with stride 2 pads more at the bottom/right
  than at the top/left; PyTorch pads symmetrically. Strided or partly padded
  convolutions get an explicit ``ZeroPadding2D`` and a ``'valid'`` convolution.
* ``ceil_mode`` pools. The padding that PyTorch's rounding implies is worked
  out from the (static) input size; where Keras' ``'same'`` gives the same
  windows it is used, otherwise the input is zero-padded. Zero padding equals
  PyTorch's implicit minus infinity here because every max pool follows a ReLU.
* Average pools. ``count_include_pad=True`` (torchvision's v3): zero-pad,
  then a ``'valid'`` pool, which divides by the full window.
  ``count_include_pad=False`` (TF-slim's v4): Keras' ``'same'`` pool, which
  averages over the real pixels only.
* The auxiliary flatten runs in PyTorch's (C, H, W) order (a ``Permute``
  first), so ``fc1``'s weights mean the same thing in both frameworks.
* torchvision's adaptive 4x4 pool and PyTorch's LRN are custom layers
  (:mod:`inception.keras.layers`).
* Batch norm: same epsilon; Keras' momentum is ``1 -`` PyTorch's; the
  running variance is PyTorch's unbiased one (:class:`~inception.keras.layers.TorchBatchNorm`);
  ``scale=False`` where the spec drops gamma.
"""

from __future__ import annotations

from typing import Optional

import keras
from keras import layers

from ..counting import pool_out_size
from ..spec.layers import LRN, AuxHead, Concat, Conv, ConvStyle, Pool, iter_convs, join, pair
from .layers import AdaptiveAveragePooling2D, LocalResponseNorm, TorchBatchNorm

__all__ = ["conv_unit", "inception_block", "aux_head", "pool", "run_sequence", "main_logits",
           "kernel_initializer", "classifier_initializer"]


def kernel_initializer(style: ConvStyle, std: Optional[float] = None):
    """Convolutions and hidden layers: the distributions of ``inception.torch``'s
    ``reset_parameters`` for ``style.init``."""
    if style.init == "torchvision":
        return keras.initializers.RandomNormal(stddev=0.01)
    if style.init == "torchvision_v3":
        return keras.initializers.TruncatedNormal(stddev=std or 0.1)
    return keras.initializers.VarianceScaling(2.0, "fan_in", "untruncated_normal")


def classifier_initializer(style: ConvStyle, std: Optional[float] = None):
    """Classifiers: std 0.01, so the initial loss is about log(num_classes)."""
    if style.init == "torchvision_v3":
        return keras.initializers.TruncatedNormal(stddev=std or 0.1)
    return keras.initializers.RandomNormal(stddev=0.01)


def conv_unit(x, conv: Conv, style: ConvStyle, path: str, init_std: Optional[float] = None):
    """conv -> (batch norm) -> ReLU, layers ``{path}.conv``, ``{path}.bn``,
    ``{path}.relu`` (and ``{path}.pad`` when PyTorch's padding needs it)."""
    (kh, kw), (sh, sw), (ph, pw) = pair(conv.kernel), pair(conv.stride), pair(conv.padding)
    if (sh, sw) == (1, 1) and kh % 2 and kw % 2 and (ph, pw) == (kh // 2, kw // 2):
        padding = "same"  # symmetric at stride 1 with odd kernels: PyTorch's padding
    else:
        if ph or pw:
            x = layers.ZeroPadding2D((ph, pw), name=f"{path}.pad")(x)
        padding = "valid"
    x = layers.Conv2D(
        conv.out_channels, (kh, kw), strides=(sh, sw), padding=padding, use_bias=style.conv_bias,
        kernel_initializer=kernel_initializer(style, init_std), name=f"{path}.conv",
    )(x)
    if style.batch_norm:
        x = TorchBatchNorm(epsilon=style.bn_eps, momentum=1.0 - style.bn_momentum,
                           scale=style.bn_scale, name=f"{path}.bn")(x)
    return layers.ReLU(name=f"{path}.relu")(x)


def _keras_same_pads(size: int, kernel: int, stride: int):
    """(output, pad_before, pad_after) of Keras' ``'same'``."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return out, total // 2, total - total // 2


def pool(x, p: Pool, name: Optional[str] = None):
    """A pool with PyTorch's geometry (padding, ``ceil_mode``,
    ``count_include_pad``, adaptive), on an input of static size."""
    name = name or p.name
    if p.output_size:
        if p.kind != "avg":
            raise NotImplementedError(f"{name}: adaptive max pools are not used by these networks")
        return AdaptiveAveragePooling2D(p.output_size, name=name)(x)
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
    zero_pad = layers.ZeroPadding2D(((pads[0][1], pads[0][2]), (pads[1][1], pads[1][2])), name=f"{name}.pad")
    if p.kind == "max":
        if keras_same:
            return Layer(k, s, padding="same", name=name)(x)
        # Zero padding == PyTorch's -inf here: these max pools read ReLU outputs.
        return Layer(k, s, padding="valid", name=name)(zero_pad(x))
    if not p.count_include_pad:
        if keras_same:
            return Layer(k, s, padding="same", name=name)(x)  # TF averages over real pixels only
        raise NotImplementedError(f"{name}: this average pool's padding has no Keras equivalent here")
    if any(a != b for _, b, a in pads):
        raise NotImplementedError(f"{name}: ceil-mode average pools that pad unevenly are not supported")
    return Layer(k, s, padding="valid", name=name)(zero_pad(x))  # divides by k * k


def run_sequence(x, seq, style: ConvStyle, prefix: str, counter=None, init_std=None):
    """Apply a spec sequence; layers named below ``prefix``. ``counter``
    numbers the pools that have no name of their own (``{prefix}.pool0``)."""
    counter = counter if counter is not None else [0]
    for layer in seq:
        if isinstance(layer, Conv):
            x = conv_unit(x, layer, style, join(prefix, layer.name), (init_std or {}).get(layer.name))
        elif isinstance(layer, Pool):
            name = layer.name
            if not name:
                name = f"pool{counter[0]}"
                counter[0] += 1
            x = pool(x, layer, join(prefix, name))
        elif isinstance(layer, Concat):
            outs = [run_sequence(x, b, style, prefix, counter, init_std) if b else x for b in layer.branches]
            x = layers.Concatenate(axis=-1, name=join(prefix, layer.name))(outs)
        elif isinstance(layer, LRN):
            x = LocalResponseNorm(layer.size, layer.alpha, layer.beta, layer.k, name=join(prefix, layer.name))(x)
        else:  # pragma: no cover
            raise TypeError(layer)
    return x


def inception_block(x, ch1x1: int, ch3x3red: int, ch3x3: int, ch5x5red: int, ch5x5: int,
                    pool_proj: int, *, name: str, branch3_kernel: int = 5,
                    style: ConvStyle = ConvStyle()):
    """The Inception module with dimension reductions; four branches concatenated.

    The arguments are a row of Table 1, as for PyTorch's ``Inception``
    (``in_channels`` is the input's). Layers ``{name}.branch2.1.conv`` etc.
    """
    k = branch3_kernel  # torchvision's "5x5" branch is a 3x3 (branch3_kernel=3)

    def unit(t, path, c_out, kernel=1, padding=0):
        c = Conv(path, t.shape[-1], c_out, kernel, padding=padding)
        return conv_unit(t, c, style, join(name, path))

    # N x H x W x C_in -> four branches, each N x H x W x C_i
    b1 = unit(x, "branch1", ch1x1)
    b2 = unit(unit(x, "branch2.0", ch3x3red), "branch2.1", ch3x3, 3, padding=1)
    b3 = unit(unit(x, "branch3.0", ch5x5red), "branch3.1", ch5x5, k, padding=k // 2)
    b4 = pool(x, Pool("max", 3, 1, 1, ceil_mode=True), name=join(name, "branch4.0"))
    b4 = unit(b4, "branch4.1", pool_proj)
    # -> N x H x W x (ch1x1 + ch3x3 + ch5x5 + pool_proj)
    return layers.Concatenate(axis=-1, name=join(name, "concat"))([b1, b2, b3, b4])


def aux_head(x, aux: AuxHead, style: ConvStyle):
    """An auxiliary classifier (:class:`~inception.spec.AuxHead`): pools and
    convs, then a flatten in PyTorch's (C, H, W) order (GoogLeNet's) or a
    global average (v3's), hidden fully connected layers, dropout, fc."""
    n = aux.name
    init_std = None
    if style.init == "torchvision_v3":
        convs = list(iter_convs(aux.layers))
        init_std = {convs[-1].name: 0.01} if convs else None
    x = run_sequence(x, aux.layers, style, n, init_std=init_std)
    if aux.flatten == "chw":
        x = layers.Permute((3, 1, 2), name=f"{n}.to_chw")(x)  # flatten in PyTorch's order
        x = layers.Flatten(name=f"{n}.flatten")(x)
    else:
        x = layers.GlobalAveragePooling2D(name=join(n, "avgpool"))(x)
    for name, units in aux.hidden:
        x = layers.Dense(units, activation="relu", kernel_initializer=kernel_initializer(style),
                         name=join(n, name))(x)
    x = layers.Dropout(aux.dropout, name=join(n, "dropout"))(x)
    return layers.Dense(aux.num_classes, kernel_initializer=classifier_initializer(style, 0.001),
                        name=join(n, aux.fc_name))(x)


def main_logits(outputs):
    """The main classifier's logits from a model's outputs, whatever ``aux_logits`` was."""
    return outputs[0] if isinstance(outputs, (tuple, list)) else outputs
