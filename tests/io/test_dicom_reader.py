"""DICOM decoding on small synthetic files: every colour model, planar configuration, multi-frame and codec.

The ``make_dataset`` / ``write_dicom`` helpers here are also used by the bad-input and CLI tests.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.pixels import convert_color_space, get_encoder
from pydicom.uid import (
    JPEG2000,
    ExplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    JPEGLSLossless,
    RLELossless,
    SecondaryCaptureImageStorage,
    UltrasoundImageStorage,
    UltrasoundMultiFrameImageStorage,
    generate_uid,
)

from busviewer.io.dicom_reader import read_dicom
from busviewer.io.scan_loader import detect_format, load_scan

PATIENT_NAME = "Secret^Patient"


def make_dataset(
    pixels: np.ndarray,
    photometric: str = "MONOCHROME2",
    *,
    bits_stored: int | None = None,
    sop_class: str = UltrasoundImageStorage,
) -> Dataset:
    """A minimal ultrasound dataset holding ``pixels`` uncompressed, with identifiable patient fields."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = generate_uid()
    ds.StudyInstanceUID = generate_uid()
    ds.Modality = "US"
    ds.Manufacturer = "Synthetic Scanners Inc."
    ds.PatientName = PATIENT_NAME
    ds.PatientID = "ID-123456"
    ds.PatientBirthDate = "19700101"
    ds.set_pixel_data(pixels, photometric, bits_stored or pixels.dtype.itemsize * 8)
    return ds


def write_dicom(ds: Dataset, path: Path) -> Path:
    ds.save_as(path, enforce_file_format=True)
    return path


def gradient_rgb(rows: int = 16, cols: int = 24, frames: int | None = None) -> np.ndarray:
    """An RGB test image whose three channels all differ, so channel mix-ups show."""
    yy, xx = np.mgrid[0:rows, 0:cols]
    rgb = np.stack([(xx * 10) % 256, (yy * 15) % 256, ((xx + yy) * 7 + 40) % 256], axis=-1).astype(np.uint8)
    if frames is None:
        return rgb
    return np.stack([np.roll(rgb, k, axis=1) for k in range(frames)])


def grey_ramp(rows: int = 16, cols: int = 24) -> np.ndarray:
    return ((np.arange(rows * cols).reshape(rows, cols) * 3) % 256).astype(np.uint8)


def palette_dataset(indices: np.ndarray, entry_bits: int, lut_entries: int) -> tuple[Dataset, np.ndarray]:
    """A PALETTE COLOR dataset and the (entries, 3) LUT it uses, with distinct red, green and blue tables."""
    ramp = np.arange(lut_entries, dtype=np.float64) / max(lut_entries - 1, 1)
    top = (1 << entry_bits) - 1
    lut = np.stack([ramp, ramp[::-1], 0.5 + 0.5 * np.sin(6 * ramp)], axis=-1)
    lut = np.rint(lut * top).astype(np.uint16 if entry_bits == 16 else np.uint8)
    ds = make_dataset(indices, "PALETTE COLOR")
    descriptor = [0 if lut_entries == 65536 else lut_entries, 0, entry_bits]
    for channel, colour in enumerate(("Red", "Green", "Blue")):
        setattr(ds, f"{colour}PaletteColorLookupTableDescriptor", descriptor)
        setattr(ds, f"{colour}PaletteColorLookupTableData", lut[:, channel].tobytes())
    return ds, lut


def test_monochrome2_single_frame_keeps_values_and_metadata(tmp_path: Path) -> None:
    pixels = grey_ramp()
    path = write_dicom(make_dataset(pixels), tmp_path / "mono2.dcm")
    scan = read_dicom(path)
    assert scan.frames.shape == (1, 16, 24) and scan.frames.dtype == np.uint8
    np.testing.assert_array_equal(scan.frames[0], pixels)
    assert scan.file_format == "dicom" and scan.photometric == "MONOCHROME2" and scan.bits == 8
    assert scan.modality == "US" and scan.manufacturer == "Synthetic Scanners Inc."
    assert scan.transfer_syntax == ExplicitVRLittleEndian
    assert scan.sop_class_uid == UltrasoundImageStorage and scan.sop_instance_uid and scan.study_instance_uid
    assert scan.patient.name == PATIENT_NAME and scan.patient.patient_id == "ID-123456"
    assert scan.patient.birth_date == "19700101"
    assert PATIENT_NAME not in repr(scan) and "ID-123456" not in repr(scan)
    assert scan.frame_rate is None


def test_monochrome1_is_inverted(tmp_path: Path) -> None:
    pixels = grey_ramp()
    path = write_dicom(make_dataset(pixels, "MONOCHROME1"), tmp_path / "mono1.dcm")
    np.testing.assert_array_equal(read_dicom(path).frames[0], 255 - pixels)


def test_sixteen_bit_grey_stays_uint16(tmp_path: Path) -> None:
    pixels = (np.arange(16 * 24).reshape(16, 24) * 10).astype(np.uint16)  # 12-bit values
    path = write_dicom(make_dataset(pixels, bits_stored=12), tmp_path / "grey12.dcm")
    scan = read_dicom(path)
    assert scan.frames.dtype == np.uint16 and scan.bits == 12
    np.testing.assert_array_equal(scan.frames[0], pixels)


