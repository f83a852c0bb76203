"""Where a unit looks: receptive fields with their positions, and a check on
a built model.

The receptive field of a unit is the square of input pixels that can change
it. Along one axis, a grid is described by a :class:`Field`: unit ``i`` sees
the pixels ``start + i * jump`` to ``start + i * jump + size - 1``. A layer
with kernel ``k``, stride ``s`` and padding ``p`` turns ``(size, jump,
start)`` into::

    size  + (k - 1) * jump,    jump * s,    start - p * jump

(:func:`through`). Parallel branches (an Inception block) are walked one by
one, each along its own deepest path, and the block's field is the union of
theirs (:func:`branch_fields`, :func:`block_fields`). Everything is read
from the spec (:mod:`inception.spec`): kernel sizes, strides and paddings.

:func:`gradient_fields` measures the same thing on a PyTorch model built
from the spec: with positive weights every path from a pixel to a unit
carries a positive gradient, so the pixels with a non-zero gradient are
exactly the field (clipped at the image border). :func:`receptive_fields`
gives the sizes alone, block by block, through the narrowest and the widest
branch.

:func:`show_fields` draws the fields of one unit as nested squares, on a UC
Merced photograph when the data set is there (:func:`example_image`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from inception.counting import count_blocks
from inception.spec import TABLE1, googlenet_spec
from inception.spec.layers import (
    LRN, Block, Concat, Conv, InceptionBlock, NetworkSpec, Pool, block_layers, pair,
)

Row = Dict[str, Any]

__all__ = [
    "Field", "INPUT", "through", "sequence_field", "branch_fields", "block_fields",
    "central_unit", "stage_fields", "full_view", "TABLE1_STAGES", "table1_fields", "gradient_fields",
    "example_image", "fields_figure", "show_fields", "receptive_fields",
]


@dataclass(frozen=True)
class Field:
    """The receptive fields of the units of one grid, along one axis.

    Unit ``i`` sees input pixels ``start + i * jump`` to
    ``start + i * jump + size - 1``; ``start`` is negative where the first
    unit's field begins in the padding.
    """

    size: int
    jump: int
    start: int

    def span(self, i: int) -> Tuple[int, int]:
        """First and last input pixel that unit ``i`` sees (may lie outside the image)."""
        lo = self.start + i * self.jump
        return lo, lo + self.size - 1

    def clipped(self, i: int, n: int) -> Tuple[int, int]:
        """:meth:`span` cut to an image of ``n`` pixels."""
        lo, hi = self.span(i)
        return max(lo, 0), min(hi, n - 1)

    def centre(self, i: int) -> float:
        lo, hi = self.span(i)
        return (lo + hi) / 2


#: One input pixel: the field of the image itself.
INPUT = Field(1, 1, 0)


def through(layer, field: Field = INPUT, axis: int = 1) -> Field:
    """The field after ``layer`` (a spec :class:`Conv`, :class:`Pool`,
    :class:`LRN` or :class:`Concat`), along ``axis`` (0: rows, 1: columns)."""
    if isinstance(layer, (Conv, Pool)):
        if isinstance(layer, Pool) and layer.output_size:
            raise ValueError("an adaptive pool has no fixed window")
        k, s, p = (pair(v)[axis] for v in (layer.kernel, layer.stride, layer.padding))
        return Field(field.size + (k - 1) * field.jump, field.jump * s, field.start - p * field.jump)
    if isinstance(layer, LRN):  # mixes channels, not positions
        return field
    if isinstance(layer, Concat):
        return _union([sequence_field(b, field, axis) for b in layer.branches])
    raise TypeError(f"no receptive field rule for {layer!r}")


def sequence_field(layers, field: Field = INPUT, axis: int = 1) -> Field:
    """The field after a sequence of layers (an empty branch passes it through)."""
    for layer in layers:
        field = through(layer, field, axis)
    return field


def _union(fields: Sequence[Field]) -> Field:
    if len({f.jump for f in fields}) != 1:
        raise ValueError(f"branches with different strides: {fields}")
    lo = min(f.start for f in fields)
    hi = max(f.start + f.size - 1 for f in fields)
    return Field(hi - lo + 1, fields[0].jump, lo)


def branch_fields(block, field: Field = INPUT, axis: int = 1) -> List[Tuple[str, Field]]:
    """``(branch, field)`` for each branch of a top-level block whose first
    layer is a :class:`Concat` (GoogLeNet's ``branch1`` ... ``branch4``);
    one ``("", field)`` for any other block."""
    layers = block_layers(block)
    if len(layers) == 1 and isinstance(layers[0], Concat):
        out = []
        for n, branch in enumerate(layers[0].branches, 1):
            out.append((f"branch{n}", sequence_field(branch, field, axis)))
        return out
    return [("", sequence_field(layers, field, axis))]


def block_fields(spec: NetworkSpec, axis: int = 1) -> List[Tuple[Any, Field, List[Tuple[str, Field]]]]:
    """``(block, field, branches)`` after every top-level block of ``spec``."""
    field, out = INPUT, []
    for b in spec.blocks:
        branches = branch_fields(b, field, axis)
        field = _union([f for _, f in branches])
        out.append((b, field, branches if len(branches) > 1 else []))
    return out


def central_unit(field: Field, units: int, input_size: int) -> int:
    """The unit (of ``units`` along the axis) whose field is centred nearest
    the centre of an ``input_size`` image (the first of two equally near)."""
    middle = (input_size - 1) / 2
    return min(range(units), key=lambda i: (abs(field.centre(i) - middle), i))


def _kind(b) -> str:
    if isinstance(b, InceptionBlock):
        return "inception"
    if isinstance(b, Conv):
        return "conv"
    if isinstance(b, Pool):
        return f"{b.kind} pool"
    if isinstance(b, LRN):
        return "lrn"
    return b.kind if isinstance(b, Block) else type(b).__name__


def stage_fields(spec: Optional[NetworkSpec] = None, input_size: int = 224) -> List[Row]:
    """The field of the central unit after every block of ``spec`` (square
    kernels: rows and columns alike), with its position.

    Columns: ``block``, ``kind``, ``grid`` (units per side), ``jump``,
    ``field`` (its size in pixels), ``unit`` (the central unit's index),
    ``span`` (its first and last pixel, maybe outside the image),
    ``visible`` (the span cut to the image) and, for blocks with branches,
    ``branches``: ``{branch: (field size, span)}``.
    """
    spec = spec or googlenet_spec("paper", aux_logits=False)
    grids = {b.name: b.output_shape[1] for b in count_blocks(spec, input_size)
             if len(b.output_shape) == 3}
    rows = []
    for b, f, branches in block_fields(spec):
        u = central_unit(f, grids[b.name], input_size)
        rows.append({
            "block": b.name, "kind": _kind(b), "grid": grids[b.name], "jump": f.jump,
            "field": f.size, "unit": u, "span": f.span(u), "visible": f.clipped(u, input_size),
            "branches": {name: (bf.size, bf.span(u)) for name, bf in branches},
        })
    return rows


def full_view(spec: Optional[NetworkSpec] = None, input_size: int = 224) -> Row:
    """The first block after which the central unit's field covers the whole
    image (``central``), and the first after which *every* unit's does,
    corner units included (``every``), with their field sizes. A field
    covers the image when its span reaches from pixel 0 to the last one."""
    spec = spec or googlenet_spec("paper", aux_logits=False)
    grids = {b.name: b.output_shape[1] for b in count_blocks(spec, input_size)
             if len(b.output_shape) == 3}
    out: Row = {"central": None, "every": None}
    for b, f, _ in block_fields(spec):
        if b.name not in grids:
            continue
        n = grids[b.name]

        def covers(i):
            lo, hi = f.span(i)
            return lo <= 0 and hi >= input_size - 1

        if out["central"] is None and covers(central_unit(f, n, input_size)):
            out["central"], out["central_field"] = b.name, f.size
        if out["every"] is None and all(covers(i) for i in range(n)):
            out["every"], out["every_field"] = b.name, f.size
    return out


#: Table 1's rows with a grid of their own, and the spec block that ends each
#: (``conv2-3`` is two convolutions; the pool and classifier rows after
#: ``inception5b`` see the whole image).
TABLE1_STAGES: Dict[str, str] = {
    r.name: ("conv3" if r.name == "conv2-3" else r.name)
    for r in TABLE1[: [t.name for t in TABLE1].index("inception5b") + 1]
}


def table1_fields(spec: Optional[NetworkSpec] = None, input_size: int = 224) -> List[Row]:
    """:func:`stage_fields` for the rows of Table 1 (``stage`` is the row's name)."""
    by_block = {r["block"]: r for r in stage_fields(spec, input_size)}
    return [{"stage": stage, **by_block[block]} for stage, block in TABLE1_STAGES.items()]


# --------------------------------------------------------------------------
# The same, measured on a built PyTorch model
# --------------------------------------------------------------------------


def _linear_positive(model):
    """Turn a built model into a positive linear map with the same windows:
    every convolution's weights ``1 / fan_in`` and biases 0, batch norm at its
    initial state (eval: a positive scale), max pools into average pools of
    the same window (a max pool passes the gradient to one pixel per window,
    an average pool to all), LRN (which does not mix positions) removed."""
    import torch
    from torch import nn

    def swap(parent):
        for name, child in parent.named_children():
            if isinstance(child, nn.MaxPool2d):
                setattr(parent, name, nn.AvgPool2d(child.kernel_size, child.stride, child.padding,
                                                   ceil_mode=child.ceil_mode))
            elif isinstance(child, nn.LocalResponseNorm):
                setattr(parent, name, nn.Identity())
            else:
                swap(child)

    swap(model)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Conv2d):
                m.weight.fill_(1.0 / m.weight[0].numel())
                if m.bias is not None:
                    m.bias.zero_()
            elif isinstance(m, nn.BatchNorm2d):
                m.reset_parameters()  # mean 0, variance 1, gamma 1, beta 0
    return model.eval()


def gradient_fields(spec: Optional[NetworkSpec] = None, blocks: Optional[Sequence[str]] = None,
                    input_size: int = 224, units: Optional[Dict[str, int]] = None) -> List[Row]:
    """Receptive fields measured by backpropagation on the PyTorch model of
    ``spec`` (GoogLeNet's ``paper`` variant by default).

    The model gets positive weights (see :func:`_linear_positive`); an image
    of ones goes in; for each block in ``blocks`` (default: all) the output
    channels of one unit are summed and differentiated with respect to the
    image, in float64. ``units`` picks the unit per block (same row and
    column); by default the central one of :func:`stage_fields`.

    Returns one row per block: ``block``, ``unit``, ``rows`` and ``cols``
    (first and last pixel with a non-zero gradient), ``filled`` (every
    pixel of that rectangle has one) and ``pixels`` (how many do).
    """
    import torch

    from inception import torch as it

    spec = (spec or googlenet_spec("paper", aux_logits=False)).without_aux()
    model = _linear_positive(it.build(spec, input_size=input_size)).double()
    centre = {r["block"]: r["unit"] for r in stage_fields(spec, input_size)}
    units = {**centre, **(units or {})}
    wanted = list(blocks or [b.name for b in spec.blocks])
    x = torch.ones(1, spec.in_channels, input_size, input_size, dtype=torch.float64,
                   requires_grad=True)
    outputs, out = {}, x
    for name in model._order:
        out = model.get_submodule(name)(out)
        if name in wanted:
            outputs[name] = out
        if len(outputs) == len(wanted):
            break
    rows = []
    for name in wanted:
        u = units[name]
        (g,) = torch.autograd.grad(outputs[name][0, :, u, u].sum(), x, retain_graph=True)
        seen = g[0].sum(0) > 0
        r = torch.nonzero(seen.any(1)).flatten()
        c = torch.nonzero(seen.any(0)).flatten()
        rr, cc = (int(r.min()), int(r.max())), (int(c.min()), int(c.max()))
        box = seen[rr[0]:rr[1] + 1, cc[0]:cc[1] + 1]
        rows.append({"block": name, "unit": u, "rows": rr, "cols": cc, "filled": bool(box.all()),
                     "pixels": int(seen.sum())})
    return rows


# --------------------------------------------------------------------------
# The picture
# --------------------------------------------------------------------------


def example_image(name: str = "airplane/airplane00.jpg", size: int = 224):
    """A UC Merced photograph as a ``(size, size, 3)`` uint8 array, or
    ``None`` when the data set is not there (:func:`inception.data.find_data_dir`)."""
    from inception.data import DataError, find_data_dir
    from inception.data import decode_resized

    try:
        path = find_data_dir() / name
    except DataError:
        return None
    return decode_resized(path, size) if path.is_file() else None


#: Table 1 stages drawn by :func:`fields_figure`, smallest first.
DRAWN_STAGES = ("conv1", "maxpool2", "inception3b", "inception4a", "inception4c",
                "inception4e")


def _square(ax, span, colour, lw=2.0, dashes=None, halo="#222222"):
    from matplotlib import patheffects
    from matplotlib.patches import Rectangle

    lo, hi = span
    effects = [patheffects.withStroke(linewidth=lw + 1.8, foreground=halo)] if halo else []
    patch = Rectangle((lo - 0.5, lo - 0.5), hi - lo + 1, hi - lo + 1, fill=False,
                      edgecolor=colour, lw=lw, path_effects=effects)
    if dashes:
        patch.set_linestyle(dashes)
    ax.add_patch(patch)


def _label(ax, span, text, corner):
    lo, hi = span
    x, y, va = (lo, lo - 2, "bottom") if corner == "top" else (hi, hi + 2, "top")
    ax.text(x, y, text, fontsize=7, color="#111111", va=va,
            ha="left" if corner == "top" else "right",
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85})


def fields_figure(spec: Optional[NetworkSpec] = None, block: str = "inception4e",
                  stages: Sequence[str] = DRAWN_STAGES, image=None, input_size: int = 224):
    """Two panels: the central unit's field after each of ``stages``
    (nested white squares, labelled with their size), and the field of the
    central unit of ``block`` through each of its branches (the book's branch
    colours; branches that see the same square share it, in dashes). The
    image is ``image`` (an ``(H, W, 3)`` array) or a plain grey canvas; the
    part of a field outside the image is padding."""
    import matplotlib.pyplot as plt

    from inception.course.diagrams import BRANCH_COLOURS

    spec = spec or googlenet_spec("paper", aux_logits=False)
    rows = {r["block"]: r for r in stage_fields(spec, input_size)}
    last = rows[block]
    lo = min([last["span"][0], 0] + [b[1][0] for b in last["branches"].values()])
    hi = max([last["span"][1], input_size - 1] + [b[1][1] for b in last["branches"].values()])
    fig, axes = plt.subplots(1, 2, figsize=(10, 5.2))
    plt.close(fig)
    for ax in axes:
        if image is not None:
            ax.imshow(image, extent=(-0.5, input_size - 0.5, input_size - 0.5, -0.5))
        else:
            ax.add_patch(plt.Rectangle((-0.5, -0.5), input_size, input_size, fc="#f2f2f2",
                                       ec="#999999"))
        pad = 0.05 * (hi - lo)
        ax.set_xlim(lo - pad, hi + pad)
        ax.set_ylim(hi + pad, lo - pad)
        ax.set_aspect("equal")
        ax.tick_params(labelsize=7)
    ax = axes[0]
    for n, stage in enumerate(stages):
        r = rows[TABLE1_STAGES.get(stage, stage)]
        _square(ax, r["span"], "white", lw=1.6)
        _label(ax, r["span"], f"{stage}: {r['field']}", "top" if n % 2 else "bottom")
    ax.set_title("the central unit's field after each stage (pixels)", fontsize=9)
    ax = axes[1]
    k = getattr(spec.block(block), "branch3_kernel", 5)
    kinds = {"branch1": ("1x1", "1x1"), "branch2": ("3x3", "3x3"),
             "branch3": ("5x5", f"{k}x{k}"), "branch4": ("pool", "pool")}
    groups: Dict[Tuple[int, int], List[str]] = {}
    for name, (size, span) in last["branches"].items():
        groups.setdefault(span, []).append(name)
    for n, (span, names) in enumerate(sorted(groups.items(), key=lambda kv: kv[0])):
        for m, name in enumerate(names):  # one square, its branches' colours in turn
            dashes = None if m == 0 else (m * 6, (6, 6 * (len(names) - 1)))
            _square(ax, span, BRANCH_COLOURS[kinds[name][0]], lw=2.8, dashes=dashes,
                    halo="#222222" if m == 0 else None)
        text = " = ".join(kinds[name][1] for name in names)
        _label(ax, span, f"{text}: {span[1] - span[0] + 1}", "top" if n % 2 == 0 else "bottom")
    ax.set_title(f"the central unit of {block}, through each branch", fontsize=9)
    fig.tight_layout()
    return fig


def show_fields(spec: Optional[NetworkSpec] = None, block: str = "inception4e", image=None,
                input_size: int = 224, **kwargs):
    """:func:`fields_figure`, displayed as a JPEG when it holds a photograph
    (so that the repository keeps no data-set images), else as a PNG."""
    from inception.course.book import show
    from inception.course.results.figures import show_photos

    fig = fields_figure(spec, block, image=image, input_size=input_size, **kwargs)
    return show(fig) if image is None else show_photos(fig, dpi=90, quality=80)


def receptive_fields(spec: Optional[NetworkSpec] = None, input_size=224) -> List[Row]:
    """Receptive field of one output unit after every block, in input pixels.

    For a layer with kernel ``k`` and stride ``s`` on a grid whose units are
    ``j`` input pixels apart (the *jump*, product of the strides so far) the
    receptive field grows by ``(k - 1) * j`` and the jump becomes ``j * s``.
    Padding and ``ceil_mode`` shift the windows but do not change their size.
    An Inception block's branches see different fields: ``rf_min`` through
    the 1x1 branch, ``rf_max`` through the widest (5x5) branch; the next block
    builds on ``rf_max``. LRN does not mix positions.
    """
    spec = spec or googlenet_spec("paper", aux_logits=False)
    shapes = {b.name: b.output_shape for b in count_blocks(spec, input_size)}
    r, j = 1, 1
    rows = []
    for b in spec.blocks:
        if isinstance(b, (Conv, Pool)):
            k, s = b.kernel, b.stride
            r_min = r = r + (k - 1) * j
            j *= s
            kind = "conv" if isinstance(b, Conv) else f"{b.kind} pool"
        elif isinstance(b, LRN):
            k, s, r_min, kind = 1, 1, r, "lrn"
        elif isinstance(b, InceptionBlock):
            s = 1
            k = max(3, b.branch3_kernel)
            r_min = r
            r = r + (k - 1) * j
            kind = "inception"
        else:  # pragma: no cover
            raise TypeError(b)
        c, hh, ww = shapes[b.name]
        rows.append({"block": b.name, "kind": kind, "kernel": k, "stride": s, "output": f"{hh}x{ww}x{c}",
                     "jump": j, "rf_min": r_min, "rf_max": r})
    return rows
