"""Diagrams drawn from the spec, not copied from the paper.

Every figure here is computed from :mod:`inception.spec`: change a filter
number in ``TABLE1`` and the drawn labels follow. All functions return a
:class:`matplotlib.figure.Figure` (closed in pyplot, so that a notebook shows
it once, when it is the cell's value).

The building block is :func:`draw_branches`: a list of *branches*, each a list
of boxes ``(label, detail)``, drawn side by side between an input box and an
output box. An Inception module is four branches (:func:`module_branches`), an
auxiliary classifier is one branch (:func:`aux_head_diagram`), and later
Inception versions can pass their own branch lists (factorised 1x7 -> 7x1,
...) to the same function.

Every box drawn is a patch whose ``gid`` says what it is (``"box:2:1"`` is the
second box of the third branch, ``"box:input"``, ``"box:output"``,
``"block:inception4a"``, ``"aux:aux1"``) and its text carries the matching
``"label:..."`` gid, so tests and readers can find them in the figure.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Sequence, Tuple, Union

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from inception.counting import aux_input_size, count_blocks
from inception.spec import LRN, AuxHead, Conv, InceptionBlock, NetworkSpec, Pool

__all__ = [
    "new_figure",
    "Box",
    "Branch",
    "draw_branches",
    "module_branches",
    "inception_module_diagram",
    "aux_head_branch",
    "aux_head_diagram",
    "network_diagram",
    "box_color",
    "box_kind",
    "BRANCH_COLOURS",
    "BRANCH_NAMES",
    "OTHER_COLOURS",
    "add_branch_legend",
    "drawn_boxes",
]

#: One box: (label, detail), e.g. ``("3x3 conv", "96 -> 128")``.
Box = Tuple[str, str]
#: A branch: boxes from input to output.
Branch = Sequence[Box]

#: The book's palette: one fill colour per branch type, in every figure of
#: every chapter. "reduction" is a 1x1 convolution that shrinks (or projects)
#: the channels in front of a larger filter or after a pool; a 1x1
#: convolution that is a branch of its own is "1x1". Factorised filters take
#: the colour of the window they build: 1x3 and 3x1 are "3x3", 1x7 and 7x1
#: (like 5x5 and 7x7) are "5x5", the large-window colour.
BRANCH_COLOURS: Dict[str, str] = {
    "1x1": "#ffe08a",
    "3x3": "#f5a962",
    "5x5": "#8ec1e6",
    "pool": "#f2a3a3",
    "reduction": "#b7dfb0",
}

#: What the branches feed and leave: neutral colours, never a branch colour.
OTHER_COLOURS: Dict[str, str] = {
    "input": "#f2f2f2",
    "concat": "#e3e3e3",
    "classifier": "#d9c2f0",
    "norm": "#eeeeee",
    "inception": "#d8d3ec",
    "other": "#e8e8e8",
}

#: Legend text for each branch type.
BRANCH_NAMES: Dict[str, str] = {
    "1x1": "1x1 conv",
    "3x3": "3x3 conv (or 1x3, 3x1)",
    "5x5": "5x5 conv or larger",
    "pool": "pool",
    "reduction": "1x1 reduction",
}

_KERNEL = re.compile(r"(\d+)x(\d+)")


def new_figure(figsize) -> "Figure":
    """A matplotlib figure that is not shown by itself: the notebook shows it (or glues it)
    once, so no page draws a figure twice."""
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=figsize)
    plt.close(fig)
    return fig


def box_kind(label: str, reduction: bool = False) -> str:
    """The kind of a box, from its label: a branch type of
    :data:`BRANCH_COLOURS` (``"1x1"``, ``"3x3"``, ``"5x5"``, ``"pool"``,
    ``"reduction"``) or one of :data:`OTHER_COLOURS`. ``reduction=True``
    marks a 1x1 convolution that feeds another layer of its branch."""
    low = label.lower()
    if "pool" in low:
        return "pool"
    if "concat" in low:
        return "concat"
    if "inception" in low:
        return "inception"
    if any(k in low for k in ("softmax", "fc", "linear", "classifier")):
        return "classifier"
    if any(k in low for k in ("dropout", "lrn", "norm")):
        return "norm"
    m = _KERNEL.search(low)
    if m:
        size = max(int(m.group(1)), int(m.group(2)))
        if size == 1:
            return "reduction" if reduction else "1x1"
        return "3x3" if size <= 3 else "5x5"
    if "conv" in low:
        return "3x3"
    return "other"


def box_color(label: str, reduction: bool = False) -> str:
    """Fill colour of a box, from keywords in its label (see :func:`box_kind`)."""
    kind = box_kind(label, reduction)
    return BRANCH_COLOURS.get(kind) or OTHER_COLOURS[kind]


def add_branch_legend(ax, kinds: Optional[Sequence[str]] = None, fontsize: float = 8.0,
                      ncol: Optional[int] = None):
    """A legend of the branch colours (all of them, or ``kinds``) below ``ax``."""
    from matplotlib.patches import Patch

    kinds = [k for k in BRANCH_COLOURS if kinds is None or k in kinds]
    handles = [Patch(facecolor=BRANCH_COLOURS[k], edgecolor="#333333", label=BRANCH_NAMES[k])
               for k in kinds]
    return ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                     ncol=ncol or len(handles), fontsize=fontsize, frameon=False,
                     handlelength=1.2, columnspacing=1.0)


def _box(ax, cx: float, cy: float, w: float, h: float, label: str, detail: str, gid: str,
         color: Optional[str] = None, fontsize: float = 9.0):
    patch = FancyBboxPatch(
        (cx - w / 2, cy - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.08",
        linewidth=1.0, edgecolor="#333333", facecolor=color or box_color(label),
    )
    patch.set_gid(gid)
    ax.add_patch(patch)
    text = label if not detail else f"{label}\n{detail}"
    t = ax.text(cx, cy, text, ha="center", va="center", fontsize=fontsize, linespacing=1.25)
    t.set_gid(gid.replace("box:", "label:", 1) if gid.startswith("box:") else f"label:{gid}")
    return patch


def _fit_figure(fig: Figure, ax, scale: float, has_title: bool) -> None:
    """Size a new figure to its drawing: ``scale`` inches per data unit."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    fig.set_size_inches(scale * (x1 - x0) + 0.2, scale * (y1 - y0) + (0.45 if has_title else 0.2))
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.99 - (0.35 / fig.get_size_inches()[1] if has_title else 0))


