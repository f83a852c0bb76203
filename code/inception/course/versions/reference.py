"""Published numbers for the Inception versions, and where ours differ.

Counts are computed from the specs (:mod:`inception.counting`),
which the tests check against the PyTorch and Keras builds layer by layer;
the reference implementations are built only where that is cheap and needs
no download (keras.applications with ``weights=None``, torchvision's
metadata). Building and porting both frameworks' models is
:mod:`inception.crosscheck`'s. Each ``*_comparison`` function returns rows for a table and says
in words where a difference comes from.

Two conventions of counting, both used below:

* *PyTorch's* ``sum(p.numel() for p in model.parameters())``: trainable
  weights only (batch norm's gamma and beta included, its moving mean and
  variance excluded). torchvision and timm quote this number.
* *Keras'* ``model.count_params()``: every weight, the moving statistics
  included (reported as non-trainable).
"""

from __future__ import annotations

from typing import Dict, List, Optional

from inception.counting import bn_channels, googlenet_totals, totals
from inception.spec.versions import bn_inception_spec, inception_v3_spec, inception_v4_spec

__all__ = [
    "PUBLISHED_COUNTS",
    "PUBLISHED_TOP1_ERROR",
    "keras_applications_v3_counts",
    "keras_applications_v3_comparison",
    "torchvision_v3_comparison",
    "inception_v4_comparison",
    "bn_inception_comparison",
    "network_comparison",
    "TORCHVISION_GOOGLENET",
    "torchvision_checkpoint_top1_error",
]

#: Parameter counts quoted by the implementations people use (1000 classes).
PUBLISHED_COUNTS: Dict[str, Dict[str, object]] = {
    "torchvision inception_v3": {"params": 27_161_264, "convention": "PyTorch",
                                 "source": "torchvision Inception_V3_Weights.IMAGENET1K_V1.meta['num_params']"},
    "torchvision inception_v3, no aux": {"params": 23_834_568, "convention": "PyTorch",
                                         "source": "torchvision inception_v3(aux_logits=False)"},
    "keras.applications InceptionV3": {"params": 23_851_784, "non_trainable": 34_432, "convention": "Keras",
                                       "source": "keras.applications.InceptionV3(weights=None).count_params()"},
    "timm inception_v4": {"params": 42_679_816, "convention": "PyTorch",
                          "source": "timm inception_v4 (TF-slim's model, Cadene's port)"},
    "BN-Inception (Caffe model)": {"params": 11_295_240, "approx": "about 11.3M", "convention": "PyTorch",
                                   "source": "the Caffe BN-Inception model as ported to PyTorch (Cadene's bninception)"},
}

#: Single-model, single-crop ImageNet (ILSVRC 2012 validation) top-1 error
#: as published. Citation keys are those of the book's ``references.bib``.
PUBLISHED_TOP1_ERROR: Dict[str, Dict[str, object]] = {
    "GoogLeNet": {"top1_error": 0.29, "cite": "szegedy2016rethinking", "where": "table 3"},
    "BN-Inception": {"top1_error": 0.252, "cite": "szegedy2017inception", "where": "table 2"},
    "Inception-v3": {"top1_error": 0.212, "cite": "szegedy2017inception", "where": "table 2"},
    "Inception-v4": {"top1_error": 0.200, "cite": "szegedy2017inception", "where": "table 2"},
}


def keras_applications_v3_counts() -> Dict[str, int]:
    """Build ``keras.applications.InceptionV3(weights=None)`` (no download)
    and count its weights: ``params`` (Keras' convention), ``trainable``,
    ``non_trainable``, and the number of batch-norm layers and channels."""
    import keras
    import numpy as np

    model = keras.applications.InceptionV3(weights=None)
    bns = [l for l in model.layers if isinstance(l, keras.layers.BatchNormalization)]
    out = {
        "params": int(model.count_params()),
        "trainable": sum(int(np.prod(w.shape)) for w in model.trainable_weights),
        "non_trainable": sum(int(np.prod(w.shape)) for w in model.non_trainable_weights),
        "bn_layers": len(bns),
        "bn_channels": sum(int(l.moving_mean.shape[0]) for l in bns),
        "bn_scale": any(l.scale for l in bns),
    }
    del model
    keras.backend.clear_session()
    return out


