"""Inception v2/v3/v4 in Keras: counts equal the PyTorch builds block by
block, keras.applications' InceptionV3 explained, ported weights give the
same outputs (1e-4 relative)."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
import pytest
import torch

from inception import port
from inception.keras.bn_inception import bn_inception as keras_bn_inception
from inception.keras.inception_v3 import inception_v3 as keras_inception_v3
from inception.keras.inception_v4 import inception_v4 as keras_inception_v4
from inception.torch.bn_inception import bn_inception as torch_bn_inception
from inception.torch.inception_v3 import inception_v3 as torch_inception_v3
from inception.torch.inception_v4 import inception_v4 as torch_inception_v4
from inception import counting
from inception.course import versions

SEED = int(os.environ.get("INCEPTION_TEST_SEED", "0"))


def keras_layer_counts(model):
    out = {}
    for layer in model.layers:
        if layer.weights:
            out[layer.name] = (sum(int(np.prod(w.shape)) for w in layer.trainable_weights),
                               sum(int(np.prod(w.shape)) for w in layer.non_trainable_weights))
    return out


def block_of(name, spec):
    """The top-level block a layer belongs to (``Mixed_5b.branch1x1.conv`` -> ``Mixed_5b``)."""
    for b in (*spec.blocks, *spec.aux):
        if name == b.name or name.startswith(b.name + "."):
            return b.name
    return name  # the classifier


def per_block(layer_counts, spec):
    out = {}
    for name, (tr, nt) in layer_counts.items():
        b = block_of(name, spec)
        t = out.get(b, (0, 0))
        out[b] = (t[0] + tr, t[1] + nt)
    return out


def torch_layer_counts(model):
    out = {}
    for name, m in model.named_modules():
        own = list(m.parameters(recurse=False))
        if name and own:
            out[name] = (sum(p.numel() for p in own),
                         sum(b.numel() for n, b in m.named_buffers(recurse=False) if n != "num_batches_tracked"))
    return out


@pytest.fixture(scope="module")
def v3_models():
    keras.utils.set_random_seed(SEED)
    torch.manual_seed(SEED)
    return torch_inception_v3().eval(), keras_inception_v3()


@pytest.fixture(scope="module")
def v4_models():
    return torch_inception_v4().eval(), keras_inception_v4(input_size=107)


@pytest.fixture(scope="module")
def keras_applications():
    return versions.keras_applications_v3_counts()


# --------------------------------------------------------------------------
# Counts
# --------------------------------------------------------------------------


def _check_counts(tm, km):
    spec = km.spec
    k_layers = keras_layer_counts(km)
    assert k_layers == {l.name: (l.trainable, l.non_trainable) for l in counting.count_layers(spec)}
    assert per_block(k_layers, spec) == per_block(torch_layer_counts(tm), spec)
    assert per_block(k_layers, spec) == {
        b.name: (b.trainable, b.non_trainable) for b in counting.count_blocks(spec) if b.params}
    t = counting.totals(spec)
    assert (km.count_params(), sum(int(np.prod(w.shape)) for w in km.non_trainable_weights)) == (
        t.params, t.non_trainable)


def test_inception_v3_counts_equal_pytorch_block_by_block(v3_models):
    tm, km = v3_models
    _check_counts(tm, km)
    trainable = sum(int(np.prod(w.shape)) for w in km.trainable_weights)
    assert trainable == 27_161_264
    assert km.count_params() == 27_161_264 + 36_224


def test_inception_v4_counts_equal_pytorch_block_by_block(v4_models):
    tm, km = v4_models
    _check_counts(tm, km)
    assert sum(int(np.prod(w.shape)) for w in km.trainable_weights) == 42_679_816


@pytest.mark.parametrize("kwargs", [dict(), dict(conv_bias=True, num_classes=10)])
def test_bn_inception_counts_equal_pytorch_block_by_block(kwargs):
    _check_counts(torch_bn_inception(**kwargs), keras_bn_inception(**kwargs))


def test_keras_applications_inception_v3_is_ours_without_aux_and_bn_scale(keras_applications):
    ka = keras_applications
    assert (ka["params"], ka["non_trainable"], ka["trainable"]) == (23_851_784, 34_432, 23_817_352)
    assert ka["bn_channels"] == 17_216 and not ka["bn_scale"]
    ours = keras_inception_v3(aux_logits=False, bn_scale=False, input_size=75)
    assert ours.count_params() == ka["params"]
    assert sum(int(np.prod(w.shape)) for w in ours.non_trainable_weights) == ka["non_trainable"]
    explained = versions.keras_applications_v3_comparison(ka)
    assert explained["matches"] and explained["reconciled"] == 23_851_784
    # torchvision's count - aux head - one gamma per channel = keras.applications' trainable count
    assert 27_161_264 - explained["aux_head"] - 17_216 == ka["trainable"]


# --------------------------------------------------------------------------
# Ported weights compute the same function
# --------------------------------------------------------------------------


def _compare(tm, km, direction, size):
    if direction == "torch_to_keras":
        port.randomize_torch_weights(tm, SEED)
        port.torch_to_keras(tm, km)
    else:
        port.randomize_keras_weights(km, SEED)
        port.keras_to_torch(km, tm)
    x = np.random.default_rng(SEED).standard_normal((1, 3, size, size)).astype(np.float32)
    with torch.no_grad():
        t_out = tm(torch.from_numpy(x))
    k_out = km(np.transpose(x, (0, 2, 3, 1)), training=False)
    t_list = [o.numpy() for o in (t_out if isinstance(t_out, tuple) else (t_out,))]
    k_list = [np.asarray(o) for o in (k_out if isinstance(k_out, (list, tuple)) else [k_out])]
    return t_list, port.max_relative_difference(t_list, k_list)


@pytest.mark.parametrize("direction", ["torch_to_keras", "keras_to_torch"])
def test_inception_v3_ported_at_299_with_aux_agrees_to_1e_4(v3_models, direction):
    tm, km = v3_models
    outs, diff = _compare(tm, km, direction, 299)
    assert len(outs) == 2  # main and auxiliary logits both compared
    assert diff < 1e-4


def test_inception_v3_ported_at_107_agrees_to_1e_4():
    tm, km = torch_inception_v3(aux_logits=False).eval(), keras_inception_v3(aux_logits=False, input_size=107)
    _, diff = _compare(tm, km, "torch_to_keras", 107)
    assert diff < 1e-4


@pytest.mark.parametrize("direction", ["torch_to_keras", "keras_to_torch"])
def test_inception_v4_ported_agrees_to_1e_4(v4_models, direction):
    # 107x107: every block runs, and the v4 average pools (padding not counted) meet the border
    tm, km = v4_models
    _, diff = _compare(tm, km, direction, 107)
    assert diff < 1e-4


def test_bn_inception_ported_with_ceil_mode_pools_agrees_to_1e_4():
    # 97x97: odd grids, so the ceil-mode max pools pad on the bottom/right
    tm = torch_bn_inception(conv_bias=True).eval()
    km = keras_bn_inception(conv_bias=True, input_size=97)
    _, diff = _compare(tm, km, "torch_to_keras", 97)
    assert diff < 1e-4


def test_keras_builders_validate_their_input():
    with pytest.raises(ValueError, match="conflicts"):
        keras_inception_v4(input_shape=(299, 299, 3), input_size=107)
    with pytest.raises(ValueError, match="does not fit"):
        keras_inception_v3(input_size=200)  # the aux head needs 299
    with pytest.raises(ValueError, match="does not fit"):
        keras_bn_inception(input_size=40)


def test_keras_builder_loads_pytorch_weights_by_name():
    tm = torch_inception_v4(num_classes=5).eval()
    port.randomize_torch_weights(tm, SEED)
    km = keras_inception_v4(num_classes=5, input_size=75, weights=tm.state_dict())
    x = np.random.default_rng(SEED).standard_normal((1, 3, 75, 75)).astype(np.float32)
    with torch.no_grad():
        ref = tm(torch.from_numpy(x)).numpy()
    assert port.max_relative_difference(ref, np.asarray(km(np.transpose(x, (0, 2, 3, 1)), training=False))) < 1e-4
