"""A cost explorer: change one row of Table 1 and count again, three ways.

:func:`explore_row` takes an Inception row of the paper's Table 1 and new
values for any of its six filter numbers (``c1x1``, ``c3x3_reduce``,
``c3x3``, ``c5x5_reduce``, ``c5x5``, ``pool_proj``, Table 1's "#1x1" ...
"pool proj"). It returns the parameters and multiply-adds of that block and
of the whole network (without the auxiliary heads, as at inference),
before and after the change, counted

* by the analytic counter (:mod:`inception.counting`) from the changed spec;
* by building the block (PyTorch :class:`inception.torch.Inception`, Keras
  :func:`inception.keras.inception_block`) and the whole network in each
  framework, and counting the weights of what was built. Multiply-adds of
  a built model are ``weights x output positions`` of each convolution
  (read from the shapes the layers produce) plus the weights of each linear
  layer.

The three must agree; ``agree`` in the result says whether they do.
:func:`explorer_table` lays a result out as table rows and
:func:`plot_explorations` draws the block's cost, branch by branch.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence

from inception.counting import count_blocks, count_layers, totals
from inception.spec import INCEPTION_ROWS, TABLE1, googlenet_spec, with_row

Row = Dict[str, Any]

__all__ = ["COLUMNS", "changed_table", "analytic_costs", "torch_costs", "keras_costs",
           "explore_row", "explorer_table", "branch_costs", "plot_explorations"]

#: The six filter numbers of an Inception row, with Table 1's column headings.
COLUMNS: Dict[str, str] = {
    "c1x1": "#1x1", "c3x3_reduce": "#3x3 reduce", "c3x3": "#3x3",
    "c5x5_reduce": "#5x5 reduce", "c5x5": "#5x5", "pool_proj": "pool proj",
}

#: Which of the book's branch colours (``inception.course.diagrams.BRANCH_COLOURS``)
#: each convolution of a block takes.
PART_COLOURS: Dict[str, str] = {
    "branch1": "1x1", "branch2.0": "reduction", "branch2.1": "3x3",
    "branch3.0": "reduction", "branch3.1": "5x5", "branch4.1": "pool",
}
#: Legend entries of :func:`plot_explorations` (the two reductions share one colour).
PART_NAMES: Dict[str, str] = {
    "branch1": "#1x1", "branch2.0": "#3x3 reduce and #5x5 reduce", "branch2.1": "#3x3",
    "branch3.0": "_nolegend_", "branch3.1": "#5x5", "branch4.1": "pool proj",
}
KEYS = ("block_params", "block_macs", "network_params", "network_macs")


def changed_table(block: str, table=TABLE1, **changes):
    """``table`` with Inception row ``block`` changed; every change checked
    (a known column, a positive integer)."""
    names = [r.name for r in INCEPTION_ROWS]
    if block not in names:
        raise ValueError(f"block must be an Inception row of Table 1 ({', '.join(names)}), "
                         f"got {block!r}")
    for key, value in changes.items():
        if key not in COLUMNS:
            raise ValueError(f"unknown column {key!r}; expected one of {', '.join(COLUMNS)}")
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{key} must be a positive integer, got {value!r}")
    return with_row(table, block, **changes)


def _spec(table, variant: str, num_classes: int):
    return googlenet_spec(variant, num_classes, aux_logits=False, table=table)


def analytic_costs(spec, block: str, input_size: int = 224) -> Row:
    """Parameters and multiply-adds of ``block`` and of the network, from the counter."""
    b = next(c for c in count_blocks(spec, input_size) if c.name == block)
    t = totals(spec, input_size)
    return {"block_params": b.params, "block_macs": b.macs,
            "network_params": t.params, "network_macs": t.macs}


def _block_input(spec, block: str, input_size: int):
    """(channels, height, width) entering ``block``."""
    blocks = count_blocks(spec, input_size)
    names = [b.name for b in blocks]
    return blocks[names.index(block) - 1].output_shape


def torch_costs(spec, block: str, input_size: int = 224) -> Row:
    """The counts of :func:`analytic_costs`, from PyTorch models built from
    ``spec``: the block alone (:class:`inception.torch.Inception`) and the
    whole network. Parameters include batch norm's running statistics."""
    import torch

    from inception import torch as it
    from inception.crosscheck import weight_counts

    def macs(model, x):
        total = [0]

        def hook(m, _, out):
            n = m.weight.numel()
            total[0] += n * out.shape[-2] * out.shape[-1] if out.dim() == 4 else n

        handles = [m.register_forward_hook(hook) for m in model.modules()
                   if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
        with torch.no_grad():
            model(x)
        for h in handles:
            h.remove()
        return total[0]

    c, h, w = _block_input(spec, block, input_size)
    module = it.Inception.from_spec(spec.block(block), spec.style).eval()
    net = it.build(spec, input_size=input_size).eval()
    return {
        "block_params": weight_counts(module)["total"],
        "block_macs": macs(module, torch.zeros(1, c, h, w)),
        "network_params": weight_counts(net)["total"],
        "network_macs": macs(net, torch.zeros(1, spec.in_channels, input_size, input_size)),
    }


def keras_costs(spec, block: str, input_size: int = 224) -> Row:
    """The same counts from Keras models: the block alone
    (:func:`inception.keras.inception_block` on an input of the block's
    shape) and the whole network (``model.count_params()``)."""
    import keras
    import numpy as np

    from inception import keras as ik

    def macs(model):
        n = 0
        for layer in model.layers:
            if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense)):
                k = int(np.prod(layer.kernel.shape))
                shape = layer.output.shape
                n += k * shape[1] * shape[2] if len(shape) == 4 else k
        return n

    c, h, w = _block_input(spec, block, input_size)
    b = spec.block(block)
    x = keras.Input((h, w, c))
    y = ik.inception_block(x, b.c1x1, b.c3x3_reduce, b.c3x3, b.c5x5_reduce, b.c5x5, b.pool_proj,
                           name=block, branch3_kernel=b.branch3_kernel, style=spec.style)
    module = keras.Model(x, y)
    net = ik.build(spec, input_size=input_size)
    return {"block_params": int(module.count_params()), "block_macs": macs(module),
            "network_params": int(net.count_params()), "network_macs": macs(net)}


