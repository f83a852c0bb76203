"""Weight porting: the two frameworks compute the same function."""

import functools
import http.server
import os
import threading

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
import pytest
import torch
import torchvision

from inception import keras as ik
from inception import port
from inception import torch as it

# Fresh random weights each run, reproducible when a failure needs chasing:
# INCEPTION_TEST_SEED=123 pytest tests/test_port.py
SEED = int(os.environ.get("INCEPTION_TEST_SEED", np.random.SeedSequence().entropy % 10_000))


def test_conv_kernel_layout_round_trip_and_arithmetic():
    rng = np.random.default_rng(SEED)
    w = rng.standard_normal((8, 3, 5, 3)).astype(np.float32)  # out, in, kh, kw (asymmetric on purpose)
    k = port.conv_kernel_to_keras(w)
    assert k.shape == (5, 3, 3, 8)
    np.testing.assert_array_equal(port.conv_kernel_to_torch(k), w)
    x = rng.standard_normal((1, 3, 9, 9)).astype(np.float32)
    ref = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w)).numpy()
    conv = keras.layers.Conv2D(8, (5, 3), use_bias=False)
    conv.build((None, 9, 9, 3))
    conv.kernel.assign(k)
    got = np.asarray(conv(np.transpose(x, (0, 2, 3, 1))))
    np.testing.assert_allclose(np.transpose(got, (0, 3, 1, 2)), ref, rtol=1e-5, atol=1e-5)


def test_dense_kernel_layout_and_channels_first_flatten():
    """NCHW and NHWC flatten orders differ; the Keras aux head permutes first,
    so the transposed PyTorch fc1 weights give the same result."""
    rng = np.random.default_rng(SEED)
    x = rng.standard_normal((2, 4, 3, 3)).astype(np.float32)  # N, C, H, W
    w = rng.standard_normal((5, 36)).astype(np.float32)
    ref = torch.nn.functional.linear(torch.flatten(torch.from_numpy(x), 1), torch.from_numpy(w)).numpy()
    nhwc = np.transpose(x, (0, 2, 3, 1))
    chw = keras.layers.Flatten()(keras.layers.Permute((3, 1, 2))(nhwc))
    np.testing.assert_allclose(np.asarray(chw) @ port.dense_kernel_to_keras(w), ref, rtol=1e-5, atol=1e-5)
    hwc = np.asarray(keras.layers.Flatten()(nhwc))  # without the permute: a different function
    assert not np.allclose(hwc @ port.dense_kernel_to_keras(w), ref, atol=1e-3)
    np.testing.assert_array_equal(port.dense_kernel_to_torch(port.dense_kernel_to_keras(w)), w)


@pytest.mark.parametrize("variant", ["paper", "bn"])
@pytest.mark.parametrize("direction", ["torch_to_keras", "keras_to_torch"])
@pytest.mark.parametrize("size", [224, 256, 199])
def test_ported_models_agree_to_1e_4(variant, direction, size):
    res = port.compare_frameworks(variant, 21, True, size, batch=2, seed=SEED, direction=direction)
    assert len(res["torch_outputs"]) == 3  # main and both auxiliary logits compared
    # the check is not vacuous: logits of order one, which a layout slip would wreck
    assert min(float(np.std(o)) for o in res["torch_outputs"]) > 0.5
    assert res["max_rel_diff"] < 1e-4, (SEED, res["max_rel_diff"])


def test_a_layout_slip_would_be_caught():
    """Sanity check of the check: transpose one kernel wrongly and the outputs diverge."""
    res = port.compare_frameworks("bn", 21, True, 224, seed=SEED)
    km, tm = res["keras_model"], res["torch_model"]
    layer = km.get_layer("inception4b.branch2.1.conv")
    k = layer.kernel.numpy()
    layer.kernel.assign(np.transpose(k, (1, 0, 2, 3)))  # swap kh and kw
    x = np.random.default_rng(0).standard_normal((1, 3, 224, 224)).astype(np.float32)
    with torch.no_grad():
        t = [o.numpy() for o in tm(torch.from_numpy(x))]
    k_out = [np.asarray(o) for o in km(np.transpose(x, (0, 2, 3, 1)), training=False)]
    assert port.max_relative_difference(t, k_out) > 1e-3


def test_mismatched_models_fail_with_names():
    tm = it.googlenet("bn", 21, True)
    with pytest.raises(port.WeightsError, match="only in PyTorch.*aux1"):
        port.torch_to_keras(tm, ik.googlenet("bn", 21, False))
    with pytest.raises(port.WeightsError, match="fc.weight.*does not fit"):
        port.torch_to_keras(it.googlenet("bn", 10, False), ik.googlenet("bn", 21, False))


def _torchvision_state(seed=0):
    torch.manual_seed(seed)
    tv = torchvision.models.googlenet(weights=None, aux_logits=True, init_weights=True)
    port.randomize_torch_weights(tv, seed)
    return tv


def test_torchvision_weights_through_both_frameworks(tmp_path):
    """A torchvision-format checkpoint file, loaded by path, gives torchvision's outputs in
    PyTorch and (after porting) in Keras, with torchvision's transform_input."""
    tv = _torchvision_state(SEED)
    path = tmp_path / "googlenet-local.pth"
    torch.save(tv.state_dict(), path)
    tv_t = torchvision.models.googlenet(weights=None, aux_logits=True, init_weights=False, transform_input=True)
    tv_t.load_state_dict(tv.state_dict())
    tv_t.eval()
    ours = it.googlenet("bn", weights=str(path), transform_input=True).eval()
    km = ik.googlenet("bn", weights=str(path), transform_input=True)
    x = np.random.default_rng(SEED).standard_normal((2, 3, 224, 224)).astype(np.float32)
    with torch.no_grad():
        ref = tv_t(torch.from_numpy(x)).numpy()
        assert np.array_equal(ours(torch.from_numpy(x))[0].numpy(), ref)
    k_out = km(np.transpose(x, (0, 2, 3, 1)), training=False)
    assert port.max_relative_difference(ref, np.asarray(k_out[0])) < 1e-4


