"""Build a network in both frameworks, port, compare, count both.

Above :mod:`inception.torch`, :mod:`inception.keras` and :mod:`inception.port`;
nothing below imports it. The book's chapters 4 and 6 and the tests use it to
show that the two implementations are the same network, not to claim it:
identical weight counts layer by layer (and against the analytic counter,
:mod:`inception.counting`), identical outputs after porting in either direction.

Two conventions of counting a built model:

* *PyTorch's* ``sum(p.numel() for p in model.parameters())``: trainable
  weights only (batch norm's gamma and beta included, its moving mean and
  variance excluded). torchvision and timm quote this number.
* *Keras'* ``model.count_params()``: every weight, the moving statistics
  included (reported as non-trainable).
"""

from __future__ import annotations

from typing import Dict, List, Optional

import numpy as np
import torch

from . import torch as it  # before keras: see the README's note on Triton
from . import keras as ik
from .counting import count_layers
from .port import compare_models
from .spec.googlenet import googlenet_spec

Row = Dict[str, object]

__all__ = ["layer_crosscheck", "model_summaries", "layer_counts", "weight_counts", "block_counts", "build_both", "framework_comparison",
           "port_check", "plain_model_check"]


def layer_counts(model) -> Dict[str, tuple]:
    """``{layer name: (trainable, non-trainable)}`` for every layer (Keras)
    or module (PyTorch) that holds weights itself."""
    out = {}
    if isinstance(model, torch.nn.Module):
        for name, m in model.named_modules():
            own = list(m.parameters(recurse=False))
            if name and own:
                stats = sum(b.numel() for n, b in m.named_buffers(recurse=False) if n != "num_batches_tracked")
                out[name] = (sum(p.numel() for p in own if p.requires_grad),
                             stats + sum(p.numel() for p in own if not p.requires_grad))
        return out
    for layer in model.layers:
        if layer.weights:
            out[layer.name] = (sum(int(np.prod(w.shape)) for w in layer.trainable_weights),
                               sum(int(np.prod(w.shape)) for w in layer.non_trainable_weights))
    return out


def weight_counts(model) -> Dict[str, int]:
    """``trainable`` and ``non_trainable`` (moving statistics) of a built
    PyTorch or Keras model, and ``total`` (Keras' ``count_params()``)."""
    counts = layer_counts(model)
    tr = sum(t for t, _ in counts.values())
    nt = sum(n for _, n in counts.values())
    return {"trainable": tr, "non_trainable": nt, "total": tr + nt}


def block_counts(model, spec=None) -> Dict[str, tuple]:
    """``{block: (trainable, non-trainable)}`` of a built model (either
    framework), grouping layers by the spec's top-level blocks, auxiliary
    heads and classifier."""
    spec = spec or model.spec
    names = [b.name for b in (*spec.blocks, *spec.aux)]
    out: Dict[str, tuple] = {}
    for layer, (tr, nt) in layer_counts(model).items():
        block = next((b for b in names if layer == b or layer.startswith(b + ".")), layer)
        t = out.get(block, (0, 0))
        out[block] = (t[0] + tr, t[1] + nt)
    return out


def build_both(name: str, input_size: Optional[int] = None, **kwargs):
    """Build registered network ``name`` (``"googlenet"``, ``"bn_inception"``,
    ``"inception_v3"``, ``"inception_v4"``) in PyTorch and in Keras with the
    same arguments (those of ``build_model``); returns ``(torch_model,
    keras_model)``, the PyTorch one in eval mode."""
    tm = it.build_model(name, input_size=input_size, **kwargs).eval()
    km = ik.build_model(name, input_size=input_size, **kwargs)
    return tm, km


def framework_comparison(models) -> List[Dict[str, object]]:
    """Rows (network, framework, trainable, non-trainable, total) for
    ``models``: ``{network: (torch_model, keras_model)}``."""
    rows = []
    for network, pair in models.items():
        for framework, model in zip(("PyTorch", "Keras"), pair):
            c = weight_counts(model)
            rows.append({"network": network, "framework": framework, "trainable": c["trainable"],
                         "non-trainable": c["non_trainable"], "total": c["total"]})
    return rows


def port_check(torch_model, keras_model, size: int, seed: int = 0, direction: str = "torch_to_keras") -> float:
    """Randomise one model's weights, port them to the other by name, run one
    ``size x size`` image through both in inference mode; returns the max
    relative difference of all outputs (:func:`inception.port.compare_models`)."""
    return compare_models(torch_model, keras_model, size, 1, seed, direction)["max_rel_diff"]


# --------------------------------------------------------------------------
# Frameworks: per-layer cross-check and summaries
# --------------------------------------------------------------------------


def _torch_layer_params(model, name: str) -> int:
    module = model.get_submodule(name)
    n = sum(p.numel() for p in module.parameters(recurse=False))
    n += sum(b.numel() for bn, b in module.named_buffers(recurse=False) if bn != "num_batches_tracked")
    return int(n)


