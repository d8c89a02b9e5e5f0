"""Reviewed case records and a stand-in frame loader for the fine-tune case rules (no torch, no Qt)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from busviewer.core.case import CaseRecord, FrameReview, ReviewStatus
from busviewer.core.constants import CLASS_NAMES


class ImageShelf:
    """Grey frames by file name, standing in for ``load_scan(path).grey_frame(index)``."""

    def __init__(self) -> None:
        self.images: dict[str, np.ndarray] = {}
        self.calls = 0

    def __call__(self, path: Path, frame_index: int) -> np.ndarray:
        self.calls += 1
        return self.images[Path(path).name]


def reviewed_record(case_id: str, image_name: str, mask: np.ndarray, label: int,
                    status: ReviewStatus = ReviewStatus.CORRECTED) -> CaseRecord:
    """A reviewed case whose reader drew ``mask`` over an empty AI proposal and chose class ``label``."""
    frame = FrameReview(0, ai_mask=np.zeros_like(mask), current_mask=mask, ai_probabilities=(0.2, 0.5, 0.3))
    return CaseRecord(case_id, Path("/workspace") / image_name, status=status,
                      reviewer_class=CLASS_NAMES[label], frames={0: frame})
