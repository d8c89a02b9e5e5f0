"""Wrap a case's PDF report as a DICOM Encapsulated PDF that files into the source's study beside the scan.

Encapsulated PDF Storage (1.2.840.10008.5.1.4.1.1.104.1, PS3.3 A.45.1): the patient and study come from the
source (sanitised on the way, as for SEG and SR), the report gets a series of its own, and Source Instance
Sequence names the scan it was made from. highdicom has no builder for this IOD; its SOP base class gives the
SOP Common, General Equipment and patient/study attributes, and the document modules are filled in here.
"""

from __future__ import annotations

from pathlib import Path

import highdicom as hd
from pydicom.dataset import Dataset
from pydicom.uid import EncapsulatedPDFStorage, ExplicitVRLittleEndian

from busviewer import __version__
from busviewer.core.errors import ExportError
from busviewer.io.seg import MANUFACTURER, quiet_dicom_libraries, read_source_header, save_dicom

PDF_SERIES_NUMBER = 9903
DOCUMENT_TITLE = "Breast ultrasound lesion review"
PDF_MAGIC = b"%PDF-"


def write_encapsulated_pdf(path: Path, pdf_path: Path, source_dicom_path: Path, include_identifiers: bool = False) -> None:
    """Write ``pdf_path`` as an Encapsulated PDF instance of the source's study (atomically).

    Parameters
    ----------
    include_identifiers
        Whether the PDF prints the patient's name and ID: written as Burned In Annotation (YES/NO).

    Raises
    ------
    ExportError
        The PDF or the source is missing or unreadable, or the file cannot be written.
    """
    try:
        document = Path(pdf_path).read_bytes()
    except OSError as exc:
        raise ExportError(f"The PDF report {Path(pdf_path).name} cannot be read ({exc.strerror}).") from exc
    if not document.startswith(PDF_MAGIC):
        raise ExportError(f"{Path(pdf_path).name} is not a PDF file.")
    source = read_source_header(source_dicom_path)
    try:
        with quiet_dicom_libraries():
            dataset = hd.SOPClass(
                study_instance_uid=source.StudyInstanceUID,
                series_instance_uid=hd.UID(),
                series_number=PDF_SERIES_NUMBER,
                sop_instance_uid=hd.UID(),
                sop_class_uid=EncapsulatedPDFStorage,
                instance_number=1,
                modality="DOC",
                manufacturer=MANUFACTURER,
                transfer_syntax_uid=ExplicitVRLittleEndian,
                series_description="busviewer lesion report (PDF)",
                software_versions=__version__,
                manufacturer_model_name="busviewer",
            )
            dataset.copy_patient_and_study_information(source)
            _document_modules(dataset, source, document, include_identifiers)
    except (ValueError, TypeError, AttributeError) as exc:
        raise ExportError(f"An Encapsulated PDF cannot be made for {Path(source_dicom_path).name} ({exc}).") from exc
    save_dicom(dataset, Path(path))


def _document_modules(dataset: Dataset, source: Dataset, document: bytes, include_identifiers: bool) -> None:
    """SC Equipment and Encapsulated Document modules (PS3.3 C.8.6.1, C.24.2)."""
    dataset.ConversionType = "WSD"  # made on a workstation
    dataset.ContentDate, dataset.ContentTime = dataset.InstanceCreationDate, dataset.InstanceCreationTime
    dataset.AcquisitionDateTime = f"{dataset.ContentDate}{dataset.ContentTime}"
    dataset.BurnedInAnnotation = "YES" if include_identifiers else "NO"
    dataset.DocumentTitle = DOCUMENT_TITLE
    dataset.ConceptNameCodeSequence = []
    reference = Dataset()
    reference.ReferencedSOPClassUID = source.SOPClassUID
    reference.ReferencedSOPInstanceUID = source.SOPInstanceUID
    dataset.SourceInstanceSequence = [reference]
    dataset.MIMETypeOfEncapsulatedDocument = "application/pdf"
    dataset.EncapsulatedDocument = document + (b"\x00" if len(document) % 2 else b"")  # OB values have even length
    dataset.EncapsulatedDocumentLength = len(document)
