"""The standard click simulation of interactive segmentation (as in RITM, SAM and nnInteractive evaluations).

Click k goes to the point deepest inside the largest error region of the current mask (the maximum of
the distance transform over its false-negative or false-positive pixels): positive when that region is
missed lesion, negative when it is false lesion. The box prompt is the true mask's bounding box with each
side moved by up to 10 % of the box size.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from busviewer.core.prompts import Prompt

#: Clicks after which a target Dice that was never reached counts as reached (NoC is capped).
NOC_CAP = 20
#: Largest shift of a simulated box's side, as a share of the box size.
BOX_JITTER = 0.1


def next_click(mask: np.ndarray, truth: np.ndarray) -> Prompt | None:
    """The click a simulated reader gives to correct ``mask`` towards ``truth``; None when they agree."""
    missed = truth & ~mask
    false = mask & ~truth
    best: tuple[float, int, int, str] | None = None
    for region, kind in ((missed, "positive"), (false, "negative")):
        if not region.any():
            continue
        labels, count = ndimage.label(region)
        sizes = ndimage.sum_labels(region, labels, index=np.arange(1, count + 1))
        largest = labels == (1 + int(np.argmax(sizes)))
        # A zero frame so a region touching the image edge still has its deepest point inside.
        depth = ndimage.distance_transform_edt(np.pad(largest, 1))[1:-1, 1:-1]
        row, col = np.unravel_index(int(np.argmax(depth)), depth.shape)
        size = float(sizes.max())
        if best is None or size > best[0]:
            best = (size, int(row), int(col), kind)
    if best is None:
        return None
    return Prompt(best[3], float(best[1]), float(best[2]))  # type: ignore[arg-type]


def simulated_box(truth: np.ndarray, rng: np.random.Generator) -> Prompt:
    """The true mask's bounding box, each side moved by a random 0-10 % of the box size (in or out)."""
    rows, cols = np.nonzero(truth)
    top, bottom, left, right = float(rows.min()), float(rows.max()), float(cols.min()), float(cols.max())
    height, width = bottom - top + 1, right - left + 1
    shift = rng.uniform(-BOX_JITTER, BOX_JITTER, size=4)
    limit_r, limit_c = truth.shape[0] - 1, truth.shape[1] - 1
    return Prompt(
        "box",
        float(np.clip(top + shift[0] * height, 0, limit_r)), float(np.clip(left + shift[1] * width, 0, limit_c)),
        float(np.clip(bottom + shift[2] * height, 0, limit_r)), float(np.clip(right + shift[3] * width, 0, limit_c)),
    )


def clicks_to_reach(dice_per_click: list[float], target: float, start_dice: float | None = None) -> int:
    """Clicks needed to reach ``target`` Dice (0 when the proposal already does), capped at ``NOC_CAP``."""
    if start_dice is not None and start_dice >= target:
        return 0
    for k, dice in enumerate(dice_per_click, start=1):
        if dice >= target:
            return k
    return NOC_CAP