def keras_applications_v3_comparison(ka: Optional[Dict[str, int]] = None) -> Dict[str, object]:
    """Why keras.applications' InceptionV3 has 23,851,784 weights and
    torchvision's 27,161,264: the same convolutions, counted differently.

    * no auxiliary head in keras.applications (torchvision: 3,326,696 weights);
    * batch norm without scale (``scale=False``): one gamma fewer per channel,
      17,216 channels;
    * Keras counts the moving mean and variance (2 x 17,216 = 34,432
      non-trainable weights), PyTorch does not.

    Returns the rows of the table and the terms of the sum; ``ka`` are the
    counts of :func:`keras_applications_v3_counts` (built when not given).
    """
    ka = ka or keras_applications_v3_counts()
    ours = totals(inception_v3_spec())
    no_aux = totals(inception_v3_spec(aux_logits=False))
    no_scale = totals(inception_v3_spec(aux_logits=False, bn_scale=False))
    n_bn = bn_channels(inception_v3_spec(aux_logits=False))
    aux = ours.trainable - no_aux.trainable
    rows = [
        {"model": "ours = torchvision, aux head", "trainable": ours.trainable, "non-trainable": ours.non_trainable,
         "Keras count": ours.params, "PyTorch count": ours.trainable},
        {"model": "ours = torchvision, no aux head", "trainable": no_aux.trainable,
         "non-trainable": no_aux.non_trainable, "Keras count": no_aux.params, "PyTorch count": no_aux.trainable},
        {"model": "ours, no aux head, bn_scale=False", "trainable": no_scale.trainable,
         "non-trainable": no_scale.non_trainable, "Keras count": no_scale.params, "PyTorch count": no_scale.trainable},
        {"model": "keras.applications InceptionV3", "trainable": ka["trainable"], "non-trainable": ka["non_trainable"],
         "Keras count": ka["params"], "PyTorch count": ka["trainable"]},
    ]
    return {
        "rows": rows,
        "aux_head": aux,
        "bn_channels": n_bn,
        "keras_applications_bn_channels": ka["bn_channels"],
        "keras_applications_bn_scale": ka["bn_scale"],
        # torchvision's 27,161,264 - aux - gammas + moving statistics = keras.applications' total
        "reconciled": ours.trainable - aux - n_bn + 2 * n_bn,
        "matches": (no_scale.params, no_scale.non_trainable) == (ka["params"], ka["non_trainable"]),
    }


def torchvision_v3_comparison() -> List[Dict[str, object]]:
    """Our Inception-v3 counts beside torchvision's published ones."""
    rows = []
    for aux, key in ((True, "torchvision inception_v3"), (False, "torchvision inception_v3, no aux")):
        t = totals(inception_v3_spec(aux_logits=aux))
        rows.append({"model": key, "published": PUBLISHED_COUNTS[key]["params"], "ours": t.trainable,
                     "difference": t.trainable - PUBLISHED_COUNTS[key]["params"]})
    return rows


def inception_v4_comparison() -> Dict[str, object]:
    """Our Inception-v4 count beside timm's 42,679,816, and what TF-slim's
    original model would count.

    timm's model (Cadene's port of TF-slim's checkpoint) has batch norm with
    scale, 1000 classes (the background class dropped) and no auxiliary head:
    our build has exactly its weights. TF-slim's model differs in three ways,
    each a row: batch norm without scale (-1 per channel), 1001 classes
    (+1537), and an auxiliary head on Mixed_6h. Counts in PyTorch's
    convention (trainable weights), moving statistics given separately.
    """
    variants = [
        ("ours = timm (scale, 1000 classes, no aux)", dict()),
        ("batch norm without scale", dict(bn_scale=False)),
        ("... and 1001 classes", dict(bn_scale=False, num_classes=1001)),
        ("... and TF-slim's aux head = TF-slim", dict(bn_scale=False, num_classes=1001, aux_logits=True)),
    ]
    rows = []
    prev = None
    for label, kw in variants:
        t = totals(inception_v4_spec(**kw))
        rows.append({"model": label, "trainable": t.trainable, "moving statistics": t.non_trainable,
                     "change": None if prev is None else t.trainable - prev})
        prev = t.trainable
    base = totals(inception_v4_spec())
    return {
        "rows": rows,
        "published": PUBLISHED_COUNTS["timm inception_v4"]["params"],
        "ours": base.trainable,
        "difference": base.trainable - PUBLISHED_COUNTS["timm inception_v4"]["params"],
        "bn_channels": bn_channels(inception_v4_spec()),
        "macs": base.macs,
    }


