"""Weights from model to model, across the frameworks; fine-tuning; the
equivalence check.

Both builders name every layer with weights by its PyTorch module path
(``inception4a.branch2.1.conv``), so porting is a loop over names: one
model's weights are exported as named arrays in PyTorch's layout, the other
model assigns each to the layer of that name, converting the layout
(:mod:`inception.torch.weights`, :mod:`inception.keras.weights`). A
checkpoint file goes the same way without a second model
(:mod:`inception.weights`, re-exported here: ``load_state_dict_file``, the
layout conversions, :class:`WeightsError`).

Layout conversions (each in :mod:`inception.weights`, each tested):

* convolution kernels: PyTorch ``(out, in, kh, kw)`` -> Keras ``(kh, kw, in, out)``
* dense kernels: PyTorch ``(out, in)`` -> Keras ``(in, out)``
* batch norm: ``weight, bias, running_mean, running_var`` ->
  ``gamma, beta, moving_mean, moving_variance``; same epsilon in both
  builders. PyTorch's ``num_batches_tracked`` has no Keras counterpart and
  is left alone.
* the flatten before an auxiliary head's ``fc1``: PyTorch flattens
  ``(C, H, W)``, Keras ``(H, W, C)``. The Keras builder permutes to
  ``(C, H, W)`` before flattening, so ``fc1`` needs no reordering here.

Every other source of difference is handled in the Keras builder (padding,
ceil-mode pools, LRN, adaptive pooling); see :mod:`inception.keras.googlenet`.
"""

from __future__ import annotations

import sys
import types
from typing import Dict, Iterable

import numpy as np

from .spec.registry import NETWORKS
from .weights import (
    WeightsError,
    classifier_layers,
    conv_kernel_to_keras,
    conv_kernel_to_torch,
    dense_kernel_to_keras,
    dense_kernel_to_torch,
    download,
    load_state_dict_file,
)

__all__ = [
    "WeightsError",
    "conv_kernel_to_keras",
    "conv_kernel_to_torch",
    "dense_kernel_to_keras",
    "dense_kernel_to_torch",
    "torch_to_keras",
    "keras_to_torch",
    "load_state_dict_file",
    "imagenet_state_dict",
    "load_torch_weights",
    "load_keras_weights",
    "replace_classifier",
    "randomize_torch_weights",
    "randomize_keras_weights",
    "compare_models",
    "compare_frameworks",
    "max_relative_difference",
    "equivalence_table",
    "CLASSIFIER_LAYERS",
]

#: GoogLeNet's layers that depend on the number of classes (the registry's;
#: any model's: :func:`inception.weights.classifier_layers`).
CLASSIFIER_LAYERS = NETWORKS["googlenet"].classifier

# The frameworks are imported inside the functions that use them (torch
# first: see the README's note on Triton), so that ``from inception.port import
# WeightsError`` stays cheap.


def load_torch_weights(model, weights, skip_classifier=None):
    """:func:`inception.torch.weights.load_weights`."""
    from .torch.weights import load_weights

    return load_weights(model, weights, skip_classifier)


def load_keras_weights(model, weights, skip_classifier=None):
    """:func:`inception.keras.weights.load_weights`."""
    from .keras.weights import load_weights

    return load_weights(model, weights, skip_classifier)


class _PortModule(types.ModuleType):
    """``port.IMAGENET_URL`` reads and sets the registry's GoogLeNet URL
    (:mod:`inception.spec.registry`), which every loader uses."""

    @property
    def IMAGENET_URL(self) -> str:
        return NETWORKS["googlenet"].urls["imagenet"]

    @IMAGENET_URL.setter
    def IMAGENET_URL(self, url: str) -> None:
        NETWORKS["googlenet"].urls["imagenet"] = url


sys.modules[__name__].__class__ = _PortModule


# --------------------------------------------------------------------------
# Porting
# --------------------------------------------------------------------------


def _weighted_keras_layers(keras_model):
    """(name, layer) for every Keras layer that holds weights, recursing into
    nested models."""
    for layer in keras_model.layers:
        if hasattr(layer, "layers") and layer.weights:  # a nested model
            yield from _weighted_keras_layers(layer)
        elif layer.weights:
            yield layer.name, layer


def _check_same_modules(keras_names: Iterable[str], torch_model) -> None:
    keras_names = set(keras_names)
    torch_names = {name for name, m in torch_model.named_modules()
                   if name and any(True for _ in m.parameters(recurse=False))}
    missing = sorted(torch_names - keras_names)
    extra = sorted(keras_names - torch_names)
    if missing or extra:
        raise WeightsError(
            "the models do not have the same layers: "
            f"only in PyTorch: {missing[:10]}{' ...' if len(missing) > 10 else ''}; "
            f"only in Keras: {extra[:10]}{' ...' if len(extra) > 10 else ''}"
        )