@pytest.fixture
def weights_server(tmp_path):
    """Serve tmp_path over HTTP on 127.0.0.1; yields the base URL."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_imagenet_weights_download_path(tmp_path, weights_server, monkeypatch):
    """weights='imagenet' fetches into torch's hub cache (here from a local server),
    in both frameworks, transform_input on as torchvision does; a fine-tuning model
    with 21 classes keeps fresh classifiers and takes everything else."""
    tv = _torchvision_state(1)
    torch.save(tv.state_dict(), tmp_path / "googlenet.pth")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    monkeypatch.setattr(port, "IMAGENET_URL", f"{weights_server}/googlenet.pth")
    ours = it.googlenet("bn", weights="imagenet").eval()
    assert ours.transform_input
    assert (tmp_path / "torch-home" / "hub" / "checkpoints" / "googlenet.pth").is_file()
    for k, v in tv.state_dict().items():
        assert torch.equal(ours.state_dict()[k], v), k
    km = ik.googlenet("bn", weights="imagenet")
    assert km.get_layer("transform_input") is not None
    np.testing.assert_allclose(km.get_layer("conv1.conv").kernel.numpy(),
                               port.conv_kernel_to_keras(tv.conv1.conv.weight.detach().numpy()))
    small = it.googlenet("bn", 21, weights="imagenet")
    assert small.fc.weight.shape == (21, 1024)
    assert torch.equal(small.inception5b.branch1.conv.weight, tv.inception5b.branch1.conv.weight)
    ksmall = ik.googlenet("bn", 21, weights="imagenet")
    assert ksmall.get_layer("fc").kernel.shape == (1024, 21)


def test_unreachable_weights_give_a_clear_error(tmp_path, monkeypatch):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(port, "IMAGENET_URL", f"http://127.0.0.1:{dead}/googlenet-1378be20.pth")
    for build in (it.googlenet, ik.googlenet):
        with pytest.raises(port.WeightsError, match="could not fetch.*pass its path"):
            build("bn", weights="imagenet")


def test_weights_need_the_bn_variant():
    with pytest.raises(port.WeightsError, match="variant='bn'"):
        it.googlenet("paper", weights="imagenet")


def test_bad_checkpoints_are_named(tmp_path):
    state = it.googlenet("bn", 1000, True).state_dict()
    bad = dict(state)
    del bad["inception3a.branch1.conv.weight"]
    bad["extra.weight"] = torch.zeros(1)
    bad["conv1.conv.weight"] = torch.zeros(64, 3, 5, 5)
    torch.save(bad, tmp_path / "bad.pth")
    with pytest.raises(port.WeightsError) as e:
        it.googlenet("bn", weights=str(tmp_path / "bad.pth"))
    msg = str(e.value)
    assert "inception3a.branch1.conv.weight" in msg and "extra.weight" in msg and "conv1.conv.weight" in msg
    with pytest.raises(port.WeightsError, match="not found"):
        it.googlenet("bn", weights=str(tmp_path / "missing.pth"))
    (tmp_path / "junk.pth").write_bytes(b"not a checkpoint")
    with pytest.raises(port.WeightsError, match="could not read"):
        it.googlenet("bn", weights=str(tmp_path / "junk.pth"))


def test_checkpoints_load_with_weights_only(tmp_path):
    """A pickle carrying arbitrary objects is refused, not executed."""
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    torch.save({"conv1.conv.weight": Evil()}, tmp_path / "evil.pth")
    with pytest.raises(port.WeightsError, match="could not read"):
        port.load_state_dict_file(tmp_path / "evil.pth")
    # a training checkpoint wrapping the state dict is accepted
    torch.save({"model": it.googlenet("bn", 10, False).state_dict(), "epoch": 3}, tmp_path / "ckpt.pt")
    assert "fc.weight" in port.load_state_dict_file(tmp_path / "ckpt.pt")


@pytest.mark.parametrize("freeze", [False, True])
def test_replace_classifier_both_frameworks(freeze):
    tm = port.replace_classifier(it.googlenet("bn", 1000, True), 21, freeze_backbone=freeze)
    assert [tm.fc.out_features, tm.aux1.fc2.out_features, tm.aux2.fc2.out_features] == [21] * 3
    trainable = {n for n, p in tm.named_parameters() if p.requires_grad}
    if freeze:
        assert trainable == {f"{l}.{p}" for l in port.CLASSIFIER_LAYERS for p in ("weight", "bias")}
    else:
        assert len(trainable) == len(list(tm.parameters()))
    km = port.replace_classifier(ik.googlenet("bn", 1000, True), 21, freeze_backbone=freeze)
    assert [tuple(o.shape) for o in km.outputs] == [(None, 21)] * 3
    n_trainable = sum(int(np.prod(w.shape)) for w in km.trainable_weights)
    assert (n_trainable == 3 * 21 + 1024 * 21 * 3) == freeze
    with pytest.raises(ValueError, match="positive integer"):
        port.replace_classifier(tm, 0)


def test_equivalence_table_rows():
    rows = port.equivalence_table("bn", 21, True, 224, seed=SEED)
    assert [r["framework"] for r in rows] == ["PyTorch", "Keras"]
    assert rows[0]["parameters"] == rows[1]["parameters"] == 10_009_535
    assert rows[0]["non_trainable"] == rows[1]["non_trainable"] == 15_072
    assert rows[1]["max_abs_diff"] < 1e-3
