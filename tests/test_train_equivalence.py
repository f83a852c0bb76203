"""The two engines train the same way: same batches, same optimiser steps, same batch-norm statistics.

* one epoch's draws (order + per-image augmentation numbers) come from NumPy
  and both pipelines turn them into the same batches (to 1e-5 on the 0..1
  scale in float32, 1e-12 in float64), crops resampled from a larger source;
* the shared bilinear resampling is torch's own ``grid_sample`` (border,
  ``align_corners=False``), including at the box edges;
* Keras' TorchSGD, TorchRMSprop and TorchAdamW take PyTorch's steps under a
  moving learning rate, weight decay included (and Keras' own optimisers do
  not: the test would notice the difference);
* TorchBatchNorm's running statistics are PyTorch's after several steps
  (and Keras' own batch norm's are not);
* dropout keeps the same fraction with the same scaling in both;
* the training cross-check on synthetic images: float64 losses agree to 1e-8
  and stay within the one-ulp yardstick;
* precision selection: auto picks bf16 only with native support (mocked both
  ways), bf16 without it warns, the record says which precision ran and why;
  a bf16 step reduces the loss in both engines.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
tf = pytest.importorskip("tensorflow")
import keras  # noqa: E402

from inception.data import IMAGENET_STD, build_cache  # noqa: E402
from inception.data import tf_data as tfd  # noqa: E402
from inception.data import torch_data as td  # noqa: E402
from inception.data.draws import N_UNIFORMS, epoch_draws  # noqa: E402
from inception.data.synthetic import make_synthetic_ucmerced  # noqa: E402
from inception.data.transforms import DEFAULT_AUGMENT  # noqa: E402
from inception.train import TrainConfig  # noqa: E402
from inception.train.precision import SlowPrecisionWarning, choose_precision, cpu_bf16_support, cpu_flags  # noqa: E402


@pytest.fixture(scope="module")
def syn(tmp_path_factory):
    root = tmp_path_factory.mktemp("equiv")
    make_synthetic_ucmerced(root / "data", per_class=4, size=48, odd_sizes=True)
    return root


# ----------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------


def test_epoch_draws_are_a_function_of_seed_and_epoch():
    a, b = epoch_draws(3, 5, 100), epoch_draws(3, 5, 100)
    assert np.array_equal(a.order, b.order) and np.array_equal(a.uniforms, b.uniforms)
    assert sorted(a.order.tolist()) == list(range(100))
    assert a.uniforms.shape == (100, N_UNIFORMS) and a.uniforms.dtype == np.float32
    assert 0 <= a.uniforms.min() and a.uniforms.max() < 1
    for other in (epoch_draws(3, 6, 100), epoch_draws(4, 5, 100)):
        assert not np.array_equal(a.order, other.order)
        assert not np.allclose(a.uniforms, other.uniforms)
    assert np.array_equal(epoch_draws(3, 5, 10, shuffle=False).order, np.arange(10))
    assert [len(x) for x in a.batches(32)] == [32, 32, 32, 4]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_both_pipelines_make_the_same_batches_from_the_same_draws(syn, dtype):
    """Each framework's own pipeline (torch Dataset + sampler order; tf.data) from one epoch's draws."""
    cache = build_cache(syn / "data", 32, cache_dir=syn / "cache", progress=False)
    source = build_cache(syn / "data", 48, cache_dir=syn / "cache", progress=False)
    rows = np.arange(0, len(cache), 2)
    draws = epoch_draws(7, 2, len(rows))
    tdtype = getattr(torch, dtype)
    ds = td.CachedUCMerced(cache, rows, DEFAULT_AUGMENT, source=source, dtype=tdtype)
    ds.set_draws(draws.uniforms)
    tf_ds = tfd.dataset_from_cache(cache, rows, batch_size=8, augment=DEFAULT_AUGMENT, draws=draws, source=source,
                                   dtype=dtype)
    std = np.asarray(IMAGENET_STD)
    n = 0
    for batch, (xk, yk) in zip(draws.batches(8), tf_ds):
        xt, yt = ds._batch(batch)
        assert xt.dtype == tdtype and xk.dtype == dtype
        assert np.array_equal(yt.numpy(), yk.numpy())
        diff = np.abs(xt.numpy().transpose(0, 2, 3, 1) - xk.numpy()) * std  # on the 0..1 scale
        assert diff.max() < (1e-5 if dtype == "float32" else 1e-12)
        assert np.abs(xt.numpy()).mean() > 0.1
        n += 1
    assert n == len(draws.batches(8))


def test_shared_resampling_is_grid_sample_with_border_clamping():
    """The crop matrices reproduce torch's bilinear grid_sample (border, align_corners=False), edges included."""
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.random((3, 3, 20, 20)))
    boxes = torch.tensor([[0, 0, 20, 20], [0, 13, 7, 7], [5, 0, 15, 11]], dtype=torch.float64)
    out = 12
    wy, wx = td._crop_weights(boxes, 20, out)
    ours = torch.einsum("boh,bchw,bpw->bcop", wy, x, wx)
    i = torch.arange(out, dtype=torch.float64) + 0.5
    y0, x0, hp, wp = boxes.unbind(1)
    ny = 2 * (y0[:, None] + i * hp[:, None] / out) / 20 - 1
    nx = 2 * (x0[:, None] + i * wp[:, None] / out) / 20 - 1
    grid = torch.stack([nx[:, None, :].expand(-1, out, -1), ny[:, :, None].expand(-1, -1, out)], -1)
    ref = torch.nn.functional.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    assert (ours - ref).abs().max() < 1e-12
    assert torch.allclose(wy.sum(-1), torch.ones(3, out, dtype=torch.float64))
    # a 2x reduction of the whole image averages pixel pairs
    w2, _ = td._crop_weights(torch.tensor([[0.0, 0, 8, 8]]), 8, 4)
    assert torch.allclose(w2[0, 1], torch.tensor([0, 0, 0.5, 0.5, 0, 0, 0, 0], dtype=torch.float64))


