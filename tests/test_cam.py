"""Class activation maps: the definition, and the same maps in both frameworks."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import pytest
import torch
import torchvision

from inception import cam, port


@pytest.fixture(scope="module")
def ported():
    return port.compare_frameworks("bn", 21, True, 224, batch=1, seed=3)


def test_cam_mean_plus_bias_is_the_logit(ported):
    tm = ported["torch_model"]
    x = torch.randn(2, 3, 224, 224)
    maps, cls, logits = cam.torch_cam(tm, x)
    assert maps.shape == (2, 7, 7)
    np.testing.assert_array_equal(cls, logits.argmax(1))
    recon = maps.mean(axis=(1, 2)) + tm.fc.bias.detach().numpy()[cls]
    np.testing.assert_allclose(recon, logits[np.arange(2), cls], rtol=1e-4, atol=1e-4)
    with torch.no_grad():
        np.testing.assert_allclose(logits, tm(x)[0].numpy(), rtol=1e-5, atol=1e-5)


def test_same_map_in_both_frameworks_after_porting(ported):
    tm, km = ported["torch_model"], ported["keras_model"]
    x = np.random.default_rng(0).standard_normal((2, 3, 224, 224)).astype(np.float32)
    t_maps, t_cls, _ = cam.torch_cam(tm, x, class_idx=[4, 17])
    k_maps, k_cls, _ = cam.keras_cam(km, np.transpose(x, (0, 2, 3, 1)), class_idx=[4, 17])
    np.testing.assert_array_equal(t_cls, k_cls)
    assert np.abs(t_maps).max() > 1  # not a vacuous comparison
    assert port.max_relative_difference(t_maps, k_maps) < 1e-4
    # a different class gives a different map
    other, _, _ = cam.torch_cam(tm, x, class_idx=5)
    assert not np.allclose(other[0], t_maps[0])


def test_torchvision_model_supported_and_bad_class_rejected():
    tv = torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=True, num_classes=21).eval()
    x = torch.randn(1, 3, 224, 224)
    maps, cls, logits = cam.torch_cam(tv, x)
    with torch.no_grad():
        np.testing.assert_allclose(logits, tv(x).numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="out of range"):
        cam.torch_cam(tv, x, class_idx=21)


def test_normalize_and_upsample():
    maps = np.stack([np.arange(49, dtype=np.float32).reshape(7, 7), np.ones((7, 7), np.float32)])
    n = cam.normalize(maps)
    assert n[0].min() == 0 and n[0].max() == 1 and np.all(n[1] == 0)
    up = cam.upsample(n, 224)
    assert up.shape == (2, 224, 224)
    assert up[0, 0, 0] < up[0, -1, -1]