def _arrow(ax, start, end, style: str = "-|>", color: str = "#333333", lw: float = 1.0,
           connection: str = "arc3"):
    arrow = FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=10, color=color, lw=lw,
                            shrinkA=0, shrinkB=0, connectionstyle=connection)
    arrow.set_gid("arrow")
    ax.add_patch(arrow)
    return arrow


def draw_branches(
    branches: Sequence[Branch],
    input_label: str = "Previous layer",
    output_label: str = "Filter concatenation",
    *,
    input_detail: str = "",
    output_detail: str = "",
    title: Optional[str] = None,
    orientation: str = "vertical",
    box_size: Tuple[float, float] = (1.9, 0.75),
    gap: Tuple[float, float] = (0.35, 0.55),
    ax=None,
    fontsize: float = 9.0,
    scale: float = 0.8,
    legend: bool = True,
) -> Figure:
    """Draw parallel branches of boxes between an input and an output box.

    Args:
        branches: one list of ``(label, detail)`` boxes per branch, from the
            input towards the output. Branches of different lengths are
            aligned on the output side (as in the paper's Figure 2), so that
            every branch feeds the output from the same row.
        input_label, output_label: the boxes the branches leave and join
            (``output_label=None`` draws no output box: a plain chain).
        input_detail, output_detail: a second, smaller line in those boxes.
        title: figure title.
        orientation: ``"vertical"`` (data flows upwards, like the paper's
            figures) or ``"horizontal"`` (left to right).
        box_size: width and height of a box, in data units.
        gap: spacing between branches and between rows.
        ax: draw into this axes (its figure is returned) instead of a new figure.
        fontsize: of the box labels.
        scale: inches per data unit of a new figure (a box is ``box_size`` units).
        legend: add a legend of the branch colours that the drawing uses.

    Box colours come from :data:`BRANCH_COLOURS`: a 1x1 convolution that
    feeds another layer of its branch is drawn as a reduction.

    Returns:
        The figure. Boxes carry gids ``"box:{branch}:{index}"``,
        ``"box:input"`` and ``"box:output"``.
    """
    if orientation not in ("vertical", "horizontal"):
        raise ValueError(f"orientation must be 'vertical' or 'horizontal', got {orientation!r}.")
    branches = [list(b) for b in branches]
    if not branches or any(len(b) == 0 for b in branches):
        raise ValueError("draw_branches needs at least one branch, and no empty branch.")
    w, h = box_size
    gx, gy = gap
    n, depth = len(branches), max(len(b) for b in branches)
    vertical = orientation == "vertical"
    # Layout units: column c (branch) and row r (0 = input, depth + 1 = output).
    col_step = (w + gx) if vertical else (h + gx)
    row_step = (h + gy) if vertical else (w + gy)
    bw, bh = w, h

    def centre(col: float, row: float) -> Tuple[float, float]:
        if vertical:
            return col * col_step, row * row_step
        return row * row_step, -col * col_step

    def edge(col: float, row: float, side: str) -> Tuple[float, float]:
        """Middle of a box edge facing the output ("out") or the input ("in")."""
        x, y = centre(col, row)
        sign = 1 if side == "out" else -1
        if vertical:
            return x, y + sign * bh / 2
        return x + sign * bw / 2, y

    created = ax is None
    if created:
        fig, ax = plt.subplots()
        plt.close(fig)
    else:
        fig = ax.figure
    mid = (n - 1) / 2
    span = (n - 1) * col_step + (w if vertical else h)

    # Input and output boxes span all branches.
    in_w, in_h = (span, h) if vertical else (w, span)
    cx, cy = centre(mid, 0)
    _box(ax, cx, cy, in_w, in_h, input_label, input_detail, "box:input", OTHER_COLOURS["input"],
         fontsize)
    has_output = output_label is not None
    if has_output:
        ox, oy = centre(mid, depth + 1)
        _box(ax, ox, oy, in_w, in_h, output_label, output_detail, "box:output", box_color("concat"), fontsize)

    used = []
    for i, branch in enumerate(branches):
        first_row = depth - len(branch) + 1
        for j, (label, detail) in enumerate(branch):
            bx, by = centre(i, first_row + j)
            kind = box_kind(label, reduction=len(branch) > 1)
            used.append(kind)
            _box(ax, bx, by, bw, bh, label, detail, f"box:{i}:{j}", box_color(label, kind == "reduction"),
                 fontsize=fontsize)
        # input -> first box, box -> box, last box -> output
        start = edge(i, 0, "out")
        if vertical:
            start = (centre(i, 0)[0], start[1])
        else:
            start = (start[0], centre(i, 0)[1])
        _arrow(ax, start, edge(i, first_row, "in"))
        for j in range(len(branch) - 1):
            _arrow(ax, edge(i, first_row + j, "out"), edge(i, first_row + j + 1, "in"))
        if has_output:
            end = edge(i, depth + 1, "in")
            end = (centre(i, 0)[0], end[1]) if vertical else (end[0], centre(i, 0)[1])
            _arrow(ax, edge(i, depth, "out"), end)

    # Frame the drawing.
    pad = 0.15
    if vertical:
        ax.set_xlim(centre(mid, 0)[0] - span / 2 - pad, centre(mid, 0)[0] + span / 2 + pad)
        ax.set_ylim(-h / 2 - pad, (depth + 1) * row_step + h / 2 + pad)
    else:
        ax.set_xlim(-w / 2 - pad, (depth + 1) * row_step + w / 2 + pad)
        ax.set_ylim(centre(mid, 0)[1] - span / 2 - pad, centre(mid, 0)[1] + span / 2 + pad)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=fontsize + 2)
    if legend and any(k in BRANCH_COLOURS for k in used):
        add_branch_legend(ax, [k for k in BRANCH_COLOURS if k in used], fontsize=fontsize - 0.5)
    if created:
        _fit_figure(fig, ax, scale, title is not None)
    return fig


