"""Weights between PyTorch and Keras, torchvision's checkpoints, fine-tuning.

Both builders name every layer with weights by its PyTorch module path
(``inception4a.branch2.1.conv``), so porting is one loop over the Keras
model's layers: look the name up in the PyTorch model, convert the layout,
copy. No per-layer table.

Layout conversions (each a small function below, each tested):

* convolution kernels: PyTorch ``(out, in, kh, kw)`` -> Keras ``(kh, kw, in, out)``
* dense kernels: PyTorch ``(out, in)`` -> Keras ``(in, out)``
* batch norm: ``weight, bias, running_mean, running_var`` ->
  ``gamma, beta, moving_mean, moving_variance``; same epsilon in both
  builders (0.001). PyTorch's ``num_batches_tracked`` has no Keras
  counterpart and is left alone.
* the flatten before an auxiliary head's ``fc1``: PyTorch flattens
  ``(C, H, W)``, Keras ``(H, W, C)``. The Keras builder permutes to
  ``(C, H, W)`` before flattening, so ``fc1`` needs no reordering here.

Every other source of difference is handled in the Keras builder (padding,
ceil-mode pools, LRN, adaptive pooling); see :mod:`inception.keras.googlenet`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Union

import numpy as np

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
    "compare_frameworks",
    "max_relative_difference",
    "equivalence_table",
    "CLASSIFIER_LAYERS",
]

#: Layers that depend on the number of classes (skipped when loading 1000-class
#: weights into a model with another number of classes).
CLASSIFIER_LAYERS = ("fc", "aux1.fc2", "aux2.fc2")

#: torchvision's ImageNet GoogLeNet checkpoint.
IMAGENET_URL = "https://download.pytorch.org/models/googlenet-1378be20.pth"


class WeightsError(RuntimeError):
    """Weights could not be fetched, read or matched to a model."""


# --------------------------------------------------------------------------
# Layout conversions
# --------------------------------------------------------------------------


def conv_kernel_to_keras(w: np.ndarray) -> np.ndarray:
    """PyTorch ``(out, in, kh, kw)`` -> Keras ``(kh, kw, in, out)``."""
    return np.ascontiguousarray(np.transpose(w, (2, 3, 1, 0)))


def conv_kernel_to_torch(k: np.ndarray) -> np.ndarray:
    """Keras ``(kh, kw, in, out)`` -> PyTorch ``(out, in, kh, kw)``."""
    return np.ascontiguousarray(np.transpose(k, (3, 2, 0, 1)))


def dense_kernel_to_keras(w: np.ndarray) -> np.ndarray:
    """PyTorch ``(out, in)`` -> Keras ``(in, out)``."""
    return np.ascontiguousarray(w.T)


def dense_kernel_to_torch(k: np.ndarray) -> np.ndarray:
    """Keras ``(in, out)`` -> PyTorch ``(out, in)``."""
    return np.ascontiguousarray(k.T)


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


def _torch_module(torch_model, name: str):
    try:
        return torch_model.get_submodule(name)
    except AttributeError:
        raise WeightsError(
            f"Keras layer {name!r} has no PyTorch module of the same name; "
            "were both models built with the same arguments?"
        ) from None


def _torch_weighted_modules(torch_model) -> Dict[str, object]:
    return {
        name: m for name, m in torch_model.named_modules()
        if name and any(True for _ in m.parameters(recurse=False))
    }


def _kind(layer) -> str:
    cls = type(layer).__name__
    if cls in ("Conv2D",):
        return "conv"
    if cls in ("BatchNormalization", "TorchBatchNorm"):
        return "bn"
    if cls in ("Dense",):
        return "dense"
    raise WeightsError(f"don't know how to port weights of {cls} layer {layer.name!r}")


def _check_same_modules(keras_names: Iterable[str], torch_model) -> None:
    keras_names = set(keras_names)
    torch_names = set(_torch_weighted_modules(torch_model))
    missing = sorted(torch_names - keras_names)
    extra = sorted(keras_names - torch_names)
    if missing or extra:
        raise WeightsError(
            "the models do not have the same layers: "
            f"only in PyTorch: {missing[:10]}{' ...' if len(missing) > 10 else ''}; "
            f"only in Keras: {extra[:10]}{' ...' if len(extra) > 10 else ''}"
        )


def _assign(variable, value: np.ndarray, where: str) -> None:
    if tuple(variable.shape) != tuple(value.shape):
        raise WeightsError(
            f"{where}: shape {tuple(value.shape)} does not fit {tuple(variable.shape)}; "
            "were both models built with the same arguments (input size, classes)?"
        )
    variable.assign(value.astype(np.float32))


def torch_to_keras(torch_model, keras_model):
    """Copy ``torch_model``'s weights into ``keras_model`` in place; return it.

    Both models must come from the same builder arguments; a layer present in
    one and not the other, or a shape that differs, raises :class:`WeightsError`
    naming it.
    """
    import torch

    named = list(_weighted_keras_layers(keras_model))
    _check_same_modules((n for n, _ in named), torch_model)
    with torch.no_grad():
        for name, layer in named:
            m = _torch_module(torch_model, name)
            kind = _kind(layer)
            if kind == "conv":
                _assign(layer.kernel, conv_kernel_to_keras(m.weight.detach().cpu().numpy()), f"{name}.weight")
                if layer.use_bias:
                    _assign(layer.bias, m.bias.detach().cpu().numpy(), f"{name}.bias")
            elif kind == "dense":
                _assign(layer.kernel, dense_kernel_to_keras(m.weight.detach().cpu().numpy()), f"{name}.weight")
                _assign(layer.bias, m.bias.detach().cpu().numpy(), f"{name}.bias")
            else:
                if layer.gamma is not None:  # scale=False: no gamma, no PyTorch weight
                    _assign(layer.gamma, m.weight.detach().cpu().numpy(), f"{name}.weight")
                _assign(layer.beta, m.bias.detach().cpu().numpy(), f"{name}.bias")
                _assign(layer.moving_mean, m.running_mean.cpu().numpy(), f"{name}.running_mean")
                _assign(layer.moving_variance, m.running_var.cpu().numpy(), f"{name}.running_var")
    return keras_model


def keras_to_torch(keras_model, torch_model):
    """Copy ``keras_model``'s weights into ``torch_model`` in place; return it."""
    import torch

    named = list(_weighted_keras_layers(keras_model))
    _check_same_modules((n for n, _ in named), torch_model)

    def put(param, value, where):
        if tuple(param.shape) != tuple(value.shape):
            raise WeightsError(f"{where}: shape {tuple(value.shape)} does not fit {tuple(param.shape)}")
        param.copy_(torch.from_numpy(np.asarray(value, dtype=np.float32)))

    with torch.no_grad():
        for name, layer in named:
            m = _torch_module(torch_model, name)
            kind = _kind(layer)
            if kind == "conv":
                put(m.weight, conv_kernel_to_torch(layer.kernel.numpy()), f"{name}.weight")
                if layer.use_bias:
                    put(m.bias, layer.bias.numpy(), f"{name}.bias")
            elif kind == "dense":
                put(m.weight, dense_kernel_to_torch(layer.kernel.numpy()), f"{name}.weight")
                put(m.bias, layer.bias.numpy(), f"{name}.bias")
            else:
                if layer.gamma is not None:
                    put(m.weight, layer.gamma.numpy(), f"{name}.weight")
                put(m.bias, layer.beta.numpy(), f"{name}.bias")
                put(m.running_mean, layer.moving_mean.numpy(), f"{name}.running_mean")
                put(m.running_var, layer.moving_variance.numpy(), f"{name}.running_var")
    return torch_model