def test_twelve_bit_monochrome1_inverts_within_stored_range(tmp_path: Path) -> None:
    pixels = (np.arange(16 * 24).reshape(16, 24) * 10).astype(np.uint16)
    path = write_dicom(make_dataset(pixels, "MONOCHROME1", bits_stored=12), tmp_path / "mono1_12.dcm")
    np.testing.assert_array_equal(read_dicom(path).frames[0], 4095 - pixels)


@pytest.mark.parametrize("planar", [0, 1])
def test_rgb_either_planar_configuration(tmp_path: Path, planar: int) -> None:
    rgb = gradient_rgb(frames=2)
    ds = make_dataset(rgb, "RGB", sop_class=UltrasoundMultiFrameImageStorage)
    if planar:
        ds.PlanarConfiguration = 1
        ds.PixelData = np.ascontiguousarray(rgb.transpose(0, 3, 1, 2)).tobytes()
    scan = read_dicom(write_dicom(ds, tmp_path / f"rgb_planar{planar}.dcm"))
    assert scan.frames.shape == (2, 16, 24, 3) and scan.frames.dtype == np.uint8
    np.testing.assert_array_equal(scan.frames, rgb)


@pytest.mark.parametrize("planar", [0, 1])
def test_ybr_full_is_converted_to_rgb(tmp_path: Path, planar: int) -> None:
    rgb = gradient_rgb()
    ybr = convert_color_space(rgb, "RGB", "YBR_FULL")
    ds = make_dataset(ybr, "YBR_FULL")
    if planar:
        ds.PlanarConfiguration = 1
        ds.PixelData = np.ascontiguousarray(ybr.transpose(2, 0, 1)).tobytes()
    scan = read_dicom(write_dicom(ds, tmp_path / f"ybr_full{planar}.dcm"))
    assert scan.photometric == "YBR_FULL"
    assert np.abs(scan.frames[0].astype(int) - rgb).max() <= 2


