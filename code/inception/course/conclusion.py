"""Chapter 8, Conclusion: the book's main claims, recomputed in one go
(:func:`verification_summary`).

The chapter's other numbers come from the chapters that compute them:
:mod:`inception.course.inception_module` (the 5x5 example, the heads),
:mod:`inception.course.architecture` (Table 1) and
:mod:`inception.course.results` (the runs).
"""

from __future__ import annotations

from typing import Any, Dict, List

from inception.counting import conv_macs, googlenet_totals

from .inception_module import naive_network_totals
from .introduction import depth, table1_depth, torch_macs, torch_params
from inception.counting import conv_macs, conv_params, count_blocks
from inception.spec import googlenet_spec

__all__ = [
    "network_macs","verification_summary"]


def verification_summary(include_keras: bool = True) -> List[Dict[str, Any]]:
    """The book's main checks, recomputed in one go: each row names the
    chapter, the claim, what the paper or reference says, what the code
    computes, and whether they agree.

    ``include_keras`` builds the Keras models too (imports TensorFlow).
    """
    import torch
    import torchvision

    from inception import torch as it

    rows: List[Dict[str, Any]] = []

    def add(chapter, claim, reference, computed, ok=None):
        rows.append({"chapter": chapter, "claim": claim, "reference": reference,
                     "computed": computed, "agrees": (reference == computed) if ok is None else ok})

    add("1", "layers with parameters on the longest path", table1_depth(), depth())
    add("1", "... counting pools too (paper, section 5)", 27, depth(count_pools=True))

    with torch.device("meta"):
        ours = {aux: it.googlenet("paper", aux_logits=aux) for aux in (False, True)}
        bn = {aux: it.googlenet("bn", aux_logits=aux) for aux in (False, True)}
        tv = {aux: torchvision.models.googlenet(weights=None, aux_logits=aux, init_weights=True)
              for aux in (False, True)}
    for aux in (False, True):
        label = "with" if aux else "without"
        counted = googlenet_totals("paper", aux_logits=aux).params
        add("5, 6", f"paper variant, {label} aux heads: PyTorch = counter", counted, torch_params(ours[aux]))
        add("6", f"bn variant, {label} aux heads: ours = torchvision", torch_params(tv[aux]),
            torch_params(bn[aux]))
    add("1, 5", "multiply-adds per 224x224 image: hooks = counter",
        googlenet_totals("paper", aux_logits=False).macs, torch_macs(ours[False]))
    add("3", "slides: 5x5 conv, 14x14x480 -> 48", 112_896_000, conv_macs(14, 14, 480, 48, 5))
    add("3", "slides: with a 1x1 reduction to 16 first", 5_268_480,
        conv_macs(14, 14, 480, 16, 1) + conv_macs(14, 14, 16, 48, 5))
    naive = naive_network_totals()
    ratio = naive["naive_macs"] / naive["reduced_macs"]
    add("2", "all-naive network costs more MACs than GoogLeNet", "more", f"{ratio:.1f}x as many", ratio > 1)
    if include_keras:
        from inception import keras as ik

        for aux in (False, True):
            label = "with" if aux else "without"
            model = ik.googlenet("paper", aux_logits=aux)
            add("6", f"paper variant, {label} aux heads: Keras = counter",
                googlenet_totals("paper", aux_logits=aux).params, int(model.count_params()))
    return rows


def network_macs(input_size: int = 224) -> Row:
    """GoogLeNet's multiply-adds per image two ways (chapter 5): ``plain``, with
    the plain 7x7 first convolution this book's models use, and ``separable``,
    with the 7x7 depthwise separable first layer that Table 1's printed conv1
    counts imply (:func:`inception.course.architecture.table1.conv1_hypotheses`); the rest of
    the network is the same. Also ``conv1_plain`` and ``conv1_separable``."""
    from inception.counting import googlenet_totals
    from inception.course.architecture import conv1_hypotheses

    total = googlenet_totals("paper", 1000, aux_logits=False, input_size=input_size)
    spec = googlenet_spec("paper", 1000, aux_logits=False)
    conv1 = next(b for b in count_blocks(spec, input_size) if b.name == "conv1")
    sep = next(h for h in conv1_hypotheses() if h["matches"])
    grid = conv1.output_shape[1] * conv1.output_shape[2]
    sep_macs = sep["weights"] * grid
    return {"plain": total.macs, "separable": total.macs - conv1.macs + sep_macs,
            "conv1_plain": conv1.macs, "conv1_separable": sep_macs}