# --------------------------------------------------------------------------
# Checkpoints
# --------------------------------------------------------------------------


def load_state_dict_file(path: Union[str, os.PathLike]) -> Dict[str, "object"]:
    """Read a PyTorch checkpoint safely (``weights_only=True``).

    Accepts a bare state dict or one wrapped as ``{"state_dict": ...}`` /
    ``{"model": ...}`` (the training engine's checkpoints).
    """
    import torch

    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"checkpoint file not found: {path}")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # unpickling errors, truncated files, other formats
        raise WeightsError(f"could not read {path} as a PyTorch checkpoint: {e}") from None
    for key in ("state_dict", "model"):
        if isinstance(obj, Mapping) and key in obj and isinstance(obj[key], Mapping):
            obj = obj[key]
    if not isinstance(obj, Mapping) or not all(isinstance(k, str) for k in obj):
        raise WeightsError(f"{path} does not hold a state dict")
    return dict(obj)


def imagenet_state_dict(url: Optional[str] = None, progress: bool = True) -> Dict[str, "object"]:
    """torchvision's official ImageNet GoogLeNet weights (``IMAGENET1K_V1``).

    Fetched once into torch's hub cache (``$TORCH_HOME/hub/checkpoints``) and
    checked against the hash prefix in the file name, then read with
    ``weights_only=True``. Without network access, download the file
    elsewhere and pass its path as ``weights=...`` instead.
    """
    import torch

    url = url or IMAGENET_URL
    try:
        state = torch.hub.load_state_dict_from_url(
            url, map_location="cpu", progress=progress, check_hash=True, weights_only=True
        )
    except Exception as e:
        raise WeightsError(
            f"could not fetch the ImageNet GoogLeNet weights from {url} "
            f"({type(e).__name__}: {e}). Download that file where there is network "
            "access and pass its path as weights='/path/to/googlenet-1378be20.pth', "
            f"or put it in {torch.hub.get_dir()}/checkpoints/."
        ) from None
    return dict(state)


