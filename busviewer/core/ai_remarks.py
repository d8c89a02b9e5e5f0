"""What the AI does not know, in words: the remarks the review panel, the case list and every report share.

One wording for each caution (a scan unlike the training scans, a class that disagrees with the outline,
a withheld candidate), and the name of the malignancy score with its calibration, so the screen, the PDF,
the CSV/JSON summary and the SR never say different things.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from busviewer.core.constants import CLASS_NAMES

#: What the case list's score column and the reports call the class head's malignant probability.
SCORE_NAME = "AI malignancy score"
#: Where that score was calibrated (temperature scaling of the class head, fitted by ``busviewer calibrate``).
SCORE_CALIBRATION = "temperature-scaled on the validation parts of BUSI, BUS-BRA and BrEaST"
#: The score column's tooltip: a sorting score, not a malignancy risk measured at the reader's site.
SCORE_TIP = (f"The AI's malignant-class probability, {SCORE_CALIBRATION}; a score to sort by, "
             "not a malignancy risk measured at your site")
#: The one sentence for a scan whose network features lie beyond those of the training scans.
UNFAMILIAR_REMARK = "Scan unlike the AI's training scans: treat its class and outline with extra care."
#: Short form for narrow places (the case list's flag column and its tooltip).
UNFAMILIAR_FLAG = "unlike training"

_LESION_CLASSES = tuple(name for name in CLASS_NAMES if name != "normal")


def place_in_frame(mask: np.ndarray) -> str:
    """Where a region lies in the frame, in words a reader finds it by: ``upper left``, ``centre``...

    The frame is cut in thirds each way at the region's centre of mass; rows are depth, so "upper" is
    near the probe.
    """
    rows, cols = np.nonzero(mask)
    if rows.size == 0:
        return "frame"
    height, width = mask.shape
    vertical = ("upper", "middle", "lower")[min(2, int(3 * rows.mean() / height))]
    horizontal = ("left", "centre", "right")[min(2, int(3 * cols.mean() / width))]
    if vertical == "middle" and horizontal == "centre":
        return "centre"
    return f"{vertical} {horizontal}"


def candidate_note(candidate_mask: np.ndarray | None, candidate_probability: float | None, key: str) -> str:
    """``No outline shown; strongest candidate at 62 % near the upper left, press C to show it``; empty
    when there is no candidate."""
    if candidate_mask is None or candidate_probability is None or not candidate_mask.any():
        return ""
    return (f"No outline shown; strongest candidate at {candidate_probability * 100:.0f} % near the "
            f"{place_in_frame(candidate_mask)}, press {key} to show it")


def class_outline_remark(ai_class: str | None, outline_shown: bool) -> str:
    """One line when the AI's class and its outline disagree; empty when they agree or nothing is known."""
    if ai_class in _LESION_CLASSES and not outline_shown:
        return f"The AI calls this scan {ai_class} but outlines no lesion."
    if ai_class == "normal" and outline_shown:
        return "The AI calls this scan normal but outlines a lesion."
    return ""


def ai_class_of(probabilities: Sequence[float] | None) -> str | None:
    """The class with the highest probability, or None without probabilities."""
    if probabilities is None:
        return None
    return CLASS_NAMES[int(np.argmax(np.asarray(probabilities, dtype=float)))]


def ai_remarks(probabilities: Sequence[float] | None, ai_outline: np.ndarray | None, unfamiliar: bool | None) -> list[str]:
    """The cautions a report prints beside the AI's findings (empty when there are none).

    ``ai_outline`` is the AI's own mask (not the reader's); None when unknown, which says nothing about
    agreement.
    """
    remarks = [UNFAMILIAR_REMARK] if unfamiliar else []
    if ai_outline is not None:
        disagreement = class_outline_remark(ai_class_of(probabilities), bool(np.any(ai_outline)))
        if disagreement:
            remarks.append(disagreement)
    return remarks
