"""A corpus of broken files: each must give a ScanLoadError with one plain sentence, quickly and without
allocating what its header claims; the CLI must turn a few of them into ``error: ...`` and exit status 2."""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import tracemalloc
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pydicom.encaps import encapsulate
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_dataset, write_file_meta_info
from pydicom.uid import JPEG2000Lossless, JPEGBaseline8Bit, RLELossless

from busviewer.core.errors import ScanLoadError
from busviewer.io.scan_loader import load_scan
from tests.io.test_dicom_reader import PATIENT_NAME, grey_ramp, make_dataset

#: Peak Python allocation allowed while refusing a file whose header claims gigabytes.
MEMORY_CEILING_BYTES = 50_000_000


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _png_claiming(width: int, height: int) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\0" * 1024)) + _png_chunk(b"IEND", b"")
    )


def _valid_png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64), dtype=np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def _dicom_bytes(tmp_path: Path, edit: Callable | None = None) -> bytes:
    ds = make_dataset(np.tile(grey_ramp(), (4, 4)))
    if edit is not None:
        edit(ds)
    path = tmp_path / "source.dcm"
    ds.save_as(path, enforce_file_format=True, implicit_vr=False, little_endian=True)
    return path.read_bytes()


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _set(**attributes: object) -> Callable:
    def edit(ds: object) -> None:
        for key, value in attributes.items():
            setattr(ds, key, value)

    return edit


def _remove_pixels(ds: object) -> None:
    del ds.PixelData  # type: ignore[attr-defined]


def _relabelled_dicom(uid: str, edit: Callable | None = None) -> Callable[[Path], Path]:
    """A file whose meta header names ``uid`` while its data set is written as Explicit VR Little Endian.

    pydicom refuses to write such a lie itself, so meta header and data set are written separately.
    """

    def build(tmp: Path) -> Path:
        ds = make_dataset(np.tile(grey_ramp(), (4, 4)))
        if edit is not None:
            edit(ds)
        body = DicomBytesIO()
        body.is_little_endian, body.is_implicit_VR = True, False
        write_dataset(body, ds)
        meta = DicomBytesIO()
        meta.is_little_endian, meta.is_implicit_VR = True, False
        ds.file_meta.TransferSyntaxUID = uid
        ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        write_file_meta_info(meta, ds.file_meta, enforce_standard=True)
        return _write(tmp / f"labelled_{uid}.dcm", b"\0" * 128 + b"DICM" + meta.getvalue() + body.getvalue())

    return build


def _rle_compress(ds: object) -> None:
    ds.compress(RLELossless)  # type: ignore[attr-defined]


def _encapsulate_garbage(ds: object) -> None:
    ds.PixelData = encapsulate([np.random.default_rng(2).bytes(3000)])  # type: ignore[attr-defined]
    ds["PixelData"].VR = "OB"  # type: ignore[index]
    ds.file_meta.TransferSyntaxUID = JPEG2000Lossless  # type: ignore[attr-defined]


def _compressed_labelled_native(ds: object) -> None:
    ds.compress(RLELossless)  # type: ignore[attr-defined]
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.1"  # type: ignore[attr-defined]


def _too_many_frames_for_fragments(ds: object) -> None:
    ds.compress(RLELossless)  # type: ignore[attr-defined]
    ds.NumberOfFrames = 5  # type: ignore[attr-defined]


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "a_folder.dcm"
    folder.mkdir()
    return folder


def _dicom_file(name: str, edit: Callable | None = None) -> Callable[[Path], Path]:
    return lambda tmp: _write(tmp / name, _dicom_bytes(tmp, edit))