# --------------------------------------------------------------------------
# The Inception module
# --------------------------------------------------------------------------


def module_branches(block: InceptionBlock, reduced: bool = True) -> List[List[Box]]:
    """The branches of an Inception module as boxes.

    ``reduced=True`` is the module with dimension reductions (the paper's
    Figure 2b, what GoogLeNet uses); ``reduced=False`` the naive module
    (Figure 2a): the 1x1, 3x3 and 5x5 convolutions act on the input directly
    and the pool's output is concatenated as it is. The details give output
    channels; a reduction shows ``in -> out``.
    """
    k = block.branch3_kernel
    cin = block.in_channels
    if reduced:
        return [
            [("1x1 conv", f"{block.c1x1}")],
            [("1x1 conv", f"{cin} -> {block.c3x3_reduce}"), ("3x3 conv", f"{block.c3x3_reduce} -> {block.c3x3}")],
            [("1x1 conv", f"{cin} -> {block.c5x5_reduce}"), (f"{k}x{k} conv", f"{block.c5x5_reduce} -> {block.c5x5}")],
            [("3x3 max pool", "stride 1"), ("1x1 conv", f"{cin} -> {block.pool_proj}")],
        ]
    return [
        [("1x1 conv", f"{cin} -> {block.c1x1}")],
        [("3x3 conv", f"{cin} -> {block.c3x3}")],
        [(f"{k}x{k} conv", f"{cin} -> {block.c5x5}")],
        [("3x3 max pool", f"stride 1, {cin} kept")],
    ]