# ----------------------------------------------------------------------
# Optimiser and batch norm
# ----------------------------------------------------------------------


LRS = [0.004, 0.05, 0.1, 0.07, 0.02, 0.001]  # a moving rate, as the one-cycle schedule's


def _trajectories(torch_optimizer, keras_optimizer, scale=1.0):
    """Largest |w_torch - w_keras| after each of six steps on the same gradients.

    Two parameters, as the engines' groups: ``w`` (decayed) and ``b`` (not).
    ``torch_optimizer(groups)`` builds PyTorch's; ``keras_optimizer`` is built
    here, with ``b`` excluded from weight decay. ``scale`` multiplies the
    gradients (small ones show where epsilon goes)."""
    rng = np.random.default_rng(1)
    w0, b0 = rng.normal(size=(4, 3)), rng.normal(size=3)
    grads = [(scale * rng.normal(size=(4, 3)), scale * rng.normal(size=3)) for _ in LRS]
    tw, tb = (torch.nn.Parameter(torch.from_numpy(a.copy())) for a in (w0, b0))
    topt = torch_optimizer([{"params": [tw]}, {"params": [tb], "weight_decay": 0.0}])
    kw, kb = keras.Variable(w0.copy(), dtype="float64"), keras.Variable(b0.copy(), dtype="float64")
    if hasattr(keras_optimizer, "exclude_from_weight_decay"):
        keras_optimizer.exclude_from_weight_decay(var_list=[kb])
    keras_optimizer.build([kw, kb])
    out = []
    for (gw, gb), lr in zip(grads, LRS):
        for group in topt.param_groups:
            group["lr"] = lr
        tw.grad, tb.grad = torch.from_numpy(gw.copy()), torch.from_numpy(gb.copy())
        topt.step()
        keras_optimizer.learning_rate = lr
        keras_optimizer.apply([tf.constant(gw), tf.constant(gb)], [kw, kb])
        out.append(max(float(np.abs(t.detach().numpy() - k.numpy()).max()) for t, k in ((tw, kw), (tb, kb))))
    return out


def _in_float64(fn):
    with keras.device("cpu"):
        old = keras.config.floatx()
        keras.config.set_floatx("float64")
        try:
            return fn()
        finally:
            keras.config.set_floatx(old)