def layer_crosscheck(variant: str = "paper", num_classes: int = 1000, aux_logits: bool = True,
                     input_size: int = 224, torch_model=None, keras_model=None) -> List[Row]:
    """Parameters of every layer with weights in the analytic counter, the
    PyTorch model and the Keras model (built here unless given).

    PyTorch: the module's parameters plus its batch-norm running statistics
    (buffers; ``num_batches_tracked`` left out). Keras: ``layer.count_params()``
    (trainable and non-trainable weights). The last row sums everything.
    """
    spec = googlenet_spec(variant, num_classes, aux_logits)
    if torch_model is None:
        torch_model = it.googlenet(variant, num_classes, aux_logits, input_size=input_size)
    if keras_model is None:
        keras_model = ik.googlenet(variant, num_classes, aux_logits, input_size=input_size)
    rows = []
    for layer in count_layers(spec, input_size):
        t = _torch_layer_params(torch_model, layer.name)
        k = int(keras_model.get_layer(layer.name).count_params())
        rows.append({"layer": layer.name, "kind": layer.kind, "analytic": layer.params, "pytorch": t,
                     "keras": k, "match": layer.params == t == k})
    tot = {key: sum(r[key] for r in rows) for key in ("analytic", "pytorch", "keras")}
    rows.append({"layer": "total", "kind": "", **tot, "match": all(r["match"] for r in rows)})
    return rows


def model_summaries(variant: str = "paper", num_classes: int = 1000, aux_logits: bool = True,
                    input_size: int = 224, torch_depth: int = 1, torch_model=None, keras_model=None) -> Row:
    """torchinfo's summary of the PyTorch model and Keras' ``model.summary()``,
    as text, with the totals each reports.

    Returns ``torch_text``, ``keras_text``, ``torch_total`` (torchinfo's
    "Total params": parameters only), ``torch_buffers`` (batch-norm running
    statistics, which torchinfo does not count), ``keras_total``,
    ``keras_trainable``, ``keras_non_trainable``.
    """
    import torchinfo  # optional: only this summary needs it

    if torch_model is None:
        torch_model = it.googlenet(variant, num_classes, aux_logits, input_size=input_size)
    if keras_model is None:
        keras_model = ik.googlenet(variant, num_classes, aux_logits, input_size=input_size)
    stats = torchinfo.summary(torch_model, input_size=(1, 3, input_size, input_size), depth=torch_depth,
                              col_names=("output_size", "num_params"), verbose=0, device="cpu")
    buffers = sum(b.numel() for n, b in torch_model.named_buffers() if not n.endswith("num_batches_tracked"))
    lines: List[str] = []
    keras_model.summary(print_fn=lambda s, **kw: lines.append(s), line_length=110)
    return {
        "torch_text": str(stats),
        "keras_text": "\n".join(lines),
        "torch_total": int(stats.total_params),
        "torch_buffers": int(buffers),
        "keras_total": int(keras_model.count_params()),
        "keras_trainable": int(sum(int(np.prod(w.shape)) for w in keras_model.trainable_weights)),
        "keras_non_trainable": int(sum(int(np.prod(w.shape)) for w in keras_model.non_trainable_weights)),
    }


# --------------------------------------------------------------------------
# A plain, hand-written GoogLeNet against the package's
# --------------------------------------------------------------------------


def _is_torch(model) -> bool:
    return isinstance(model, torch.nn.Module)


def _plain_torch_names(plain, reference) -> Dict[str, str]:
    """``{plain state-dict key: reference key}``: a plain key matches the
    reference key it equals once leading container names are dropped
    (``stage1.inception3a.branch1.conv.weight`` -> ``inception3a.branch1.conv.weight``),
    the longest such match first. Raises ``ValueError`` unless every key of
    either model has exactly one partner."""
    ref_keys = set(reference.state_dict())
    mapping: Dict[str, str] = {}
    unmatched = []
    for key in plain.state_dict():
        parts = key.split(".")
        match = next((".".join(parts[i:]) for i in range(len(parts)) if ".".join(parts[i:]) in ref_keys), None)
        if match is None:
            unmatched.append(key)
        else:
            mapping[key] = match
    used = list(mapping.values())
    doubled = sorted({k for k in used if used.count(k) > 1})
    missing = sorted(ref_keys - set(used))
    if unmatched or doubled or missing:
        raise ValueError(f"the models' layers do not pair up by name: only in the plain model {unmatched[:5]}, "
                         f"only in the package's {missing[:5]}, claimed twice {doubled[:5]}")
    return mapping


def _plain_layer_params(plain, layer: str, names: Optional[Dict[str, str]]) -> int:
    """Parameters and running statistics of the plain model's layer that the
    reference calls ``layer`` (0 when it has none)."""
    if names is None:  # Keras: the same layer names
        try:
            return int(plain.get_layer(layer).count_params())
        except ValueError:
            return 0
    state = plain.state_dict()
    return int(sum(state[k].numel() for k, ref in names.items()
                   if ref.rsplit(".", 1)[0] == layer and not k.endswith("num_batches_tracked")))