def inception_module_diagram(
    block: InceptionBlock,
    reduced: bool = True,
    *,
    grid: Optional[Union[int, Tuple[int, int]]] = None,
    title: Optional[str] = None,
    ax=None,
    **kwargs,
) -> Figure:
    """Draw one Inception module from its spec.

    Args:
        block: an :class:`~inception.spec.InceptionBlock`, e.g.
            ``googlenet_spec().block("inception3a")``.
        reduced: Figure 2b (with 1x1 reductions) or, if false, Figure 2a (naive).
        grid: spatial size ``H`` or ``(H, W)`` to print in the input and output boxes.
        title: defaults to the block's name and the module kind.
        ax, kwargs: passed to :func:`draw_branches`.
    """
    out = block.out_channels if reduced else block.c1x1 + block.c3x3 + block.c5x5 + block.in_channels
    if grid is not None:
        gh, gw = (grid, grid) if isinstance(grid, int) else grid
        where = f"{gh}x{gw}x"
    else:
        where = ""
    if title is None:
        kind = "with dimension reductions" if reduced else "naive version"
        title = f"{block.name}: Inception module, {kind}"
    return draw_branches(
        module_branches(block, reduced),
        "Previous layer", "Filter concatenation",
        input_detail=f"{where}{block.in_channels}", output_detail=f"{where}{out}",
        title=title, ax=ax, **kwargs,
    )


# --------------------------------------------------------------------------
# The auxiliary classifier
# --------------------------------------------------------------------------