@pytest.mark.parametrize("nesterov,momentum", [(True, 0.9), (False, 0.9), (False, 0.0)])
def test_torch_sgd_in_keras_takes_pytorchs_steps_under_a_moving_rate(nesterov, momentum):
    from inception.train.keras_optimizers import TorchSGD

    def torch_sgd(groups):
        return torch.optim.SGD(groups, lr=0.1, momentum=momentum, nesterov=nesterov)

    ours = _in_float64(lambda: _trajectories(torch_sgd, TorchSGD(0.1, momentum=momentum, nesterov=nesterov)))
    stock = _in_float64(lambda: _trajectories(torch_sgd, keras.optimizers.SGD(0.1, momentum=momentum,
                                                                                nesterov=nesterov)))
    assert max(ours) < 1e-14
    if momentum:  # Keras' own SGD folds the rate into the buffer: other steps once the rate moves
        assert max(stock) > 1e-4


@pytest.mark.parametrize("momentum,eps", [(0.9, 1.0), (0.0, 1.0), (0.9, 1e-8)])
def test_torch_rmsprop_in_keras_takes_pytorchs_steps_under_a_moving_rate(momentum, eps):
    """Inception v3's rho 0.9 and eps 1.0, and a small eps."""
    from inception.train.keras_optimizers import TorchRMSprop

    def torch_rmsprop(groups):
        return torch.optim.RMSprop(groups, lr=0.1, alpha=0.9, eps=eps, momentum=momentum)

    ours = _in_float64(lambda: _trajectories(torch_rmsprop, TorchRMSprop(0.1, rho=0.9, epsilon=eps,
                                                                          momentum=momentum)))
    stock = _in_float64(lambda: _trajectories(torch_rmsprop, keras.optimizers.RMSprop(
        0.1, rho=0.9, epsilon=eps, momentum=momentum)))
    assert max(ours) < 1e-13
    assert max(stock) > 1e-4  # sqrt(v + eps) against sqrt(v) + eps, and the folded rate


@pytest.mark.parametrize("scale", [1.0, 1e-8])
def test_torch_adamw_in_keras_takes_pytorchs_steps_with_decay_on_the_same_tensors(scale):
    """Ordinary gradients, and gradients near epsilon, where its place decides the step."""
    from inception.train.keras_optimizers import TorchAdamW

    def torch_adamw(groups):
        return torch.optim.AdamW(groups, lr=0.1, weight_decay=0.05)

    ours = _in_float64(lambda: _trajectories(torch_adamw, TorchAdamW(0.1, weight_decay=0.05), scale))
    stock = _in_float64(lambda: _trajectories(torch_adamw, keras.optimizers.AdamW(
        0.1, weight_decay=0.05, epsilon=1e-8), scale))
    assert max(ours) < 1e-13
    if scale < 1:  # Keras adds epsilon before the bias correction
        assert max(stock) > 1e-3
    # the excluded tensor is not decayed: with zero gradients only the decay moves a weight
    opt = _in_float64(lambda: TorchAdamW(0.1, weight_decay=0.05))

    def zero_steps():
        w, b = keras.Variable(np.ones(2), dtype="float64"), keras.Variable(np.ones(2), dtype="float64")
        opt.exclude_from_weight_decay(var_list=[b])
        opt.build([w, b])
        opt.apply([tf.zeros(2, tf.float64), tf.zeros(2, tf.float64)], [w, b])
        return w.numpy(), b.numpy()

    w, b = _in_float64(zero_steps)
    np.testing.assert_allclose(w, 1 - 0.1 * 0.05, rtol=1e-15)
    np.testing.assert_array_equal(b, 1.0)


def test_torch_optimizers_refuse_bad_settings():
    from inception.train.keras_optimizers import TorchAdamW, TorchRMSprop, TorchSGD

    for make in (lambda: TorchSGD(momentum=1.0), lambda: TorchSGD(momentum=0.0, nesterov=True),
                 lambda: TorchRMSprop(rho=1.0), lambda: TorchRMSprop(epsilon=0.0),
                 lambda: TorchAdamW(beta_2=1.5), lambda: TorchAdamW(weight_decay=-1)):
        with pytest.raises(ValueError):
            make()
    # and they survive Keras' serialisation with their settings
    opt = TorchRMSprop(0.2, rho=0.8, epsilon=1.0, momentum=0.5)
    again = keras.optimizers.deserialize(keras.optimizers.serialize(opt))
    assert type(again) is TorchRMSprop and (again.rho, again.epsilon, again.momentum) == (0.8, 1.0, 0.5)
    again = keras.optimizers.deserialize(keras.optimizers.serialize(TorchAdamW(weight_decay=0.3)))
    assert again.decoupled_weight_decay == 0.3