def _resolve_weights(weights) -> Dict[str, "object"]:
    if isinstance(weights, Mapping):
        return dict(weights)
    if weights == "imagenet":
        return imagenet_state_dict()
    if isinstance(weights, (str, os.PathLike)):
        return load_state_dict_file(weights)
    raise WeightsError(f"weights must be 'imagenet', a file path or a state dict, got {weights!r}")


def _check_variant_for_weights(spec) -> None:
    if not spec.variant.batch_norm:
        raise WeightsError(
            "ImageNet and torchvision checkpoints are for the 'bn' variant; "
            "build the model with variant='bn'."
        )


def load_torch_weights(model, weights, skip_classifier: Optional[bool] = None):
    """Load ``weights`` (``"imagenet"``, a checkpoint path or a state dict)
    into our PyTorch GoogLeNet, strictly.

    With ``skip_classifier`` (default: when the model's class count differs
    from the checkpoint's), the classifier layers keep their fresh
    initialisation and everything else is loaded: the start of fine-tuning.
    Missing, unexpected or mis-shaped keys raise :class:`WeightsError` naming them.
    """
    _check_variant_for_weights(model.spec)
    state = _resolve_weights(weights)
    own = model.state_dict()
    if skip_classifier is None:
        skip_classifier = "fc.weight" in state and tuple(state["fc.weight"].shape) != tuple(own["fc.weight"].shape)
    skipped = {f"{l}.{p}" for l in CLASSIFIER_LAYERS for p in ("weight", "bias")} if skip_classifier else set()
    # A checkpoint with aux heads loads into a model without them (torchvision does the same).
    aux_keys = {k for k in state if k.startswith(("aux1.", "aux2."))}
    if not any(k.startswith("aux1.") for k in own):
        state = {k: v for k, v in state.items() if k not in aux_keys}
    missing = sorted(k for k in own if k not in state and k not in skipped)
    unexpected = sorted(k for k in state if k not in own)
    bad_shape = sorted(
        f"{k}: checkpoint {tuple(state[k].shape)} vs model {tuple(own[k].shape)}"
        for k in own if k in state and k not in skipped and tuple(state[k].shape) != tuple(own[k].shape)
    )
    if missing or unexpected or bad_shape:
        parts = []
        for label, items in (("missing keys", missing), ("unexpected keys", unexpected), ("wrong shapes", bad_shape)):
            if items:
                parts.append(f"{label} ({len(items)}): {', '.join(items[:8])}{' ...' if len(items) > 8 else ''}")
        raise WeightsError("checkpoint does not fit the model: " + "; ".join(parts))
    merged = {k: (own[k] if k in skipped else state[k]) for k in own}
    model.load_state_dict(merged, strict=True)
    return model


