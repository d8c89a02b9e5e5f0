"""What PACS queries and transfers return, the same for DIMSE and DICOMweb."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydicom.dataset import Dataset

#: Called with (instances done, instances expected or None); returning False cancels the transfer.
TransferProgress = Callable[[int, "int | None"], object]

STUDY_FIELDS = ("StudyInstanceUID", "PatientID", "PatientName", "PatientBirthDate", "StudyDate", "StudyTime",
                "AccessionNumber", "StudyDescription", "ModalitiesInStudy", "NumberOfStudyRelatedSeries",
                "NumberOfStudyRelatedInstances")
SERIES_FIELDS = ("StudyInstanceUID", "SeriesInstanceUID", "Modality", "SeriesNumber", "SeriesDescription",
                 "NumberOfSeriesRelatedInstances")


@dataclass(frozen=True)
class StudyQuery:
    """Study search filters; empty strings match everything. ``date_range`` is ``YYYYMMDD-YYYYMMDD``."""

    patient_id: str = ""
    patient_name: str = ""
    date_range: str = ""
    accession_number: str = ""
    modality: str = "US"


def match_dict(dataset: Dataset, fields: tuple[str, ...]) -> dict[str, Any]:
    """Plain JSON-ready values of ``fields`` (strings; counts as int; multi-values as ``A\\B``)."""
    values: dict[str, Any] = {}
    for keyword in fields:
        value = dataset.get(keyword)
        if keyword.startswith("NumberOf"):
            try:
                values[keyword] = int(value) if value not in (None, "") else None
            except (TypeError, ValueError):
                values[keyword] = None
        elif value is None:
            values[keyword] = ""
        elif isinstance(value, list | tuple) or type(value).__name__ == "MultiValue":
            values[keyword] = "\\".join(str(part) for part in value)
        else:
            values[keyword] = str(value)
    return values


#: SOP classes that are derived objects (SEG, SR of any kind, encapsulated PDF, key objects, presentation
#: states), not scans: a retrieved study opens as cases of its other instances only.
DERIVED_SOP_CLASS_PREFIXES = ("1.2.840.10008.5.1.4.1.1.66", "1.2.840.10008.5.1.4.1.1.88", "1.2.840.10008.5.1.4.1.1.104",
                              "1.2.840.10008.5.1.4.1.1.11")


def scan_files(files: list[Path]) -> list[Path]:
    """The retrieved files that are scans (images), not SEG/SR/PDF; unreadable headers are left out."""
    import pydicom
    from pydicom.errors import InvalidDicomError

    scans = []
    for path in files:
        try:
            sop_class = str(pydicom.dcmread(path, stop_before_pixels=True, specific_tags=["SOPClassUID"]).SOPClassUID)
        except (InvalidDicomError, OSError, AttributeError):
            continue
        if not sop_class.startswith(DERIVED_SOP_CLASS_PREFIXES):
            scans.append(path)
    return scans


@dataclass
class SendResult:
    """How a send went: ``sent`` files accepted (``sent_files``), and each refusal as ``{file, reason}``."""

    sent: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    sent_files: list[str] = field(default_factory=list, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {"sent": self.sent, "failed": list(self.failed)}


class StagingFolder:
    """Receives a transfer beside its destination; only a complete transfer is moved into place.

    A dropped or cancelled transfer deletes the staging folder, so a partial study never becomes a case.
    """

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.path = Path(tempfile.mkdtemp(prefix=".partial-", dir=self.out_dir))
        self.count = 0

    def file_for(self, sop_instance_uid: str) -> Path:
        self.count += 1
        return self.path / f"{sop_instance_uid}.dcm"

    def commit(self, study_uid: str) -> list[Path]:
        """Move every received file to ``out_dir/<study UID>/`` and return their paths."""
        target = self.out_dir / study_uid
        target.mkdir(exist_ok=True)
        files = []
        for received in sorted(self.path.glob("*.dcm")):
            final = target / received.name
            received.replace(final)
            files.append(final)
        self.discard()
        return files

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