def test_torch_batch_norm_running_statistics_match_pytorch():
    from inception.keras.layers import TorchBatchNorm

    rng = np.random.default_rng(2)
    ours = TorchBatchNorm(epsilon=1e-3, momentum=0.9)
    stock = keras.layers.BatchNormalization(epsilon=1e-3, momentum=0.9)
    ref = torch.nn.BatchNorm2d(5, eps=1e-3, momentum=0.1)
    for step in range(4):
        x = (rng.normal(size=(3, 4, 4, 5)) * (step + 1) + step).astype(np.float32)
        yo = ours(x, training=True).numpy()
        stock(x, training=True)
        yr = ref(torch.from_numpy(x).permute(0, 3, 1, 2)).permute(0, 2, 3, 1).detach().numpy()
        np.testing.assert_allclose(yo, yr, atol=2e-5)  # normalised with the biased variance, as PyTorch
    np.testing.assert_allclose(ours.moving_mean.numpy(), ref.running_mean.numpy(), rtol=1e-5)
    np.testing.assert_allclose(ours.moving_variance.numpy(), ref.running_var.numpy(), rtol=1e-5)
    gap = np.abs(stock.moving_variance.numpy() - ref.running_var.numpy()) / ref.running_var.numpy()
    assert gap.max() > 1e-3  # Keras' own: the biased variance, 48/47 apart
    x = rng.normal(size=(2, 4, 4, 5)).astype(np.float32)  # inference uses the running statistics
    np.testing.assert_allclose(ours(x, training=False).numpy(),
                               ref.eval()(torch.from_numpy(x).permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
                               .detach().numpy(), atol=2e-5)


def test_dropout_masks_have_the_same_statistics():
    """The check runs without dropout (masks cannot be shared); here: same keep rate and scaling."""
    p, n = 0.4, 200_000
    x = np.ones((n,), np.float32)
    t = torch.nn.functional.dropout(torch.from_numpy(x), p, training=True).numpy()
    k = keras.layers.Dropout(p, seed=0)(x, training=True).numpy()
    for out in (t, k):
        kept = out[out != 0]
        assert abs(kept.size / n - (1 - p)) < 0.005
        np.testing.assert_allclose(kept, 1 / (1 - p), rtol=1e-6)


# ----------------------------------------------------------------------
# The cross-check itself
# ----------------------------------------------------------------------


@pytest.mark.slow
def test_crosscheck_on_synthetic_images(syn, tmp_path, capsys):
    from inception.train.crosscheck import EARLY_TOLERANCE, YARDSTICKS, main

    out = tmp_path / "cc.json"
    rc = main(["--data-dir", str(syn / "data"), "--cache-dir", str(syn / "cache"), "--steps", "3", "--seed", "1",
               "--image-size", "32", "--source-size", "48", "--batch-size", "8", "--dtype", "float64",
               "--yardsticks", "2", "--flips", "--out", str(out)])
    import json

    r = json.loads(out.read_text())
    assert rc == 0, capsys.readouterr().out
    assert r["labels_equal"] and r["max_input_abs_diff"] < 1e-12
    assert r["early_ok"] and r["max_cross_rel_diff"] < EARLY_TOLERANCE and r["within_yardstick"]
    assert len(r["rows"]) == 3 and len({round(row["lr"], 9) for row in r["rows"]}) == 3  # the rate moves
    assert all(row["yardstick_rel_diff"] > 0 for row in r["rows"][1:])  # the nudge is felt
    # the yardstick: the largest distance among several differently nudged runs
    assert r["yardsticks"] == 2 and YARDSTICKS > 1
    for row in r["rows"][1:]:
        ds = row["yardstick_rel_diffs"]
        assert len(ds) == 2 and len(set(ds)) > 1 and row["yardstick_rel_diff"] == max(ds)
    printed = capsys.readouterr().out
    assert "step   2" in printed and "first step where the two engines take different branches" in printed
    # branch flips are counted at every step, for the engines and for the yardstick
    for row in r["rows"]:
        for key in ("flips", "yardstick_flips"):
            assert set(row[key]) == {"relu", "maxpool"}
            assert all(isinstance(n, int) and n > 0 for kind in row[key].values() for n in kind.values())
    assert r["rows"][0]["flips"] == {"relu": {}, "maxpool": {}}  # the same weights before the first step


def test_branch_flips_count_relus_and_max_pools_that_switch():
    import copy
    from collections import OrderedDict

    import torch

    from inception.torch.googlenet import ConvUnit
    from inception.train.crosscheck import branch_flips, first_flips

    torch.manual_seed(0)
    a = torch.nn.Sequential(OrderedDict(conv1=ConvUnit(3, 4, 3, padding=1), pool1=torch.nn.MaxPool2d(2),
                                        conv2=ConvUnit(4, 4, 1))).double()
    x = torch.randn(2, 3, 8, 8, dtype=torch.float64)
    stats = a.conv1.bn.running_mean.clone()
    assert branch_flips(a, copy.deepcopy(a), x) == {"relu": {}, "maxpool": {}}
    assert torch.equal(a.conv1.bn.running_mean, stats)  # the networks are traced on copies
    # a positive scale of a conv's weights is undone by its batch norm: no branch changes
    b = copy.deepcopy(a)
    with torch.no_grad():
        b.conv2.conv.weight.mul_(3.0)
    assert branch_flips(a, b, x) == {"relu": {}, "maxpool": {}}
    # one channel of conv1 negated: its ReLUs switch, so do the pool's argmaxes and conv2's ReLUs downstream
    with torch.no_grad():
        b.conv1.conv.weight[1].neg_()
    f = branch_flips(a, b, x)
    assert 0 < f["relu"]["conv1"] <= 2 * 8 * 8  # one channel of two images
    assert 0 < f["maxpool"]["pool1"] <= 2 * 4 * 4
    assert f["relu"].get("conv2", 0) > 0
    rows = [{"step": 0, "flips": {"relu": {}, "maxpool": {}}}, {"step": 1, "flips": f}]
    assert first_flips(rows) == {"step": 1, "kind": "maxpool", "blocks": ["pool1"]}
    assert first_flips(rows, kind="relu")["blocks"][0] in ("conv1", "conv2")
    assert first_flips(rows, "yardstick_flips") is None


# ----------------------------------------------------------------------
# Precision
# ----------------------------------------------------------------------


def test_the_yardstick_moves_every_weight_one_ulp_up_or_down():
    import math

    import torch

    from inception.train.crosscheck import _nudge_torch

    def nudged(seed):
        torch.manual_seed(0)
        m = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.BatchNorm2d(8)).double()
        before = [p.detach().clone() for p in m.parameters()]
        _nudge_torch(m, seed)
        return before, [p.detach() for p in m.parameters()]

    before, after = nudged(5)
    ups = 0
    for b, a in zip(before, after):
        up = torch.nextafter(b, torch.full_like(b, math.inf))
        down = torch.nextafter(b, torch.full_like(b, -math.inf))
        assert bool(((a == up) | (a == down)).all())  # exactly one ulp, every weight
        ups += int((a == up).sum())
    n = sum(b.numel() for b in before)
    assert 0.35 * n < ups < 0.65 * n  # both directions, about half each
    assert all(torch.equal(a, b) for a, b in zip(after, nudged(5)[1]))  # seeded
    assert not all(torch.equal(a, b) for a, b in zip(after, nudged(6)[1]))


