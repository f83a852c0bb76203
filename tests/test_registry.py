"""The network registry, the build_model entry point of both frameworks, and
checkpoints loading into Keras without torch."""

import os
import subprocess
import sys
import textwrap

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import pytest
import torch
import torchvision

from inception import counting, port
from inception import keras as ik
from inception import torch as it
from inception.spec import NETWORKS, network_config, network_spec
from inception.weights import WeightsError, classifier_layers, match_state

NAMES = ["googlenet", "bn_inception", "inception_v3", "inception_v4"]


@pytest.mark.parametrize("name", NAMES)
def test_registry_classifiers_are_the_specs(name):
    cfg = network_config(name)
    aux = name != "bn_inception"
    assert cfg.classifier == classifier_layers(network_spec(name, aux_logits=aux))
    assert network_spec(name).input_size == cfg.input_size


@pytest.mark.parametrize("name, kwargs, size", [
    ("googlenet", dict(variant="paper"), 79), ("googlenet", dict(variant="bn"), 31),
    ("googlenet", dict(variant="paper", aux_logits=False), 47),
    ("bn_inception", dict(), 63), ("inception_v3", dict(aux_logits=False), 75),
    ("inception_v3", dict(), 299), ("inception_v4", dict(), 75),
])
def test_min_input_size_is_where_the_network_starts_to_run(name, kwargs, size):
    assert counting.network_min_input_size(name, **kwargs) == size
    with pytest.raises(ValueError):
        counting.count_layers(network_spec(name, **kwargs), size - 1)


@pytest.mark.parametrize("name", NAMES)
def test_build_model_in_both_frameworks(name):
    """One short check per model: same layers, same counts, same outputs after porting."""
    size = max(counting.network_min_input_size(name, aux_logits=False), 64)
    tm = it.build_model(name, 3, aux_logits=False, input_size=size, dropout=0.1).eval()
    km = ik.build_model(name, 3, aux_logits=False, input_size=size, dropout=0.1)
    assert tm.spec == km.spec and tm.spec.head.dropout == 0.1
    t = counting.totals(tm.spec, size)
    assert sum(p.numel() for p in tm.parameters()) == t.trainable
    assert km.count_params() == t.params
    assert port.compare_models(tm, km, size)["max_rel_diff"] < 1e-4


def test_build_model_rejects_what_a_network_lacks():
    with pytest.raises(ValueError, match="variant"):
        it.build_model("inception_v3", variant="bn")
    with pytest.raises(ValueError, match="no auxiliary"):
        ik.build_model("bn_inception", aux_logits=True)
    with pytest.raises(ValueError, match="Unknown network"):
        it.build_model("resnet50")


def test_registered_checkpoint_urls_are_torchvisions():
    assert NETWORKS["googlenet"].urls["imagenet"] == torchvision.models.GoogLeNet_Weights.IMAGENET1K_V1.url
    assert NETWORKS["inception_v3"].urls["imagenet"] == torchvision.models.Inception_V3_Weights.IMAGENET1K_V1.url


def test_the_strict_check_names_what_does_not_fit():
    spec = network_spec("inception_v3", 10)
    own = {k: tuple(v.shape) for k, v in it.build_model("inception_v3", 10, init_weights=False).state_dict().items()}
    state = {k: np.zeros(s, np.float32) for k, s in own.items()}
    assert match_state(own, state, spec).keys() == own.keys()
    ft = dict(state, **{"fc.weight": np.zeros((1000, 2048)), "fc.bias": np.zeros(1000)})
    kept = match_state(own, ft, spec)  # another class count: fine-tuning keeps fresh classifiers
    assert "fc.weight" not in kept and "Mixed_7c.branch1x1.conv.weight" in kept
    bad = dict(state, extra=np.zeros(1))
    del bad["Mixed_5b.branch1x1.bn.running_var"]
    with pytest.raises(WeightsError, match="running_var.*extra"):
        match_state(own, bad, spec)
    del state["Mixed_5b.branch1x1.bn.num_batches_tracked"]  # optional
    match_state(own, state, spec)


CHILD = textwrap.dedent("""
    import importlib.abc, sys

    class NoTorch(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("torch", "torchvision"):
                raise ImportError(f"{name} is blocked in this test")

    sys.meta_path.insert(0, NoTorch())
    import numpy as np
    from inception import keras as ik

    def max_relative_difference(a, b):
        return float(np.max(np.abs(a - b)) / max(1.0, np.max(np.abs(a))))

    ref = np.load(sys.argv[1] + "/reference.npz")
    km = ik.googlenet("bn", weights=sys.argv[1] + "/googlenet.npz")
    d1 = max_relative_difference(ref["googlenet"], np.asarray(km(ref["x224"], training=False)[0]))
    with np.load(sys.argv[1] + "/inception_v3.npz") as f:
        mapping = {k: f[k] for k in f.files}
    kv3 = ik.inception_v3(aux_logits=False, input_size=107, weights=mapping)
    d2 = max_relative_difference(ref["inception_v3"], np.asarray(kv3(ref["x107"], training=False)))
    assert "torch" not in sys.modules
    print(d1, d2)
""")


def test_keras_loads_imagenet_format_weights_without_torch(tmp_path):
    """torchvision's GoogLeNet and Inception-v3 checkpoints (random weights in
    the ImageNet checkpoints' format) as .npz and as a mapping, into Keras, in
    a process where torch cannot be imported."""
    torch.manual_seed(0)
    tg = torchvision.models.googlenet(weights=None, aux_logits=True, init_weights=True).eval()
    tv3 = torchvision.models.inception_v3(weights=None, aux_logits=True, init_weights=True).eval()
    rng = np.random.default_rng(0)
    x224, x107 = (rng.standard_normal((1, 3, s, s)).astype(np.float32) for s in (224, 107))
    for name, model in (("googlenet", tg), ("inception_v3", tv3)):
        port.randomize_torch_weights(model, 0)
        np.savez(tmp_path / f"{name}.npz", **{k: v.numpy() for k, v in model.state_dict().items()})
    with torch.no_grad():
        ref_g, ref_v3 = tg(torch.from_numpy(x224)).numpy(), tv3(torch.from_numpy(x107)).numpy()
    np.savez(tmp_path / "reference.npz", googlenet=ref_g, inception_v3=ref_v3,
             x224=x224.transpose(0, 2, 3, 1), x107=x107.transpose(0, 2, 3, 1))
    out = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    d1, d2 = map(float, out.stdout.split()[-2:])
    assert d1 < 1e-4 and d2 < 1e-4
