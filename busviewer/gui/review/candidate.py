"""The AI's strongest withheld candidate: the panel's words for it and the one key that shows it.

When the AI shows no outline (the class head said normal and the lesion map was weak, or nothing passed
0.5), the prediction still knows where its lesion map peaked. The review says where, and C puts that
region in the mask as one undoable step, drawn as an AI proposal the reader then accepts (A) or edits.
"""

from __future__ import annotations

from busviewer.core.ai_remarks import candidate_note, class_outline_remark
from busviewer.core.review_state import FrameState

#: The key that shows the candidate (free in the window: C alone; Shift+C is a BI-RADS margin).
SHOW_CANDIDATE_KEY = "C"


def has_candidate(frame: FrameState | None) -> bool:
    """True when the frame's prediction withheld a candidate that is not on screen yet."""
    prediction = frame.prediction if frame is not None else None
    return (prediction is not None and prediction.candidate_mask is not None
            and bool(prediction.candidate_mask.any()) and not frame.candidate_shown)  # type: ignore[union-attr]


def panel_remarks(frame: FrameState | None) -> tuple[str, str]:
    """(class/outline disagreement, candidate note) for the AI panel; empty strings when silent.

    The disagreement compares the AI's class with the AI's own outline (not the reader's mask); the note
    stays until the candidate is on screen, also over the reader's own mask (it is about the AI).
    """
    prediction = frame.prediction if frame is not None else None
    if frame is None or prediction is None:
        return "", ""
    disagreement = class_outline_remark(prediction.predicted_class, bool(prediction.mask.any()))
    note = ""
    if has_candidate(frame):
        note = candidate_note(prediction.candidate_mask, prediction.candidate_probability, SHOW_CANDIDATE_KEY)
    return disagreement, note


def show_candidate(frame: FrameState | None) -> bool:
    """Put the candidate into the frame's mask as one undoable step; False when there is none to show.

    On a mask nobody touched the step is the program's (``by_person=False``): the mask stays an unreviewed
    AI proposal, so A accepts it and any stroke makes it the reader's. Over the reader's own mask it is
    the reader's step, so the mask stays theirs. Undo brings the previous mask back either way.
    """
    if frame is None or frame.mask is None or not has_candidate(frame):
        return False
    assert frame.prediction is not None and frame.prediction.candidate_mask is not None
    frame.mask.set_mask(frame.prediction.candidate_mask, description="show AI candidate",
                        by_person=frame.reader_owned)
    return True
