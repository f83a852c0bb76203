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
           "port_check"]


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