def bn_inception_comparison() -> Dict[str, object]:
    """Our BN-Inception beside the Caffe model's count (about 11.3M).

    The filter numbers are those of Ioffe and Szegedy's figure 5. The Caffe
    model keeps a bias in every convolution in front of its batch norm:
    ``conv_bias=True`` reproduces its 11,295,240 weights; without those
    redundant biases (the default here) there are 10,016 fewer, one per
    batch-norm channel. The paper's separable first convolution (depth
    multiplier 8) is not in the Caffe model nor here.
    """
    ours = totals(bn_inception_spec())
    caffe = totals(bn_inception_spec(conv_bias=True))
    published = PUBLISHED_COUNTS["BN-Inception (Caffe model)"]["params"]
    return {
        "rows": [
            {"model": "ours (no conv bias)", "trainable": ours.trainable, "moving statistics": ours.non_trainable},
            {"model": "ours, conv_bias=True (Caffe model)", "trainable": caffe.trainable,
             "moving statistics": caffe.non_trainable},
        ],
        "published": published,
        "ours": ours.trainable,
        "with_bias": caffe.trainable,
        "bn_channels": bn_channels(bn_inception_spec()),
        "difference": ours.trainable - published,
        "macs": ours.macs,
    }


def network_comparison(torchvision_googlenet: bool = False) -> List[Dict[str, object]]:
    """GoogLeNet, BN-Inception, Inception-v3 and Inception-v4 at their
    native input sizes, without auxiliary heads, 1000 classes: parameters
    (PyTorch's convention), multiply-adds for one image, and the published
    single-crop top-1 error. ``torchvision_googlenet``: add, after GoogLeNet,
    torchvision's GoogLeNet (the ``"bn"`` variant, ``version`` ``"v1-bn"``),
    which has no published error of its own; each row's numbers are those of
    one network."""
    nets = [
        ("GoogLeNet", "v1", 224, googlenet_totals("paper", aux_logits=False)),
        ("BN-Inception", "v2", 224, totals(bn_inception_spec())),
        ("Inception-v3", "v3", 299, totals(inception_v3_spec(aux_logits=False))),
        ("Inception-v4", "v4", 299, totals(inception_v4_spec())),
    ]
    if torchvision_googlenet:
        nets.insert(1, (TORCHVISION_GOOGLENET, "v1-bn", 224, googlenet_totals("bn", aux_logits=False)))
    rows = []
    for name, version, size, t in nets:
        pub = PUBLISHED_TOP1_ERROR.get(name, {"top1_error": None, "cite": None, "where": ""})
        rows.append({"network": name, "version": version, "input": size, "params": t.trainable, "MACs": t.macs,
                     "top-1 error": pub["top1_error"], "cite": pub["cite"], "where": pub["where"]})
    return rows


#: The name of torchvision's GoogLeNet (the ``"bn"`` variant) in
#: :func:`network_comparison` and :func:`torchvision_checkpoint_top1_error`.
TORCHVISION_GOOGLENET = "GoogLeNet (bn, torchvision)"


def torchvision_checkpoint_top1_error() -> Dict[str, float]:
    """Top-1 error of torchvision's ImageNet checkpoints as torchvision
    reports it (``weights.meta``): its GoogLeNet (the ``"bn"`` variant) and
    Google's Inception-v3, keyed as in :func:`network_comparison`. Read from
    the installed package, no download."""
    from torchvision.models import GoogLeNet_Weights, Inception_V3_Weights

    out = {}
    for name, w in ((TORCHVISION_GOOGLENET, GoogLeNet_Weights.IMAGENET1K_V1), ("Inception-v3", Inception_V3_Weights.IMAGENET1K_V1)):
        out[name] = round(1 - w.meta["_metrics"]["ImageNet-1K"]["acc@1"] / 100, 5)
    return out
