"""The patient of a scan file comes from its DICOM header; images and bad files have none."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, UltrasoundImageStorage, generate_uid

from busviewer.io.patients import read_patient_id


def test_patient_id_is_read_from_the_header(tmp_path: Path) -> None:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = UltrasoundImageStorage, generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    ds.PatientID = "ALWI"
    ds.Rows, ds.Columns, ds.BitsAllocated, ds.BitsStored, ds.HighBit = 4, 4, 8, 8, 7
    ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PixelRepresentation = 1, "MONOCHROME2", 0
    ds.PixelData = np.zeros((4, 4), np.uint8).tobytes()
    path = tmp_path / "a.dcm"
    ds.save_as(path, enforce_file_format=True)
    assert read_patient_id(path) == "ALWI"
    png = tmp_path / "b.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n")
    assert read_patient_id(png) is None
    assert read_patient_id(tmp_path / "missing.dcm") is None
