"""Repair the attributes a SEG or SR copies from a scanner's DICOM, so the derived object is valid DICOM.

Scanners write times as ``14:04:38`` (ACR-NEMA style), values longer than their VR allows, attributes with the
wrong VR, stray item tags, and animal patients without the attributes that then become required. highdicom
copies the Patient and Study modules as they are, and pydicom or the validator then refuses them. This module
works on the in-memory header only (the source file is never touched):

- a value with one obvious meaning is rewritten (``14:04:38`` -> ``140438``, ``2024.03.01`` -> ``20240301``,
  ``female`` -> ``F``, ``44 years`` -> ``044Y``, an over-long decimal string rounded to 16 characters, a right
  value under the wrong VR moved to the dictionary's VR, a code value over 16 characters to Long Code Value);
- a value that cannot be repaired is dropped, or emptied where the attribute is required (Type 2);
- UIDs are never changed: they are how the SEG and SR find their source.

Every change is returned as a note naming the attribute and the kind of change, never its value, so notes can
go to the log without leaking identifiers.
"""

from __future__ import annotations

import datetime
import re

from pydicom import config
from pydicom.datadict import dictionary_has_tag, dictionary_VR
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from pydicom.tag import BaseTag, Tag
from pydicom.valuerep import format_number_as_ds, validate_value

#: Type 2 attributes of the Patient and General Study modules: emptied, never dropped, when unrepairable.
REQUIRED_FROM_SOURCE: tuple[str, ...] = (
    "PatientName", "PatientID", "PatientBirthDate", "PatientSex", "StudyDate", "StudyTime",
    "ReferringPhysicianName", "StudyID", "AccessionNumber",
)

#: Type 2C attributes required (possibly empty) once the patient is an animal (PS3.3 C.7.1.1, C.7.2.2).
_ANIMAL_TYPE2C: tuple[tuple[str, str], ...] = (
    ("PatientBreedDescription", "LO"), ("PatientBreedCodeSequence", "SQ"), ("BreedRegistrationSequence", "SQ"),
    ("ResponsiblePerson", "PN"), ("ResponsibleOrganization", "LO"), ("PatientSexNeutered", "CS"),
)

_STRING_VRS = frozenset("AE AS CS DA DS DT IS LO LT PN SH ST TM UC UI UR UT".split())
_SINGLE_VALUED_VRS = frozenset("LT ST UT UR".split())
_DATE = re.compile(r"^(\d{4})[.\-/]?(\d{2})[.\-/]?(\d{2})$")
_TIME = re.compile(r"^(\d{2}):?(\d{2})?(?::?(\d{2})(\.\d{1,6})?)?$")
_DATETIME = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})[T ]?(\d{2}):?(\d{2})(?::?(\d{2})(\.\d{1,6})?)?$")
_AGE = re.compile(r"^(\d{1,3})\s*(d|day|days|w|week|weeks|m|month|months|y|year|years)?$", re.IGNORECASE)
_SEX = {"F": "F", "FEMALE": "F", "W": "F", "M": "M", "MALE": "M", "O": "O", "OTHER": "O"}
#: Optional sizes a scanner writes as 0 when nobody measured them; the validator rightly doubts a zero weight.
_ZERO_MEANS_UNKNOWN = frozenset({"PatientWeight", "PatientSize"})
_CODE_VALUE, _LONG_CODE_VALUE = Tag("CodeValue"), Tag("LongCodeValue")


def sanitise_copied_attributes(dataset: Dataset) -> list[str]:
    """Repair ``dataset`` (a header read into memory) in place; returns one note per change, without values."""
    notes: list[str] = []
    _sanitise(dataset, "", notes, top_level=True)
    if "PatientSpeciesDescription" in dataset or "PatientSpeciesCodeSequence" in dataset:
        for keyword, vr in _ANIMAL_TYPE2C:
            if keyword not in dataset:
                dataset[Tag(keyword)] = DataElement(Tag(keyword), vr, Sequence() if vr == "SQ" else "")
                notes.append(f"{keyword}: added empty (required for an animal patient)")
    return notes


def _sanitise(dataset: Dataset, path: str, notes: list[str], top_level: bool) -> None:
    for tag in list(dataset.keys()):
        raw = dataset.get_item(tag)  # undecoded: decoding a stray item tag (VR "NONE") raises
        if tag.group == 0xFFFE or raw is None or raw.VR == "NONE":
            del dataset[tag]
            notes.append(f"{path}{_tag_text(tag)}: stray item tag dropped")
            continue
        element = dataset[tag]
        name = f"{path}{element.keyword or _tag_text(tag)}"
        if tag.is_private or tag.group in (0x0002, 0x7FE0):
            continue  # never copied into a SEG or SR; file meta and pixels are not ours to change
        if element.VR == "SQ":
            for number, item in enumerate(element.value or [], start=1):
                _sanitise(item, f"{name}[{number}]/", notes, top_level=False)
            continue
        if tag == _CODE_VALUE and _too_long_code(element) and _LONG_CODE_VALUE not in dataset:
            dataset[_LONG_CODE_VALUE] = DataElement(_LONG_CODE_VALUE, "UC", str(element.value))
            del dataset[tag]
            notes.append(f"{name}: longer than 16 characters, moved to LongCodeValue")
            continue
        _sanitise_element(dataset, tag, element, name, notes, required=top_level and element.keyword in REQUIRED_FROM_SOURCE)


