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
#: Smallest prompted region (a share of the frame's long side) and the likely-lesion disc put around a
#: click on a lesion the AI missed (a share of the GrabCut crop), so one click has a lesion-sized start.
_MIN_SPREAD, _MISSED_LESION_SHARE = 0.4, 0.2


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
    boxes = [p for p in prompts if p.kind == "box"]
    if not prompts:
        return base
    points = [(p.row, p.col) for p in prompts if p.kind != "box"]
    if boxes:
        b = boxes[-1]
        points += [(b.row, b.col), (float(b.row2), float(b.col2))]  # type: ignore[arg-type]
    lesion_rows, lesion_cols = np.nonzero(base)
    r = np.array([pt[0] for pt in points] + lesion_rows[:: max(lesion_rows.size // 50, 1)].tolist())
    c = np.array([pt[1] for pt in points] + lesion_cols[:: max(lesion_cols.size // 50, 1)].tolist())
    pad = 0.25 * max(float(r.max() - r.min()), float(c.max() - c.min()), _MIN_SPREAD * max(rows, cols))
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
        if p.kind == "positive" and not base[int(np.clip(round(p.row), 0, rows - 1)), int(np.clip(round(p.col), 0, cols - 1))]:
            # A lesion the AI missed: GrabCut needs a likely-lesion start around the click, or its lesion
            # model learns from the clicked disc alone and the outline collapses onto it.
            _disc(seeds, *local(p.row, p.col), max(int(_MISSED_LESION_SHARE * max(size)), radius), cv2.GC_PR_FGD)
    for p in prompts:
        if p.kind == "box":
            continue
        _disc(seeds, *local(p.row, p.col), radius, cv2.GC_FGD if p.kind == "positive" else cv2.GC_BGD)
    colour = _grabcut_features(crop)
    background, foreground = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    tissue, lesion = np.isin(seeds, (cv2.GC_BGD, cv2.GC_PR_BGD)), np.isin(seeds, (cv2.GC_FGD, cv2.GC_PR_FGD))
    if tissue.any() and lesion.any():  # GrabCut needs samples of both (e.g. not lesion clicks alone on no lesion)
        cv2.setRNGSeed(0)  # GrabCut seeds its colour models at random: the same prompts give the same outline
        cv2.grabCut(colour, seeds, None, background, foreground, _GRABCUT_ITERATIONS, cv2.GC_INIT_WITH_MASK)
    local_mask = ((seeds == cv2.GC_FGD) | (seeds == cv2.GC_PR_FGD)).astype(np.uint8)
    full = base.copy()
    full[top:bottom, left:right] = cv2.resize(local_mask, (right - left, bottom - top), interpolation=cv2.INTER_NEAREST) > 0
    return _remove_touched(full, [p for p in prompts if p.kind == "negative"], reach=radius / scale + 1,
                           keep=[p for p in prompts if p.kind == "positive"])  # fmt: skip


def _grabcut_features(grey: np.ndarray) -> np.ndarray:
    """Three smoothed copies of the grey crop (fine to coarse) as GrabCut's colour image.

    Grey copied into three channels gives GrabCut degenerate colour models that, on speckled ultrasound,
    let the background model explain the lesion too, so the outline collapsed onto the clicked disc;
    local means at three scales separate dark lesion from speckled tissue.
    """
    return np.ascontiguousarray(np.dstack([cv2.GaussianBlur(grey, (0, 0), sigma) for sigma in (1.5, 4.0, 8.0)]))


def _remove_touched(
    mask: np.ndarray, negatives: Sequence[Prompt], reach: float = 0.0, keep: Sequence[Prompt] = ()
) -> np.ndarray:
    """``mask`` without the components that a negative click lands on.

    With ``reach`` (after GrabCut, which keeps the clicked disc itself as tissue) a component within that
    many pixels of the click goes, unless it is the largest or holds a ``keep`` click: a "not lesion"
    click on the fringe of the lesion trims the fringe (GrabCut did that) instead of deleting the lesion.
    """
    if not negatives or not mask.any():
        return mask
    count, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    out = mask.copy()
    r = int(np.ceil(reach))
    protected: set[int] = set()
    if r:
        sizes = np.bincount(labels.ravel(), minlength=count)
        sizes[0] = 0
        protected.add(int(np.argmax(sizes)))
        for p in keep:
            protected.add(int(labels[int(np.clip(round(p.row), 0, mask.shape[0] - 1)),
                                     int(np.clip(round(p.col), 0, mask.shape[1] - 1))]))  # fmt: skip
    for p in negatives:
        row = int(np.clip(round(p.row), 0, mask.shape[0] - 1))
        col = int(np.clip(round(p.col), 0, mask.shape[1] - 1))
        window = labels[max(row - r, 0) : row + r + 1, max(col - r, 0) : col + r + 1]
        for label in np.unique(window[window > 0]) if r else [labels[row, col]]:
            if label > 0 and int(label) not in protected:
                out[labels == label] = False
    return out
