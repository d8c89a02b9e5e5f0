"""Which patient a scan file belongs to, so fine-tuning can hold out whole patients."""

from __future__ import annotations

from pathlib import Path

import pydicom
from pydicom.errors import InvalidDicomError


def read_patient_id(path: Path) -> str | None:
    """The DICOM PatientID of ``path`` (header only, pixels unread); None for images and files without one.

    The id never leaves the process: it only groups cases, and is not logged.
    """
    try:
        header = pydicom.dcmread(path, stop_before_pixels=True, specific_tags=["PatientID"])
    except (InvalidDicomError, OSError, ValueError, AttributeError, EOFError):
        return None
    value = str(getattr(header, "PatientID", "") or "").strip()
    return value or None