def test_cpu_flags_and_bf16_support(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_bf16 amx_tile amx_bf16\n")
    assert "amx_bf16" in cpu_flags(info)
    assert cpu_bf16_support(cpu_flags(info), onednn=None)[0] is True
    assert cpu_bf16_support(frozenset({"avx2", "fma"}), onednn=None)[0] is False
    assert cpu_bf16_support(frozenset({"avx2"}), onednn=True)[0] is True  # the library's word first
    assert cpu_bf16_support(frozenset({"amx_bf16"}), onednn=False)[0] is False
    assert cpu_flags(tmp_path / "missing") == frozenset()


def test_precision_auto_picks_bf16_only_with_native_support():
    assert choose_precision("auto", "cpu", cpu_support=(True, "mock"))[0] == "bf16"
    assert choose_precision("auto", "cpu", cpu_support=(False, "mock"))[0] == "fp32"
    assert choose_precision("auto", "gpu", gpu_bf16=True)[0] == "bf16"
    assert choose_precision("auto", "gpu", gpu_bf16=False)[0] == "fp16"
    with pytest.warns(SlowPrecisionWarning):
        assert choose_precision("bf16", "cpu", cpu_support=(False, "mock"))[0] == "bf16"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert choose_precision("bf16", "cpu", cpu_support=(True, "mock"))[0] == "bf16"
        assert choose_precision("fp64", "cpu", cpu_support=(False, "mock"))[0] == "fp64"
    with pytest.raises(ValueError, match="needs a GPU"):
        choose_precision("fp16", "cpu", cpu_support=(False, "mock"))
    _, why = choose_precision("auto", "cpu", cpu_support=(False, "the CPU flags list none"))
    assert "no native bf16" in why and "flags" in why


def _cfg(syn, tmp_path, framework, **kw):
    base = dict(framework=framework, variant="bn", data_dir=str(syn / "data"), cache_dir=str(syn / "cache"),
                out_dir=str(tmp_path / framework), image_size=32, batch_size=8, epochs=1, max_steps_per_epoch=1,
                progress="none", seed=0, dropout=0.0, aux_dropout=0.0, augment=False, schedule="constant", lr=0.02)
    base.update(kw)
    return TrainConfig(**base).validated()


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_record_says_which_precision_ran_and_why(syn, tmp_path, framework, monkeypatch):
    from inception.train import precision as P
    from inception.train.loop import make_engine

    monkeypatch.setattr(P, "cpu_bf16_support", lambda *a, **k: (False, "mocked: no native bf16"))
    engine = make_engine(_cfg(syn, tmp_path, framework))
    info = engine.device_info()
    assert info["precision"] == "fp32" and "mocked: no native bf16" in info["precision_reason"]
    assert info["eval_precision"] == "fp32"


@pytest.mark.slow
@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_a_bf16_step_reduces_the_loss(syn, tmp_path, framework):
    """bf16 mixed precision trains: repeated steps on one batch lower its loss; weights stay float32."""
    from inception.train.loop import make_engine

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SlowPrecisionWarning)
        engine = make_engine(_cfg(syn, tmp_path, framework, precision="bf16", optimizer="adamw", lr=2e-3))
    assert engine.precision == "bf16"
    if framework == "torch":
        x, y = next(iter(engine.train_loader))
        losses = [float(engine.train_step(x, y)[1]) for _ in range(4)]
        assert all(p.dtype == torch.float32 for p in engine.raw.parameters())
    else:
        x, y = next(iter(engine.train_dataset(0)))
        losses = [float(engine._train_step(x, y)[1]) / float(len(y)) for _ in range(4)]
        assert all(v.dtype == "float32" for v in engine.model.trainable_variables)
    assert losses[-1] < losses[0]


