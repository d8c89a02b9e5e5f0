"""The sanitiser repairs what has one obvious meaning, drops or empties the rest, and never changes a UID."""

from __future__ import annotations

import pytest
from pydicom.datadict import tag_for_keyword
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset

from busviewer.io.dicom_sanitise import sanitise_copied_attributes

# Building the faulty elements makes pydicom warn, rightly; the faults are the point.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _with(keyword: str, vr: str, value: object) -> Dataset:
    ds = Dataset()
    tag = tag_for_keyword(keyword)
    ds[tag] = DataElement(tag, vr, value)
    return ds


@pytest.mark.parametrize(("keyword", "vr", "value", "expected"), [
    ("StudyTime", "TM", "14:04:38", "140438"),
    ("SeriesTime", "TM", "14:04:38.250", "140438.250"),
    ("StudyDate", "DA", "2024.03.01", "20240301"),
    ("StudyDate", "LO", "20240301", "20240301"),  # right value under the wrong VR
    ("AcquisitionDateTime", "DT", "2024-03-01 14:04:38", "20240301140438"),
    ("PatientSex", "CS", "female", "F"),
    ("PatientAge", "AS", "44 years", "044Y"),
    ("PatientAge", "LO", "044Y", "044Y"),
    ("PatientSize", "DS", "1.6500000000000001", "1.65000000000000"),
    ("StudyTime", "TM", "093000 ", "093000"),
])
def test_obvious_repairs(keyword: str, vr: str, value: str, expected: str) -> None:
    ds = _with(keyword, vr, value)
    notes = sanitise_copied_attributes(ds)
    element = ds[tag_for_keyword(keyword)]
    assert str(element.value) == expected and element.VR == ds[tag_for_keyword(keyword)].VR
    assert element.VR == {"LO": "DA" if keyword == "StudyDate" else "AS"}.get(vr, vr)
    assert notes and all(value not in note for note in notes)


@pytest.mark.parametrize(("keyword", "vr", "value"), [
    ("StudyDescription", "LO", "x" * 70), ("PatientWeight", "LO", "62 kg"), ("AdditionalPatientHistory", "US", 7),
    ("SeriesTime", "TM", "25:61"), ("PatientComments", "LT", "x" * 11000), ("PatientWeight", "DS", "0"),
])
def test_unrepairable_optional_values_are_dropped(keyword: str, vr: str, value: object) -> None:
    ds = _with(keyword, vr, value)
    assert sanitise_copied_attributes(ds) and keyword not in ds


@pytest.mark.parametrize(("keyword", "vr", "value"), [
    ("PatientID", "LO", "P" * 70), ("StudyID", "SH", "STUDY-ID-MUCH-TOO-LONG"), ("PatientSex", "CS", "unknown"),
    ("StudyDate", "DA", "2024-02-30"),
])
def test_unrepairable_required_values_are_emptied(keyword: str, vr: str, value: str) -> None:
    ds = _with(keyword, vr, value)
    notes = sanitise_copied_attributes(ds)
    assert ds[tag_for_keyword(keyword)].value in ("", None)
    assert notes == [f"{keyword}: not a valid {ds[tag_for_keyword(keyword)].VR}, emptied (required)"]


def test_uids_are_never_changed_even_when_invalid() -> None:
    ds = _with("SOPInstanceUID", "UI", "1.2.03.4")
    assert sanitise_copied_attributes(ds) == [] and ds.SOPInstanceUID == "1.2.03.4"


def test_long_code_value_moves_to_long_code_value_inside_sequences() -> None:
    item = _with("CodeValue", "SH", "T-04000-TOO-LONG-CODE")
    ds = Dataset()
    ds.ProcedureCodeSequence = [item]
    notes = sanitise_copied_attributes(ds)
    assert "CodeValue" not in item and item.LongCodeValue == "T-04000-TOO-LONG-CODE"
    assert notes == ["ProcedureCodeSequence[1]/CodeValue: longer than 16 characters, moved to LongCodeValue"]


def test_animal_patient_gains_the_type_2c_attributes() -> None:
    ds = _with("PatientSpeciesDescription", "LO", "Canine")
    sanitise_copied_attributes(ds)
    for keyword in ("PatientBreedDescription", "PatientBreedCodeSequence", "BreedRegistrationSequence",
                    "ResponsiblePerson", "ResponsibleOrganization", "PatientSexNeutered"):
        assert keyword in ds


def test_clean_header_is_left_alone() -> None:
    ds = _with("StudyTime", "TM", "101500")
    ds.PatientName = "Doe^Jane"
    assert sanitise_copied_attributes(ds) == []
