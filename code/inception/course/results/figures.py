"""Figures from the run records (matplotlib, not displayed; show them with
:func:`inception.course.book.show`)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from inception.data._base import CLASSES

from .records import (PathLike, Runs, SLIDES, _RUN_COLORS, _cfg, cams_of, find_images, read_cams, recipe_label, run_label,
                      size_summary)
from .mistakes import class_table, misclassified, per_class_recall
from .tables import pct, read_resolutions
from ..diagrams import new_figure


def plot_resolutions(runs: Runs):
    """An analysis after training: each run's *validation* accuracy against
    the evaluation size, the training size marked. Sweeps that also read the
    test set at every size (an older format) are drawn on validation only:
    a test set is read once per run, at the size fixed before training.
    ``None`` without sweeps."""
    sweeps = {name: read_resolutions(run) for name, run in runs.items()}
    sweeps = {n: sw for n, sw in sweeps.items() if sw}
    if not sweeps:
        return None
    fig = new_figure((9, 4.6))
    ax = fig.subplots()
    colors = _RUN_COLORS
    for k, (name, sw) in enumerate(sweeps.items()):
        c = colors[k % len(colors)]
        sizes = [r["image_size"] for r in sw["results"]]
        label = run_label(runs[name].record)
        ax.plot(sizes, [r["val_accuracy"] for r in sw["results"]], "o-", color=c, label=f"{label}: val")
    train_sizes = {sw.get("train_image_size") for sw in sweeps.values()}
    for t in sorted(x for x in train_sizes if x):
        ax.axvline(t, color="grey", lw=0.8, ls=":")
        ax.text(t + 1, ax.get_ylim()[0] + 0.005, f"trained at {t}", color="grey", fontsize=8)
    ax.set_xlabel("evaluation size (whole image resized to S x S)")
    ax.set_ylabel("validation accuracy")
    ax.grid(alpha=0.3)
    # below the axes: inside, it would hide the points at the largest sizes
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=4)
    fig.tight_layout()
    return fig


def show_classes(data_dir: Optional[PathLike] = None):
    """One photograph per class where the images are here
    (:func:`plot_class_grid`, as a JPEG); otherwise the classes as a table, by
    what tells them apart (:func:`~.tables.class_table`)."""
    from ..book import table

    fig = plot_class_grid(data_dir)
    return show_photos(fig) if fig is not None else table(class_table())


#: Where an exact agreement (a difference of 0) is drawn on a log axis: its bottom.
_EXACT = 1e-17


def _loss_differences(ax, rows, color, prefix: Optional[str]) -> None:
    """A cross-check's two curves: PyTorch against Keras (solid) and the
    yardstick (dashed), in ``color``; labelled ``prefix + ...`` unless
    ``prefix`` is None."""
    steps = [r["step"] for r in rows]
    ax.plot(steps, [max(r["cross_rel_diff"], _EXACT) for r in rows], "-", color=color, lw=1.4,
            label=None if prefix is None else f"{prefix}PyTorch vs Keras")
    if any("yardstick_rel_diff" in r for r in rows):
        ax.plot(steps, [max(r.get("yardstick_rel_diff", _EXACT), _EXACT) for r in rows], "--", color=color,
                lw=1.0, alpha=0.8, label=None if prefix is None else f"{prefix}PyTorch vs PyTorch, one ulp apart")


def plot_crosscheck(checks: Mapping[Any, Mapping[str, Any]]):
    """The training cross-check, step by step (log scale): the relative
    difference of the main loss between PyTorch and Keras trained on the same
    batches from the same weights (solid), and the yardstick, PyTorch against
    itself with its initial weights one ulp apart (dashed); float64 and
    float32 in their own colours, one line per seed. ``None`` without results."""
    if not checks:
        return None
    fig = new_figure((10, 4.2))
    ax = fig.subplots()
    colors = {"float64": "#1f77b4", "float32": "#d62728"}
    seen = set()
    for (seed, dtype), c in checks.items():
        first = dtype not in seen
        seen.add(dtype)
        _loss_differences(ax, c["rows"], colors.get(dtype, "#555555"), f"{dtype}: " if first else None)
    ax.set_yscale("log")
    ax.set_ylim(_EXACT / 2, 10)
    ax.set_xlabel("training step")
    ax.set_ylabel("relative difference of the main loss")
    ax.grid(alpha=0.3, which="major")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def plot_branch_flips(check: Mapping[str, Any]):
    """Where a cross-check's difference jumps: above, the relative difference
    of the main loss, PyTorch against Keras (solid) and the yardstick (dashed);
    below, on the same steps, how many ReLUs and max-pool outputs take a
    different branch in the two networks on that step's batch (a cross-check
    run with ``--flips``). ``None`` without such counts."""
    rows = check.get("rows", []) if check else []
    if not rows or "flips" not in rows[0]:
        return None
    fig = new_figure((10, 5.6))
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [1, 1]})
    steps = [r["step"] for r in rows]
    _loss_differences(top, rows, "#1f77b4", "")
    top.set_yscale("log")
    top.set_ylabel("relative difference\nof the main loss")
    top.set_title(f"seed {check.get('seed')}, {check.get('dtype')}", fontsize=10)
    top.grid(alpha=0.3)
    top.legend(fontsize=8, loc="lower right")
    colors = {"maxpool": "#2ca02c", "relu": "#9467bd"}
    names = {"maxpool": "max-pool outputs", "relu": "ReLUs"}
    for kind in ("maxpool", "relu"):
        for key, style, who in (("flips", "-", "PyTorch vs Keras"), ("yardstick_flips", "--", "yardstick")):
            if key not in rows[0]:
                continue
            # zero is drawn at 0.5, below the first count of one
            counts = [max(sum(r[key][kind].values()), 0.5) for r in rows]
            bottom.plot(steps, counts, style, color=colors[kind], lw=1.4 if key == "flips" else 1.0,
                        label=f"{names[kind]}, {who}")
    bottom.set_yscale("log")
    bottom.set_ylim(0.4, None)
    bottom.set_ylabel("branches switched\non the step's batch")
    bottom.set_xlabel("training step")
    bottom.grid(alpha=0.3)
    bottom.legend(fontsize=8, loc="lower right", ncol=2)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------


class FigureJPEG:
    """A matplotlib figure of photographs, displayed as a JPEG.

    The photo figures (class grid, gallery, activation maps) would weigh
    hundreds of kilobytes each as PNG in the committed notebook; a JPEG at
    moderate resolution is a fraction of that. Like
    :class:`inception.course.book.FigurePNG`, its text form is fixed.
    """

    def __init__(self, fig, dpi: int = 75, quality: int = 75) -> None:
        self.fig, self.dpi, self.quality = fig, dpi, quality

    def _repr_jpeg_(self) -> bytes:
        import io

        buf = io.BytesIO()
        self.fig.savefig(buf, format="jpeg", dpi=self.dpi, bbox_inches="tight",
                         pil_kwargs={"quality": self.quality, "optimize": True})
        return buf.getvalue()

    def __repr__(self) -> str:
        w, h = self.fig.get_size_inches()
        return f"<figure {w:g}x{h:g} in>"


def show_photos(fig, dpi: int = 75, quality: int = 75) -> Optional[FigureJPEG]:
    """Display a figure of photographs as a JPEG (make it a cell's last
    expression); ``None`` (no photographs on this machine) displays nothing."""
    return None if fig is None else FigureJPEG(fig, dpi, quality)



def plot_learning_curves(runs: Runs, names: Optional[Sequence[str]] = None):
    """Loss and accuracy per epoch, training (solid) and validation (dashed),
    several runs overlaid. The training loss is the main head's (without the
    auxiliary terms), so it compares with the validation loss; both include
    label smoothing. ``None`` when there is no run."""
    names = [n for n in (names or runs) if n in runs]
    if not names:
        return None
    fig = new_figure((11, 4))
    ax_loss, ax_acc = fig.subplots(1, 2)
    colors = _RUN_COLORS
    for k, name in enumerate(names):
        r = runs[name].record
        ep = [e["epoch"] for e in r["epochs"]]
        c = colors[k % len(colors)]
        label = run_label(r)
        ax_loss.plot(ep, [e.get("train_main_loss") for e in r["epochs"]], color=c, label=f"{label}: train")
        ax_loss.plot(ep, [e.get("val_loss") for e in r["epochs"]], color=c, ls="--", label=f"{label}: val")
        ax_acc.plot(ep, [e.get("train_accuracy") for e in r["epochs"]], color=c, label=f"{label}: train")
        ax_acc.plot(ep, [e.get("val_accuracy") for e in r["epochs"]], color=c, ls="--", label=f"{label}: val")
    for ax, what in ((ax_loss, "loss (main head, label smoothing)"), (ax_acc, "accuracy")):
        ax.set_xlabel("epoch")
        ax.set_ylabel(what)
        ax.grid(alpha=0.3)
    ax_acc.axhline(SLIDES["scratch"]["test"], color="grey", lw=0.8, ls=":")
    ax_acc.text(1, SLIDES["scratch"]["test"] + 0.01, "slides, scratch: test", color="grey", fontsize=8)
    ax_acc.set_ylim(0, 1)
    ax_acc.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def plot_confusion(runs: Runs, names: Sequence[str]):
    """The test confusion matrices of up to two runs side by side (counts;
    rows true class, columns predicted). ``None`` when none of ``names`` ran."""
    names = [n for n in names if n in runs][:2]
    if not names:
        return None
    fig = new_figure((7.5 * len(names), 7))
    axes = np.atleast_1d(fig.subplots(1, len(names)))
    for ax, name in zip(axes, names):
        r = runs[name].record
        cm = np.asarray(r["confusion_matrix"])
        classes = list(r["per_class"].keys())
        ax.imshow(cm, cmap="Blues", vmin=0, vmax=max(1, cm.sum(axis=1).max()))
        for i in range(len(cm)):
            for j in range(len(cm)):
                if cm[i, j]:
                    ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=7,
                            color="white" if cm[i, j] > cm[i].sum() / 2 else "black")
        ax.set_xticks(range(len(classes)), classes, rotation=90, fontsize=8)
        ax.set_yticks(range(len(classes)), classes, fontsize=8)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(f"{run_label(r)}: test accuracy {pct(r['test_accuracy'])}", fontsize=10)
    fig.tight_layout()
    return fig


def plot_per_class(runs: Runs, names: Sequence[str]):
    """Per-class test accuracy (recall), the runs' bars side by side per
    class. ``None`` when none of ``names`` ran."""
    names = [n for n in names if n in runs]
    if not names:
        return None
    fig = new_figure((11, 4))
    ax = fig.subplots()
    width = 0.8 / len(names)
    x = np.arange(len(CLASSES))
    for k, name in enumerate(names):
        rec = per_class_recall(runs[name].record)
        ax.bar(x + (k - (len(names) - 1) / 2) * width, [rec.get(c, 0.0) for c in CLASSES], width,
               label=run_label(runs[name].record))
    ax.set_xticks(x, CLASSES, rotation=70, ha="right", fontsize=8)
    ax.set_ylabel("test accuracy (recall)")
    ax.set_ylim(0, 1.05)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    return fig


def _load_stems(stems: Sequence[str], root: Path) -> List[np.ndarray]:
    from inception.data.layout import load_rgb, scan

    by_stem = scan(root, require_all_classes=False).by_stem()
    return [load_rgb(by_stem[s].path) for s in stems]


def plot_gallery(predictions: Mapping[str, Any], data_dir: Optional[PathLike], max_images: int = 18,
                 columns: int = 6):
    """The misclassified test images (most confident first), each titled
    ``true -> predicted (probability)``. ``None`` when the images are absent
    or nothing is wrong."""
    wrong = misclassified(predictions)[:max_images]
    root = find_images(data_dir)
    if not wrong or root is None:
        return None
    images = _load_stems([w["stem"] for w in wrong], root)
    rows = math.ceil(len(wrong) / columns)
    fig = new_figure((2.1 * columns, 2.75 * rows))
    for k, (w, img) in enumerate(zip(wrong, images)):
        ax = fig.add_subplot(rows, columns, k + 1)
        ax.imshow(img)
        ax.set_title(f"{w['stem'].split('/')[1]}\n{w['true']} ->\n{w['predicted']} ({w['probability']:.0%})",
                     fontsize=8.5)
        ax.axis("off")
    fig.tight_layout()
    return fig


def plot_class_grid(data_dir: Optional[PathLike], columns: int = 7):
    """One image per class (``<class>00``), titled with the class. ``None``
    when the images are absent."""
    root = find_images(data_dir)
    if root is None:
        return None
    stems = [f"{c}/{c}00" for c in CLASSES]
    images = _load_stems(stems, root)
    rows = math.ceil(len(stems) / columns)
    fig = new_figure((1.9 * columns, 2.05 * rows))
    for k, (s, img) in enumerate(zip(stems, images)):
        ax = fig.add_subplot(rows, columns, k + 1)
        ax.imshow(img)
        ax.set_title(s.split("/")[0], fontsize=8)
        ax.axis("off")
    fig.tight_layout()
    return fig


def plot_size_histogram(sizes: Mapping[str, Tuple[int, int]]):
    """How many images have each size (log scale: 2,056 are 256x256)."""
    s = size_summary(sizes)
    labels = [f"{w}x{h}" for (w, h) in s["counts"]]
    fig = new_figure((10, 3.2))
    ax = fig.subplots()
    ax.bar(range(len(labels)), list(s["counts"].values()), color="#4c72b0")
    ax.set_yscale("log")
    ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("images (log scale)")
    ax.set_xlabel("width x height (pixels)")
    for k, v in enumerate(s["counts"].values()):
        ax.text(k, v * 1.1, str(v), ha="center", fontsize=7)
    ax.set_ylim(0.5, max(s["counts"].values()) * 3)
    fig.tight_layout()
    return fig


def show_cams(runs: Runs, name: Optional[str], data_dir: Optional[PathLike] = None):
    """The class activation maps of run ``name`` (or, without its maps, of the
    first run that has them; :func:`~.records.cams_of`), ready to display: laid
    over their photographs as a JPEG where the images are here, the maps alone
    as a PNG where they are not. ``None`` without maps."""
    from ..book import show

    cam_run, cams = cams_of(runs, name)
    if cams is None:
        return None
    rows, cols = cams["grid"]
    title = f"{run_label(runs[cam_run].record)}, {recipe_label(runs, cam_run)}: {rows}x{cols} maps"
    fig = plot_cams(cams, data_dir, title=title)
    return show_photos(fig) if find_images(data_dir) is not None else show(fig)


def plot_cams(cams: Union[Mapping[str, Any], PathLike, None], data_dir: Optional[PathLike], columns: int = 6,
              title: Optional[str] = None):
    """Class activation maps from :func:`compute_cams`, upsampled and laid
    over their test images (maps alone when the images are absent). Each map
    is scaled to [0, 1] on its own (:func:`inception.cam.normalize`). A
    mistake gets two panels side by side: the map of the predicted class,
    then of the true class (keep ``columns`` even). ``None`` without maps."""
    from inception.cam import normalize, upsample

    if cams is not None and not isinstance(cams, Mapping):
        cams = read_cams(cams)
    if not cams:
        return None
    root = find_images(data_dir)
    panels = []
    for it in sorted(cams["items"], key=lambda it: not it["correct"]):  # right ones first, then the pairs
        if len(it["maps"]) > 1 and len(panels) % 2:
            panels.append(None)  # keep a mistake's two panels on one row
        for k, m in enumerate(it["maps"]):
            panels.append((it, m, k))
    images = _load_stems(sorted({it["stem"] for it in cams["items"]}), root) if root else None
    by_stem = dict(zip(sorted({it["stem"] for it in cams["items"]}), images)) if images else {}
    classes = cams["classes"]
    size = 256
    rows = math.ceil(len(panels) / columns)
    fig = new_figure((2.2 * columns, 2.6 * rows))
    for p, panel in enumerate(panels):
        if panel is None:
            continue
        it, m, k = panel
        ax = fig.add_subplot(rows, columns, p + 1)
        heat = upsample(normalize(np.asarray([m["map"]], dtype=np.float32)), size)[0]
        if it["stem"] in by_stem:
            from PIL import Image

            img = np.asarray(Image.fromarray(by_stem[it["stem"]]).resize((size, size), Image.BILINEAR))
            ax.imshow(img)
            ax.imshow(heat, cmap="jet", alpha=0.45, vmin=0, vmax=1)
        else:
            ax.imshow(heat, cmap="jet", vmin=0, vmax=1)
        verdict = "right" if it["correct"] else "wrong"
        which = "predicted" if k == 0 else "true"
        ax.set_title(f"{it['stem'].split('/')[1]} ({verdict})\nmap of {which}: {classes[m['class']]}",
                     fontsize=8.5, color="black" if it["correct"] else "#b00000")
        ax.axis("off")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