def torch_to_keras(torch_model, keras_model):
    """Copy ``torch_model``'s weights into ``keras_model`` in place; return it.

    Both models must come from the same builder arguments; a layer present in
    one and not the other, or a shape that differs, raises :class:`WeightsError`
    naming it. The arrays go through PyTorch's names and layout, as any
    checkpoint does (:mod:`inception.weights`).
    """
    from .keras.weights import assign_state
    from .torch.weights import export_state

    _check_same_modules((n for n, _ in _weighted_keras_layers(keras_model)), torch_model)
    state = export_state(torch_model)
    return assign_state(keras_model, {k: v for k, v in state.items() if not k.endswith("num_batches_tracked")})


def keras_to_torch(keras_model, torch_model):
    """Copy ``keras_model``'s weights into ``torch_model`` in place; return it."""
    from .keras.weights import export_state
    from .torch.weights import assign_state

    _check_same_modules((n for n, _ in _weighted_keras_layers(keras_model)), torch_model)
    return assign_state(torch_model, export_state(keras_model))


def imagenet_state_dict(url=None, progress: bool = True) -> Dict[str, object]:
    """torchvision's official ImageNet GoogLeNet weights (``IMAGENET1K_V1``),
    fetched once into torch's hub cache (see :func:`inception.weights.download`)."""
    return download(url or NETWORKS["googlenet"].urls["imagenet"], "ImageNet GoogLeNet weights", progress)


# --------------------------------------------------------------------------
# Fine-tuning
# --------------------------------------------------------------------------


def replace_classifier(model, num_classes: int, freeze_backbone: bool = False):
    """Give ``model`` fresh classifiers (main and auxiliary) for
    ``num_classes``; optionally freeze everything else. Any network of the
    package: the classifiers are those of its spec
    (:func:`inception.weights.classifier_layers`).

    PyTorch models are changed in place and returned. Keras functional models
    cannot be changed in place: a new model sharing the backbone's layers is
    returned.
    """
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive integer, got {num_classes!r}")
    names = classifier_layers(model.spec) if hasattr(model, "spec") else CLASSIFIER_LAYERS
    if _is_torch_module(model):
        import torch

        for name in names:
            parent_name, _, leaf = name.rpartition(".")
            parent = model.get_submodule(parent_name) if parent_name else model
            old = getattr(parent, leaf, None)
            if old is None:
                continue
            new = torch.nn.Linear(old.in_features, num_classes)
            torch.nn.init.trunc_normal_(new.weight, std=0.01, a=-2, b=2)
            torch.nn.init.zeros_(new.bias)
            setattr(parent, leaf, new)
        if freeze_backbone:
            heads = tuple(f"{n}." for n in names)
            for pname, p in model.named_parameters():
                p.requires_grad = pname.startswith(heads)
        if hasattr(model, "spec"):
            model.spec = model.spec.with_classes(num_classes)
        return model

    import keras

    outputs = model.outputs if isinstance(model.outputs, list) else [model.outputs]
    new_outputs = []
    for out in outputs:
        layer = out._keras_history[0]
        if layer.name not in names:
            raise ValueError(f"unexpected output layer {layer.name!r}")
        dense = keras.layers.Dense(num_classes, kernel_initializer=keras.initializers.RandomNormal(stddev=0.01),
                                   name=layer.name)
        new_outputs.append(dense(layer.input))
    if freeze_backbone:
        for layer in model.layers:
            layer.trainable = False
    new = keras.Model(model.inputs, new_outputs if len(new_outputs) > 1 else new_outputs[0], name=model.name)
    if hasattr(model, "spec"):
        new.spec = model.spec.with_classes(num_classes)
    return new


def _is_torch_module(model) -> bool:
    return any(c.__module__.startswith("torch.") for c in type(model).__mro__)


# --------------------------------------------------------------------------
# Checking equivalence
# --------------------------------------------------------------------------


def max_relative_difference(a, b) -> float:
    """``max |a - b| / max(1, max |a|)`` over all outputs (lists are zipped)."""
    a_list = a if isinstance(a, (list, tuple)) else [a]
    b_list = b if isinstance(b, (list, tuple)) else [b]
    if len(a_list) != len(b_list):
        raise ValueError(f"{len(a_list)} outputs vs {len(b_list)}")
    worst = 0.0
    for x, y in zip(a_list, b_list):
        x, y = _to_numpy(x), _to_numpy(y)
        if x.shape != y.shape:
            raise ValueError(f"output shapes differ: {x.shape} vs {y.shape}")
        worst = max(worst, float(np.max(np.abs(x - y))) / max(1.0, float(np.max(np.abs(x)))))
    return worst


def _to_numpy(x) -> np.ndarray:
    if hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def randomize_torch_weights(torch_model, seed: int = 0) -> None:
    """Random weights at a scale that keeps activations of order one
    (He-normal kernels, small random biases) and non-trivial batch-norm
    statistics, so that an equivalence check exercises every weight: fresh
    ``bn`` models have 0/1 batch norms and std-0.01 kernels whose tiny logits
    would hide a wrong layout."""
    import torch

    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in torch_model.modules():
            if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
                fan_in = m.weight[0].numel()
                m.weight.copy_(torch.randn(m.weight.shape, generator=g) * (2.0 / fan_in) ** 0.5)
                if m.bias is not None:
                    m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=g))
            elif isinstance(m, torch.nn.BatchNorm2d):
                n = m.num_features
                if m.weight is not None:
                    m.weight.copy_(0.5 + torch.rand(n, generator=g))
                m.bias.copy_(0.2 * torch.randn(n, generator=g))
                m.running_mean.copy_(0.2 * torch.randn(n, generator=g))
                m.running_var.copy_(0.5 + torch.rand(n, generator=g))