def _copy_weights(reference, plain, names: Optional[Dict[str, str]]) -> None:
    """The reference model's weights into the plain one, layer by layer, by name."""
    if names is not None:
        ref_state = reference.state_dict()
        plain.load_state_dict({k: ref_state[r] for k, r in names.items()}, strict=True)
        return
    ref_layers = {layer.name: layer for layer in reference.layers if layer.weights}
    plain_layers = {layer.name: layer for layer in plain.layers if layer.weights}
    if set(ref_layers) != set(plain_layers):
        raise ValueError(f"the models' layers do not pair up by name: only in the plain model "
                         f"{sorted(set(plain_layers) - set(ref_layers))[:5]}, only in the package's "
                         f"{sorted(set(ref_layers) - set(plain_layers))[:5]}")
    for name, layer in plain_layers.items():
        layer.set_weights(ref_layers[name].get_weights())


def plain_model_check(plain, variant: str = "bn", num_classes: int = 1000, input_size: int = 224,
                      seed: int = 0, batch: int = 2) -> Row:
    """Compare a hand-written GoogLeNet (PyTorch or Keras, with both auxiliary
    heads, returning ``(logits, aux1, aux2)``) with the package's ``variant``.

    1. Parameters layer by layer: every layer with weights of the analytic
       counter (:func:`inception.counting.count_layers`), the package's model
       and the plain one (weights plus batch-norm running statistics). Layers
       pair up by name: Keras layers have the package's names; a PyTorch
       module path may sit inside containers of its own
       (``stem.conv1.conv`` is the package's ``conv1.conv``).
    2. Outputs: the package's model gets random weights
       (:func:`inception.port.randomize_torch_weights`, non-trivial batch-norm
       statistics), they are copied into the plain model by name, and the same
       random images go through both in inference mode.

    Returns ``rows`` (layer, kind, analytic, package, plain, match; a last
    ``total`` row), ``layers`` (how many), ``counts_match``, ``max_abs_diff``
    (over the three outputs), ``output_scale`` (the smallest of the three
    outputs' largest magnitudes, to judge the difference by) and ``framework``.
    When the counts differ the weights cannot be copied: ``max_abs_diff`` and
    ``output_scale`` are ``None``.
    """
    from .port import randomize_keras_weights, randomize_torch_weights

    spec = googlenet_spec(variant, num_classes, True)
    framework = "PyTorch" if _is_torch(plain) else "Keras"
    if framework == "PyTorch":
        reference = it.googlenet(variant, num_classes, True, input_size=input_size).eval()
        names = _plain_torch_names(plain, reference)
    else:
        reference = ik.googlenet(variant, num_classes, True, input_size=input_size)
        names = None
    rows = []
    for layer in count_layers(spec, input_size):
        ref = (_torch_layer_params(reference, layer.name) if names is not None
               else int(reference.get_layer(layer.name).count_params()))
        mine = _plain_layer_params(plain, layer.name, names)
        rows.append({"layer": layer.name, "kind": layer.kind, "analytic": layer.params, "package": ref,
                     "plain": mine, "match": layer.params == ref == mine})
    tot = {key: sum(r[key] for r in rows) for key in ("analytic", "package", "plain")}
    rows.append({"layer": "total", "kind": "", **tot, "match": all(r["match"] for r in rows)})
    result = {"framework": framework, "variant": variant, "rows": rows, "layers": len(rows) - 1,
              "counts_match": rows[-1]["match"], "max_abs_diff": None, "output_scale": None}
    if not result["counts_match"]:
        return result  # weights of other shapes cannot be copied

    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, 3, input_size, input_size)).astype(np.float32)
    if names is not None:
        randomize_torch_weights(reference, seed)
        _copy_weights(reference, plain, names)
        plain.eval()
        with torch.no_grad():
            ref_out, plain_out = reference(torch.from_numpy(x)), plain(torch.from_numpy(x))
        ref_out = [o.numpy() for o in ref_out]
        plain_out = [o.numpy() for o in plain_out]
    else:
        randomize_keras_weights(reference, seed)
        _copy_weights(reference, plain, None)
        xk = np.transpose(x, (0, 2, 3, 1))
        ref_out = [np.asarray(o) for o in reference(xk, training=False)]
        plain_out = [np.asarray(o) for o in plain(xk, training=False)]
    if len(ref_out) != len(plain_out) or any(a.shape != b.shape for a, b in zip(ref_out, plain_out)):
        raise ValueError(f"outputs differ in number or shape: {[a.shape for a in ref_out]} vs "
                         f"{[b.shape for b in plain_out]}")
    diff = max(float(np.max(np.abs(a - b))) for a, b in zip(ref_out, plain_out))
    scale = min(float(np.max(np.abs(a))) for a in ref_out)
    return {**result, "max_abs_diff": diff, "output_scale": scale}