def test_momentum_step_sizes_are_the_two_libraries_steps():
    """schedules.momentum_step_sizes against torch.optim.SGD and Keras' own SGD, a gradient
    of 1 under a moving rate, with and without Nesterov."""
    from inception.train.schedules import momentum_step_sizes

    for nesterov in (True, False):
        tw = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
        topt = torch.optim.SGD([tw], lr=0.1, momentum=0.9, nesterov=nesterov)

        def keras_steps():
            kv = keras.Variable(np.zeros(1), dtype="float64")
            kopt = keras.optimizers.SGD(0.1, momentum=0.9, nesterov=nesterov)
            kopt.build([kv])
            out = []
            for lr in LRS:
                before = float(kv.numpy()[0])
                kopt.learning_rate = lr
                kopt.apply([tf.ones(1, tf.float64)], [kv])
                out.append(before - float(kv.numpy()[0]))
            return out

        torch_steps = []
        for lr in LRS:
            before = float(tw.detach()[0])
            topt.param_groups[0]["lr"] = lr
            tw.grad = torch.ones(1, dtype=torch.float64)
            topt.step()
            torch_steps.append(before - float(tw.detach()[0]))
        ours_t, ours_k = momentum_step_sizes(LRS, 0.9, nesterov)
        np.testing.assert_allclose(ours_t, torch_steps, rtol=1e-12)
        # Keras keeps its rate and momentum in float32 variables: agreement to float32 rounding
        np.testing.assert_allclose(ours_k, _in_float64(keras_steps), rtol=1e-6)
        assert max(abs(a / b - 1) for a, b in zip(ours_t, ours_k)) > 0.05  # the rates move
    # a constant rate: the same steps
    t, k = momentum_step_sizes([0.1] * 5)
    np.testing.assert_allclose(t, k, rtol=1e-14)
