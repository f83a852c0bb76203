"""All 2,100 real images through the real loader (skipped without the offline copy)."""

from __future__ import annotations

import numpy as np
import pytest
from data_fixtures import REAL_COPY

from inception.data import CLASSES, build_cache, find_data_dir, load_split, resolve_files, verify

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(not (REAL_COPY / "Images").is_dir(), reason=f"real UC Merced copy not found at {REAL_COPY}"),
]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("real_cache")


def test_real_copy_verifies_and_decodes_into_the_cache(cache_dir):
    report = verify(REAL_COPY)  # decodes every image
    assert report.counts == {c: 100 for c in CLASSES} and report.n_images == 2100
    assert len(report.odd_sizes) == 44  # documented: 44 images are not 256x256
    assert "harbor/harbor10" in report.odd_sizes and report.odd_sizes["buildings/buildings96"] == (247, 247)

    cache = build_cache(REAL_COPY, 64, cache_dir=cache_dir, progress=False, rebuild=True)
    assert cache.images.shape == (2100, 64, 64, 3)
    assert len(cache.meta["odd_sizes"]) == 44
    # every image landed (none left black) and the stems match the split
    assert int((cache.images.reshape(2100, -1).max(axis=1) == 0).sum()) == 0
    parts = cache.split_indices(load_split())
    assert {k: len(v) for k, v in parts.items()} == {"train": 1470, "val": 210, "test": 420}
    files = resolve_files(REAL_COPY)
    assert files["test"][0][0].suffix == ".jpg" and files["test"][0][0].parent.parent == find_data_dir(REAL_COPY)
    means = cache.images[parts["train"]].reshape(-1, 3).mean(axis=0) / 255
    assert np.all((means > 0.3) & (means < 0.6))  # plausible aerial-photo colour


def test_real_copy_through_the_torch_loader(cache_dir):
    torch = pytest.importorskip("torch")
    from inception.data.torch_data import make_loaders

    loaders = make_loaders(REAL_COPY, image_size=64, batch_size=64, cache_dir=cache_dir, progress=False)
    n = 0
    for x, y in loaders["test"]:
        assert x.shape[1:] == (3, 64, 64) and torch.isfinite(x).all()
        n += len(y)
    assert n == 420
    x, y = next(iter(loaders["train"]))
    assert x.shape == (64, 3, 64, 64) and y.unique().numel() > 10
