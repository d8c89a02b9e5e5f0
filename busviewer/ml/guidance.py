"""Guidance channels for click and box prompts, and the prompts simulated while training (DeepEdit-style).

The network takes three extra input channels beside the grey image: positive clicks, negative clicks
(each a Gaussian bump per click) and the box (1 inside it). All zeros means "no guidance": the automatic
proposal. Training gives a share of draws no guidance and the rest simulated prompts, so one network
serves both the proposal and the interactive tool.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
from scipy import ndimage

from busviewer.core.click_simulation import next_click
from busviewer.core.prompts import Prompt
from busviewer.ml.letterbox import Letterbox

#: Guidance channels after the image channel: positive clicks, negative clicks, box.
GUIDANCE_CHANNELS = 3
#: Spread (input pixels) of the bump drawn for one click.
CLICK_SIGMA = 3.0
#: Share of prompted draws whose clicks correct a simulated wrong proposal (the rest: free clicks).
CORRECTIVE_SHARE = 0.5


def empty_guidance(size: int) -> np.ndarray:
    return np.zeros((GUIDANCE_CHANNELS, size, size), dtype=np.float32)


def _bump(channel: np.ndarray, row: float, col: float) -> None:
    size = channel.shape[0]
    reach = int(np.ceil(3 * CLICK_SIGMA))
    r0, r1 = max(int(row) - reach, 0), min(int(row) + reach + 1, size)
    c0, c1 = max(int(col) - reach, 0), min(int(col) + reach + 1, size)
    if r0 >= r1 or c0 >= c1:
        return
    rr, cc = np.mgrid[r0:r1, c0:c1]
    bump = np.exp(-((rr - row) ** 2 + (cc - col) ** 2) / (2 * CLICK_SIGMA**2)).astype(np.float32)
    np.maximum(channel[r0:r1, c0:c1], bump, out=channel[r0:r1, c0:c1])


def encode_input_points(
    size: int, positive: Sequence[tuple[float, float]], negative: Sequence[tuple[float, float]],
    box: tuple[float, float, float, float] | None,
) -> np.ndarray:
    """Guidance channels from points and a box already in input coordinates (top, left, bottom, right)."""
    out = empty_guidance(size)
    for row, col in positive:
        _bump(out[0], row, col)
    for row, col in negative:
        _bump(out[1], row, col)
    if box is not None:
        top, left, bottom, right = box
        r0, r1 = int(np.clip(np.floor(min(top, bottom)), 0, size)), int(np.clip(np.ceil(max(top, bottom)) + 1, 0, size))
        c0, c1 = int(np.clip(np.floor(min(left, right)), 0, size)), int(np.clip(np.ceil(max(left, right)) + 1, 0, size))
        out[2, r0:r1, c0:c1] = 1.0
    return out


def encode_prompts(prompts: Sequence[Prompt], box: Letterbox) -> np.ndarray:
    """Guidance channels for reader prompts given in source pixels."""
    positive = [box.point_to_input(p.row, p.col) for p in prompts if p.kind == "positive"]
    negative = [box.point_to_input(p.row, p.col) for p in prompts if p.kind == "negative"]
    boxes = [p for p in prompts if p.kind == "box"]
    rect = None
    if boxes:
        last = boxes[-1]  # the newest box replaces earlier ones
        top, left = box.point_to_input(last.row, last.col)
        bottom, right = box.point_to_input(float(last.row2), float(last.col2))  # type: ignore[arg-type]
        rect = (top, left, bottom, right)
    return encode_input_points(box.size, positive, negative, rect)


def _weighted_points(region: np.ndarray, count: int, rng: np.random.Generator, power: float) -> list[tuple[float, float]]:
    """``count`` points of ``region``, drawn with weight distance-to-edge ** power (deep points favoured)."""
    if count <= 0 or not region.any():
        return []
    # A zero frame around the region gives every pixel a finite distance, even when the region fills the input.
    framed = cv2.copyMakeBorder(region.astype(np.uint8), 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    depth = cv2.distanceTransform(framed, cv2.DIST_L2, 3)[1:-1, 1:-1].astype(np.float64).ravel() ** power
    total = float(depth.sum())
    if not np.isfinite(total) or total <= 0:
        return []
    picks = rng.choice(depth.size, size=count, p=depth / total)
    cols = region.shape[1]
    return [(float(i // cols), float(i % cols)) for i in picks]


def simulate_guidance(
    mask: np.ndarray, content: np.ndarray, rng: np.random.Generator, no_guidance_share: float = 0.5
) -> np.ndarray:
    """Random prompts a reader could give for the true ``mask`` (bool, input size) inside ``content``.

    Half the draws (``no_guidance_share``) get none. Otherwise: positive clicks deep inside the lesion,
    negative clicks on the tissue around it or anywhere in the imaging area, and for some draws a box
    from the lesion's extent with each side moved by up to 10 % of its size.
    """
    size = mask.shape[0]
    if rng.random() < no_guidance_share:
        return empty_guidance(size)
    lesion = mask.astype(bool)
    background = content.astype(bool) & ~lesion
    if rng.random() < CORRECTIVE_SHARE:
        clicks = corrective_clicks(lesion, background, rng)
        return encode_input_points(size, [(p.row, p.col) for p in clicks if p.kind == "positive"],
                                   [(p.row, p.col) for p in clicks if p.kind == "negative"], None)
    positive: list[tuple[float, float]] = []
    negative: list[tuple[float, float]] = []
    rect = None
    use_box = lesion.any() and rng.random() < 0.35
    if lesion.any() and (not use_box or rng.random() < 0.3):
        positive = _weighted_points(lesion, int(rng.choice([1, 1, 1, 2, 2, 3])), rng, power=2.0)
    n_negative = int(rng.choice([0, 0, 1, 1, 2])) if lesion.any() else int(rng.choice([0, 1, 1, 2]))
    if n_negative:
        near = cv2.dilate(lesion.astype(np.uint8), np.ones((25, 25), np.uint8)).astype(bool) & background
        region = near if (near.any() and rng.random() < 0.5) else background
        negative = _weighted_points(region, n_negative, rng, power=1.0)
    if use_box:
        rows, cols = np.nonzero(lesion)
        top, bottom, left, right = rows.min(), rows.max(), cols.min(), cols.max()
        height, width = bottom - top + 1, right - left + 1
        jitter = rng.uniform(-0.1, 0.1, size=4)
        rect = (top + jitter[0] * height, left + jitter[1] * width, bottom + jitter[2] * height, right + jitter[3] * width)
    return encode_input_points(size, positive, negative, rect)


def _ellipse(shape: tuple[int, int], centre: tuple[float, float], axes: tuple[float, float], angle: float) -> np.ndarray:
    canvas = np.zeros(shape, np.uint8)
    cv2.ellipse(canvas, (int(centre[1]), int(centre[0])), (max(int(axes[1]), 1), max(int(axes[0]), 1)),
                angle, 0, 360, 1, -1)
    return canvas.astype(bool)


def wrong_proposal(lesion: np.ndarray, background: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A plausible wrong automatic outline of ``lesion``: missed, too small, too big, shifted, cut, or with
    a false region in the tissue; the errors the evaluation's clicks are placed to correct."""
    proposal = lesion.copy()
    if lesion.any():
        mode = rng.choice(["missed", "eroded", "dilated", "shifted", "cut"])
        rows, cols = np.nonzero(lesion)
        extent = max(int(np.ptp(rows)), int(np.ptp(cols)), 4)
        if mode == "missed":
            proposal[:] = False
        elif mode in ("eroded", "dilated"):
            radius = int(rng.integers(2, max(3, extent // 4) + 1))
            kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
            op = cv2.erode if mode == "eroded" else cv2.dilate
            proposal = op(lesion.astype(np.uint8), kernel).astype(bool) & (background | lesion)
        elif mode == "shifted":
            dr, dc = (rng.uniform(-0.35, 0.35, size=2) * extent).astype(int)
            proposal = np.roll(lesion, (dr, dc), axis=(0, 1)) & (background | lesion)
        else:
            angle = rng.uniform(0, np.pi)
            rr, cc = np.mgrid[: lesion.shape[0], : lesion.shape[1]]
            side = (rr - rows.mean()) * np.cos(angle) + (cc - cols.mean()) * np.sin(angle)
            proposal = lesion & (side < rng.uniform(-0.3, 0.3) * extent)
    if not lesion.any() or rng.random() < 0.3:
        depth_pick = _weighted_points(background, 1, rng, power=1.0)
        if depth_pick:
            axes = tuple(rng.uniform(4, lesion.shape[0] / 8, size=2))
            blob = _ellipse(lesion.shape, depth_pick[0], axes, float(rng.uniform(0, 180)))  # type: ignore[arg-type]
            proposal |= blob & background
    return proposal


def corrective_clicks(lesion: np.ndarray, background: np.ndarray, rng: np.random.Generator) -> list[Prompt]:
    """One to four clicks as the evaluation's simulated reader gives them to a wrong proposal.

    Each click goes deepest into the largest error region (``next_click``); the network is then assumed
    to fix that region, and the next click goes to the next largest. Training on these teaches the
    network what a click at the centre of a missed rim or a false region asks for.
    """
    proposal = wrong_proposal(lesion, background, rng)
    clicks: list[Prompt] = []
    for _ in range(int(rng.choice([1, 1, 2, 2, 3, 4]))):
        click = next_click(proposal, lesion)
        if click is None:
            break
        clicks.append(click)
        error = (lesion & ~proposal) if click.kind == "positive" else (proposal & ~lesion)
        labels, _ = ndimage.label(error)
        fixed = labels == labels[int(click.row), int(click.col)]
        proposal = (proposal | fixed) if click.kind == "positive" else (proposal & ~fixed)
    return clicks
