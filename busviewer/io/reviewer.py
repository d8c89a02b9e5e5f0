"""Who reviewed: the name the reader entered in the app (Settings), else the operating-system login.

The name lives under ``[review] reviewer_name`` in ``settings.ini`` (QSettings key ``review/reviewer_name``),
as DICOM writes names (``Family^Given``) or as typed (``Jane Doe`` is read as given name then family name).
"""

from __future__ import annotations

from pathlib import Path

from pydicom.valuerep import PersonName

from busviewer.core.paths import settings_file
from busviewer.io.settings_ini import read_section, replace_section

SECTION, KEY = "review", "reviewer_name"
_MAX_COMPONENT = 64  # characters per PN component group (PS3.5 table 6.2-1)


def entered_reviewer_name(path: Path | None = None) -> str:
    """The name entered in Settings, or '' when none was."""
    return read_section(path or settings_file(), SECTION).get(KEY, "").strip()


def set_reviewer_name(name: str, path: Path | None = None) -> None:
    """Keep ``name`` as the reviewer's name (an empty name falls back to the login again)."""
    target = path or settings_file()
    values = read_section(target, SECTION)
    values[KEY] = " ".join(name.split())
    replace_section(target, SECTION, values)


def observer_person_name(login: str | None, entered: str | None = None) -> PersonName:
    """Person Observer Name for an SR: ``entered`` (default: Settings), else ``login``, else ``unknown``.

    ``Doe^Jane`` is taken as written; ``Jane Doe`` becomes ``Doe^Jane``; a single word is a family name.
    """
    text = entered if entered is not None else entered_reviewer_name()
    text = " ".join(text.split())
    if not text:
        return _family_only(login or "unknown")
    if "^" in text:
        parts = [part.strip()[:_MAX_COMPONENT] for part in text.split("=")[0].split("^")[:5]]
        return PersonName("^".join(parts).rstrip("^")) if len(parts) > 1 and parts[1] else _family_only(parts[0])
    words = text.split(" ")
    if len(words) == 1:
        return _family_only(words[0])
    return PersonName.from_named_components(family_name=words[-1][:_MAX_COMPONENT],
                                            given_name=" ".join(words[:-1])[:_MAX_COMPONENT])


def _family_only(name: str) -> PersonName:
    """A one-word name as a family name with the caret kept: without it the value reads as the retired
    (ACR-NEMA) free-text form, which validators question."""
    return PersonName(f"{name.replace('^', ' ')[:_MAX_COMPONENT]}^")