def aux_head_branch(aux: AuxHead, grid: Optional[int] = None) -> List[Box]:
    """The auxiliary classifier's layers as one branch of boxes.

    With ``grid`` (the spatial size of the block it sits on) the boxes show
    the output shapes too.
    """
    s = aux_input_size(aux.pool, grid) if grid is not None else None
    pool = "5x5/3 avg pool" if aux.pool == "avg5s3" else "adaptive pool"
    pool_detail = f"-> {s}x{s}" if s else (
        "stride 3" if aux.pool == "avg5s3" else "to 4x4")
    conv_detail = f"{aux.in_channels} -> {aux.conv_channels}"
    flat = aux.conv_channels * s * s if s else None
    fc1_detail = f"{flat} -> {aux.fc_units}" if flat else f"{aux.fc_units}"
    return [
        (pool, pool_detail),
        ("1x1 conv + ReLU", conv_detail),
        ("FC + ReLU", fc1_detail),
        ("dropout", f"p = {aux.dropout:g}"),
        ("FC", f"{aux.fc_units} -> {aux.num_classes}"),
    ]


def aux_head_diagram(
    aux: AuxHead,
    grid: Optional[int] = None,
    *,
    title: Optional[str] = None,
    orientation: str = "horizontal",
    ax=None,
    **kwargs,
) -> Figure:
    """Draw an auxiliary classifier from its spec: a single branch from the
    block it sits on to its softmax (with the loss weight it gets in training).

    Args:
        aux: an :class:`~inception.spec.AuxHead` (``spec.aux[0]``).
        grid: the spatial size of the block it sits on (14 at 224 input), to
            print output shapes; see :func:`inception.counting.count_blocks`.
    """
    src = f"{grid}x{grid}x{aux.in_channels}" if grid else f"{aux.in_channels} channels"
    return draw_branches(
        [aux_head_branch(aux, grid)],
        aux.after, "softmax",
        input_detail=src, output_detail=f"loss x {aux.loss_weight:g}",
        title=title if title is not None else f"{aux.name}: auxiliary classifier on {aux.after}",
        orientation=orientation, ax=ax, box_size=kwargs.pop("box_size", (2.0, 0.95)),
        gap=kwargs.pop("gap", (0.35, 0.3)), scale=kwargs.pop("scale", 0.6), **kwargs,
    )


# --------------------------------------------------------------------------
# The whole network
# --------------------------------------------------------------------------


def _block_text(block) -> Tuple[str, str]:
    if isinstance(block, Conv):
        return block.name, f"conv {block.kernel}x{block.kernel}/{block.stride}, {block.out_channels}"
    if isinstance(block, Pool):
        return block.name, f"{block.kind} pool {block.kernel}x{block.kernel}/{block.stride}"
    if isinstance(block, LRN):
        return block.name, "local response norm"
    if isinstance(block, InceptionBlock):
        k = block.branch3_kernel
        note = "" if k == 5 else f" ({k}x{k})"
        return block.name, (f"{block.c1x1} | {block.c3x3_reduce}>{block.c3x3} | "
                            f"{block.c5x5_reduce}>{block.c5x5}{note} | {block.pool_proj}")
    raise TypeError(block)


def _shape_text(shape: Sequence[int]) -> str:
    if len(shape) == 3:
        c, hh, ww = shape
        return f"{hh}x{ww}x{c}"
    return f"{shape[0]}"


