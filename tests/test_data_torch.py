"""PyTorch datasets and loaders (inception.data.torch_data)."""

from __future__ import annotations

import numpy as np
import pytest
from data_fixtures import synthetic_root  # noqa: F401 (fixture)

torch = pytest.importorskip("torch")

from inception.data import IMAGENET_MEAN, IMAGENET_STD, AugmentConfig, build_cache  # noqa: E402
from inception.data import torch_data as td  # noqa: E402


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


def loaders(root, cache_dir, **kw):
    kw = {"image_size": 16, "batch_size": 8, "progress": False, **kw}
    return td.make_loaders(root, cache_dir=cache_dir, **kw)


def test_batches_are_nchw_float_with_int64_labels(synthetic_root, cache_dir):
    ls = loaders(synthetic_root, cache_dir)
    assert set(ls) == {"train", "val", "test"}
    assert [len(ls[p].dataset) for p in ("train", "val", "test")] == [147, 21, 42]
    x, y = next(iter(ls["train"]))
    assert x.shape == (8, 3, 16, 16) and x.dtype == torch.float32
    assert y.dtype == torch.int64 and 0 <= int(y.min()) and int(y.max()) < 21


def test_eval_preprocessing_is_exact(synthetic_root, cache_dir):
    ls = loaders(synthetic_root, cache_dir)
    ds = ls["val"].dataset
    x, label = ds[3]
    row = ds.indices[3]
    raw = ds.cache.images[row].astype(np.float32) / np.float32(255)
    expected = (raw - np.float32(IMAGENET_MEAN)) / np.float32(IMAGENET_STD)
    np.testing.assert_allclose(x.numpy(), expected.transpose(2, 0, 1), rtol=0, atol=1e-6)
    assert label == ds.cache.labels[row]
    # eval loaders are not shuffled: the same batches every time
    a = torch.cat([b for b, _ in ls["test"]])
    b = torch.cat([b for b, _ in ls["test"]])
    assert torch.equal(a, b)


def test_seed_repeats_training_and_epochs_differ(synthetic_root, cache_dir):
    def first_batches(seed, n_epochs=2):
        train = loaders(synthetic_root, cache_dir, seed=seed)["train"]
        return [next(iter(train)) for _ in range(n_epochs)]

    (x1, y1), (x2, y2) = first_batches(0)
    (z1, w1), _ = first_batches(0)
    (v1, _), _ = first_batches(1)
    assert torch.equal(x1, z1) and torch.equal(y1, w1)  # same seed, same run
    assert not torch.equal(x1, x2)  # next epoch: other order and augmentation
    assert not torch.equal(x1, v1)  # other seed


def test_augment_false_gives_eval_preprocessing(synthetic_root, cache_dir):
    ds = loaders(synthetic_root, cache_dir, augment=False)["train"].dataset
    x, _ = ds[0]
    np.testing.assert_allclose(x.numpy(), td.preprocess(ds.cache.images[ds.indices[0]]).numpy(), atol=0)


def test_identity_augmentation_changes_nothing():
    img = np.random.default_rng(0).integers(0, 256, (12, 12, 3), dtype=np.uint8)
    cfg = AugmentConfig(scale=(1, 1), ratio=(1, 1), flips=False, brightness=0, contrast=0, saturation=0)
    out = td.augment_image(img, np.full(td.N_UNIFORMS, 0.7), cfg)
    np.testing.assert_allclose(out.numpy(), td.preprocess(img).numpy(), atol=1e-6)


def test_flips_cover_the_eight_symmetries():
    img = np.arange(4 * 4 * 3, dtype=np.uint8).reshape(4, 4, 3)
    cfg = AugmentConfig(scale=(1, 1), ratio=(1, 1), brightness=0, contrast=0, saturation=0)
    outs = set()
    for t in (0.2, 0.8):
        for h in (0.2, 0.8):
            for v in (0.2, 0.8):
                out = td.augment_image(img, [0.5] * 4 + [t, h, v] + [0.5] * 3, cfg)
                outs.add(out.numpy().round(5).tobytes())
    assert len(outs) == 8  # all of D4: four rotations, each optionally mirrored


def test_crop_enlarges_a_part(synthetic_root, cache_dir):
    cache = build_cache(synthetic_root, 16, cache_dir=cache_dir, progress=False)
    img = np.zeros((16, 16, 3), np.uint8)
    img[:8, :8] = 255  # a white top-left quarter
    cfg = AugmentConfig(scale=(0.25, 0.25), ratio=(1, 1), flips=False, brightness=0, contrast=0, saturation=0)
    out = td.augment_image(img, [0, 0.5, 0, 0] + [0.5] * 6, cfg)  # box at the top-left, a quarter of the area
    white = (out.numpy() * np.float32(IMAGENET_STD).reshape(3, 1, 1) + np.float32(IMAGENET_MEAN).reshape(3, 1, 1))
    assert white[:, :14, :14].min() > 0.99  # the quarter fills the output ...
    assert white.mean() > 0.96  # ... bar a seam on the last row and column: the box is sampled from the full image
    assert len(cache) == 210


def test_distributed_sampler_shards_the_training_set(synthetic_root, cache_dir):
    seen = []
    for rank in range(2):
        train = loaders(synthetic_root, cache_dir, rank=rank, world_size=2)["train"]
        assert isinstance(train.sampler, torch.utils.data.DistributedSampler)
        train.sampler.set_epoch(0)
        seen.append([int(i) for i in train.sampler])
    assert len(seen[0]) == len(seen[1]) == 74  # 147 images, padded to 148
    assert set(seen[0]) | set(seen[1]) == set(range(147))
    with pytest.raises(ValueError, match="torch.distributed"):
        loaders(synthetic_root, cache_dir, distributed=True)


def test_workers_give_the_same_data_as_the_main_process(synthetic_root, cache_dir):
    a = loaders(synthetic_root, cache_dir, num_workers=0)["val"]
    b = loaders(synthetic_root, cache_dir, num_workers=1)["val"]
    assert torch.equal(next(iter(a))[0], next(iter(b))[0])
    # training with a worker is still repeatable
    t1 = next(iter(loaders(synthetic_root, cache_dir, num_workers=1, seed=5)["train"]))[0]
    t2 = next(iter(loaders(synthetic_root, cache_dir, num_workers=1, seed=5)["train"]))[0]
    assert torch.equal(t1, t2)