def _sanitise_element(
    dataset: Dataset, tag: BaseTag, element: DataElement, name: str, notes: list[str], required: bool
) -> None:
    expected = dictionary_VR(tag) if dictionary_has_tag(tag) else element.VR
    if expected not in _STRING_VRS:
        return  # binary and ambiguous ("US or SS") VRs are decoded by pydicom itself
    if element.VR not in _STRING_VRS:
        _give_up(dataset, tag, expected, name, notes, required, f"stored as {element.VR} instead of {expected}")
        return
    if expected == "UI":
        return  # identity: changing a UID would break the reference to the source
    values = _as_strings(element.value)
    if values is None:
        _give_up(dataset, tag, expected, name, notes, required, "not text")
        return
    repaired = [_repair(expected, value, element.keyword) for value in values]
    if any(value is None for value in repaired) or (expected in _SINGLE_VALUED_VRS and len(repaired) > 1):
        _give_up(dataset, tag, expected, name, notes, required, f"not a valid {expected}")
        return
    fixed = [value for value in repaired if value is not None]
    if element.keyword in _ZERO_MEANS_UNKNOWN and fixed[0] and float(fixed[0]) == 0.0:
        del dataset[tag]
        notes.append(f"{name}: zero (scanners write it for not measured), dropped")
        return
    changed = fixed != values or element.VR != expected
    if not changed:
        return
    stored: object = fixed[0] if len(fixed) == 1 else MultiValue(str, fixed)
    dataset[tag] = DataElement(tag, expected, stored)
    reason = f"VR {element.VR} replaced by {expected}" if element.VR != expected else f"rewritten as a valid {expected}"
    notes.append(f"{name}: {reason}")


def _give_up(
    dataset: Dataset, tag: BaseTag, vr: str, name: str, notes: list[str], required: bool, why: str
) -> None:
    if required:
        dataset[tag] = DataElement(tag, vr, "")
        notes.append(f"{name}: {why}, emptied (required)")
    else:
        del dataset[tag]
        notes.append(f"{name}: {why}, dropped")


def _as_strings(value: object) -> list[str] | None:
    if value is None:
        return [""]
    if isinstance(value, bytes):
        return None
    if isinstance(value, list | MultiValue | tuple):
        return [str(part) if part is not None else "" for part in value] or [""]
    return [str(value)]


def _repair(vr: str, value: str, keyword: str) -> str | None:
    """The valid form of ``value`` under ``vr``, or None when it has no single obvious one."""
    text = value.rstrip("\x00 ") if vr not in ("LT", "ST", "UT") else value.rstrip("\x00")
    if vr not in ("LT", "ST", "UT", "PN"):
        text = text.strip()
    candidate = _REPAIRS.get(vr, lambda t, _k: t)(text, keyword) if text else text
    if candidate is None:
        return None
    try:
        validate_value(vr, candidate, config.RAISE)
    except (ValueError, TypeError):
        return None
    return candidate


def _repair_date(text: str, _keyword: str) -> str | None:
    match = _DATE.match(text)
    if match is None:
        return None
    compact = "".join(match.groups())
    try:
        datetime.datetime.strptime(compact, "%Y%m%d")
    except ValueError:
        return None
    return compact


def _repair_time(text: str, _keyword: str) -> str | None:
    match = _TIME.match(text)
    if match is None:
        return None
    hours, minutes, seconds, fraction = match.groups()
    if int(hours) > 23 or int(minutes or 0) > 59 or int(seconds or 0) > 60:
        return None
    return hours + (minutes or "") + (seconds or "") + (fraction or "")


def _repair_datetime(text: str, _keyword: str) -> str | None:
    if re.fullmatch(r"\d{4,14}(\.\d{1,6})?([+-]\d{4})?", text):
        return text
    match = _DATETIME.match(text)
    if match is None:
        return None
    year, month, day, hours, minutes, seconds, fraction = match.groups()
    date, time = _repair_date(year + month + day, ""), _repair_time(f"{hours}{minutes}{seconds or ''}", "")
    if date is None or time is None:
        return None
    return date + time + (fraction or "")


def _repair_code_string(text: str, keyword: str) -> str | None:
    upper = text.upper()
    if keyword == "PatientSex":
        return _SEX.get(upper)
    return upper


def _repair_age(text: str, _keyword: str) -> str | None:
    match = _AGE.match(text)
    if match is None:
        return None
    number, unit = match.groups()
    return f"{int(number):03d}{(unit or 'Y')[0].upper()}"


def _repair_decimal(text: str, _keyword: str) -> str | None:
    try:
        number = float(text.replace(",", ".") if text.count(",") == 1 and "." not in text else text)
    except ValueError:
        return None
    if number != number or number in (float("inf"), float("-inf")):
        return None
    formatted = text if len(text) <= 16 and "," not in text else format_number_as_ds(number)
    return formatted


def _repair_integer(text: str, _keyword: str) -> str | None:
    try:
        number = float(text)
    except ValueError:
        return None
    if not number.is_integer() or abs(number) >= 2**31:
        return None
    return str(int(number))


_REPAIRS = {
    "DA": _repair_date, "TM": _repair_time, "DT": _repair_datetime, "CS": _repair_code_string,
    "AS": _repair_age, "DS": _repair_decimal, "IS": _repair_integer,
}


def _too_long_code(element: DataElement) -> bool:
    return isinstance(element.value, str) and len(element.value.strip()) > 16


def _tag_text(tag: BaseTag) -> str:
    return f"({tag.group:04X},{tag.element:04X})"
