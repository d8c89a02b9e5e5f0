"""Click and box prompts to an outline: the guided network when the weights have guidance inputs, else
OpenCV's GrabCut seeded by the prompts and the AI's lesion probability (a weight-free fallback)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from busviewer.core.prediction import Prediction
from busviewer.core.prompts import GRABCUT_METHOD, GUIDED_METHOD, Prompt
from busviewer.ml.inference import Predictor
from busviewer.ml.postprocess import probability_to_mask

GUIDED = GUIDED_METHOD
GRABCUT = GRABCUT_METHOD
#: GrabCut runs on the prompted region shrunk to this side, so a 12-megapixel frame costs what a small one does.
_GRABCUT_SIDE = 256
_GRABCUT_ITERATIONS = 4


@dataclass(frozen=True)
class PromptedOutline:
    """The outline the prompts produced, which method made it, and the network's prediction."""

    mask: np.ndarray
    method: str
    prediction: Prediction


def outline_from_prompts(
    predictor: Predictor, grey: np.ndarray, prompts: Sequence[Prompt], frame_index: int = 0
) -> PromptedOutline:
    """The lesion outline for ``grey`` given every prompt of the frame so far (source pixels)."""
    if predictor.takes_prompts:
        prediction = predictor.predict(grey, frame_index, prompts)
        return PromptedOutline(prediction.mask, GUIDED, prediction)
    prediction = predictor.predict(grey, frame_index)
    assert prediction.lesion_probability is not None
    mask = grabcut_outline(grey, prediction.lesion_probability, prompts)
    return PromptedOutline(mask, GRABCUT, prediction)


def _disc(mask: np.ndarray, row: float, col: float, radius: int, value: int) -> None:
    cv2.circle(mask, (int(round(col)), int(round(row))), radius, value, -1)


def grabcut_outline(
    grey: np.ndarray, lesion_probability: np.ndarray, prompts: Sequence[Prompt], base: np.ndarray | None = None
) -> np.ndarray:
    """GrabCut seeded by the prompts (box: outside is background; clicks: sure lesion / sure tissue) and
    the AI's probability (likely lesion above 0.5), on the prompted region at a bounded size.

    ``base`` is ``probability_to_mask(lesion_probability)`` when the caller already has it: the review
    reuses one frame's map for every click, and on a 12-megapixel frame the clean-up costs more than GrabCut.
    """
    rows, cols = grey.shape
    base = probability_to_mask(lesion_probability) if base is None else base
    positives = [p for p in prompts if p.kind == "positive"]
    boxes = [p for p in prompts if p.kind == "box"]
    if not positives and not boxes:
        return _remove_touched(base, [p for p in prompts if p.kind == "negative"])
    points = [(p.row, p.col) for p in prompts if p.kind != "box"]
    if boxes:
        b = boxes[-1]
        points += [(b.row, b.col), (float(b.row2), float(b.col2))]  # type: ignore[arg-type]
    lesion_rows, lesion_cols = np.nonzero(base)
    r = np.array([pt[0] for pt in points] + lesion_rows[:: max(lesion_rows.size // 50, 1)].tolist())
    c = np.array([pt[1] for pt in points] + lesion_cols[:: max(lesion_cols.size // 50, 1)].tolist())
    pad = 0.25 * max(float(r.max() - r.min()), float(c.max() - c.min()), 0.05 * max(rows, cols))
    top, bottom = int(max(r.min() - pad, 0)), int(min(r.max() + pad, rows - 1)) + 1
    left, right = int(max(c.min() - pad, 0)), int(min(c.max() + pad, cols - 1)) + 1
    scale = min(_GRABCUT_SIDE / max(bottom - top, right - left), 1.0)
    size = (max(int((right - left) * scale), 8), max(int((bottom - top) * scale), 8))
    crop = cv2.resize(grey[top:bottom, left:right], size, interpolation=cv2.INTER_AREA)
    prob = cv2.resize(lesion_probability[top:bottom, left:right], size, interpolation=cv2.INTER_LINEAR)
    seeds = np.where(prob > 0.5, cv2.GC_PR_FGD, cv2.GC_PR_BGD).astype(np.uint8)
    radius = max(int(0.02 * max(size)), 2)

    def local(row: float, col: float) -> tuple[float, float]:
        return (row - top) * scale, (col - left) * scale

    if boxes:
        b = boxes[-1]
        (r0, c0), (r1, c1) = local(b.row, b.col), local(float(b.row2), float(b.col2))  # type: ignore[arg-type]
        r0, r1, c0, c1 = int(min(r0, r1)), int(max(r0, r1)) + 1, int(min(c0, c1)), int(max(c0, c1)) + 1
        inside = np.zeros_like(seeds, bool)
        inside[max(r0, 0) : r1, max(c0, 0) : c1] = True
        seeds[~inside] = cv2.GC_BGD
        seeds[inside & (seeds == cv2.GC_PR_BGD)] = cv2.GC_PR_FGD if not (prob[inside] > 0.5).any() else cv2.GC_PR_BGD
    for p in prompts:
        if p.kind == "box":
            continue
        _disc(seeds, *local(p.row, p.col), radius, cv2.GC_FGD if p.kind == "positive" else cv2.GC_BGD)
    colour = cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR)
    background, foreground = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    if (seeds == cv2.GC_BGD).any() or (seeds == cv2.GC_PR_BGD).any():
        cv2.grabCut(colour, seeds, None, background, foreground, _GRABCUT_ITERATIONS, cv2.GC_INIT_WITH_MASK)
    local_mask = ((seeds == cv2.GC_FGD) | (seeds == cv2.GC_PR_FGD)).astype(np.uint8)
    full = base.copy()
    full[top:bottom, left:right] = cv2.resize(local_mask, (right - left, bottom - top), interpolation=cv2.INTER_NEAREST) > 0
    for p in prompts:
        if p.kind == "negative":
            full = _remove_touched(full, [p])
    return full


def _remove_touched(mask: np.ndarray, negatives: Sequence[Prompt]) -> np.ndarray:
    """``mask`` without the components that a negative click lands on."""
    if not negatives or not mask.any():
        return mask
    count, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    out = mask.copy()
    for p in negatives:
        row = int(np.clip(round(p.row), 0, mask.shape[0] - 1))
        col = int(np.clip(round(p.col), 0, mask.shape[1] - 1))
        if labels[row, col] > 0:
            out[labels == labels[row, col]] = False
    return out
