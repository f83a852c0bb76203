"""Inception v2/v3/v4 in PyTorch: torchvision's Inception-v3 round trip,
counts layer by layer, timm's Inception-v4 (when timm is installed)."""

import os

import numpy as np
import pytest
import torch
import torchvision

from inception import port
from inception.torch.bn_inception import bn_inception
from inception.torch.inception_v3 import inception_v3
from inception.torch.inception_v4 import inception_v4
from inception import counting

SEED = int(os.environ.get("INCEPTION_TEST_SEED", "0"))


def n_params(model):
    return sum(p.numel() for p in model.parameters())


def n_buffers(model):
    return sum(b.numel() for n, b in model.named_buffers() if not n.endswith("num_batches_tracked"))


def weighted_modules(model):
    """(trainable, moving statistics) of every module that holds parameters itself."""
    out = {}
    for name, m in model.named_modules():
        own = list(m.parameters(recurse=False))
        if name and own:
            bufs = sum(b.numel() for n, b in m.named_buffers(recurse=False) if n != "num_batches_tracked")
            out[name] = (sum(p.numel() for p in own), bufs)
    return out


@pytest.fixture(scope="module")
def v3_pair():
    """Ours and torchvision's Inception-v3 with the auxiliary head, eval mode."""
    torch.manual_seed(SEED)
    tv = torchvision.models.inception_v3(weights=None, aux_logits=True, init_weights=True).eval()
    ours = inception_v3().eval()
    return ours, tv


def _tv_outputs(tv, x):
    """torchvision's main and auxiliary logits in eval mode (its forward
    returns the aux logits in training only: run the head on Mixed_6e's output)."""
    seen = {}
    hook = tv.Mixed_6e.register_forward_hook(lambda m, i, o: seen.setdefault("x", o))
    try:
        logits = tv(x)
    finally:
        hook.remove()
    return logits, tv.AuxLogits(seen["x"])


def test_inception_v3_counts_equal_torchvisions(v3_pair):
    ours, tv = v3_pair
    assert n_params(ours) == n_params(tv) == 27_161_264
    assert n_buffers(ours) == n_buffers(tv) == 36_224
    assert n_params(inception_v3(aux_logits=False)) == 23_834_568
    assert n_params(torchvision.models.inception_v3(weights=None, aux_logits=False, init_weights=False)) == 23_834_568
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == {
        k: tuple(v.shape) for k, v in tv.state_dict().items()}


@pytest.mark.parametrize("direction", ["torchvision_to_ours", "ours_to_torchvision"])
def test_inception_v3_state_dicts_load_strictly_and_outputs_match(v3_pair, direction):
    ours, tv = v3_pair
    src, dst = (tv, ours) if direction == "torchvision_to_ours" else (ours, tv)
    port.randomize_torch_weights(src, SEED)  # non-trivial batch norms, every weight exercised
    result = dst.load_state_dict(src.state_dict(), strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    x = torch.from_numpy(np.random.default_rng(SEED).standard_normal((1, 3, 299, 299)).astype(np.float32))
    with torch.no_grad():
        logits, aux = ours(x)
        tv_logits, tv_aux = _tv_outputs(tv, x)
    assert port.max_relative_difference([logits, aux], [tv_logits, tv_aux]) < 1e-6
    assert float(logits.abs().max()) > 1.0  # not a trivially small output


def test_inception_v3_transform_input_and_small_inputs_match_torchvision(v3_pair):
    ours, tv = v3_pair
    ours.load_state_dict(tv.state_dict())
    x = torch.randn(1, 3, 107, 107, generator=torch.Generator().manual_seed(SEED))
    ours.aux_logits = False  # the aux head needs 299x299; torchvision skips it in eval
    try:
        with torch.no_grad():
            for flag in (False, True):
                ours.transform_input = tv.transform_input = flag
                assert port.max_relative_difference(ours(x), tv(x)) < 1e-6
    finally:
        ours.aux_logits, ours.transform_input, tv.transform_input = True, False, False


def test_inception_v3_without_aux_loads_a_checkpoint_with_aux(v3_pair):
    _, tv = v3_pair
    small = inception_v3(aux_logits=False, weights=tv.state_dict(), init_weights=False).eval()
    assert not hasattr(small, "AuxLogits")
    tv_small = torchvision.models.inception_v3(weights=None, aux_logits=False, init_weights=False)
    tv_small.load_state_dict(small.state_dict(), strict=True)


def test_return_convention_is_the_same_in_train_and_eval():
    model = inception_v3(num_classes=7)
    x = torch.randn(2, 3, 299, 299)
    model.train()
    out_train = model(x)
    model.eval()
    with torch.no_grad():
        out_eval = model(x)
    assert isinstance(out_train, tuple) and isinstance(out_eval, tuple)
    assert [tuple(o.shape) for o in out_train] == [tuple(o.shape) for o in out_eval] == [(2, 7), (2, 7)]


@pytest.mark.parametrize("builder, kwargs", [
    (inception_v3, dict()),
    (inception_v3, dict(aux_logits=False, bn_scale=False, num_classes=10)),
    (inception_v4, dict()),
    (inception_v4, dict(aux_logits=True, bn_scale=False, num_classes=1001)),
    (bn_inception, dict()),
    (bn_inception, dict(conv_bias=True, num_classes=5)),
])
def test_every_layer_counts_what_the_counter_says(builder, kwargs):
    model = builder(**kwargs, init_weights=False)
    spec = model.spec
    expected = {}
    for l in counting.count_layers(spec):
        expected[l.name] = (l.trainable, l.non_trainable)
    assert weighted_modules(model) == expected
    t = counting.totals(spec)
    assert (n_params(model), n_buffers(model)) == (t.trainable, t.non_trainable)


@pytest.mark.parametrize("builder, size", [(inception_v4, 75), (bn_inception, 63), (inception_v3, 75)])
def test_smallest_inputs_run(builder, size):
    kwargs = {"aux_logits": False} if builder is inception_v3 else {}
    model = builder(num_classes=3, **kwargs).eval()
    with torch.no_grad():
        assert tuple(model(torch.randn(1, 3, size, size)).shape) == (1, 3)


def test_inception_v4_loads_timms_state_dict_strictly():
    timm = pytest.importorskip("timm")
    ref = timm.create_model("inception_v4", pretrained=False).eval()
    assert n_params(ref) == 42_679_816
    port.randomize_torch_weights(ref, SEED)
    ours = inception_v4(weights=ref.state_dict(), init_weights=False).eval()
    ref.load_state_dict(ours.state_dict(), strict=True)
    x = torch.randn(1, 3, 107, 107, generator=torch.Generator().manual_seed(SEED))
    with torch.no_grad():
        assert port.max_relative_difference(ours(x), ref(x)) < 1e-6


def test_a_checkpoint_that_does_not_fit_is_reported():
    state = inception_v4(init_weights=False).state_dict()
    state.pop("last_linear.bias")
    with pytest.raises(ValueError, match="last_linear.bias"):
        inception_v4(weights=state)
