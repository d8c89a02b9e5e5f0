"""Which frames of a case a person reviewed, and so which frames an export holds.

A cine export must not depend on what the reader happened to play: the AI proposes a mask for every frame
shown, but only frames a person edited or marked as reviewed key frames (K) are exported. A single-frame
scan keeps its one frame (the AI's proposal is the case), reviewed once the reader edits or approves it.
"""

from __future__ import annotations

from enum import Enum

from busviewer.core.case import CaseRecord, ReviewStatus


class FrameReviewKind(str, Enum):
    """How a person reviewed one frame; the value is what SEG frame labels and summaries write."""

    EDITED = "edited"
    KEY_FRAME = "key frame"
    APPROVED = "approved"
    NOT_REVIEWED = "not reviewed"

    @property
    def by_person(self) -> bool:
        return self is not FrameReviewKind.NOT_REVIEWED

    @property
    def words(self) -> str:
        """The frame's review in words for reports."""
        return _WORDS[self]


_WORDS = {
    FrameReviewKind.EDITED: "outline edited by the reader",
    FrameReviewKind.KEY_FRAME: "marked as a reviewed key frame by the reader",
    FrameReviewKind.APPROVED: "approved by the reader",
    FrameReviewKind.NOT_REVIEWED: "AI proposal, not reviewed by a person",
}

#: What an export of a cine loop with no reviewed frame says (and writes nothing for it).
NO_REVIEWED_FRAMES = ("Cine case {case} has no reviewed frame (edit a frame or mark it with K), "
                      "so no mask, report, SEG or SR was written for it.")


def frame_review(record: CaseRecord, index: int, n_frames: int) -> FrameReviewKind:
    """How a person reviewed frame ``index`` of a case whose scan has ``n_frames`` frames."""
    frame = record.frames.get(index)
    if frame is not None and frame.is_edited:
        return FrameReviewKind.EDITED
    if index in record.key_frames:
        return FrameReviewKind.KEY_FRAME
    if n_frames == 1 and record.status == ReviewStatus.APPROVED:
        return FrameReviewKind.APPROVED
    return FrameReviewKind.NOT_REVIEWED


def frames_to_export(record: CaseRecord, n_frames: int) -> list[int]:
    """The frames an export holds: a cine's reviewed frames; a single frame's proposal or mask."""
    if n_frames == 1:
        frame = record.frames.get(0)
        has_work = frame is not None and (frame.final_mask is not None or frame.ai_probabilities is not None)
        return [0] if has_work or 0 in record.key_frames else []
    return [i for i in range(n_frames) if frame_review(record, i, n_frames).by_person]
