"""Gather a workspace's corrected and approved cases as fine-tuning examples: grey image, mask and class.

The rules are plain functions over ``CaseRecord`` so they run (and are tested) without the store or Qt.
Only reviewed cases count; a reviewed case without a mask or without any class is skipped and reported,
never silently dropped.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from busviewer.core.case import CaseRecord, FrameReview, ReviewStatus
from busviewer.core.constants import CLASS_NAMES
from busviewer.core.errors import UserFacingError

if TYPE_CHECKING:
    from busviewer.core.review_records import CaseRow
    from busviewer.core.training_case import LabelledCase

log = logging.getLogger(__name__)

#: Review states whose masks and classes a person has confirmed.
TRAINABLE_STATUSES = frozenset({ReviewStatus.CORRECTED, ReviewStatus.APPROVED})

#: Reasons a reviewed case is left out, as they are shown to the user.
NO_MASK = "without a mask"
UNREADABLE = "whose image could not be read"
SIZE_MISMATCH = "whose mask does not fit the image"

#: Reads frame ``index`` of the scan at ``path`` as a uint8 grey (H, W) array.
FrameLoader = Callable[[Path, int], np.ndarray]


@dataclass
class CaseCollection:
    """The usable cases and, per reason, the ids of the reviewed cases that were skipped."""

    cases: list[LabelledCase] = field(default_factory=list)
    skipped: dict[str, list[str]] = field(default_factory=dict)

    @property
    def n_skipped(self) -> int:
        return sum(len(ids) for ids in self.skipped.values())

    def skipped_summary(self) -> str:
        """E.g. ``"2 skipped: 1 without a mask, 1 without a class"``; empty when nothing was skipped."""
        return describe_skipped({reason: len(ids) for reason, ids in self.skipped.items()})


def describe_skipped(counts: dict[str, int]) -> str:
    """One line saying how many reviewed cases were skipped and why; empty when none were."""
    total = sum(counts.values())
    if total == 0:
        return ""
    parts = ", ".join(f"{n} {reason}" for reason, n in counts.items() if n)
    return f"{total} skipped: {parts}"


def training_frame(record: CaseRecord) -> FrameReview | None:
    """The frame a case contributes: the first frame a person edited, else the first frame with a mask.

    One frame per case keeps frames of one cine loop from landing in both the training and the
    validation part, which would flatter the gate.
    """
    with_mask = [frame for _, frame in sorted(record.frames.items()) if frame.has_mask]
    edited = [frame for frame in with_mask if frame.is_edited]
    candidates = edited or with_mask
    return candidates[0] if candidates else None


def case_class(record: CaseRecord) -> str | None:
    """The reviewer's class; None when the reader set none (the AI's own class is never a label)."""
    return record.reviewer_class


def skip_reason(record: CaseRecord) -> str | None:
    """Why a reviewed case cannot be used (without reading its image or masks); None when it can."""
    return _reason(training_frame(record) is not None, case_class(record))


def _reason(has_mask: bool, class_name: str | None) -> str | None:
    # A case without the reader's class still trains the outline (its class loss is skipped).
    return None if has_mask else NO_MASK


def count_usable_rows(rows: Iterable[CaseRow]) -> tuple[int, dict[str, int]]:
    """``count_usable`` over the case list's rows: the same rule, from what the list already holds."""
    usable = 0
    skipped: Counter[str] = Counter()
    for row in rows:
        if row.status not in TRAINABLE_STATUSES:
            continue
        reason = _reason(row.has_mask, row.reviewer_class or row.ai_class)
        if reason is None:
            usable += 1
        else:
            skipped[reason] += 1
    return usable, dict(skipped)


def is_reviewed(record: CaseRecord) -> bool:
    """True for cases a person corrected or approved."""
    return record.status in TRAINABLE_STATUSES


def count_usable(records: Iterable[CaseRecord]) -> tuple[int, dict[str, int]]:
    """Usable reviewed cases and skipped counts per reason, cheaply (images are not read).

    Returns
    -------
    tuple
        ``(usable, {reason: count})``; cases that are not reviewed are neither usable nor skipped.
    """
    usable = 0
    skipped: Counter[str] = Counter()
    for record in records:
        if not is_reviewed(record):
            continue
        reason = skip_reason(record)
        if reason is None:
            usable += 1
        else:
            skipped[reason] += 1
    return usable, dict(skipped)


def collect_cases_with_report(
    records: Iterable[CaseRecord], load_frame: FrameLoader, patient_of: Callable[[Path], str | None] | None = None
) -> CaseCollection:
    """Corrected and approved cases as ``LabelledCase`` objects, with the skipped ones by reason.

    Parameters
    ----------
    records
        Case records with their masks loaded (e.g. ``CaseStore.list_cases()``).
    load_frame
        Reads a grey frame (``busviewer.io.scan_loader.load_grey_frame`` in the app).
    """
    from busviewer.core.training_case import UNKNOWN_LABEL, LabelledCase

    collection = CaseCollection()
    for record in records:
        if not is_reviewed(record):
            continue
        reason = skip_reason(record)
        frame = training_frame(record)
        class_name = case_class(record)
        if reason is not None or frame is None:
            collection.skipped.setdefault(reason or NO_MASK, []).append(record.case_id)
            continue
        mask = np.asarray(frame.final_mask, dtype=bool)
        try:
            image = load_frame(record.source_path, frame.frame_index)
        except (UserFacingError, OSError, IndexError) as exc:
            log.warning("a reviewed case was skipped: its image could not be read (%s)", type(exc).__name__)
            collection.skipped.setdefault(UNREADABLE, []).append(record.case_id)
            continue
        if image.shape[:2] != mask.shape:
            collection.skipped.setdefault(SIZE_MISMATCH, []).append(record.case_id)
            continue
        label = CLASS_NAMES.index(class_name) if class_name is not None else UNKNOWN_LABEL
        patient = patient_of(record.source_path) if patient_of is not None else None
        collection.cases.append(
            LabelledCase(np.ascontiguousarray(image, dtype=np.uint8), mask, label, record.case_id, patient,
                         frame.prompts))
    if collection.n_skipped:
        log.info("fine-tune cases: %d usable, %s", len(collection.cases), collection.skipped_summary())
    return collection


def collect_cases(records: Iterable[CaseRecord], load_frame: FrameLoader) -> list[LabelledCase]:
    """The usable corrected and approved cases (see ``collect_cases_with_report`` for the skipped ones)."""
    return collect_cases_with_report(records, load_frame).cases