def load_keras_weights(model, weights, skip_classifier: Optional[bool] = None):
    """Load PyTorch ``weights`` (``"imagenet"``, a checkpoint path or a state
    dict) into our Keras GoogLeNet: build the PyTorch twin, load it there
    (same checks as :func:`load_torch_weights`), port."""
    from .torch import googlenet as torch_googlenet

    spec = model.spec
    _check_variant_for_weights(spec)
    state = _resolve_weights(weights)
    twin = torch_googlenet(spec=spec, input_size=tuple(model.input_shape[1:3]))
    if skip_classifier is None:
        skip_classifier = "fc.weight" in state and tuple(state["fc.weight"].shape)[0] != spec.num_classes
    keep = {n: model.get_layer(n).get_weights() for n in CLASSIFIER_LAYERS if _has_layer(model, n)}
    load_torch_weights(twin, state, skip_classifier=skip_classifier)
    torch_to_keras(twin, model)
    if skip_classifier:  # keep the Keras model's own fresh classifiers
        for n, ws in keep.items():
            model.get_layer(n).set_weights(ws)
    return model


def _has_layer(model, name: str) -> bool:
    try:
        model.get_layer(name)
        return True
    except ValueError:
        return False


# --------------------------------------------------------------------------
# Fine-tuning
# --------------------------------------------------------------------------


def replace_classifier(model, num_classes: int, freeze_backbone: bool = False):
    """Give ``model`` fresh classifiers (main and auxiliary) for
    ``num_classes``; optionally freeze everything else.

    PyTorch models are changed in place and returned. Keras functional models
    cannot be changed in place: a new model sharing the backbone's layers is
    returned.
    """
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive integer, got {num_classes!r}")
    if _is_torch_module(model):
        from torch import nn

        for name in CLASSIFIER_LAYERS:
            parent_name, _, leaf = name.rpartition(".")
            parent = model.get_submodule(parent_name) if parent_name else model
            old = getattr(parent, leaf, None)
            if old is None:
                continue
            new = nn.Linear(old.in_features, num_classes)
            nn.init.trunc_normal_(new.weight, std=0.01, a=-2, b=2)
            nn.init.zeros_(new.bias)
            setattr(parent, leaf, new)
        if freeze_backbone:
            heads = tuple(f"{n}." for n in CLASSIFIER_LAYERS)
            for pname, p in model.named_parameters():
                p.requires_grad = pname.startswith(heads)
        return model

    import keras

    outputs = model.outputs if isinstance(model.outputs, list) else [model.outputs]
    new_outputs = []
    for out in outputs:
        layer = out._keras_history[0]
        if layer.name not in CLASSIFIER_LAYERS:
            raise ValueError(f"unexpected output layer {layer.name!r}")
        dense = keras.layers.Dense(num_classes, kernel_initializer=keras.initializers.RandomNormal(stddev=0.01),
                                   name=layer.name)
        new_outputs.append(dense(layer.input))
    if freeze_backbone:
        for layer in model.layers:
            layer.trainable = False
    new = keras.Model(model.inputs, new_outputs if len(new_outputs) > 1 else new_outputs[0], name=model.name)
    if hasattr(model, "spec"):
        from dataclasses import replace as dc_replace

        spec = model.spec
        new.spec = dc_replace(spec, head=dc_replace(spec.head, num_classes=num_classes),
                              aux=tuple(dc_replace(a, num_classes=num_classes) for a in spec.aux))
    return new


