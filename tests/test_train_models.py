"""Training builds every registered network (``--model``), in both frameworks.

One short run per model and framework on a tiny synthetic data set: the
engine builds the network, takes a step, evaluates, and the record names the
model; an input below the network's smallest size is a clear error.
"""

import pytest

from inception.counting import network_min_input_size
from inception.data.synthetic import make_synthetic_ucmerced
from inception.train import TrainConfig, train
from inception.train.config import MODELS, ConfigError


@pytest.fixture(scope="module")
def syn(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    make_synthetic_ucmerced(root / "data", per_class=3, size=48)
    return root


def _aux(model):
    # BN-Inception has no auxiliary classifier; v3's and v4's need 299-pixel inputs
    # (a 17x17 grid), too slow here: their auxiliary loss is GoogLeNet's code path
    return model == "googlenet"


def _cfg(syn, tmp_path, framework, model, size, **kw):
    kw.setdefault("aux_logits", _aux(model))
    return TrainConfig(framework=framework, model=model, data_dir=str(syn / "data"), cache_dir=str(syn / "cache"),
                       out_dir=str(tmp_path / f"{framework}-{model}"), image_size=size, batch_size=4, epochs=1,
                       max_steps_per_epoch=1, progress="none", augment=False, eval_batch_size=21, **kw)


def test_models_are_the_registry():
    from inception.spec.registry import NETWORKS

    assert set(MODELS) == set(NETWORKS) == {"googlenet", "bn_inception", "inception_v3", "inception_v4"}


@pytest.mark.parametrize("model", ["bn_inception", "inception_v3", "inception_v4"])
def test_too_small_an_input_is_a_clear_error(syn, tmp_path, model):
    m = network_min_input_size(model, aux_logits=False)
    with pytest.raises(ConfigError, match=f"too small for {model}"):
        _cfg(syn, tmp_path, "torch", model, m - 1).validated()
    assert _cfg(syn, tmp_path, "torch", model, m).validated().model == model
    if model == "inception_v3":  # with its auxiliary head: 299, as torchvision's
        with pytest.raises(ConfigError, match="at least 299x299"):
            _cfg(syn, tmp_path, "torch", model, 298, aux_logits=True).validated()


def test_a_model_without_auxiliary_classifiers_says_so(syn, tmp_path):
    with pytest.raises(ConfigError, match="no auxiliary classifiers: pass --no-aux-logits"):
        _cfg(syn, tmp_path, "torch", "bn_inception", 96, aux_logits=True).validated()


@pytest.mark.slow
@pytest.mark.parametrize("model", ["bn_inception", "inception_v3", "inception_v4"])
def test_one_run_of_every_model_in_pytorch(syn, tmp_path, model):
    size = network_min_input_size(model, aux_logits=_aux(model))
    record = train(_cfg(syn, tmp_path, "torch", model, size))
    assert record["status"] == "finished" and record["config"]["model"] == model
    assert record["epochs"][0]["train_loss"] > 0 and 0 <= record["test_accuracy"] <= 1


@pytest.mark.slow
@pytest.mark.parametrize("model", ["inception_v3"])
def test_one_step_of_a_registered_model_in_keras(syn, tmp_path, model):
    """The Keras engine builds a registered network through the same ``build_model`` as every
    other (each built and checked in tests/test_registry.py) and steps it; one model, as a
    Keras build of each is slow."""
    import math

    from inception.train.keras_engine import KerasEngine

    size = network_min_input_size(model, aux_logits=_aux(model))
    engine = KerasEngine(_cfg(syn, tmp_path, "keras", model, size).validated())
    assert engine.model.name == model or model in engine.model.name
    x, y = next(iter(engine.train_dataset(0)))
    loss_sum, main_sum, _, n = (float(v) for v in engine._train_step(x, y))
    assert math.isfinite(loss_sum) and 0 < main_sum / n < 10 and n == len(y)
