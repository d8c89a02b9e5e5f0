"""What comes back from the compute process for the screen: a proposal and heat maps in display form."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from busviewer.core.prediction import Prediction
from busviewer.core.review_state import HeatMap

#: Longest side of a heat map kept for display; Grad-CAM and uncertainty are smooth at this size.
DISPLAY_SIDE = 1024


@dataclass
class ProposalResult:
    """What one inference returns to the GUI: the prediction without its full-size float maps, its
    uncertainty map reduced for display and its uncertainty score (computed in the child because it reads
    every pixel of a possibly huge map)."""

    prediction: Prediction
    uncertainty: HeatMap
    uncertainty_score: float
    model_id: str
    device: str


@dataclass
class PromptResult:
    """What one prompt request returns to the GUI: the rewritten rectangle of the mask, and how it was made.

    ``box`` (half-open rows/cols) and ``pixels`` (bool, the new mask inside it) are None when the gesture
    changes no pixel; ``method`` says what drew the outline (the guided network, or the weight-free
    fallback for weights without guidance inputs).
    """

    box: tuple[int, int, int, int] | None
    pixels: np.ndarray | None
    method: str
    model_id: str
    replaced_pixels: int = 0
    added_pixels: int = 0
    summary: str = ""


@dataclass(frozen=True)
class FrameNeeded:
    """The answer to a prompt request sent without its frame when the compute process does not hold that
    frame (the first click on it, or a restarted process): send the request again with the frame."""

    frame_key: str


def reduce_for_display(heat: np.ndarray) -> HeatMap:
    """Shrink a [0, 1] float map to at most ``DISPLAY_SIDE`` pixels a side as uint8, and find its peak."""
    rows, cols = heat.shape
    step = max(1, int(np.ceil(max(rows, cols) / DISPLAY_SIDE)))
    small = np.clip(heat[::step, ::step], 0.0, 1.0)
    display = np.ascontiguousarray(np.rint(small * 255.0).astype(np.uint8))
    peak: tuple[int, int] | None = None
    if heat.size and float(heat.max()) > 0.0:
        row, col = np.unravel_index(int(np.argmax(heat)), heat.shape)
        peak = (int(row), int(col))
    return HeatMap(display=display, peak=peak)