def _is_torch_module(model) -> bool:
    try:
        import torch

        return isinstance(model, torch.nn.Module)
    except ImportError:  # pragma: no cover
        return False


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
    rng = np.random.default_rng(seed)
    for _, layer in _weighted_keras_layers(keras_model):
        kind = _kind(layer)
        if kind in ("conv", "dense"):
            shape = tuple(layer.kernel.shape)
            fan_in = int(np.prod(shape[:-1]))
            layer.kernel.assign((rng.standard_normal(shape) * (2.0 / fan_in) ** 0.5).astype(np.float32))
            if layer.bias is not None:
                layer.bias.assign((0.1 * rng.standard_normal(tuple(layer.bias.shape))).astype(np.float32))
        else:
            n = layer.moving_mean.shape[0]
            if layer.gamma is not None:  # scale=False
                layer.gamma.assign((0.5 + rng.random(n)).astype(np.float32))
            layer.beta.assign((0.2 * rng.standard_normal(n)).astype(np.float32))
            layer.moving_mean.assign((0.2 * rng.standard_normal(n)).astype(np.float32))
            layer.moving_variance.assign((0.5 + rng.random(n)).astype(np.float32))


def compare_frameworks(variant="bn", num_classes=1000, aux_logits=True, input_size=224, batch=2,
                       seed=0, direction="torch_to_keras"):
    """Build both models with the same arguments, port weights in ``direction``,
    run the same images through both in inference mode.

    Returns a dict with the two models, the outputs and the max relative
    difference (see :func:`max_relative_difference`).
    """
    import keras
    import torch

    from . import keras as ik
    from . import torch as it

    torch.manual_seed(seed)
    keras.utils.set_random_seed(seed)
    tm = it.googlenet(variant, num_classes, aux_logits, input_size=input_size).eval()
    km = ik.googlenet(variant, num_classes, aux_logits, input_size=input_size)
    if direction == "torch_to_keras":
        randomize_torch_weights(tm, seed)
        torch_to_keras(tm, km)
    elif direction == "keras_to_torch":
        randomize_keras_weights(km, seed)
        keras_to_torch(km, tm)
    else:
        raise ValueError(f"direction must be 'torch_to_keras' or 'keras_to_torch', got {direction!r}")
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, 3, input_size, input_size)).astype(np.float32)
    with torch.no_grad():
        t_out = tm(torch.from_numpy(x))
    k_out = km(np.transpose(x, (0, 2, 3, 1)), training=False)
    t_list = [o.numpy() for o in (t_out if isinstance(t_out, tuple) else (t_out,))]
    k_list = [np.asarray(o) for o in (k_out if isinstance(k_out, (list, tuple)) else [k_out])]
    return {
        "torch_model": tm, "keras_model": km, "torch_outputs": t_list, "keras_outputs": k_list,
        "max_rel_diff": max_relative_difference(t_list, k_list),
        "max_abs_diff": max(float(np.max(np.abs(a - b))) for a, b in zip(t_list, k_list)),
    }


def equivalence_table(variant="bn", num_classes=1000, aux_logits=True, input_size=224, seed=0):
    """Rows for the book: framework, parameters, trainable, non-trainable,
    max abs difference of the outputs after porting (PyTorch -> Keras)."""
    res = compare_frameworks(variant, num_classes, aux_logits, input_size, seed=seed)
    tm, km = res["torch_model"], res["keras_model"]
    t_train = sum(p.numel() for p in tm.parameters() if p.requires_grad)
    t_buf = sum(b.numel() for n, b in tm.named_buffers() if not n.endswith("num_batches_tracked"))
    k_train = sum(int(np.prod(w.shape)) for w in km.trainable_weights)
    k_non = sum(int(np.prod(w.shape)) for w in km.non_trainable_weights)
    return [
        {"framework": "PyTorch", "parameters": t_train + t_buf, "trainable": t_train,
         "non_trainable": t_buf, "max_abs_diff": 0.0},
        {"framework": "Keras", "parameters": k_train + k_non, "trainable": k_train,
         "non_trainable": k_non, "max_abs_diff": res["max_abs_diff"]},
    ]
