"""Turn the review's in-memory state into the store's case records and back, and describe a case for the list.

Plain functions over ``ReviewState`` and ``CaseRecord`` (no Qt, no store), so the rules (which status a
case gets, which saved mask the AI may no longer replace) are tested without a window. Saving a snapshot
into the store is ``busviewer.services.review_saving``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from busviewer.core.case import CaseRecord, FrameReview, ReviewStatus, familiarity_flag
from busviewer.core.mask import MaskLayer
from busviewer.core.prediction import Prediction
from busviewer.core.prompts import Prompt
from busviewer.core.review_state import FrameState, ReviewState
from busviewer.core.sends import SendRecord

#: Statuses only the reader sets; edits and new AI proposals leave them as they are.
READER_DECISIONS = frozenset({ReviewStatus.APPROVED, ReviewStatus.FLAGGED})
#: Statuses that still wait for a person (what "next unreviewed case" looks for).
AWAITING_REVIEW = frozenset({ReviewStatus.UNREVIEWED, ReviewStatus.AI_PROPOSED})

STATUS_TEXT = {
    ReviewStatus.UNREVIEWED: "unreviewed",
    ReviewStatus.AI_PROPOSED: "AI proposed",
    ReviewStatus.CORRECTED: "corrected",
    ReviewStatus.APPROVED: "approved",
    ReviewStatus.FLAGGED: "flagged",
}
#: Order of the Status column when sorted: what needs work first, finished cases last.
STATUS_ORDER = {
    ReviewStatus.FLAGGED: 0,
    ReviewStatus.UNREVIEWED: 1,
    ReviewStatus.AI_PROPOSED: 2,
    ReviewStatus.CORRECTED: 3,
    ReviewStatus.APPROVED: 4,
}


@dataclass
class FrameSnapshot:
    """One frame of a review as it stood when autosave took it (the mask copied, so edits go on)."""

    frame_index: int
    prediction: Prediction | None
    uncertainty_score: float | None
    mask: np.ndarray | None
    #: The Point-tool prompts that shaped ``mask`` (kept with the case, replayed by fine-tuning).
    prompts: tuple[Prompt, ...] = ()


@dataclass
class CaseSnapshot:
    """A review state frozen for saving on the store thread."""

    case_id: str
    source_path: Path
    reviewer_class: str | None
    frames: list[FrameSnapshot]
    birads_reader: dict[str, str] = field(default_factory=dict)
    comment: str = ""
    key_frames: frozenset[int] = frozenset()


def snapshot_state(state: ReviewState, case_id: str) -> CaseSnapshot:
    """Freeze ``state`` for saving: copies the masks worth saving (the GUI thread keeps editing the originals).

    A frame whose mask is an untouched empty layer (made when the frame was merely shown) and that has no
    AI proposal is left out, so it never overwrites what the store holds for that frame; so is a frame
    that has not changed since the last snapshot (``state.saved_marks``), so a stroke on one frame of a cine
    loop saves that frame only.
    """
    frames = []
    for index, frame in sorted(state.frames.items()):
        layer = frame.mask
        mark = frame_mark(frame)
        if state.saved_marks.get(index) == mark:
            continue
        touched = layer is not None and (layer.edited or layer.can_undo or frame.accepted_ai or bool(layer.data.any()))
        if frame.prediction is None and not touched:
            continue
        mask = np.array(layer.data, dtype=bool) if layer is not None else None
        frames.append(FrameSnapshot(index, frame.prediction, frame.uncertainty_score, mask,
                                    layer.prompts if layer is not None else ()))  # fmt: skip
        state.saved_marks[index] = mark
    source = Path(state.source_path) if state.source_path is not None else Path(case_id)
    return CaseSnapshot(case_id, source, state.reviewer_class, frames, dict(state.birads_reader), state.comment,
                        frozenset(state.key_frames))


def frame_mark(frame: FrameState) -> tuple[object, ...]:
    """What identifies a frame's content for autosave: its proposal, its mask layer and the layer's history."""
    layer = frame.mask
    token = layer.history.token if layer is not None else None
    return id(frame.prediction), id(layer), token, frame.accepted_ai, frame.uncertainty_score


def record_from_snapshot(snapshot: CaseSnapshot, saved: CaseRecord | None = None) -> CaseRecord:
    """The case record to save: the snapshot laid over what the store holds.

    Parameters
    ----------
    snapshot
        The review as it stands.
    saved
        The record as the store holds it, with masks, or None for a new case. Frames the snapshot does not
        hold are kept; frames without a new AI proposal keep the saved one; the reader's approval or flag
        is kept whatever the masks say.

    Returns
    -------
    CaseRecord
        Status: the saved approval or flag; else corrected when a person changed a mask, AI proposed
        when the AI has spoken, else unreviewed.
    """
    frames: dict[int, FrameReview] = dict(saved.frames) if saved is not None else {}
    for frame in snapshot.frames:
        old = frames.get(frame.frame_index)
        review = _frame_review(frame, old)
        if frame.prediction is None and old is not None and review.ai_mask is None and old.mask_keys is not None:
            review.mask_keys = (old.mask_keys[0], None)  # the saved AI mask stays, without being read
        frames[frame.frame_index] = review
    record = CaseRecord(
        case_id=snapshot.case_id,
        source_path=snapshot.source_path,
        reviewer_class=snapshot.reviewer_class,
        frames=frames,
        birads_reader=dict(snapshot.birads_reader),
        comment=snapshot.comment,
        key_frames=snapshot.key_frames,
        sends=saved.sends if saved is not None else (),
    )
    kept = saved.status if saved is not None and saved.status in READER_DECISIONS else None
    record.status = kept if kept is not None else status_from_masks(record)
    return record


def _frame_review(frame: FrameSnapshot, saved: FrameReview | None) -> FrameReview:
    prediction = frame.prediction
    ai_mask: np.ndarray | None
    model_id: str | None
    probabilities: tuple[float, float, float] | None
    uncertainty: float | None
    unfamiliar: bool | None
    if prediction is not None:
        ai_mask, model_id = prediction.mask, prediction.model_id
        normal, benign, malignant = (float(p) for p in prediction.probabilities)  # CLASS_NAMES order
        probabilities = (normal, benign, malignant)
        uncertainty = frame.uncertainty_score if frame.uncertainty_score is not None else prediction.uncertainty_score
        unfamiliar = familiarity_flag(prediction)
    elif saved is not None:
        ai_mask, model_id, probabilities = saved.ai_mask, saved.ai_model_id, saved.ai_probabilities
        uncertainty, unfamiliar = saved.uncertainty_score, saved.ai_unfamiliar
    else:
        ai_mask, model_id, probabilities, uncertainty = None, None, None, frame.uncertainty_score
        unfamiliar = None
    return FrameReview(
        frame_index=frame.frame_index,
        ai_mask=ai_mask,
        ai_model_id=model_id,
        ai_probabilities=probabilities,
        current_mask=frame.mask,
        uncertainty_score=uncertainty,
        ai_unfamiliar=unfamiliar,
        prompts=frame.prompts,
    )


def status_from_masks(record: CaseRecord) -> ReviewStatus:
    """Corrected when a person changed a mask, AI proposed when any frame has a proposal, else unreviewed."""
    if record.is_edited:
        return ReviewStatus.CORRECTED
    if any(frame.ai_probabilities is not None or frame.ai_mask is not None for frame in record.frames.values()):
        return ReviewStatus.AI_PROPOSED
    return ReviewStatus.UNREVIEWED


def state_from_record(record: CaseRecord, scan_key: str, source_path: Path | None,
                      shape: tuple[int, int], n_frames: int) -> ReviewState:  # fmt: skip
    """A review state that shows the saved masks and class of ``record`` for a scan of ``shape``/``n_frames``.

    A mask the reader edited, or approved, comes back as the reader's own: a later AI proposal does not
    replace it (the reader can still take it with "accept AI mask"). Other saved masks are the AI's and
    are replaced when the AI runs again. Frames whose saved mask no longer fits the scan are left out.
    """
    state = ReviewState(
        scan_key=scan_key, source_path=source_path, shape=shape, n_frames=n_frames,
        reviewer_class=record.reviewer_class, birads_reader=dict(record.birads_reader), comment=record.comment,
        key_frames={index for index in record.key_frames if index < n_frames},
        locked=record.status == ReviewStatus.APPROVED,
    )  # fmt: skip
    for index, saved in sorted(record.frames.items()):
        mask = saved.final_mask
        if index >= n_frames or mask is None or mask.shape != tuple(shape):
            continue
        owned = saved.is_edited or record.status == ReviewStatus.APPROVED
        state.frames[index] = FrameState(
            frame_index=index,
            mask=reader_layer(mask) if owned else MaskLayer(shape, data=mask),
            uncertainty_score=saved.uncertainty_score,
            accepted_ai=owned,
        )
        state.frames[index].mask.restore_prompts(saved.prompts)  # type: ignore[union-attr]
    return state


def reader_layer(mask: np.ndarray) -> MaskLayer:
    """A mask layer holding ``mask`` that counts as the reader's work, with an empty undo history.

    ``MaskLayer`` marks a layer as edited only through a person's edit, so the saved mask is applied as
    one (over its complement, so every pixel changes even for an empty mask) and the step is forgotten:
    undo must not take the reader back to a state that never existed in this session.
    """
    data = np.asarray(mask, dtype=bool)
    layer = MaskLayer(data.shape, data=~data)
    layer.set_mask(data, description="restore saved mask", by_person=True)
    layer.history.clear()
    return layer


@dataclass(frozen=True)
class CaseRow:
    """What the case list shows for one case, with the keys its columns sort by."""

    status: ReviewStatus
    reviewer_class: str | None
    ai_class: str | None
    risk: float | None
    doubt: float | None
    #: The reader's BI-RADS category, or None when she has not given one.
    birads_category: str | None = None
    #: Some frame has a mask (the fine-tune panel counts usable cases from the rows, without reading masks).
    has_mask: bool = False
    #: The AI flagged the scan as unlike its training scans.
    unfamiliar: bool = False
    #: What was sent to which PACS (``CaseRecord.sends``).
    sends: tuple[SendRecord, ...] = ()

    @classmethod
    def of(cls, record: CaseRecord) -> CaseRow:
        return cls(record.status, record.reviewer_class, record.ai_class, record.risk_score, doubt_of(record),
                   record.birads_reader.get("category"), any(f.has_mask for f in record.frames.values()),
                   unfamiliar=record.ai_unfamiliar, sends=record.sends)

    @property
    def status_text(self) -> str:
        return STATUS_TEXT[self.status]

    @property
    def class_text(self) -> str:
        """The reader's class capitalised (``Benign``); else the AI's in lower case (``benign``); else empty."""
        if self.reviewer_class is not None:
            return self.reviewer_class.capitalize()
        return self.ai_class or ""

    @property
    def risk_text(self) -> str:
        return f"{self.risk * 100:.0f} %" if self.risk is not None else ""

    @property
    def doubt_text(self) -> str:
        return f"{self.doubt:.2f}" if self.doubt is not None else ""


def doubt_of(record: CaseRecord) -> float | None:
    """The uncertainty score of the case's reference frame (frame 0, else the first scored frame)."""
    for index in sorted(record.frames):
        score = record.frames[index].uncertainty_score
        if score is not None:
            return float(score)
    return None
