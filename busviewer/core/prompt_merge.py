"""Merge a prompted outline into the reader's mask: only the lesion the newest prompt touches is redrawn.

The model reruns with every prompt of the frame, but its new outline replaces the reader's mask only in
the *region of influence* of the gesture: the mask's and the outline's connected pieces under the click
(or meeting the box), and for a box the box itself. Everything else (brush work elsewhere, other lesions)
is kept pixel for pixel. Plain numpy/scipy, so the compute process runs it beside the model and sends the
GUI only the rewritten rectangle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from busviewer.core.mask_geometry import Box, true_box, union_box
from busviewer.core.mask_region import MaskRegion
from busviewer.core.prompts import Prompt

_EIGHT_CONNECTED = np.ones((3, 3), dtype=bool)

#: What each gesture is called in the undo menu and the panel.
GESTURE_WORDS = {"positive": "lesion here", "negative": "not lesion", "box": "box around the lesion"}


@dataclass(frozen=True)
class MergedOutline:
    """What a gesture rewrites: the new mask inside ``box`` (half-open rows/cols), or nothing.

    ``replaced_pixels`` counts mask pixels the gesture removes, ``added_pixels`` those it adds.
    """

    box: Box | None
    pixels: np.ndarray | None
    replaced_pixels: int = 0
    added_pixels: int = 0

    def summary(self) -> str:
        """One line for the panel: what the gesture replaced."""
        if self.box is None or (self.replaced_pixels == 0 and self.added_pixels == 0):
            return "the outline did not change"
        parts = []
        if self.added_pixels:
            parts.append(f"{self.added_pixels:,} px added")
        if self.replaced_pixels:
            parts.append(f"{self.replaced_pixels:,} px of the previous outline removed")
        return ", ".join(parts)


def _rect(prompt: Prompt, shape: tuple[int, int]) -> Box:
    rows, cols = shape
    r0, r1 = sorted((prompt.row, float(prompt.row2)))  # type: ignore[arg-type]
    c0, c1 = sorted((prompt.col, float(prompt.col2)))  # type: ignore[arg-type]
    return (int(np.clip(np.floor(r0), 0, rows)), int(np.clip(np.floor(r1) + 1, 0, rows)),
            int(np.clip(np.floor(c0), 0, cols)), int(np.clip(np.floor(c1) + 1, 0, cols)))  # fmt: skip


def _pixel(prompt: Prompt, shape: tuple[int, ...]) -> tuple[int, int]:
    """The pixel a click names, kept inside the frame. Halves round up (not to even), so the answer does
    not depend on where a crop starts."""
    row = int(np.clip(np.floor(prompt.row + 0.5), 0, shape[0] - 1))
    col = int(np.clip(np.floor(prompt.col + 0.5), 0, shape[1] - 1))
    return row, col


def _where(prompt: Prompt, shape: tuple[int, int]) -> Box:
    """The pixels a prompt names: its box, or the clicked pixel (kept inside the frame)."""
    if prompt.kind == "box":
        return _rect(prompt, shape)
    row, col = _pixel(prompt, shape)
    return row, row + 1, col, col + 1


def _touched(mask: np.ndarray, prompt: Prompt, rect: Box | None) -> np.ndarray:
    """The connected pieces of ``mask`` under the click, or meeting the box (bool, mask's shape)."""
    if not mask.any():
        return np.zeros_like(mask)
    labels, _ = ndimage.label(mask, structure=_EIGHT_CONNECTED)
    if rect is not None:
        ids = np.unique(labels[rect[0] : rect[1], rect[2] : rect[3]])
    else:
        row, col = _pixel(prompt, mask.shape)
        ids = np.array([labels[row, col]])
    ids = ids[ids > 0]
    return np.isin(labels, ids) if ids.size else np.zeros_like(mask)


def merge_prompted_outline(current: np.ndarray, outline: np.ndarray, prompt: Prompt, removed: bool = False) -> MergedOutline:
    """The part of ``current`` (the reader's mask) that ``prompt`` rewrites with ``outline`` (the model's).

    Parameters
    ----------
    current, outline
        bool (H, W): the mask on screen, and the outline the model drew from every prompt of the frame.
    prompt
        The gesture just made (or, with ``removed``, the prompt just taken away).
    removed
        The prompt was removed from the list: its region takes the model's outline as it now is, without
        the guarantees a fresh gesture gives (a "not lesion" click always clears the piece under it; a box
        keeps the new outline inside the box).
    """
    current = np.asarray(current, dtype=bool)
    outline = np.asarray(outline, dtype=bool)
    if current.shape != outline.shape:
        raise ValueError(f"outline has shape {outline.shape}, mask {current.shape}")
    shape = (int(current.shape[0]), int(current.shape[1]))
    rect = _rect(prompt, shape) if prompt.kind == "box" else None
    where = _where(prompt, shape)
    # Connected pieces never leave the extent of the two masks, so labelling works on that crop only.
    crop = union_box(true_box(current | outline), where)
    assert crop is not None
    r0, r1, c0, c1 = crop
    mine, model = current[r0:r1, c0:c1], outline[r0:r1, c0:c1]
    local = _shifted(prompt, r0, c0)
    local_rect = None if rect is None else (rect[0] - r0, rect[1] - r0, rect[2] - c0, rect[3] - c0)
    touched_model = _touched(model, local, local_rect)
    influence = _touched(mine, local, local_rect) | touched_model
    new = model & influence
    if local_rect is not None:
        in_box = np.zeros_like(influence)
        in_box[local_rect[0] : local_rect[1], local_rect[2] : local_rect[3]] = True
        influence |= in_box
        if not removed:
            new = model & in_box
    elif prompt.kind == "negative" and not removed:
        new &= ~touched_model
    region = true_box(influence)
    if region is None:
        return MergedOutline(None, None)
    a0, a1, b0, b1 = region
    before = mine[a0:a1, b0:b1]
    after = np.where(influence[a0:a1, b0:b1], new[a0:a1, b0:b1], before)
    box = (r0 + a0, r0 + a1, c0 + b0, c0 + b1)
    return MergedOutline(box, after, int(np.count_nonzero(before & ~after)), int(np.count_nonzero(after & ~before)))


@dataclass(frozen=True)
class Gesture:
    """One reader action on the prompts: a new prompt, or (``removed``) one taken off the list."""

    prompt: Prompt
    removed: bool = False

    def describe(self) -> str:
        """The undo-menu name, e.g. ``point: lesion here`` or ``remove point: box around the lesion``."""
        return f"{'remove point' if self.removed else 'point'}: {GESTURE_WORDS[self.prompt.kind]}"


def merge_gestures(current: np.ndarray, outline: np.ndarray, gestures: tuple[Gesture, ...] | list[Gesture]) -> MergedOutline:
    """:func:`merge_prompted_outline` for several gestures at once (clicks that came faster than the
    model: the newest prompt set's outline rewrites the region of each), as one rectangle."""
    if len(gestures) == 1:
        return merge_prompted_outline(current, outline, gestures[0].prompt, gestures[0].removed)
    working = np.array(current, dtype=bool)
    box: Box | None = None
    for gesture in gestures:
        merged = merge_prompted_outline(working, outline, gesture.prompt, gesture.removed)
        if merged.box is not None and merged.pixels is not None:
            r0, r1, c0, c1 = merged.box
            working[r0:r1, c0:c1] = merged.pixels
            box = union_box(box, merged.box)
    if box is None:
        return MergedOutline(None, None)
    r0, r1, c0, c1 = box
    before, after = np.asarray(current, dtype=bool)[r0:r1, c0:c1], working[r0:r1, c0:c1]
    return MergedOutline(box, after, int(np.count_nonzero(before & ~after)), int(np.count_nonzero(after & ~before)))


def _shifted(prompt: Prompt, rows: int, cols: int) -> Prompt:
    return Prompt(prompt.kind, prompt.row - rows, prompt.col - cols,
                  None if prompt.row2 is None else prompt.row2 - rows, None if prompt.col2 is None else prompt.col2 - cols)  # fmt: skip


def merge_regions(current: MaskRegion, outline: MaskRegion, gestures: tuple[Gesture, ...] | list[Gesture]) -> MergedOutline:
    """:func:`merge_gestures` for masks given as regions (the compute process's form): the same answer,
    computed on the rectangle that holds both masks and every gesture instead of the whole frame.

    The merge only ever looks at connected pieces of the two masks and at the gestures' own pixels, and
    all of those lie inside that rectangle.
    """
    if current.shape != outline.shape:
        raise ValueError(f"outline has shape {outline.shape}, mask {current.shape}")
    shape = current.shape
    around = union_box(current.box, outline.box)
    for gesture in gestures:
        around = union_box(around, _where(gesture.prompt, shape))
    if around is None:
        return MergedOutline(None, None)
    r0, _, c0, _ = around
    local = [Gesture(_shifted(g.prompt, r0, c0), g.removed) for g in gestures]
    merged = merge_gestures(current.crop(around), outline.crop(around), local)
    if merged.box is None:
        return merged
    a0, a1, b0, b1 = merged.box
    return MergedOutline((a0 + r0, a1 + r0, b0 + c0, b1 + c0), merged.pixels, merged.replaced_pixels, merged.added_pixels)
