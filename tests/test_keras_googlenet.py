"""The Keras builder against the analytic counter and against PyTorch's arithmetic."""

import itertools
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
import pytest
import torch

from inception import counting
from inception import keras as ik
from inception.spec import Pool, googlenet_spec

CONFIGS = list(itertools.product(["paper", "bn"], [True, False], [1000, 21], [224, 256]))


def keras_layer_counts(model):
    out = {}
    for layer in model.layers:
        if layer.weights:
            tr = sum(int(np.prod(w.shape)) for w in layer.trainable_weights)
            nt = sum(int(np.prod(w.shape)) for w in layer.non_trainable_weights)
            out[layer.name] = (tr, nt)
    return out


@pytest.mark.parametrize("variant, aux, classes, size", CONFIGS)
def test_per_layer_counts_equal_the_counter(variant, aux, classes, size):
    model = ik.googlenet(variant, classes, aux, input_shape=(size, size, 3))
    spec = googlenet_spec(variant, classes, aux)
    expected = {l.name: (l.trainable, l.non_trainable) for l in counting.count_layers(spec, size)}
    assert keras_layer_counts(model) == expected
    tot = counting.totals(spec, size)
    assert model.count_params() == tot.params
    assert sum(int(np.prod(w.shape)) for w in model.non_trainable_weights) == tot.non_trainable


@pytest.mark.parametrize("variant", ["paper", "bn"])
@pytest.mark.parametrize("size", [224, 256, 199])
def test_block_output_shapes_equal_the_counter(variant, size):
    model = ik.googlenet(variant, 21, True, input_size=size)
    spec = googlenet_spec(variant, 21, True)
    for b in counting.count_blocks(spec, size):
        if b.kind in ("aux", "classifier"):
            continue
        layer_name = {"inception": f"{b.name}.concat", "conv": f"{b.name}.relu"}.get(b.kind, b.name)
        c, h, w = b.output_shape
        assert tuple(model.get_layer(layer_name).output.shape[1:]) == (h, w, c), b.name
    assert [tuple(o.shape) for o in model.outputs] == [(None, 21)] * 3


def test_summary_shows_the_same_totals():
    model = ik.googlenet("bn", 21, True, input_size=256)
    lines = []
    model.summary(print_fn=lambda s, **kw: lines.append(s))
    text = "\n".join(lines)
    tot = counting.googlenet_totals("bn", 21, True, 256)
    assert f"{tot.params:,}" in text
    assert f"{tot.trainable:,}" in text and f"{tot.non_trainable:,}" in text


def test_conflicting_or_bad_shapes_are_rejected():
    with pytest.raises(ValueError, match="conflicts"):
        ik.googlenet("bn", input_size=224, input_shape=(256, 256, 3))
    with pytest.raises(ValueError, match="height, width, channels"):
        ik.googlenet("bn", input_shape=(224, 224))
    with pytest.raises(ValueError, match="Unknown variant"):
        ik.googlenet("vgg")


def test_return_convention_and_layer_names_follow_pytorch():
    model = ik.googlenet("bn", 21, True, input_size=224)
    assert [o._keras_history[0].name for o in model.outputs] == ["fc", "aux1.fc2", "aux2.fc2"]
    out = model(np.zeros((1, 224, 224, 3), np.float32), training=False)
    assert isinstance(out, (list, tuple)) and len(out) == 3
    assert ik.main_logits(out) is out[0]
    single = ik.googlenet("bn", 21, False, input_size=224)
    assert not isinstance(single(np.zeros((1, 224, 224, 3), np.float32)), (list, tuple))
    torch_names = {n for n, m in __import__("inception.torch", fromlist=["x"]).googlenet("bn", 21).named_modules()
                   if any(True for _ in m.parameters(recurse=False))}
    assert {l.name for l in model.layers if l.weights} == torch_names


@pytest.mark.parametrize("size", [5, 7, 13, 14, 16])
def test_lrn_matches_pytorch(size):
    rng = np.random.default_rng(size)
    x = rng.standard_normal((2, 6, 6, 32)).astype(np.float32) * 3
    ours = np.asarray(ik.LocalResponseNorm(size, 1e-2, 0.75, 2.0)(x))
    ref = torch.nn.LocalResponseNorm(size, 1e-2, 0.75, 2.0)(torch.from_numpy(x).permute(0, 3, 1, 2))
    np.testing.assert_allclose(ours, ref.permute(0, 2, 3, 1).numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("size", [4, 7, 8, 13, 14, 17])
def test_adaptive_pool_matches_pytorch(size):
    x = np.random.default_rng(0).standard_normal((2, size, size + 1, 5)).astype(np.float32)
    ours = np.asarray(ik.AdaptiveAveragePooling2D(4)(x))
    ref = torch.nn.functional.adaptive_avg_pool2d(torch.from_numpy(x).permute(0, 3, 1, 2), (4, 4))
    np.testing.assert_allclose(ours, ref.permute(0, 2, 3, 1).numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("size", [14, 15, 25, 56, 57, 112, 113])
@pytest.mark.parametrize("k, s, p", [(3, 2, 0), (2, 2, 0), (3, 1, 1), (3, 2, 1)])
def test_ceil_mode_max_pool_geometry_matches_pytorch(size, k, s, p):
    # non-negative input, as after the ReLU that precedes every max pool in these networks
    x = np.abs(np.random.default_rng(size).standard_normal((1, size, size, 3))).astype(np.float32)
    inp = keras.Input((size, size, 3))
    model = keras.Model(inp, ik.pool(inp, Pool("p", "max", k, s, p, ceil_mode=True)))
    ref = torch.nn.MaxPool2d(k, s, p, ceil_mode=True)(torch.from_numpy(x).permute(0, 3, 1, 2))
    np.testing.assert_array_equal(np.asarray(model(x)), ref.permute(0, 2, 3, 1).numpy())


def test_strided_conv_pads_symmetrically_like_pytorch():
    """Keras' own 'same' would pad 2 top / 3 bottom for conv1 at 224; ours pads 3 and 3."""
    model = ik.googlenet("bn", 10, False, input_size=224)
    assert model.get_layer("conv1.pad").padding == ((3, 3), (3, 3))
    assert model.get_layer("conv1.conv").padding == "valid"
