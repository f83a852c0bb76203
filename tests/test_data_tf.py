"""tf.data pipelines (inception.data.tf_data) and their agreement with the PyTorch loaders."""

from __future__ import annotations

import numpy as np
import pytest
from data_fixtures import synthetic_root  # noqa: F401 (fixture)

tf = pytest.importorskip("tensorflow")

from inception.data import AugmentConfig, build_cache  # noqa: E402
from inception.data import tf_data as tfd  # noqa: E402
from inception.data.transforms import normalize_numpy  # noqa: E402


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


def datasets(root, cache_dir, **kw):
    kw = {"image_size": 16, "batch_size": 8, "progress": False, **kw}
    return tfd.make_datasets(root, cache_dir=cache_dir, **kw)


def test_batches_are_nhwc_float_with_int64_labels(synthetic_root, cache_dir):
    ds = datasets(synthetic_root, cache_dir)
    assert set(ds) == {"train", "val", "test"}
    x, y = next(iter(ds["train"]))
    assert x.shape == (8, 16, 16, 3) and x.dtype == tf.float32 and y.dtype == tf.int64
    n = {p: sum(int(tf.shape(b[1])[0]) for b in ds[p]) for p in ds}
    assert n == {"train": 147, "val": 21, "test": 42}
    assert int(ds["train"].cardinality()) == 19  # known length: Keras shows progress


def test_eval_batches_equal_numpy_reference(synthetic_root, cache_dir):
    ds = datasets(synthetic_root, cache_dir)
    cache = build_cache(synthetic_root, 16, cache_dir=cache_dir, progress=False)
    x, y = next(iter(ds["test"]))
    rows = cache.split_indices({"test": _test_entries(cache)})["test"][:8]
    np.testing.assert_allclose(x.numpy(), normalize_numpy(cache.images[rows]), rtol=0, atol=1e-6)
    np.testing.assert_array_equal(y.numpy(), cache.labels[rows])


def _test_entries(cache):
    from inception.data.split import as_split

    return as_split(None, cache.stems)["test"]


def test_seed_repeats_training_and_epochs_differ(synthetic_root, cache_dir):
    train = datasets(synthetic_root, cache_dir, seed=3)["train"]
    e1 = next(iter(train))
    e2 = next(iter(train))  # a second pass: reshuffled, re-augmented
    again = next(iter(datasets(synthetic_root, cache_dir, seed=3)["train"]))
    other = next(iter(datasets(synthetic_root, cache_dir, seed=4)["train"]))
    np.testing.assert_array_equal(e1[0].numpy(), again[0].numpy())
    assert not np.array_equal(e1[0].numpy(), e2[0].numpy())
    assert not np.array_equal(e1[0].numpy(), other[0].numpy())


def test_shard_splits_the_training_set(synthetic_root, cache_dir):
    counts = []
    for index in range(2):
        train = datasets(synthetic_root, cache_dir, augment=False, shard=(2, index))["train"]
        counts.append(sum(int(tf.shape(y)[0]) for _, y in train))
    assert counts == [74, 73]


# --------------------------------------------------------------------------
# the two frameworks agree
# --------------------------------------------------------------------------


def test_same_image_same_tensor_in_both_frameworks(synthetic_root, cache_dir):
    """The evaluation pipelines, end to end, to 1e-6 (NCHW vs NHWC)."""
    torch = pytest.importorskip("torch")
    from inception.data import torch_data as td

    for part in ("val", "test"):
        xt = torch.cat([x for x, _ in td.make_loaders(synthetic_root, 16, 8, cache_dir=cache_dir, progress=False)[part]])
        xf = np.concatenate([x.numpy() for x, _ in datasets(synthetic_root, cache_dir)[part]])
        assert xt.shape[0] == xf.shape[0] > 0
        np.testing.assert_allclose(xt.numpy().transpose(0, 2, 3, 1), xf, rtol=0, atol=1e-6)
    # and the stand-alone preprocess functions on arbitrary uint8 input, all 256 values
    img = np.arange(256 * 3, dtype=np.int64).reshape(1, 16, 16, 3).astype(np.uint8)
    np.testing.assert_allclose(td.preprocess(img).numpy().transpose(0, 2, 3, 1), tfd.preprocess(img).numpy(), rtol=0, atol=1e-6)


def test_same_random_numbers_same_augmentation(synthetic_root, cache_dir):
    """Both augmentations are one function of the image and 10 uniforms: equal up to rounding."""
    torch = pytest.importorskip("torch")
    from inception.data import torch_data as td

    cache = build_cache(synthetic_root, 16, cache_dir=cache_dir, progress=False)
    images = np.array(cache.images[::7])
    u = np.random.default_rng(0).random((len(images), tfd.N_UNIFORMS)).astype(np.float32)
    for cfg in (AugmentConfig(), AugmentConfig(scale=(0.08, 1.0), ratio=(0.5, 2.0), brightness=0.4, contrast=0.4, saturation=0.4)):
        a = torch.stack([td.augment_image(img, uu, cfg) for img, uu in zip(images, u)]).numpy().transpose(0, 2, 3, 1)
        b = tfd.augment_batch(images, u, cfg).numpy()
        np.testing.assert_allclose(a, b, rtol=0, atol=2e-5)
        assert np.abs(a - normalize_numpy(images)).mean() > 0.1  # and it did augment


def test_augmentation_statistics_match(synthetic_root, cache_dir):
    """Same distribution: the crop sizes drawn by each framework's own random numbers agree in law."""
    torch = pytest.importorskip("torch")
    from inception.data import torch_data as td

    img = np.zeros((16, 16, 3), np.uint8)
    img[4:12, 4:12] = 255  # a white square: its area after the crop measures the zoom
    cfg = AugmentConfig(flips=False, brightness=0, contrast=0, saturation=0)
    g = torch.Generator().manual_seed(0)
    white_t = [float((td.augment_image(img, torch.rand(10, generator=g), cfg)[0] > 0).float().mean()) for _ in range(400)]
    u = tf.random.stateless_uniform([400, 10], seed=[1, 2])
    white_f = (tfd.augment_batch(np.repeat(img[None], 400, 0), u, cfg)[..., 0] > 0).numpy().mean(axis=(1, 2))
    assert abs(np.mean(white_t) - np.mean(white_f)) < 0.04
    assert abs(np.std(white_t) - np.std(white_f)) < 0.04