def network_diagram(
    spec: NetworkSpec,
    input_size: Union[int, Tuple[int, int]] = 224,
    *,
    title: Optional[str] = None,
    ax=None,
    fontsize: float = 8.0,
) -> Figure:
    """Draw a whole network from its spec: the chain of blocks from the input
    (top) to the classifier (bottom), with each block's output shape
    (``H x W x C``, from :func:`inception.counting.count_blocks`), and the
    auxiliary heads branching off to the side. An Inception block's detail
    reads ``#1x1 | #3x3 reduce>#3x3 | #5x5 reduce>#5x5 | pool proj``.

    Boxes carry gids ``"block:{name}"`` (and ``"block:input"``,
    ``"block:avgpool"``, ``"block:dropout"``, ``"block:fc"``,
    ``"block:softmax"``) and ``"aux:{name}"``.
    """
    counts = {b.name: b for b in count_blocks(spec, input_size)}
    hh, ww = (input_size, input_size) if isinstance(input_size, int) else tuple(input_size)
    rows: List[Tuple[str, str, str, str]] = [("input", "image", f"{hh}x{ww}x{spec.in_channels}", "block:input")]
    for block in spec.blocks:
        name, detail = _block_text(block)
        rows.append((name, detail, _shape_text(counts[block.name].output_shape), f"block:{name}"))
    c = spec.head.in_channels
    rows += [
        ("avgpool", "global average pool", f"1x1x{c}", "block:avgpool"),
        ("dropout", f"dropout p = {spec.head.dropout:g}", f"1x1x{c}", "block:dropout"),
        ("fc", f"linear {c} -> {spec.num_classes}", f"{spec.num_classes}", "block:fc"),
        ("softmax", "main classifier", f"{spec.num_classes}", "block:softmax"),
    ]
    w, h, step = 4.6, 0.62, 0.85
    aux_x = w / 2 + 1.0 + 2.15
    n = len(rows)
    created = ax is None
    if created:
        fig, ax = plt.subplots()
        plt.close(fig)
    else:
        fig = ax.figure
    y_of = {}
    for i, (name, detail, shape, gid) in enumerate(rows):
        y = -i * step
        y_of[name] = y
        label_key = "inception" if name.startswith("inception") else detail
        color = box_color(label_key) if name not in ("input",) else OTHER_COLOURS["input"]
        if name == "softmax":
            color = box_color("softmax")
        _box(ax, 0.0, y, w, h, f"{name}", detail, gid, color, fontsize)
        ax.text(-w / 2 - 0.1, y, shape, ha="right", va="center", fontsize=fontsize, color="#444444",
                family="monospace")
        if i:
            _arrow(ax, (0.0, y + step - h / 2), (0.0, y + h / 2))
    for aux in spec.aux:
        y = y_of[aux.after]
        grid = counts[aux.after].output_shape[1]
        s = aux_input_size(aux.pool, grid)
        pool = f"avg pool 5x5/3 -> {s}x{s}" if aux.pool == "avg5s3" else f"adaptive avg pool -> {s}x{s}"
        detail = (f"{pool}\nconv 1x1 {aux.conv_channels} > FC {aux.fc_units}\n"
                  f"dropout {aux.dropout:g} > FC {aux.num_classes}, loss x {aux.loss_weight:g}")
        aw, ah = 4.3, 1.25
        _box(ax, aux_x, y - 0.25, aw, ah, aux.name, detail, f"aux:{aux.name}", box_color("softmax"), fontsize)
        _arrow(ax, (w / 2, y), (aux_x - aw / 2, y - 0.25))
    left = -w / 2 - 1.5
    right = (aux_x + 2.25) if spec.aux else w / 2 + 0.2
    ax.set_xlim(left, right)
    ax.set_ylim(-(n - 1) * step - h, h)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title or f"{spec.name} ({spec.variant.name} variant), {hh}x{ww} input", fontsize=fontsize + 2)
    if created:
        _fit_figure(fig, ax, 0.62, True)
    return fig


def drawn_boxes(fig: Figure, prefix: str = "box:") -> Dict[str, str]:
    """``{gid: text}`` of every box in ``fig`` whose gid starts with ``prefix``
    (the text is the box's label and detail). For tests and for readers who
    want to check what a figure shows."""
    out: Dict[str, str] = {}
    for ax in fig.axes:
        patches = [p.get_gid() for p in ax.patches if (p.get_gid() or "").startswith(prefix)]
        texts = {t.get_gid(): t.get_text() for t in ax.texts if t.get_gid()}
        for gid in patches:
            key = gid.replace("box:", "label:", 1) if gid.startswith("box:") else f"label:{gid}"
            out[gid] = texts.get(key, "")
    return out
