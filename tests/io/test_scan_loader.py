"""Format detection by content, the demo scan, and every real DICOM in the shared data folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from busviewer.core.phantom import make_phantom
from busviewer.io.scan_loader import (
    SUPPORTED_SUFFIXES,
    demo_mask_path,
    demo_scan_path,
    detect_format,
    file_dialog_filter,
    load_demo_scan,
    load_scan,
)
from tests.io.test_dicom_reader import grey_ramp, make_dataset, write_dicom

# From /work/shared/README.md: frames, photometric, transfer syntax, calibration source; rows and columns as
# stored in the files.
SHARED_DICOMS = {
    "US1_UNCR.dcm": (1, 480, 640, "RGB", "1.2.840.10008.1.2.1", "none"),
    "US1_J2KR.dcm": (1, 480, 640, "YBR_RCT", "1.2.840.10008.1.2.4.90", "none"),
    "OBXXXX1A.dcm": (1, 600, 800, "PALETTE COLOR", "1.2.840.10008.1.2.1", "us-region"),
    "OBXXXX1A_rle_2frame.dcm": (2, 600, 800, "PALETTE COLOR", "1.2.840.10008.1.2.5", "us-region"),
    "JPGLosslessP14SV1_1s_1f_8b.dcm": (1, 768, 1024, "MONOCHROME2", "1.2.840.10008.1.2.4.70", "us-region"),
    "gdcm-US-ALOKA-16.dcm": (1, 480, 640, "PALETTE COLOR", "1.2.840.10008.1.2", "us-region"),
    "examples_ybr_color.dcm": (30, 240, 320, "YBR_FULL_422", "1.2.840.10008.1.2.4.50", "us-region"),
    "examples_palette.dcm": (1, 350, 800, "PALETTE COLOR", "1.2.840.10008.1.2.1", "us-region"),
    "YBR_422.dcm": (1, 555, 800, "YBR_FULL_422", "1.2.840.10008.1.2.1", "us-region"),
}


@pytest.mark.parametrize(
    ("save_format", "name", "expected"),
    [("PNG", "scan.dcm", "png"), ("JPEG", "scan.bmp", "jpeg"), ("BMP", "scan", "bmp"), ("TIFF", "scan.png", "tiff")],
)
def test_images_are_recognised_by_content_not_name(
    tmp_path: Path, save_format: str, name: str, expected: str
) -> None:
    pixels = grey_ramp()
    path = tmp_path / name
    Image.fromarray(pixels).save(path, format=save_format)
    assert detect_format(path) == expected
    scan = load_scan(path)
    assert scan.file_format == expected and scan.frames.shape == (1, 16, 24)
    if expected != "jpeg":
        np.testing.assert_array_equal(scan.frames[0], pixels)


def test_dicom_with_image_extension_is_read_as_dicom(tmp_path: Path) -> None:
    path = write_dicom(make_dataset(grey_ramp()), tmp_path / "looks_like.jpg")
    assert detect_format(path) == "dicom"
    assert load_scan(path).file_format == "dicom"


def test_supported_suffixes_and_dialog_filter() -> None:
    for suffix in (".dcm", ".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"):
        assert suffix in SUPPORTED_SUFFIXES
        assert f"*{suffix}" in file_dialog_filter()
    assert "All files (*)" in file_dialog_filter()  # DICOM files often have no ending at all


def test_demo_scan_files_match_the_phantom() -> None:
    if not demo_scan_path().is_file():
        pytest.skip("demo scan not generated (run python resources/make_demo.py)")
    image, mask = make_phantom()
    scan = load_scan(demo_scan_path())
    np.testing.assert_array_equal(scan.frames[0], image)
    demo_scan, demo_mask = load_demo_scan()
    np.testing.assert_array_equal(demo_mask, mask)
    assert demo_mask_path().is_file() and demo_scan.calibration.spacing_mm == (0.1, 0.1)


def test_demo_scan_is_drawn_when_files_are_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("busviewer.io.scan_loader.demo_scan_path", lambda: tmp_path / "absent.png")
    scan, mask = load_demo_scan()
    assert scan.frames.shape == (1, 480, 640) and mask.shape == (480, 640) and mask.any()
    assert scan.calibration.is_calibrated


@pytest.mark.parametrize("name", sorted(SHARED_DICOMS))
def test_shared_dicom_files(shared_dicom_dir: Path, name: str) -> None:
    frames, rows, columns, photometric, transfer_syntax, calibration = SHARED_DICOMS[name]
    path = shared_dicom_dir / name
    if not path.is_file():
        pytest.skip(f"{name} not in the shared data folder")
    scan = load_scan(path)
    assert scan.file_format == "dicom"
    assert scan.n_frames == frames and scan.shape == (rows, columns)
    assert scan.photometric == photometric and scan.transfer_syntax == transfer_syntax
    assert scan.calibration.source == calibration
    assert scan.calibration.is_calibrated == (calibration != "none")
    if scan.calibration.spacing_mm is not None:
        assert all(0.01 < value < 2.0 for value in scan.calibration.spacing_mm)  # plausible mm per pixel
    assert scan.modality == "US" and scan.manufacturer
    # Everything but the one greyscale file is shown in colour; all arrive as uint8 for display.
    assert scan.is_colour == (photometric != "MONOCHROME2")
    assert scan.frames.dtype == np.uint8
    assert int(scan.frames.max()) > 100  # decoded to a visible image, not black


def test_shared_multiframe_frame_rate(shared_dicom_dir: Path) -> None:
    path = shared_dicom_dir / "examples_ybr_color.dcm"
    if not path.is_file():
        pytest.skip("examples_ybr_color.dcm not in the shared data folder")
    assert load_scan(path).frame_rate == pytest.approx(30.0, abs=0.01)


def test_shared_ybr_colours_are_plausible(shared_dicom_dir: Path) -> None:
    """A YBR file read without conversion turns grey tissue green; converted, grey pixels have R close to G."""
    path = shared_dicom_dir / "YBR_422.dcm"
    if not path.is_file():
        pytest.skip("YBR_422.dcm not in the shared data folder")
    frame = load_scan(path).frames[0].astype(int)
    tissue = frame[200:400, 300:700]
    assert np.median(np.abs(tissue[..., 0] - tissue[..., 1])) <= 3
