"""Labelled cases from several data folders (sites), with patient groups and each site's own split.

Each folder uses the BUSI layout (class folders holding ``NAME.png`` and ``NAME_mask*.png``). A case's
group is its patient, read from the file name with ``--patient-pattern`` (first regex group) when it
matches; otherwise images that are near-identical captures share a group. Groups never straddle the
split. A folder with a ``clinical.csv`` that flags ``external_validation`` cases (BrEaST) keeps those
apart: they are never in ``train`` or ``validation``, only in ``external``.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from busviewer.core.constants import TWIN_THUMBNAIL_SIDE, VALIDATION_FRACTION
from busviewer.core.errors import UserFacingError
from busviewer.core.split import fill_twin_groups, grouped_stratified_split
from busviewer.io.busi import BusiCase, list_busi_cases
from busviewer.io.image_reader import read_image_array

SPLITS = ("all", "train", "validation", "external")


@dataclass(frozen=True)
class SourceCase:
    """One case of one data folder, with its patient (or near-duplicate) group."""

    case: BusiCase
    source: str
    group: str
    external: bool

    @property
    def case_id(self) -> str:
        return f"{self.source}/{self.case.case_id}"

    @property
    def image_path(self) -> Path:
        return self.case.image_path

    @property
    def label(self) -> int:
        return self.case.label


def _external_names(folder: Path) -> set[str]:
    table = folder / "clinical.csv"
    if not table.is_file():
        return set()
    with open(table, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if not rows or "external_validation" not in rows[0]:
        return set()
    return {Path(r["Image_filename"]).stem for r in rows if str(r["external_validation"]).strip().lower() == "true"}


def _thumbnail(path: Path) -> np.ndarray:
    from busviewer.core.scan import to_grey_uint8

    grey = to_grey_uint8(read_image_array(path)[0])
    return cv2.resize(grey, (TWIN_THUMBNAIL_SIDE, TWIN_THUMBNAIL_SIDE), interpolation=cv2.INTER_AREA).ravel()


def list_source_cases(folder: Path, patient_pattern: str | None = None) -> list[SourceCase]:
    """Every case of ``folder`` with its group and external flag, in a stable order."""
    try:
        pattern = re.compile(patient_pattern) if patient_pattern else None
    except re.error as exc:
        raise UserFacingError(f"--patient-pattern {patient_pattern!r} is not a regular expression ({exc}).") from exc
    cases = list_busi_cases(folder)
    external = _external_names(folder)
    source = folder.resolve().name
    groups: list[str | None] = []
    for case in cases:
        match = pattern.search(case.image_path.name) if pattern else None
        groups.append(f"patient:{match.group(1)}" if match and match.groups() else None)
    ungrouped = [c for c, g in zip(cases, groups, strict=True) if g is None]
    thumbs = np.stack([_thumbnail(c.image_path) for c in ungrouped]) if ungrouped else np.empty((0, 0))
    named = fill_twin_groups(groups, thumbs, [c.case_id for c in cases], "twin:")
    return [SourceCase(c, source, g, c.image_path.stem in external) for c, g in zip(cases, named, strict=True)]


def split_source(cases: list[SourceCase], split: str, seed: int, fraction: float = VALIDATION_FRACTION) -> list[SourceCase]:
    """The ``split`` part of one folder's cases; the same seed always gives the same parts."""
    if split not in SPLITS:
        raise UserFacingError(f"Unknown split {split!r}; choose one of {', '.join(SPLITS)}.")
    if split == "all":
        return list(cases)
    if split == "external":
        return [c for c in cases if c.external]
    pool = [c for c in cases if not c.external]
    train, val = grouped_stratified_split([c.case.label for c in pool], [c.group for c in pool], fraction, seed)
    return [pool[i] for i in (val if split == "validation" else train)]


def select_cases(folders: list[Path], split: str, seed: int, patient_pattern: str | None = None) -> list[SourceCase]:
    """The ``split`` part of every folder, folder by folder."""
    out: list[SourceCase] = []
    for folder in folders:
        out.extend(split_source(list_source_cases(folder, patient_pattern), split, seed))
    return out
