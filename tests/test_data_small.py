"""inception.data.small: the small subset chapter 6 trains on."""

import numpy as np
import pytest

from inception.data import CLASSES, DataError, load_split, make_synthetic_ucmerced
from inception.data import small
from inception.data.layout import decode_resized
from inception.data.transforms import normalize_numpy


def test_first_images_of_each_class_in_split_order(tmp_path):
    root = make_synthetic_ucmerced(tmp_path / "d", per_class=100, size=16)
    data = small.small_ucmerced(8, train_per_class=2, val_per_class=1, data_dir=root)
    assert data.source == small.REAL
    assert data.x_train.shape == (42, 8, 8, 3) and data.x_val.shape == (21, 8, 8, 3)
    assert data.x_train.dtype == np.float32 and data.y_train.dtype == np.int64
    assert np.bincount(data.y_train, minlength=21).tolist() == [2] * 21
    split = load_split()
    first = split["train"][0]
    expected = normalize_numpy(decode_resized(root / "UCMerced_LandUse" / "Images" / f"{first[0]}.png", 8))
    np.testing.assert_array_equal(data.x_train[0], expected)
    assert data.y_train[0] == first[1]
    val_stems = [s for s, _ in split["val"]]
    assert len(set(val_stems)) == len(val_stems)
    assert data.num_classes == len(CLASSES) and data.image_size == 8


def test_all_images_when_per_class_is_none(tmp_path):
    root = make_synthetic_ucmerced(tmp_path / "d", per_class=100, size=8)
    data = small.small_ucmerced(8, train_per_class=None, val_per_class=None, data_dir=root)
    split = load_split()
    assert len(data.x_train) == len(split["train"]) and len(data.x_val) == len(split["val"])


def test_synthetic_stand_in_without_the_images(monkeypatch):
    monkeypatch.setattr(small, "find_images", lambda data_dir=None: None)
    data = small.small_ucmerced(16, train_per_class=3, val_per_class=1)
    assert data.source == small.SYNTHETIC and data.data_dir is None
    assert data.x_train.shape == (63, 16, 16, 3)
    assert np.bincount(data.y_val, minlength=21).tolist() == [1] * 21
    assert abs(float(data.x_train.mean())) < 3.0
    with pytest.raises(DataError):
        small.small_ucmerced(16, 1, 1, synthetic=False)


def test_a_folder_asked_for_must_exist(tmp_path):
    with pytest.raises(DataError):
        small.small_ucmerced(8, 1, 1, data_dir=tmp_path / "nowhere")
