"""The committed split and split helpers (inception.data.split)."""

from __future__ import annotations

import json
import random
from collections import Counter

import pytest
from data_fixtures import fresh_synthetic, synthetic_root  # noqa: F401 (fixtures)

from inception.data import CLASSES, DataError, load_split, make_split, read_split_lists, resolve_files
from inception.data.split import as_split, canonical_stems, split_file, split_to_json


def test_committed_file_equals_regenerated():
    path = split_file()
    assert path.is_file(), "data/splits/ucmerced_split.json is missing: python -m inception.data split --write"
    assert path.read_text() == split_to_json(make_split())  # byte for byte, not just equal content
    assert load_split() == make_split()


def test_default_split_is_stratified_and_complete():
    split = load_split()
    assert {k: len(v) for k, v in split.items()} == {"train": 1470, "val": 210, "test": 420}
    for part, n in (("train", 70), ("val", 10), ("test", 20)):
        assert Counter(label for _, label in split[part]) == {i: n for i in range(21)}
    stems = [s for part in split.values() for s, _ in part]
    assert sorted(stems) == sorted(canonical_stems())  # disjoint and covering
    assert all("." not in s for s in stems)  # no extension: works for .tif and .jpg copies
    assert split["test"][0] == (split["test"][0][0], 0) and split["test"][-1][1] == 20
    assert all(s.startswith(CLASSES[label] + "/") for part in split.values() for s, label in part)


def test_split_does_not_depend_on_listing_order():
    stems = canonical_stems()
    shuffled = stems[:]
    random.Random(1).shuffle(shuffled)
    assert make_split(shuffled) == make_split(stems)
    assert make_split(list(reversed(stems))) == make_split(stems)


def test_seed_changes_the_split():
    a, b = make_split(seed=0), make_split(seed=1)
    assert a["test"] != b["test"]
    assert Counter(l for _, l in b["test"]) == {i: 20 for i in range(21)}


def test_test_images_differ_between_classes_in_position():
    # hashing, not "the first 20 of each class": test stems are spread over 00..99
    nums = [int(s[-2:]) for s, _ in load_split()["test"]]
    assert min(nums) < 10 and max(nums) > 90 and len(set(nums)) > 50


def test_proportional_split_for_small_sets():
    split = make_split(canonical_stems(10), test_per_class=None, val_per_class=None)
    assert {k: len(v) for k, v in split.items()} == {"train": 21 * 7, "val": 21, "test": 42}
    with pytest.raises(DataError, match="too few"):
        make_split(canonical_stems(2), test_per_class=None, val_per_class=None)


def test_as_split_picks_default_for_the_full_set_only():
    assert as_split(None, canonical_stems()) == load_split()
    small = as_split(None, canonical_stems(5))
    assert sum(len(v) for v in small.values()) == 105


def test_resolve_files_on_synthetic_data(synthetic_root):
    files = resolve_files(synthetic_root)
    assert sum(len(v) for v in files.values()) == 210
    path, label = files["train"][0]
    assert path.is_file() and path.parent.name == CLASSES[label]


def test_resolve_files_names_missing_images(synthetic_root):
    with pytest.raises(DataError, match=r"missing from .*agricultural/agricultural1\d"):
        resolve_files(synthetic_root, "default")  # the 100-per-class split on a 10-per-class folder


def test_split_mapping_is_checked():
    with pytest.raises(DataError, match="in both train and test"):
        as_split({"train": ["beach/beach00"], "val": [], "test": ["beach/beach00"]}, [])
    with pytest.raises(DataError, match="not a UC Merced class"):
        as_split({"train": ["lake/lake00"], "val": [], "test": []}, [])


def test_read_torchgeo_split_lists(tmp_path):
    (tmp_path / "uc_merced-train.txt").write_text("agricultural00.tif\nsparseresidential45.tif\n\n")
    (tmp_path / "uc_merced-val.txt").write_text("airplane07.tif\n")
    (tmp_path / "uc_merced-test.txt").write_text("tenniscourt99.tif\n")
    split = read_split_lists(tmp_path)
    assert split == {
        "train": [("agricultural/agricultural00", 0), ("sparseresidential/sparseresidential45", 18)],
        "val": [("airplane/airplane07", 1)],
        "test": [("tenniscourt/tenniscourt99", 20)],
    }


def test_split_file_format_is_documented_json():
    doc = json.loads(split_file().read_text())
    assert doc["format"] == "ucmerced-split-v1" and doc["seed"] == 0 and doc["classes"] == list(CLASSES)
    assert doc["per_class"] == {"train": 70, "val": 10, "test": 20}
