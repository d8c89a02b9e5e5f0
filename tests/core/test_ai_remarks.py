"""The words for what the AI does not show or does not know, shared by the screen and every report."""

from __future__ import annotations

import numpy as np
import pytest

from busviewer.core.ai_remarks import (
    UNFAMILIAR_REMARK,
    ai_remarks,
    candidate_note,
    class_outline_remark,
    place_in_frame,
)


def _blob(rows: slice, cols: slice, shape: tuple[int, int] = (90, 120)) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    mask[rows, cols] = True
    return mask


@pytest.mark.parametrize(
    ("rows", "cols", "place"),
    [(slice(5, 20), slice(5, 30), "upper left"), (slice(40, 50), slice(50, 70), "centre"),
     (slice(70, 88), slice(90, 118), "lower right"), (slice(40, 50), slice(2, 20), "middle left"),
     (slice(0, 10), slice(50, 70), "upper centre")],
)
def test_place_in_thirds_of_the_frame(rows: slice, cols: slice, place: str) -> None:
    assert place_in_frame(_blob(rows, cols)) == place


def test_candidate_note_names_probability_place_and_key() -> None:
    note = candidate_note(_blob(slice(5, 20), slice(5, 30)), 0.618, "C")
    assert note == "No outline shown; strongest candidate at 62 % near the upper left, press C to show it"
    assert candidate_note(None, None, "C") == ""
    assert candidate_note(np.zeros((4, 4), bool), 0.5, "C") == ""


def test_class_and_outline_disagreement() -> None:
    assert class_outline_remark("malignant", False) == "The AI calls this scan malignant but outlines no lesion."
    assert class_outline_remark("normal", True) == "The AI calls this scan normal but outlines a lesion."
    assert class_outline_remark("benign", True) == "" and class_outline_remark("normal", False) == ""
    assert class_outline_remark(None, True) == ""


def test_report_remarks_use_the_ai_outline_and_the_flag() -> None:
    outline = _blob(slice(5, 20), slice(5, 30))
    assert ai_remarks((0.1, 0.8, 0.1), outline, False) == []
    assert ai_remarks((0.1, 0.8, 0.1), np.zeros_like(outline), True) == [
        UNFAMILIAR_REMARK, "The AI calls this scan benign but outlines no lesion."]
    assert ai_remarks((0.1, 0.8, 0.1), None, None) == []  # an unknown outline says nothing about agreement