#: Every kind of broken input the loader must refuse: a description and a function writing it into a folder.
BAD_FILES: dict[str, Callable[[Path], Path]] = {
    "zero bytes": lambda tmp: _write(tmp / "empty.dcm", b""),
    "text": lambda tmp: _write(tmp / "notes.png", b"Patient scans are in the other folder.\nThanks!\n"),
    "random bytes": lambda tmp: _write(tmp / "noise.dcm", np.random.default_rng(1).bytes(4096)),
    "truncated png": lambda tmp: _write(tmp / "cut.png", _valid_png_bytes()[:300]),
    "png signature only": lambda tmp: _write(tmp / "sig.png", _valid_png_bytes()[:8]),
    "huge png header": lambda tmp: _write(tmp / "huge.png", _png_claiming(100_000, 100_000)),
    "zero size png": lambda tmp: _write(tmp / "zero.png", _png_claiming(0, 10)),
    "truncated dicom pixels": lambda tmp: _write(tmp / "cut_pixels.dcm", _dicom_bytes(tmp)[:-500]),
    "truncated dicom header": lambda tmp: _write(tmp / "cut_header.dcm", _dicom_bytes(tmp)[:200]),
    "dicom without pixel data": _dicom_file("nopix.dcm", _remove_pixels),
    "dicom rows lie": _dicom_file("rows.dcm", _set(Rows=640)),
    "dicom columns lie": _dicom_file("cols.dcm", _set(Columns=20)),
    "dicom bits lie": _dicom_file("bits.dcm", _set(BitsAllocated=16, BitsStored=16, HighBit=15)),
    "dicom bits impossible": _dicom_file("bits7.dcm", _set(BitsAllocated=7)),
    "dicom frames lie": _dicom_file("frames.dcm", _set(NumberOfFrames=40)),
    "dicom zero size": _dicom_file("zero.dcm", _set(Rows=0)),
    "dicom absurd size": _dicom_file("absurd.dcm", _set(Rows=60000, Columns=60000, NumberOfFrames=900)),
    "unknown transfer syntax": _relabelled_dicom("1.2.3.4.5"),
    "native labelled jpeg": _relabelled_dicom(JPEGBaseline8Bit),
    "rle labelled jpeg": _relabelled_dicom(JPEGBaseline8Bit, _rle_compress),
    "garbage labelled j2k": _dicom_file("j2k_garbage.dcm", _encapsulate_garbage),
    "rle labelled native": _dicom_file("rle_lie.dcm", _compressed_labelled_native),
    "frames beyond fragments": _dicom_file("frag.dcm", _too_many_frames_for_fragments),
    "video transfer syntax": _relabelled_dicom("1.2.840.10008.1.2.4.100"),
    "missing file": lambda tmp: tmp / "not_there.dcm",
    "directory": _folder,
}


def assert_one_plain_sentence(message: str, path: Path) -> None:
    assert message.startswith(path.name), message
    assert "\n" not in message and message.endswith("."), message
    assert "Traceback" not in message and PATIENT_NAME not in message and str(path.parent) not in message


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_input_gives_one_sentence(tmp_path: Path, case: str) -> None:
    path = BAD_FILES[case](tmp_path)
    tracemalloc.start()
    try:
        with pytest.raises(ScanLoadError) as caught:
            load_scan(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert_one_plain_sentence(str(caught.value), path)
    assert peak < MEMORY_CEILING_BYTES


def test_specific_messages_say_what_is_wrong(tmp_path: Path) -> None:
    def message(case: str) -> str:
        folder = tmp_path / case.replace(" ", "_")
        folder.mkdir()
        with pytest.raises(ScanLoadError) as caught:
            load_scan(BAD_FILES[case](folder))
        return str(caught.value)

    assert "empty" in message("zero bytes")
    assert "text file" in message("text")
    assert "no pixel data" in message("dicom without pixel data")
    assert "unknown transfer syntax" in message("unknown transfer syntax")
    assert "does not exist" in message("missing file")
    assert "folder" in message("directory")
    assert "more than this tool opens" in message("dicom absurd size")
    assert "header is wrong" in message("dicom rows lie")


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() == 0, reason="root can read any file")
def test_unreadable_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "locked.dcm", b"x" * 10)
    path.chmod(0)
    with pytest.raises(ScanLoadError, match="permission denied"):
        load_scan(path)


@pytest.mark.parametrize("case", ["random bytes", "truncated dicom pixels", "huge png header", "directory"])
def test_cli_info_reports_error_and_exit_2(tmp_path: Path, case: str) -> None:
    path = BAD_FILES[case](tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "busviewer", "info", str(path)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and path.name in result.stderr
    assert "Traceback" not in result.stderr and PATIENT_NAME not in result.stderr + result.stdout
    assert result.stdout == ""
