"""Still images: every bit depth and colour mode of PNG, JPEG, BMP and TIFF, and mask files."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from busviewer.core.errors import ScanLoadError
from busviewer.io.image_reader import read_image, read_mask_image

RNG = np.random.default_rng(7)
GREY8 = RNG.integers(0, 256, (12, 20), dtype=np.uint8)
GREY16 = RNG.integers(0, 65536, (12, 20), dtype=np.uint16)
RGB8 = RNG.integers(0, 256, (12, 20, 3), dtype=np.uint8)


@pytest.mark.parametrize("suffix", [".png", ".bmp", ".tif"])
def test_grey_8bit_is_exact(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"grey{suffix}"
    Image.fromarray(GREY8).save(path)
    scan = read_image(path)
    assert scan.frames.shape == (1, 12, 20) and scan.frames.dtype == np.uint8 and scan.bits == 8
    assert scan.photometric == "MONOCHROME2" and not scan.calibration.is_calibrated
    np.testing.assert_array_equal(scan.frames[0], GREY8)


@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_grey_16bit_keeps_full_depth(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"grey16{suffix}"
    Image.fromarray(GREY16).save(path)
    scan = read_image(path)
    assert scan.frames.dtype == np.uint16 and scan.bits == 16
    np.testing.assert_array_equal(scan.frames[0], GREY16)


@pytest.mark.parametrize("suffix", [".png", ".bmp", ".tif"])
def test_rgb_8bit_is_exact(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"rgb{suffix}"
    Image.fromarray(RGB8).save(path)
    scan = read_image(path)
    assert scan.frames.shape == (1, 12, 20, 3) and scan.photometric == "RGB"
    np.testing.assert_array_equal(scan.frames[0], RGB8)


def test_rgb_16bit_png_becomes_8bit_rgb_in_the_right_channel_order(tmp_path: Path) -> None:
    rgb16 = RNG.integers(0, 65536, (12, 20, 3), dtype=np.uint16)
    path = tmp_path / "rgb16.png"
    cv2.imwrite(str(path), rgb16[..., ::-1])  # OpenCV writes BGR
    scan = read_image(path)
    assert scan.frames.shape == (1, 12, 20, 3) and scan.frames.dtype == np.uint8
    assert np.abs(scan.frames[0].astype(int) - (rgb16 >> 8)).max() <= 1


def test_rgba_drops_alpha(tmp_path: Path) -> None:
    rgba = np.concatenate([RGB8, np.full((12, 20, 1), 128, np.uint8)], axis=2)
    path = tmp_path / "rgba.png"
    Image.fromarray(rgba).save(path)
    np.testing.assert_array_equal(read_image(path).frames[0], RGB8)


@pytest.mark.parametrize("transparency", [None, 0])
def test_palette_is_expanded(tmp_path: Path, transparency: int | None) -> None:
    palette_image = Image.fromarray(RGB8).quantize(colors=16)
    expected = np.asarray(palette_image.convert("RGB"))
    path = tmp_path / "palette.png"
    if transparency is None:
        palette_image.save(path)
    else:
        palette_image.save(path, transparency=transparency)
    np.testing.assert_array_equal(read_image(path).frames[0], expected)


def test_grey_palette_or_equal_channels_are_stored_as_grey(tmp_path: Path) -> None:
    path = tmp_path / "grey_as_rgb.png"
    Image.fromarray(np.stack([GREY8] * 3, axis=-1)).save(path)
    scan = read_image(path)
    assert not scan.is_colour
    np.testing.assert_array_equal(scan.frames[0], GREY8)


def test_jpeg_grey_and_colour(tmp_path: Path) -> None:
    smooth = np.repeat(np.repeat(GREY8[:3, :5], 8, axis=0), 8, axis=1)
    path = tmp_path / "grey.jpg"
    Image.fromarray(smooth).save(path, quality=95)
    scan = read_image(path)
    assert scan.file_format == "jpeg" and scan.frames.shape == (1, 24, 40)
    assert np.abs(scan.frames[0].astype(int) - smooth).mean() < 4


def test_one_bit_image(tmp_path: Path) -> None:
    path = tmp_path / "bits.png"
    Image.fromarray(GREY8 > 127).save(path)
    np.testing.assert_array_equal(read_image(path).frames[0] > 0, GREY8 > 127)


@pytest.mark.parametrize(
    ("writer", "name"),
    [
        (lambda mask: Image.fromarray(mask.astype(np.uint8)), "mask01.png"),  # BUSI-style 0/1
        (lambda mask: Image.fromarray(mask.astype(np.uint8) * 255), "mask255.png"),
        (lambda mask: Image.fromarray(mask), "mask1bit.png"),
        (lambda mask: Image.fromarray(mask.astype(np.uint16) * 65535), "mask16.png"),
        (lambda mask: Image.fromarray(np.stack([mask.astype(np.uint8) * 255] * 3, -1)), "mask_rgb.png"),
    ],
)
def test_mask_files_of_every_kind(tmp_path: Path, writer, name: str) -> None:  # type: ignore[no-untyped-def]
    mask = GREY8 > 100
    path = tmp_path / name
    writer(mask).save(path)
    result = read_mask_image(path)
    assert result.dtype == bool
    np.testing.assert_array_equal(result, mask)


def test_oversized_header_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("busviewer.io.image_reader.MAX_PIXELS", 100)
    path = tmp_path / "big.png"
    Image.fromarray(GREY8).save(path)
    with pytest.raises(ScanLoadError, match="big.png claims 20x12 pixels"):
        read_image(path)
