"""Checkpoints as named arrays, and the one strict check, for both frameworks.

Weights are exchanged in PyTorch's state-dict format: names are the module
paths both builders share (``inception4a.branch2.1.conv.weight``), arrays in
PyTorch's layout (``(out, in, kh, kw)`` kernels). This module turns a
``weights=`` argument into such a mapping and checks it against a model's
own names and shapes; each framework then assigns the arrays to its layers
by name (:mod:`inception.torch.weights`, :mod:`inception.keras.weights`, the
pattern of keras-hub's ``port_weight(variable, key, hook_fn)``). The models
never import a converter, and no model of the other framework is built.

Sources, read by :func:`read_weights`:

* a mapping (a state dict of tensors or arrays);
* a ``.npz`` file (``numpy.savez`` of a state dict): no framework needed;
* a ``.pth``/``.pt`` file, read with ``torch.load(weights_only=True)``: the
  only place torch is imported here, and only for such a file;
* a name from the registry (``"imagenet"``), fetched once into torch's hub
  cache and checked against the hash in its file name.

No framework is imported at module level.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, Iterable, Mapping, Optional, Sequence

import numpy as np

from .spec.layers import NetworkSpec, join
from .spec.registry import NETWORKS

__all__ = [
    "WeightsError", "conv_kernel_to_keras", "conv_kernel_to_torch", "dense_kernel_to_keras",
    "dense_kernel_to_torch", "read_weights", "load_state_dict_file", "load_npz", "download",
    "classifier_layers", "match_state", "to_numpy", "check_weights_spec",
]


class WeightsError(ValueError, RuntimeError):
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


def to_numpy(value) -> np.ndarray:
    """A tensor of either framework (or an array) as a NumPy array."""
    if hasattr(value, "detach"):  # a torch tensor, without importing torch
        value = value.detach().cpu().numpy()
    return np.asarray(value)


# --------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------


def _unwrap(obj, where) -> Dict[str, object]:
    for key in ("state_dict", "model"):  # the training engine's checkpoints
        if isinstance(obj, Mapping) and key in obj and isinstance(obj[key], Mapping):
            obj = obj[key]
    if not isinstance(obj, Mapping) or not all(isinstance(k, str) for k in obj):
        raise WeightsError(f"{where} does not hold a state dict")
    return dict(obj)


def load_state_dict_file(path) -> Dict[str, object]:
    """Read a PyTorch checkpoint safely (``weights_only=True``).

    Accepts a bare state dict or one wrapped as ``{"state_dict": ...}`` /
    ``{"model": ...}`` (the training engine's checkpoints).
    """
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"checkpoint file not found: {path}")
    import torch  # the .pth format is torch's pickle: only torch reads it safely

    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # unpickling errors, truncated files, other formats
        raise WeightsError(f"could not read {path} as a PyTorch checkpoint: {e}") from None
    return _unwrap(obj, path)


def load_npz(path) -> Dict[str, np.ndarray]:
    """Read a state dict saved with ``numpy.savez(path, **arrays)``."""
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"checkpoint file not found: {path}")
    try:
        with np.load(path, allow_pickle=False) as f:
            return {k: f[k] for k in f.files}
    except Exception as e:
        raise WeightsError(f"could not read {path} as a .npz state dict: {e}") from None


def download(url: str, what: str = "weights", progress: bool = True) -> Dict[str, object]:
    """Fetch a checkpoint once into torch's hub cache (``$TORCH_HOME/hub/checkpoints``),
    check it against the hash prefix in its file name and read it with
    ``weights_only=True``."""
    import torch  # its hub cache and hash check; the file is a .pth

    try:
        state = torch.hub.load_state_dict_from_url(
            url, map_location="cpu", progress=progress, check_hash=True, weights_only=True
        )
    except Exception as e:
        name = url.rsplit("/", 1)[-1]
        raise WeightsError(
            f"could not fetch the {what} from {url} ({type(e).__name__}: {e}). Download that "
            f"file where there is network access and pass its path as weights='/path/to/{name}', "
            f"or put it in {torch.hub.get_dir()}/checkpoints/."
        ) from None
    return dict(state)


def read_weights(weights, network: Optional[str] = None) -> Dict[str, object]:
    """A state dict from ``weights``: a mapping, a ``.npz`` or ``.pth`` path,
    or a checkpoint name of registered ``network`` (``"imagenet"``)."""
    if isinstance(weights, Mapping):
        return dict(weights)
    urls = NETWORKS[network].urls if network in NETWORKS else {}
    if isinstance(weights, str) and weights in urls:
        return download(urls[weights], f"{weights} {network} weights")
    if isinstance(weights, str) and weights == "imagenet":
        raise WeightsError(f"no ImageNet checkpoint is registered for {network}; pass a file path")
    if isinstance(weights, (str, os.PathLike)):
        if str(weights).endswith(".npz"):
            return load_npz(weights)
        return load_state_dict_file(weights)
    raise WeightsError(f"weights must be 'imagenet', a file path or a state dict, got {weights!r}")


# --------------------------------------------------------------------------
# The strict check
# --------------------------------------------------------------------------


def classifier_layers(spec: NetworkSpec) -> tuple:
    """The layers whose shape depends on the number of classes: the main
    classifier, then each auxiliary head's (``("fc", "aux1.fc2", "aux2.fc2")``)."""
    return (spec.head.fc_name, *(join(a.name, a.fc_name) for a in spec.aux))


def check_weights_spec(spec: NetworkSpec, weights) -> None:
    """Named checkpoints fit only the spec they were trained with
    (GoogLeNet's ImageNet weights: the ``bn`` variant)."""
    cfg = NETWORKS.get(spec.name)
    if cfg is None or not (isinstance(weights, str) and weights in cfg.urls):
        return
    want = cfg.weights_spec.get("variant")
    if want is not None and getattr(spec.variant, "name", None) != want:
        raise WeightsError(
            f"ImageNet and torchvision checkpoints are for the {want!r} variant; "
            f"build the model with variant={want!r}."
        )


def _listing(label: str, items: Sequence[str]) -> str:
    return f"{label} ({len(items)}): {', '.join(items[:8])}{' ...' if len(items) > 8 else ''}"


def match_state(own: Mapping[str, tuple], state: Mapping[str, object], spec: NetworkSpec,
                skip_classifier: Optional[bool] = None,
                optional: Iterable[str] = ("num_batches_tracked",)) -> Dict[str, object]:
    """Check ``state`` against a model's own ``{name: shape}`` (PyTorch's
    names and layout); return the entries to load.

    * A checkpoint with auxiliary heads loads into a model without them (the
      heads' keys are dropped), as torchvision does.
    * With ``skip_classifier`` (default: when the checkpoint's classifier has
      another number of classes than the model's), the classifier layers keep
      the model's fresh initialisation: the start of fine-tuning.
    * Keys ending in an ``optional`` name (PyTorch's ``num_batches_tracked``,
      which Keras has no counterpart for) may be absent, or extra.
    * Missing, unexpected or mis-shaped keys raise :class:`WeightsError`
      naming them.
    """
    cfg = NETWORKS.get(spec.name)
    state = dict(state)
    aux_prefixes = tuple(cfg.aux_prefixes) if cfg else tuple(f"{a.name}." for a in spec.aux)
    if aux_prefixes and not any(k.startswith(aux_prefixes) for k in own):
        state = {k: v for k, v in state.items() if not k.startswith(aux_prefixes)}
    classifiers = classifier_layers(spec)
    main = f"{classifiers[0]}.weight"
    if skip_classifier is None:
        skip_classifier = main in state and main in own and tuple(state[main].shape) != tuple(own[main])
    skipped = {f"{l}.{p}" for l in classifiers for p in ("weight", "bias")} if skip_classifier else set()
    optional = tuple(optional)
    missing = sorted(k for k in own if k not in state and k not in skipped and not k.endswith(optional))
    unexpected = sorted(k for k in state if k not in own and not k.endswith(optional))
    bad_shape = sorted(
        f"{k}: checkpoint {tuple(state[k].shape)} vs model {tuple(own[k])}"
        for k in own if k in state and k not in skipped and tuple(state[k].shape) != tuple(own[k])
    )
    if missing or unexpected or bad_shape:
        parts = [_listing(label, items) for label, items in (
            ("missing keys", missing), ("unexpected keys", unexpected), ("wrong shapes", bad_shape)) if items]
        raise WeightsError(f"checkpoint does not fit {spec.name}: " + "; ".join(parts))
    return {k: state[k] for k in own if k in state and k not in skipped}
