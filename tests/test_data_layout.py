"""Locating, listing, decoding and verifying a data folder (inception.data.layout)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from data_fixtures import fresh_synthetic, synthetic_root  # noqa: F401 (fixtures)
from PIL import Image

from inception.data import CLASSES, DataError, decode_resized, find_data_dir, load_rgb, scan, verify
from inception.data.synthetic import make_synthetic_ucmerced


def test_classes_are_the_21_in_alphabetical_order():
    assert len(CLASSES) == 21 and list(CLASSES) == sorted(CLASSES)
    assert CLASSES[0] == "agricultural" and CLASSES[-1] == "tenniscourt"


@pytest.mark.parametrize("layout, sub", [("official", "UCMerced_LandUse/Images"), ("images", "Images"), ("flat", ".")])
def test_find_data_dir_accepts_three_layouts(tmp_path, layout, sub):
    make_synthetic_ucmerced(tmp_path, per_class=1, size=8, layout=layout)
    assert find_data_dir(tmp_path) == (tmp_path / sub).resolve()


def test_find_data_dir_reads_the_environment_variable(tmp_path, monkeypatch):
    make_synthetic_ucmerced(tmp_path, per_class=1, size=8, layout="images")
    monkeypatch.setenv("UCMERCED_DIR", str(tmp_path))
    assert find_data_dir() == (tmp_path / "Images").resolve()
    assert find_data_dir(tmp_path / "Images") == (tmp_path / "Images").resolve()  # the argument wins


def test_missing_folder_says_how_to_get_the_data(tmp_path):
    with pytest.raises(DataError) as err:
        find_data_dir(tmp_path / "nowhere")
    assert "does not exist" in str(err.value) and "python -m inception.data download" in str(err.value)
    with pytest.raises(DataError, match="No UC Merced class folders"):
        find_data_dir(tmp_path)


def test_scan_ignores_junk_and_orders_canonically(fresh_synthetic):
    layout = scan(fresh_synthetic)
    assert len(layout.records) == 21 * 5
    assert layout.stems[:2] == ("agricultural/agricultural00", "agricultural/agricultural01")
    assert [r.label for r in layout.records] == sorted(r.label for r in layout.records)
    assert {p.name for p in layout.ignored} == {".DS_Store", "Thumbs.db"}


def test_verify_reports_counts(fresh_synthetic):
    report = verify(fresh_synthetic, per_class=5)
    assert report.counts == {c: 5 for c in CLASSES} and report.n_images == 105
    text = report.summary()
    assert "tenniscourt" in text and "105 images" in text


def test_verify_expects_100_per_class_by_default(fresh_synthetic):
    with pytest.raises(DataError, match=r"class agricultural: 5 images .* expected 100"):
        verify(fresh_synthetic)


def test_missing_class_is_named(fresh_synthetic):
    root = find_data_dir(fresh_synthetic)
    shutil.rmtree(root / "harbor")
    with pytest.raises(DataError) as err:
        verify(fresh_synthetic, per_class=5)
    assert "class harbor: no images" in str(err.value) and str(root / "harbor") in str(err.value)
    with pytest.raises(DataError, match="missing class folder"):
        scan(fresh_synthetic)


def test_wrong_count_is_named(fresh_synthetic):
    root = find_data_dir(fresh_synthetic)
    (root / "river" / "river03.png").unlink()
    with pytest.raises(DataError, match=r"class river: 4 images .* expected 5"):
        verify(fresh_synthetic, per_class=5)


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_corrupt_image_is_named(fresh_synthetic, damage):
    root = find_data_dir(fresh_synthetic)
    bad = root / "forest" / "forest02.png"
    if damage == "garbage":
        bad.write_bytes(b"this is not a PNG file")
    else:
        bad.write_bytes(bad.read_bytes()[:-60])  # lose the end of the image data
    with pytest.raises(DataError) as err:
        verify(fresh_synthetic, per_class=5)
    assert str(bad) in str(err.value) and "cannot decode" in str(err.value)
    verify(fresh_synthetic, per_class=5, decode=False)  # names and counts alone are fine


def test_truncated_jpeg_is_an_error(tmp_path):
    path = tmp_path / "x.jpg"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(path, quality=95)
    path.write_bytes(path.read_bytes()[: 2000])
    with pytest.raises(DataError, match="x.jpg: cannot decode"):
        load_rgb(path)


def test_two_files_for_one_stem_is_an_error(fresh_synthetic):
    root = find_data_dir(fresh_synthetic)
    shutil.copy(root / "beach" / "beach00.png", root / "beach" / "beach00.jpg")
    with pytest.raises(DataError, match="two files for one image"):
        scan(fresh_synthetic)


# --------------------------------------------------------------------------
# conversions
# --------------------------------------------------------------------------


def test_grayscale_is_repeated_in_three_channels(tmp_path):
    g = np.arange(48, dtype=np.uint8).reshape(6, 8) * 5
    Image.fromarray(g, "L").save(tmp_path / "g.png")
    rgb = load_rgb(tmp_path / "g.png")
    assert rgb.shape == (6, 8, 3) and rgb.dtype == np.uint8
    for c in range(3):
        np.testing.assert_array_equal(rgb[:, :, c], g)


def test_rgba_drops_alpha(tmp_path):
    a = np.random.default_rng(1).integers(0, 256, (5, 7, 4), dtype=np.uint8)
    a[:, :, 3] = 0  # fully transparent: the colour must survive anyway
    Image.fromarray(a, "RGBA").save(tmp_path / "a.png")
    np.testing.assert_array_equal(load_rgb(tmp_path / "a.png"), a[:, :, :3])


def test_sixteen_bit_grayscale_keeps_the_high_byte(tmp_path):
    v = np.array([[0, 255, 256, 40000, 65535]], dtype=np.uint16)
    Image.fromarray(v).save(tmp_path / "s.png")  # 16-bit PNG
    Image.fromarray(v).save(tmp_path / "s.tif")  # 16-bit TIFF
    for name in ("s.png", "s.tif"):
        rgb = load_rgb(tmp_path / name)
        np.testing.assert_array_equal(rgb[0, :, 0], [0, 0, 1, 156, 255])
        np.testing.assert_array_equal(rgb[:, :, 0], rgb[:, :, 2])


def test_float_image_is_an_error_naming_the_file(tmp_path):
    Image.fromarray(np.zeros((4, 4), np.float32), "F").save(tmp_path / "f.tif")
    with pytest.raises(DataError, match=r"f.tif: unsupported image mode 'F'"):
        load_rgb(tmp_path / "f.tif")


def test_verify_notes_conversions_and_odd_sizes(tmp_path):
    root = make_synthetic_ucmerced(tmp_path, per_class=3, size=32, odd_sizes=True, grayscale=True)
    report = verify(root, per_class=3)
    assert report.converted == {f"{c}/{c}01": "L" for c in CLASSES[:3]}
    assert report.odd_sizes == {
        "agricultural/agricultural00": (23, 23),
        "airplane/airplane00": (33, 33),
        "baseballdiamond/baseballdiamond00": (18, 32),
        "beach/beach00": (32, 27),
    }
    assert "4 images are not square" in report.summary() and "3 images converted" in report.summary()


# --------------------------------------------------------------------------
# bringing odd sizes to the model input size
# --------------------------------------------------------------------------


@pytest.mark.parametrize("wh", [(247, 247), (257, 257), (242, 256), (256, 251), (256, 256)])
def test_odd_sizes_are_resized_whole(tmp_path, wh):
    w, h = wh
    # left half black, right half white; a red one-pixel frame that a crop would cut off
    a = np.zeros((h, w, 3), np.uint8)
    a[:, w // 2 :] = 255
    a[0, :] = a[-1, :] = a[:, 0] = a[:, -1] = (255, 0, 0)
    Image.fromarray(a).save(tmp_path / "x.png")
    out = decode_resized(tmp_path / "x.png", 128)
    assert out.shape == (128, 128, 3) and out.dtype == np.uint8
    # whole image kept: the frame is still visible at every edge (reddish), halves still split in the middle
    for edge in (out[0], out[-1], out[:, 0], out[:, -1]):
        assert (edge[:, 0].astype(int) - edge[:, 1]).mean() > 40
    assert out[64, 8:56, 1].max() < 30 and out[64, 72:120, 1].min() > 225
    # and it is exactly Pillow's bilinear resize of the whole image (antialiased when shrinking)
    ref = np.asarray(Image.fromarray(a).resize((128, 128), Image.BILINEAR, reducing_gap=None))
    np.testing.assert_array_equal(out, ref)


def test_shrinking_is_antialiased(tmp_path):
    # one-pixel checkerboard: point sampling would give pure black or white; a box/triangle filter gives grey
    a = ((np.indices((256, 256)).sum(0) % 2) * 255).astype(np.uint8)
    Image.fromarray(np.stack([a] * 3, -1)).save(tmp_path / "c.png")
    out = decode_resized(tmp_path / "c.png", 64)
    assert abs(out.astype(float).mean() - 127.5) < 2 and out.std() < 10
