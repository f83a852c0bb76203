"""Is GoogLeNet efficient? The appendix on performance measures it against seven other
networks: parameters and multiply-adds counted at the input size of each network's published
ImageNet accuracy, training and inference speed where a quiet benchmark record has them, and
the Pareto front of accuracy against cost (:func:`pareto_front`, :func:`plot_pareto`), with what
it says about GoogLeNet (:func:`zoo_findings`, :func:`later_networks_sentence`)."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence

from .performance import _digits, is_reliable

__all__ = ["zoo_rows", "merge_zoo", "pareto_front", "plot_pareto", "zoo_findings", "intro_sentence", "zoo_table", "pareto_costs", "later_networks_sentence"]


def zoo_rows(networks: Mapping[str, Mapping]) -> List[dict]:
    """One row per network of a zoo record's ``networks`` (or of counts alone): name, parameters
    (millions), GMACs per image, published top-1 (%), and where measured, training and inference
    images/s and the multiply-add rates they achieve (GMAC/s: forward MACs x 3 for training)."""
    rows = []
    for key, n in networks.items():
        pub = n.get("published") or {}
        row = {"key": key, "network": n["name"], "input (px)": n.get("input_size"),
               "params (M)": n["params"] / 1e6, "GMACs": n["macs"] / 1e9,
               "depthwise share": n.get("depthwise", 0) / n["macs"] if n["macs"] else 0.0,
               "activations (M)": n.get("activations", 0) / 1e6, "top-1 (%)": pub.get("top1")}
        if "train_images_per_second" in n:
            tr, inf = n["train_images_per_second"], n["infer_images_per_second"]
            timed = n.get("timed_macs", n["macs"]) / 1e9  # the cost of what was timed
            row.update({"train images/s": tr, "infer images/s": inf,
                        "train GMAC/s": 3 * timed * tr, "infer GMAC/s": timed * inf})
        rows.append(row)
    return rows


def merge_zoo(counts: Mapping[str, Mapping], record: Optional[Mapping]) -> Dict[str, dict]:
    """The networks of the comparison: counted cost at each network's own input size
    (``counts``, :func:`inception.course.benchtools.zoo_counts`), with the timings of a
    quiet zoo ``record`` added where it has them. The multiply-adds of what was timed are
    kept apart (``timed_macs``), so achieved rates stay right when the sizes differ."""
    nets = {k: dict(v) for k, v in counts.items()}
    if not is_reliable(record):
        return nets
    for k, n in (record.get("networks") or {}).items():
        if k in nets and "train_images_per_second" in n:
            nets[k].update(train_images_per_second=n["train_images_per_second"],
                           infer_images_per_second=n["infer_images_per_second"],
                           timed_macs=n["macs"])
    return nets


def pareto_front(points: List[tuple]) -> List[int]:
    """Indices of the points ``(cost, accuracy)`` that no other point beats: none is at most as
    costly and at least as accurate, and strictly better in one. Points with accuracy None are left out.
    Sorted by cost."""
    idx = [i for i, (c, a) in enumerate(points) if a is not None and c is not None]
    front = []
    for i in idx:
        ci, ai = points[i]
        beaten = any(points[j][0] <= ci and points[j][1] >= ai and (points[j][0] < ci or points[j][1] > ai)
                     for j in idx if j != i)
        if not beaten:
            front.append(i)
    return sorted(front, key=lambda i: points[i][0])


def plot_pareto(rows: List[dict], costs: Mapping[str, str], highlight: str = "GoogLeNet"):
    """Accuracy against cost, one panel per ``costs`` entry (row key -> axis label; log scale),
    the Pareto front drawn, networks whose name starts with ``highlight`` marked."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    fig, axes = plt.subplots(1, len(costs), figsize=(4.6 * len(costs), 3.9), squeeze=False)
    for ax, (key, label) in zip(axes[0], costs.items()):
        pts = [(r.get(key), r["top-1 (%)"]) for r in rows]
        front = pareto_front(pts)
        ax.plot([pts[i][0] for i in front], [pts[i][1] for i in front], "-", color="0.6", zorder=1,
                label="Pareto front")
        for r, (c, a) in zip(rows, pts):
            if c is None:
                continue
            mine = r["network"].startswith(highlight)
            if a is None:  # no published accuracy: a tick on the cost axis
                ax.axvline(c, color="C3", ls=":", lw=1)
                ax.annotate(r["network"] + "\n(no top-1)", (c, 0.02), xycoords=("data", "axes fraction"),
                            fontsize=7, color="C3", rotation=90, va="bottom", ha="right")
                continue
            ax.scatter([c], [a], s=40, color="C3" if mine else "C0", zorder=2)
            # the highlighted networks' labels go below and to the left, out of their neighbours' way
            ax.annotate(r["network"], (c, a), textcoords="offset points", xytext=(-5, -11) if mine else (4, 3),
                        ha="right" if mine else "left", fontsize=7, color="C3" if mine else "0.2")
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(FuncFormatter(
            lambda v, _: f"{v:g}" if str(f"{v:g}").lstrip("0.")[:1] in ("2", "5") else ""))
        ax.set_xlabel(label)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("ImageNet top-1 (%), published")
    axes[0][0].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    plt.close(fig)
    return fig


