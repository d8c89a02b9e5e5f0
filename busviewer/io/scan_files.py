"""Which files of a folder are scans: the one rule the GUI's File > Open and ``busviewer predict FOLDER`` share."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from busviewer.core.errors import ScanLoadError
from busviewer.io.busi import BUSI_MASK_NAME
from busviewer.io.scan_loader import SUPPORTED_SUFFIXES, detect_format


def list_cases(sources: Iterable[Path]) -> list[Path]:
    """The scan files among ``sources``: files as given, folders searched recursively, each file once."""
    cases: list[Path] = []
    seen: set[Path] = set()
    for source in sources:
        for path in find_scan_files(source) if Path(source).is_dir() else [Path(source)]:
            if path not in seen:
                seen.add(path)
                cases.append(path)
    return cases


def find_scan_files(folder: Path) -> list[Path]:
    """Every scan file under ``folder`` (recursively), in natural order.

    Files with an image or DICOM ending are taken as they are; others (DICOMs are often written without an
    ending) are taken when their first bytes say DICOM or image. Hidden files, DICOMDIR indexes and BUSI
    lesion masks are left out.
    """
    folder = Path(folder)
    found: list[Path] = []
    for path in folder.rglob("*"):
        if any(part.startswith(".") for part in path.relative_to(folder).parts) or not path.is_file():
            continue
        if path.name.upper() == "DICOMDIR" or BUSI_MASK_NAME.match(path.stem):
            continue
        if path.suffix.lower() in SUPPORTED_SUFFIXES or _has_scan_content(path):
            found.append(path)
    return sorted(found, key=natural_sort_key)


def _has_scan_content(path: Path) -> bool:
    try:
        detect_format(path)
    except ScanLoadError:
        return False
    return True


def natural_sort_key(path: Path) -> list[object]:
    """Sort key that puts ``case (2)`` before ``case (10)``."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", str(path))]