def test_ybr_full_422_native_is_expanded_and_converted(tmp_path: Path) -> None:
    rows, cols = 8, 12
    luma = (np.arange(rows * cols).reshape(rows, cols) * 2 + 20).astype(np.uint8)
    cb = np.tile(np.linspace(90, 170, cols // 2).astype(np.uint8), (rows, 1))
    cr = np.tile(np.linspace(160, 100, cols // 2).astype(np.uint8), (rows, 1))
    # 4:2:2 stores Y0 Y1 Cb Cr for each horizontal pixel pair.
    packed = np.stack([luma[:, 0::2], luma[:, 1::2], cb, cr], axis=-1).reshape(rows, cols * 2)
    full = np.stack([luma, np.repeat(cb, 2, axis=1), np.repeat(cr, 2, axis=1)], axis=-1)
    expected = convert_color_space(full, "YBR_FULL", "RGB")
    ds = make_dataset(full, "YBR_FULL")
    ds.PhotometricInterpretation = "YBR_FULL_422"
    ds.PixelData = packed.tobytes()
    scan = read_dicom(write_dicom(ds, tmp_path / "ybr422.dcm"))
    assert scan.frames.shape == (1, rows, cols, 3)
    assert np.abs(scan.frames[0].astype(int) - expected).max() <= 1


def test_palette_8bit_indices_16bit_entries(tmp_path: Path) -> None:
    indices = grey_ramp()
    ds, lut = palette_dataset(indices, entry_bits=16, lut_entries=256)
    scan = read_dicom(write_dicom(ds, tmp_path / "palette16.dcm"))
    assert scan.frames.shape == (1, 16, 24, 3) and scan.frames.dtype == np.uint8
    assert scan.photometric == "PALETTE COLOR"
    np.testing.assert_array_equal(scan.frames[0], (lut[indices] >> 8).astype(np.uint8))


def test_palette_8bit_entries(tmp_path: Path) -> None:
    indices = grey_ramp()
    ds, lut = palette_dataset(indices, entry_bits=8, lut_entries=256)
    scan = read_dicom(write_dicom(ds, tmp_path / "palette8.dcm"))
    np.testing.assert_array_equal(scan.frames[0], lut[indices])


def test_palette_16bit_indices_full_table(tmp_path: Path) -> None:
    indices = (np.arange(16 * 24).reshape(16, 24) * 170).astype(np.uint16)
    ds, lut = palette_dataset(indices, entry_bits=16, lut_entries=65536)
    scan = read_dicom(write_dicom(ds, tmp_path / "palette_16bit_index.dcm"))
    assert scan.bits == 16 and scan.frames.dtype == np.uint8
    np.testing.assert_array_equal(scan.frames[0], (lut[indices] >> 8).astype(np.uint8))


def test_multiframe_grey_with_frame_time(tmp_path: Path) -> None:
    frames = np.stack([grey_ramp() // (k + 1) for k in range(3)])
    ds = make_dataset(frames, sop_class=UltrasoundMultiFrameImageStorage)
    ds.FrameTime = "50"
    scan = read_dicom(write_dicom(ds, tmp_path / "cine.dcm"))
    assert scan.n_frames == 3 and scan.frames.shape == (3, 16, 24)
    np.testing.assert_array_equal(scan.frames, frames)
    assert scan.frame_rate == pytest.approx(20.0)


def test_cine_rate_wins_and_secondary_capture_reads(tmp_path: Path) -> None:
    ds = make_dataset(gradient_rgb(frames=2), "RGB", sop_class=SecondaryCaptureImageStorage)
    ds.CineRate = 25
    ds.FrameTime = "10"
    scan = read_dicom(write_dicom(ds, tmp_path / "sc.dcm"))
    assert scan.sop_class_uid == SecondaryCaptureImageStorage and scan.frame_rate == pytest.approx(25.0)


def test_rle_compressed_multiframe_rgb(tmp_path: Path) -> None:
    rgb = gradient_rgb(frames=3)
    ds = make_dataset(rgb, "RGB", sop_class=UltrasoundMultiFrameImageStorage)
    ds.compress(RLELossless)
    scan = read_dicom(write_dicom(ds, tmp_path / "rle.dcm"))
    assert scan.transfer_syntax == RLELossless
    np.testing.assert_array_equal(scan.frames, rgb)


def test_rle_compressed_palette(tmp_path: Path) -> None:
    indices = grey_ramp()
    ds, lut = palette_dataset(indices, entry_bits=16, lut_entries=256)
    ds.compress(RLELossless)
    scan = read_dicom(write_dicom(ds, tmp_path / "rle_palette.dcm"))
    np.testing.assert_array_equal(scan.frames[0], (lut[indices] >> 8).astype(np.uint8))


def _skip_without_encoder(uid: str) -> None:
    if not get_encoder(uid).is_available:
        pytest.skip(f"no encoder for {uid} installed")


def test_jpeg_ls_lossless_grey(tmp_path: Path) -> None:
    _skip_without_encoder(JPEGLSLossless)
    pixels = grey_ramp()
    ds = make_dataset(pixels)
    ds.compress(JPEGLSLossless)
    scan = read_dicom(write_dicom(ds, tmp_path / "jls.dcm"))
    assert scan.transfer_syntax == JPEGLSLossless
    np.testing.assert_array_equal(scan.frames[0], pixels)


def test_jpeg2000_lossless_ybr_rct(tmp_path: Path) -> None:
    _skip_without_encoder(JPEG2000Lossless)
    rgb = gradient_rgb(48, 64)  # OpenJPEG's default resolution levels need at least 32 x 32
    ds = make_dataset(rgb, "RGB")
    ds.PhotometricInterpretation = "YBR_RCT"  # the encoder applies the reversible colour transform
    ds.compress(JPEG2000Lossless)
    scan = read_dicom(write_dicom(ds, tmp_path / "j2k_rct.dcm"))
    assert scan.photometric == "YBR_RCT"
    np.testing.assert_array_equal(scan.frames[0], rgb)


def test_jpeg2000_lossy_ybr_ict(tmp_path: Path) -> None:
    _skip_without_encoder(JPEG2000)
    rgb = gradient_rgb(48, 64)
    ds = make_dataset(rgb, "RGB")
    ds.PhotometricInterpretation = "YBR_ICT"
    ds.compress(JPEG2000, j2k_cr=[4])
    scan = read_dicom(write_dicom(ds, tmp_path / "j2k_ict.dcm"))
    assert scan.photometric == "YBR_ICT"
    assert np.abs(scan.frames[0].astype(int) - rgb).mean() < 4


def test_jpeg_baseline_ybr_full_422(tmp_path: Path) -> None:
    rgb = np.repeat(np.repeat(gradient_rgb(8, 12), 4, axis=0), 4, axis=1)  # smooth enough for JPEG
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="JPEG", quality=95, subsampling=1)  # 4:2:2, stored as YCbCr
    ds = make_dataset(rgb, "RGB")
    ds.PhotometricInterpretation = "YBR_FULL_422"
    ds.PixelData = encapsulate([buffer.getvalue()])
    ds["PixelData"].VR = "OB"
    ds.file_meta.TransferSyntaxUID = JPEGBaseline8Bit
    scan = read_dicom(write_dicom(ds, tmp_path / "jpeg.dcm"))
    assert scan.frames.shape == (1, 32, 48, 3)
    assert np.abs(scan.frames[0].astype(int) - rgb).mean() < 6


def test_headerless_dicom_is_recognised_by_content(tmp_path: Path) -> None:
    pixels = grey_ramp()
    ds = make_dataset(pixels)
    del ds.file_meta
    path = tmp_path / "raw_dataset.png"  # misleading extension on purpose
    ds.save_as(path, enforce_file_format=False, implicit_vr=True, little_endian=True)
    assert path.read_bytes()[128:132] != b"DICM"
    assert detect_format(path) == "dicom"
    np.testing.assert_array_equal(load_scan(path).frames[0], pixels)