def zoo_findings(rows: List[dict], key: str = "googlenet_bn") -> Dict[str, Any]:
    """What the comparison says, as numbers: GoogLeNet's rank by counted cost, the networks on the
    Pareto front of accuracy against multiply-adds (and against measured training time, where
    measured), and which network's multiply-adds mispredict its measured time the most (the lowest
    and highest achieved GMAC/s in training)."""
    by = {r["key"]: r for r in rows}
    g = by[key]
    out: Dict[str, Any] = {"googlenet": g}
    pts = [(r["GMACs"], r["top-1 (%)"]) for r in rows]
    out["front_macs"] = [rows[i]["network"] for i in pareto_front(pts)]
    out["googlenet_on_front_macs"] = g["network"] in out["front_macs"]
    out["fewer_macs_than"] = [r["network"] for r in rows if r["GMACs"] > g["GMACs"]]
    out["more_accurate_with_fewer_macs"] = [r["network"] for r in rows if r["top-1 (%)"] is not None
                                            and r["GMACs"] < g["GMACs"] and r["top-1 (%)"] > g["top-1 (%)"]]
    if "train images/s" in g:
        tpts = [(1.0 / r["train images/s"], r["top-1 (%)"]) for r in rows]
        out["front_time"] = [rows[i]["network"] for i in pareto_front(tpts)]
        out["googlenet_on_front_time"] = g["network"] in out["front_time"]
        rates = sorted(rows, key=lambda r: r["train GMAC/s"])
        out["slowest_per_mac"], out["fastest_per_mac"] = rates[0], rates[-1]
    return out


def intro_sentence(zoo: Optional[Mapping]) -> str:
    """The appendix's plan, following what the records hold: the networks are
    timed only where a quiet record of them exists."""
    how = "counted and timed" if is_reliable(zoo) else "by counted cost"
    return f"This appendix compares GoogLeNet with seven other networks, {how}"


def zoo_table(rows: List[dict], timed: bool = False):
    """The networks' table for the page (:func:`zoo_rows`), with the measured
    columns only when ``timed`` (a quiet record)."""
    from inception.course.book import fmt_pct, table

    cols = ["network", "input (px)", "params (M)", "GMACs", "depthwise share",
            "activations (M)", "top-1 (%)"]
    if timed:
        cols += ["train images/s", "infer images/s", "train GMAC/s"]
    return table([{k: r.get(k) for k in cols} for r in rows],
                 formats={"params (M)": _digits(1), "GMACs": _digits(2), "depthwise share": fmt_pct,
                          "activations (M)": _digits(1), "top-1 (%)": _digits(1),
                          "train images/s": _digits(2), "infer images/s": _digits(2),
                          "train GMAC/s": _digits(1)})


def pareto_costs(rows: List[dict], timed: bool = False) -> Dict[str, str]:
    """The cost axes of :func:`plot_pareto`: multiply-adds, and measured time per image
    where ``timed`` (adds ``train ms/image`` to ``rows``)."""
    costs = {"GMACs": "multiply-adds per image at its input size (billions, log scale)"}
    if timed:
        for r in rows:
            r["train ms/image"] = 1000.0 / r["train images/s"]
        costs["train ms/image"] = "measured training time per image (ms, log scale)"
    return costs


def later_networks_sentence(rows: List[dict], key: str = "googlenet_bn",
                            later: Sequence[str] = ("resnet18", "resnet50", "mobilenet_v2")) -> str:
    """How later networks compare with GoogLeNet, from the table: each one
    matches it (top-1 within 0.5 points), beats it or trails it, at higher or lower cost."""
    by = {r["key"]: r for r in rows}
    g = by[key]
    parts = []
    for k in later:
        r = by.get(k)
        if not r or r["top-1 (%)"] is None:
            continue
        gap = r["top-1 (%)"] - g["top-1 (%)"]
        acc = ("only matches it" if abs(gap) < 0.5 else "beats it" if gap > 0 else "trails it")
        cost = "at higher cost" if r["GMACs"] > g["GMACs"] else "at lower cost"
        parts.append(f"{r['network']} {acc} ({r['top-1 (%)']:.1f}%) {cost} "
                     f"({r['GMACs']:.2f} billion)")
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "." if text else ""
