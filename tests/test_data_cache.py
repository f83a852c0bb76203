"""The decoded cache (inception.data.cache)."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
from data_fixtures import fresh_synthetic, synthetic_root  # noqa: F401 (fixtures)
from PIL import Image

from inception.data import DataError, build_cache, decode_resized, find_data_dir, load_split
from inception.data import cache as cache_mod
from inception.data.split import as_split
from inception.data.synthetic import make_synthetic_ucmerced


def files_in(folder):
    return sorted(p.name for p in folder.iterdir())


def test_cache_holds_every_image_resized(tmp_path, synthetic_root):
    cache = build_cache(synthetic_root, 16, cache_dir=tmp_path, progress=False)
    assert cache.images.shape == (210, 16, 16, 3) and cache.images.dtype == np.uint8
    assert isinstance(cache.images, np.memmap) and not cache.images.flags.writeable
    root = find_data_dir(synthetic_root)
    for row in (0, 57, 209):
        stem = cache.stems[row]
        np.testing.assert_array_equal(cache.images[row], decode_resized(root / f"{stem}.png", 16))
        assert cache.labels[row] == int(row // 10)
    assert cache.meta["source"] == str(root)


def test_reopening_does_not_decode(tmp_path, synthetic_root, monkeypatch):
    first = build_cache(synthetic_root, 16, cache_dir=tmp_path, progress=False)

    def boom(*args, **kwargs):
        raise AssertionError("decoded again")

    monkeypatch.setattr(cache_mod, "_decode_into", boom)
    again = build_cache(synthetic_root, 16, cache_dir=tmp_path, progress=False)
    assert again.path == first.path
    with pytest.raises(AssertionError, match="decoded again"):
        build_cache(synthetic_root, 16, cache_dir=tmp_path, progress=False, rebuild=True)


def test_changed_source_rebuilds_and_removes_stale(tmp_path, fresh_synthetic):
    cache_dir = tmp_path / "cache"
    old = build_cache(fresh_synthetic, 8, cache_dir=cache_dir, progress=False)
    root = find_data_dir(fresh_synthetic)
    target = root / "beach" / "beach02.png"
    Image.fromarray(np.full((24, 24, 3), 7, np.uint8)).save(target)
    os.utime(target, ns=(1, 1))  # a different modification time, whatever the clock says
    new = build_cache(fresh_synthetic, 8, cache_dir=cache_dir, progress=False)
    assert new.path != old.path and new.key != old.key
    row = new.stems.index("beach/beach02")
    assert (new.images[row] == 7).all()
    assert files_in(cache_dir) == sorted([new.path.name, new.path.with_suffix(".json").name, ".ucmerced_8px.lock"])


def test_added_file_and_other_size_give_other_caches(tmp_path, fresh_synthetic):
    cache_dir = tmp_path / "cache"
    a = build_cache(fresh_synthetic, 8, cache_dir=cache_dir, progress=False)
    b = build_cache(fresh_synthetic, 12, cache_dir=cache_dir, progress=False)
    assert b.path != a.path and b.images.shape[1:] == (12, 12, 3) and a.path.exists()  # sizes coexist
    root = find_data_dir(fresh_synthetic)
    Image.fromarray(np.zeros((24, 24, 3), np.uint8)).save(root / "river" / "river05.png")
    c = build_cache(fresh_synthetic, 8, cache_dir=cache_dir, progress=False)
    assert len(c) == len(a) + 1 and c.path != a.path


def test_decode_error_names_file_and_leaves_nothing(tmp_path, fresh_synthetic):
    root = find_data_dir(fresh_synthetic)
    (root / "runway" / "runway01.png").write_bytes(b"broken")
    cache_dir = tmp_path / "cache"
    with pytest.raises(DataError, match=r"runway01.png: cannot decode"):
        build_cache(fresh_synthetic, 8, cache_dir=cache_dir, progress=False, workers=2)
    assert [n for n in files_in(cache_dir) if not n.endswith(".lock")] == []


def test_interrupted_build_leaves_no_cache(tmp_path, fresh_synthetic, monkeypatch):
    calls = []
    real = cache_mod.resize_rgb

    def flaky(img, size):
        calls.append(1)
        if len(calls) == 30:
            raise KeyboardInterrupt
        return real(img, size)

    monkeypatch.setattr(cache_mod, "resize_rgb", flaky)
    cache_dir = tmp_path / "cache"
    with pytest.raises(KeyboardInterrupt):
        build_cache(fresh_synthetic, 8, cache_dir=cache_dir, progress=False, workers=1)
    assert [n for n in files_in(cache_dir) if not n.endswith(".lock")] == []


def test_grayscale_and_odd_sizes_enter_the_cache_as_rgb(tmp_path):
    root = make_synthetic_ucmerced(tmp_path / "d", per_class=3, size=20, odd_sizes=True, grayscale=True)
    cache = build_cache(root, 10, cache_dir=tmp_path / "c", progress=False)
    g = cache.images[cache.stems.index("agricultural/agricultural01")]
    assert (g[..., 0] == g[..., 1]).all() and (g[..., 1] == g[..., 2]).all()
    assert set(cache.meta["odd_sizes"]) == {"agricultural/agricultural00", "airplane/airplane00",
                                            "baseballdiamond/baseballdiamond00", "beach/beach00"}
    assert cache.meta["converted_to_rgb"] == {"agricultural/agricultural01": "L", "airplane/airplane01": "L",
                                              "baseballdiamond/baseballdiamond01": "L"}


def test_split_indices_and_missing_stems(tmp_path, synthetic_root):
    cache = build_cache(synthetic_root, 8, cache_dir=tmp_path, progress=False)
    parts = cache.split_indices(as_split(None, cache.stems))
    rows = np.concatenate(list(parts.values()))
    assert sorted(rows.tolist()) == list(range(210))
    with pytest.raises(DataError, match="not in the data folder"):
        cache.split_indices(load_split())  # 100-per-class split, 10-per-class folder


def test_caches_of_vanished_folders_are_pruned(tmp_path):
    cache_dir = tmp_path / "cache"
    gone = make_synthetic_ucmerced(tmp_path / "gone", per_class=1, size=8)
    old = build_cache(gone, 8, cache_dir=cache_dir, progress=False)
    shutil.rmtree(gone)  # e.g. a test's temporary folder
    kept = make_synthetic_ucmerced(tmp_path / "kept", per_class=1, size=8)
    other = build_cache(kept, 12, cache_dir=cache_dir, progress=False)
    assert not old.path.exists() and not old.path.with_suffix(".json").exists()
    assert other.path.exists()


def test_environment_variable_sets_the_default_cache_dir(tmp_path, synthetic_root, monkeypatch):
    monkeypatch.setenv("UCMERCED_CACHE_DIR", str(tmp_path / "env_cache"))
    cache = build_cache(synthetic_root, 8, progress=False)
    assert cache.path.parent == tmp_path / "env_cache"
