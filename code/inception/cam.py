"""Class activation maps (Zhou et al. 2016) for GoogLeNet in both frameworks.

GoogLeNet ends in global average pooling followed by one linear layer, so the
class score is a weighted average of the last feature maps:
``score_c = sum_k w_ck * mean_xy F_k(x, y) + b_c``. The class activation map
keeps the spatial sum apart: ``M_c(x, y) = sum_k w_ck F_k(x, y)``; its mean
over the grid plus ``b_c`` is exactly the logit. Maps are returned on the
feature grid (7x7 at 224 input) as ``(N, H, W)`` float arrays in both
frameworks, so that ported weights give the same maps; :func:`upsample`
brings them to image size for overlays.
"""

from __future__ import annotations

from typing import Optional, Sequence, Union

import numpy as np

__all__ = ["torch_cam", "keras_cam", "upsample", "normalize"]


def _class_indices(logits: np.ndarray, class_idx) -> np.ndarray:
    n = logits.shape[0]
    if class_idx is None:
        return logits.argmax(axis=1)
    idx = np.broadcast_to(np.asarray(class_idx, dtype=int), (n,))
    if np.any(idx < 0) or np.any(idx >= logits.shape[1]):
        raise ValueError(f"class index out of range 0..{logits.shape[1] - 1}: {class_idx!r}")
    return idx


def torch_cam(model, images, class_idx: Optional[Union[int, Sequence[int]]] = None):
    """CAMs from our PyTorch GoogLeNet (or torchvision's).

    Args:
        model: a GoogLeNet in eval mode.
        images: ``(N, 3, H, W)`` tensor or array, preprocessed as for the model.
        class_idx: class per image (or one for all); ``None``: the predicted class.

    Returns:
        ``(maps, classes, logits)``: ``(N, h, w)`` maps on the feature grid,
        the class used per image, the main logits.
    """
    import torch

    x = torch.as_tensor(np.asarray(images, dtype=np.float32)) if not isinstance(images, torch.Tensor) else images
    with torch.no_grad():
        if hasattr(model, "forward_features"):
            feats, _ = model.forward_features(x)
        else:  # torchvision: run everything up to the pool
            feats = _torchvision_features(model, x)
        logits = model.fc(torch.flatten(model.avgpool(feats), 1))
        w = model.fc.weight  # (classes, K)
        cls = _class_indices(logits.numpy(), class_idx)
        maps = torch.einsum("nk,nkhw->nhw", w[torch.as_tensor(np.array(cls))], feats)
    return maps.numpy(), cls, logits.numpy()


def _torchvision_features(model, x):
    x = model._transform_input(x)
    for name in ("conv1", "maxpool1", "conv2", "conv3", "maxpool2", "inception3a", "inception3b",
                 "maxpool3", "inception4a", "inception4b", "inception4c", "inception4d",
                 "inception4e", "maxpool4", "inception5a", "inception5b"):
        x = getattr(model, name)(x)
    return x


def keras_cam(model, images, class_idx: Optional[Union[int, Sequence[int]]] = None,
              feature_layer: str = "inception5b.concat"):
    """CAMs from our Keras GoogLeNet; same arguments and results as
    :func:`torch_cam`, images channels-last ``(N, H, W, 3)``."""
    import keras

    feats_model = keras.Model(model.inputs[0], model.get_layer(feature_layer).output)
    feats = np.asarray(feats_model(np.asarray(images, dtype=np.float32), training=False))  # N, h, w, K
    fc = model.get_layer("fc")
    kernel, bias = fc.kernel.numpy(), fc.bias.numpy()  # (K, classes), (classes,)
    logits = feats.mean(axis=(1, 2)) @ kernel + bias
    cls = _class_indices(logits, class_idx)
    maps = np.einsum("nhwk,kn->nhw", feats, kernel[:, cls])
    return maps, cls, logits


def normalize(maps: np.ndarray) -> np.ndarray:
    """Scale each map to [0, 1] (a constant map becomes zeros)."""
    maps = np.asarray(maps, dtype=np.float32)
    lo = maps.min(axis=(1, 2), keepdims=True)
    span = maps.max(axis=(1, 2), keepdims=True) - lo
    return np.where(span > 0, (maps - lo) / np.where(span > 0, span, 1), 0.0)


def upsample(maps: np.ndarray, size: int) -> np.ndarray:
    """Bilinear upsampling of ``(N, h, w)`` maps to ``(N, size, size)`` (for overlays)."""
    from PIL import Image

    out = [np.asarray(Image.fromarray(m.astype(np.float32), mode="F").resize((size, size), Image.BILINEAR))
           for m in np.asarray(maps)]
    return np.stack(out)
