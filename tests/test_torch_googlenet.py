"""The PyTorch builder against the analytic counter and against torchvision."""

import itertools

import pytest
import torch
import torchvision

from inception import counting
from inception import torch as it
from inception.spec import googlenet_spec

CONFIGS = list(itertools.product(["paper", "bn"], [True, False], [1000, 21], [224, 256]))


def torch_layer_counts(model):
    """{module path: (trainable, non-trainable)} for every module with weights;
    non-trainable = batch-norm running statistics (num_batches_tracked is a counter)."""
    out = {}
    for name, m in model.named_modules():
        params = sum(p.numel() for p in m.parameters(recurse=False))
        if not params:
            continue
        bufs = sum(b.numel() for n, b in m.named_buffers(recurse=False) if n != "num_batches_tracked")
        out[name] = (params, bufs)
    return out


@pytest.mark.parametrize("variant, aux, classes, size", CONFIGS)
def test_per_layer_counts_equal_the_counter(variant, aux, classes, size):
    model = it.googlenet(variant, classes, aux, input_size=size, init_weights=False)
    spec = googlenet_spec(variant, classes, aux)
    expected = {l.name: (l.trainable, l.non_trainable) for l in counting.count_layers(spec, size)}
    assert torch_layer_counts(model) == expected
    tot = counting.totals(spec, size)
    assert sum(p.numel() for p in model.parameters()) == tot.trainable


@pytest.mark.parametrize("variant", ["paper", "bn"])
@pytest.mark.parametrize("size", [224, 256, 199])
def test_block_output_shapes_equal_the_counter(variant, size):
    model = it.googlenet(variant, 21, True, input_size=size).eval()
    spec = googlenet_spec(variant, 21, True)
    expected = {b.name: b.output_shape for b in counting.count_blocks(spec, size)}
    seen = {}
    for name in [b.name for b in spec.blocks] + ["aux1", "aux2", "fc"]:
        getattr(model, name).register_forward_hook(
            lambda mod, inp, out, name=name: seen.__setitem__(name, tuple(out.shape[1:])))
    with torch.no_grad():
        model(torch.randn(1, 3, size, size))
    assert seen == expected


def test_return_convention_in_both_modes():
    model = it.googlenet("bn", 21, True, input_size=64)
    x = torch.randn(2, 3, 224, 224)
    for mode in (model.train, model.eval):
        mode()
        out = model(x)
        assert isinstance(out, tuple) and [o.shape for o in out] == [torch.Size([2, 21])] * 3
        assert it.main_logits(out) is out[0]
    plain = it.googlenet("bn", 21, False).eval()
    out = plain(x)
    assert isinstance(out, torch.Tensor) and it.main_logits(out) is out


def test_aux_heads_are_ignored_when_switched_off():
    model = it.googlenet("paper", 10, True).eval()
    with torch.no_grad():
        x = torch.randn(1, 3, 224, 224)
        full = model(x)
        model.aux_logits = False
        assert torch.equal(model(x), full[0])


def test_framework_import_does_not_shadow_torch():
    import importlib

    mod = importlib.import_module("inception.torch")
    import torch as real_torch

    assert real_torch.__name__ == "torch" and hasattr(real_torch, "nn")
    assert mod.__name__ == "inception.torch"


def test_bn_variant_loads_torchvision_strictly_and_matches():
    torch.manual_seed(0)
    tv = torchvision.models.googlenet(weights=None, aux_logits=True, init_weights=True)
    ours = it.googlenet("bn", 1000, True)
    assert set(ours.state_dict()) == set(tv.state_dict())
    ours.load_state_dict(tv.state_dict(), strict=True)
    # give the batch norms real statistics so the comparison means something
    tv.train()
    with torch.no_grad():
        tv(torch.randn(4, 3, 224, 224))
    ours.load_state_dict(tv.state_dict(), strict=True)
    tv.eval(), ours.eval()
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        assert torch.equal(ours(x)[0], tv(x))
    # and the other way round, with torchvision's transform_input
    tv2 = torchvision.models.googlenet(weights=None, aux_logits=True, init_weights=False, transform_input=True)
    tv2.load_state_dict(ours.state_dict(), strict=True)
    ours_t = it.googlenet("bn", 1000, True, transform_input=True)
    ours_t.load_state_dict(ours.state_dict(), strict=True)
    tv2.eval(), ours_t.eval()
    with torch.no_grad():
        assert torch.equal(ours_t(x)[0], tv2(x))
        assert not torch.equal(ours_t(x)[0], ours(x)[0])


def test_training_outputs_match_torchvision_in_documented_order():
    """torchvision returns (logits, aux_logits2, aux_logits1) in training; ours (logits, aux1, aux2)."""
    torch.manual_seed(1)
    tv = torchvision.models.googlenet(weights=None, aux_logits=True, init_weights=True)
    ours = it.googlenet("bn", 1000, True)
    ours.load_state_dict(tv.state_dict(), strict=True)
    for model in (tv, ours):
        model.train()
        for m in model.modules():  # training-mode batch norm, but no random dropout
            if isinstance(m, torch.nn.Dropout):
                m.eval()
    x = torch.randn(3, 3, 224, 224)
    t, o = tv(x), ours(x)
    assert torch.equal(o[0], t.logits)
    assert torch.equal(o[1], t.aux_logits1) and torch.equal(o[2], t.aux_logits2)
    assert not torch.equal(o[1], o[2])


@pytest.mark.parametrize("aux, classes, expected", [
    (False, 1000, 6_624_904), (True, 1000, 13_004_888), (False, 21, 5_621_429)])
def test_torchvision_own_counts(aux, classes, expected):
    tv = torchvision.models.googlenet(weights=None, aux_logits=aux, num_classes=classes, init_weights=False)
    ours = it.googlenet("bn", classes, aux, init_weights=False)
    assert sum(p.numel() for p in tv.parameters()) == sum(p.numel() for p in ours.parameters()) == expected


def test_torchinfo_summary_shows_the_counter_totals():
    torchinfo = pytest.importorskip("torchinfo")
    model = it.googlenet("bn", 21, True, input_size=256)
    stats = torchinfo.summary(model, input_size=(1, 3, 256, 256), verbose=0)
    tot = counting.googlenet_totals("bn", 21, True, 256)
    assert stats.total_params == tot.trainable
    assert stats.trainable_params == tot.trainable


def test_paper_init_keeps_activations_alive_and_bn_init_is_torchvisions():
    torch.manual_seed(0)
    paper = it.googlenet("paper", 21, False).eval()
    with torch.no_grad():
        assert paper(torch.randn(2, 3, 224, 224)).std() > 0.1
    bn = it.googlenet("bn", 21, False)
    assert abs(bn.conv1.conv.weight.std().item() - 0.01) < 0.002
    assert torch.all(bn.conv1.bn.weight == 1)