def branch_costs(spec, block: str, input_size: int = 224) -> Dict[str, Row]:
    """``{convolution: {"params", "macs"}}`` for the six convolutions of
    ``block`` (``branch1`` ... ``branch4.1``), batch norm included."""
    out: Dict[str, Row] = {p: {"params": 0, "macs": 0} for p in PART_COLOURS}
    for layer in count_layers(spec, input_size):
        if layer.block == block:
            part = layer.name[len(block) + 1:].rsplit(".", 1)[0]
            out[part]["params"] += layer.params
            out[part]["macs"] += layer.macs
    return out


def explore_row(block: str = "inception4a", variant: str = "paper", input_size: int = 224,
                num_classes: int = 1000, frameworks: Sequence[str] = ("pytorch", "keras"),
                **changes) -> Row:
    """Change one Inception row of Table 1 and count its cost, three ways.

    Example: ``explore_row("inception4a", c5x5_reduce=480)`` gives the 5x5
    branch of ``inception4a`` a "reduction" as wide as the block's input.

    Args:
        block: an Inception row (``"inception3a"`` ... ``"inception5b"``).
        variant: GoogLeNet's ``"paper"`` or ``"bn"`` variant.
        input_size: image side, in pixels.
        num_classes: classifier width.
        frameworks: which built models to count (``"pytorch"``, ``"keras"``).
        **changes: new values for the row's columns (keys of :data:`COLUMNS`).

    Returns a dict: ``block``, ``changes``, ``row`` (``{column: (before,
    after)}``), ``before`` (the counter on Table 1), ``analytic`` and one
    entry per framework (the changed network: ``block_params``,
    ``block_macs``, ``network_params``, ``network_macs``), ``branches``
    (:func:`branch_costs` ``before`` and ``after``) and ``agree``.
    """
    unknown = set(frameworks) - {"pytorch", "keras"}
    if unknown:
        raise ValueError(f"unknown frameworks {sorted(unknown)}; expected 'pytorch' or 'keras'")
    table = changed_table(block, **changes)
    old, new = _spec(TABLE1, variant, num_classes), _spec(table, variant, num_classes)
    row = next(r for r in TABLE1 if r.name == block)
    result: Row = {
        "block": block, "variant": variant, "changes": dict(changes),
        "row": {k: (getattr(row, k), changes.get(k, getattr(row, k))) for k in COLUMNS},
        "before": analytic_costs(old, block, input_size),
        "analytic": analytic_costs(new, block, input_size),
        "branches": {"before": branch_costs(old, block, input_size),
                     "after": branch_costs(new, block, input_size)},
    }
    count = {"pytorch": torch_costs, "keras": keras_costs}
    for name in frameworks:
        result[name] = count[name](new, block, input_size)
    result["agree"] = all(result[name] == result["analytic"] for name in frameworks)
    return result