def randomize_keras_weights(keras_model, seed: int = 0) -> None:
    """The Keras counterpart of :func:`randomize_torch_weights`."""
    import keras

    rng = np.random.default_rng(seed)
    for _, layer in _weighted_keras_layers(keras_model):
        if isinstance(layer, keras.layers.BatchNormalization):
            n = layer.moving_mean.shape[0]
            if layer.gamma is not None:  # scale=False
                layer.gamma.assign((0.5 + rng.random(n)).astype(np.float32))
            layer.beta.assign((0.2 * rng.standard_normal(n)).astype(np.float32))
            layer.moving_mean.assign((0.2 * rng.standard_normal(n)).astype(np.float32))
            layer.moving_variance.assign((0.5 + rng.random(n)).astype(np.float32))
        else:
            shape = tuple(layer.kernel.shape)
            fan_in = int(np.prod(shape[:-1]))
            layer.kernel.assign((rng.standard_normal(shape) * (2.0 / fan_in) ** 0.5).astype(np.float32))
            if layer.bias is not None:
                layer.bias.assign((0.1 * rng.standard_normal(tuple(layer.bias.shape))).astype(np.float32))


def compare_models(torch_model, keras_model, input_size: int, batch: int = 1, seed: int = 0,
                   direction: str = "torch_to_keras") -> Dict[str, object]:
    """Randomise one model's weights, port them to the other by name, run the
    same ``input_size x input_size`` images through both in inference mode.

    Returns the outputs of both and the max relative and absolute differences
    (see :func:`max_relative_difference`).
    """
    if direction == "torch_to_keras":
        randomize_torch_weights(torch_model, seed)
        torch_to_keras(torch_model, keras_model)
    elif direction == "keras_to_torch":
        randomize_keras_weights(keras_model, seed)
        keras_to_torch(keras_model, torch_model)
    else:
        raise ValueError(f"direction must be 'torch_to_keras' or 'keras_to_torch', got {direction!r}")
    import torch

    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, 3, input_size, input_size)).astype(np.float32)
    torch_model.eval()
    with torch.no_grad():
        t_out = torch_model(torch.from_numpy(x))
    k_out = keras_model(np.transpose(x, (0, 2, 3, 1)), training=False)
    t_list = [o.numpy() for o in (t_out if isinstance(t_out, tuple) else (t_out,))]
    k_list = [np.asarray(o) for o in (k_out if isinstance(k_out, (list, tuple)) else [k_out])]
    return {
        "torch_outputs": t_list, "keras_outputs": k_list,
        "max_rel_diff": max_relative_difference(t_list, k_list),
        "max_abs_diff": max(float(np.max(np.abs(a - b))) for a, b in zip(t_list, k_list)),
    }


def compare_frameworks(variant="bn", num_classes=1000, aux_logits=True, input_size=224, batch=2,
                       seed=0, direction="torch_to_keras"):
    """Build GoogLeNet in both frameworks with the same arguments and
    :func:`compare_models` them. Returns that dict plus the two models."""
    import torch  # before keras

    import keras

    from . import keras as ik
    from . import torch as it

    torch.manual_seed(seed)
    keras.utils.set_random_seed(seed)
    tm = it.googlenet(variant, num_classes, aux_logits, input_size=input_size).eval()
    km = ik.googlenet(variant, num_classes, aux_logits, input_size=input_size)
    res = compare_models(tm, km, input_size, batch, seed, direction)
    return {"torch_model": tm, "keras_model": km, **res}


def _weight_counts(model) -> Dict[str, int]:
    if _is_torch_module(model):
        tr = sum(p.numel() for p in model.parameters() if p.requires_grad)
        nt = sum(b.numel() for n, b in model.named_buffers() if not n.endswith("num_batches_tracked"))
    else:
        tr = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
        nt = sum(int(np.prod(w.shape)) for w in model.non_trainable_weights)
    return {"parameters": tr + nt, "trainable": tr, "non_trainable": nt}


def equivalence_table(variant="bn", num_classes=1000, aux_logits=True, input_size=224, seed=0):
    """Rows for the book: framework, parameters, trainable, non-trainable,
    max abs difference of the outputs after porting (PyTorch -> Keras)."""
    res = compare_frameworks(variant, num_classes, aux_logits, input_size, seed=seed)
    return [
        {"framework": "PyTorch", **_weight_counts(res["torch_model"]), "max_abs_diff": 0.0},
        {"framework": "Keras", **_weight_counts(res["keras_model"]), "max_abs_diff": res["max_abs_diff"]},
    ]
