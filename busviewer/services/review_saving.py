"""Save a frozen review into the workspace's case store (runs on the store thread, never the GUI thread)."""

from __future__ import annotations

from busviewer.core.case import CaseRecord, ReviewStatus
from busviewer.core.review_records import (
    READER_DECISIONS,
    CaseRow,
    CaseSnapshot,
    record_from_snapshot,
    status_from_masks,
)
from busviewer.io.mask_files import mask_digest
from busviewer.io.store import CaseStore

#: Why an approval was withdrawn without the reader's decision (written into the audit trail).
CHANGED_AFTER_APPROVAL = "changed after approval"


def save_snapshot(
    store: CaseStore, snapshot: CaseSnapshot, decision: ReviewStatus | None = None, clear_decision: bool = False,
    reason: str | None = None,
) -> CaseRow | None:
    """Save ``snapshot`` into ``store`` (on the store thread) and return the case's new list row.

    Parameters
    ----------
    decision
        The reader's new status (approved or flagged), saved as its own audited change after the masks.
    clear_decision
        Drop the reader's approval or flag: the status follows the masks again.
    reason
        Why the status changes (e.g. ``reopened``), kept in the status change's audit row.

    An approval describes what was approved: a snapshot that changes an approved case's masks, AI proposal,
    class or BI-RADS choices (the window refuses such edits; this catches any other path) sets the case back
    in review, audited as ``CHANGED_AFTER_APPROVAL``.

    Returns
    -------
    CaseRow or None
        None when the case was only looked at (nothing proposed, drawn or decided) and was not saved.
    """
    # Masks are not read back: the store's keys say what is saved, and only the snapshot's frames (those
    # that changed since the last save) are hashed and written.
    saved = store.get_case(snapshot.case_id, with_masks=False)
    record = record_from_snapshot(snapshot, saved)
    for frame in record.frames.values():
        if frame.current_mask is not None and frame.ai_mask is None and frame.mask_keys is not None:
            frame.mask_keys = (frame.mask_keys[0], mask_digest(frame.current_mask))
    nothing_to_keep = (not record.frames and record.reviewer_class is None and not record.birads_reader
                       and not record.comment and not record.key_frames)
    if saved is None and decision is None and nothing_to_keep:
        return None
    store.upsert_case(record, only_frames=[frame.frame_index for frame in snapshot.frames])
    if clear_decision and record.status in READER_DECISIONS:
        decision = status_from_masks(record)
    elif decision is None and saved is not None and saved.status == ReviewStatus.APPROVED and changes_content(
        snapshot, saved
    ):
        decision, reason = status_from_masks(record), CHANGED_AFTER_APPROVAL
    if decision is not None and decision != record.status:
        store.set_status(record.case_id, decision, reason=reason)
        record.status = decision
    return CaseRow.of(record)


def changes_content(snapshot: CaseSnapshot, saved: CaseRecord) -> bool:
    """True when saving ``snapshot`` changes what ``saved`` (read without masks) says about the case."""
    if (snapshot.reviewer_class, snapshot.birads_reader, snapshot.comment) != (
        saved.reviewer_class, saved.birads_reader, saved.comment
    ):
        return True
    for frame in snapshot.frames:
        old = saved.frames.get(frame.frame_index)
        if old is None or tuple(frame.prompts) != tuple(old.prompts):
            return True
        ai_key, current_key = old.mask_keys or (None, None)
        if frame.mask is not None and mask_digest(frame.mask) != (current_key or ai_key):
            return True
        prediction = frame.prediction
        if prediction is not None and (prediction.model_id != old.ai_model_id or mask_digest(prediction.mask) != ai_key):
            return True
    return False