def explorer_table(result: Mapping[str, Any]) -> List[Row]:
    """One row per count (block and network, parameters and multiply-adds):
    Table 1's, the changed network's by the counter and by each framework,
    and the ratio changed / Table 1."""
    what = {"block_params": f"{result['block']} parameters",
            "block_macs": f"{result['block']} multiply-adds",
            "network_params": "network parameters", "network_macs": "network multiply-adds"}
    rows = []
    for key in KEYS:
        r = {"count": what[key], "Table 1": result["before"][key],
             "changed": result["analytic"][key]}
        for name, label in (("pytorch", "PyTorch"), ("keras", "Keras")):
            if name in result:
                r[label] = result[name][key]
        r["changed / Table 1"] = result["analytic"][key] / result["before"][key]
        rows.append(r)
    return rows


def _label(result: Mapping[str, Any]) -> str:
    if not result["changes"]:
        return "Table 1"
    return "\n".join(f"{COLUMNS[k]} {result['row'][k][0]} -> {v}"
                     for k, v in result["changes"].items())


def plot_explorations(results: Sequence[Mapping[str, Any]], labels: Optional[Sequence[str]] = None):
    """Stacked bars of one block's multiply-adds and parameters, convolution
    by convolution in the book's branch colours: Table 1's row first, then
    each result of :func:`explore_row` (all for the same block)."""
    import matplotlib.pyplot as plt

    from inception.course.diagrams import BRANCH_COLOURS

    if len({r["block"] for r in results}) != 1:
        raise ValueError("all results must change the same block")
    bars = [results[0]["branches"]["before"]] + [r["branches"]["after"] for r in results]
    names = ["Table 1"] + list(labels or [_label(r) for r in results])
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    plt.close(fig)
    for ax, key, unit, scale in ((axes[0], "macs", "multiply-adds (millions)", 1e6),
                                 (axes[1], "params", "parameters (thousands)", 1e3)):
        bottom = [0.0] * len(bars)
        for part, colour in PART_COLOURS.items():
            values = [b[part][key] / scale for b in bars]
            ax.bar(range(len(bars)), values, bottom=bottom, color=BRANCH_COLOURS[colour],
                   edgecolor="#333333", lw=0.6, label=PART_NAMES[part])
            bottom = [s + v for s, v in zip(bottom, values)]
        for i, top in enumerate(bottom):
            ax.text(i, top, f"{top:,.1f}", ha="center", va="bottom", fontsize=8)
        ax.set_xticks(range(len(bars)), names, fontsize=8)
        ax.set_ylabel(unit)
        ax.set_ylim(0, max(bottom) * 1.15)
        ax.grid(axis="y", alpha=0.3)
    handles, texts = axes[0].get_legend_handles_labels()
    fig.legend(handles, texts, fontsize=8, loc="lower center", ncol=len(handles),
               frameon=False)
    axes[0].set_title(f"{results[0]['block']}: multiply-adds per image", fontsize=9)
    axes[1].set_title(f"{results[0]['block']}: parameters", fontsize=9)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig
