"""The editable lesion mask of one frame: brush strokes, polygon fills and clean-ups, each one undo step.

Coordinates are (row, col) floats in the numpy/scikit-image convention: the centre of pixel ``[r, c]``
is at ``(r, c)``. Brush work touches only the bounding box of each disk or capsule, so painting stays
fast on large scans; the old pixels of a stroke are kept tile by tile as the stroke first touches them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from psygnal import Signal
from scipy import ndimage
from skimage.draw import polygon as polygon_pixels

from busviewer.core.brush_stroke import BrushStroke
from busviewer.core.history import EditAtom, EditHistory
from busviewer.core.mask_geometry import Box, capsule, true_box
from busviewer.core.prompts import Prompt

_EIGHT_CONNECTED = np.ones((3, 3), dtype=bool)


class MaskLayer:
    """Editable lesion mask for one frame.

    Every edit is one undo step in :attr:`history`; a brush stroke (``begin_stroke``, ``stroke_to``...,
    ``end_stroke``) is one step however long it is. An edit that changes nothing records nothing.
    The reader's click and box :attr:`prompts` live here too, so one undo step restores outline and
    prompts together (:meth:`apply_prompts`).

    Signals
    -------
    changed(tuple[int, int, int, int])
        ``(row0, row1, col0, col1)``: half-open box holding every pixel that just changed.
    history_changed()
        Undo/redo availability may have changed.
    prompts_changed()
        :attr:`prompts` changed (a prompt gesture, or undo/redo of one).

    Parameters
    ----------
    shape
        (rows, cols) of the frame.
    data
        Starting mask (anything that converts to bool); empty when None. It is copied.
    history
        Where undo steps go; a fresh :class:`EditHistory` with default limits when None.
    """

    changed = Signal(tuple)
    history_changed = Signal()
    prompts_changed = Signal()

    def __init__(
        self, shape: tuple[int, int], data: np.ndarray | None = None, history: EditHistory | None = None
    ) -> None:
        rows, cols = int(shape[0]), int(shape[1])
        if rows <= 0 or cols <= 0:
            raise ValueError(f"mask shape must be positive, got {shape}")
        if data is None:
            self._data = np.zeros((rows, cols), dtype=bool)
        else:
            start = np.asarray(data)
            if start.shape != (rows, cols):
                raise ValueError(f"mask data has shape {start.shape}, expected {(rows, cols)}")
            self._data = start.astype(bool, copy=True)
        self._history = history if history is not None else EditHistory()
        self._edited = False
        self._stroke: BrushStroke | None = None
        self._prompts: tuple[Prompt, ...] = ()
        self._revision = 0

    @property
    def data(self) -> np.ndarray:
        """The mask as a read-only bool view; edit it through the methods of this class."""
        view = self._data.view()
        view.flags.writeable = False
        return view

    @property
    def revision(self) -> int:
        """Grows with every change of the pixels, strokes in progress included: what is derived from the
        mask can be cached against it."""
        return self._revision

    def _emit_changed(self, box: Box) -> None:
        self._revision += 1
        self.changed.emit(box)

    @property
    def shape(self) -> tuple[int, int]:
        return int(self._data.shape[0]), int(self._data.shape[1])

    @property
    def edited(self) -> bool:
        """True once a person changed the mask; False while it is as loaded or as set by the program."""
        return self._edited

    @property
    def history(self) -> EditHistory:
        return self._history

    @property
    def prompts(self) -> tuple[Prompt, ...]:
        """The reader's click and box prompts that shaped this mask, oldest first (source pixels)."""
        return self._prompts

    @property
    def can_undo(self) -> bool:
        return self._history.can_undo

    @property
    def can_redo(self) -> bool:
        return self._history.can_redo

    # -- brush -----------------------------------------------------------------------------------

    def begin_stroke(self, value: bool) -> None:
        """Start a brush stroke that paints (``value`` True) or erases (False); ends any stroke in progress."""
        if self._stroke is not None:
            self.end_stroke()
        self._stroke = BrushStroke(value=bool(value))

    def stroke_to(self, row: float, col: float, radius: float) -> None:
        """Extend the stroke to (row, col) with a brush of ``radius`` pixels.

        Paints the disk at the point and the capsule from the previous stroke point, then emits
        ``changed`` with the box of the pixels that changed (nothing when none did).
        """
        stroke = self._stroke
        if stroke is None:
            raise RuntimeError("stroke_to() called without begin_stroke()")
        point = (float(row), float(col))
        if not (math.isfinite(point[0]) and math.isfinite(point[1]) and math.isfinite(radius)):
            # The cursor left the image (NaN): lift the brush so re-entering does not draw a line across.
            stroke.last_point = None
            return
        start = stroke.last_point if stroke.last_point is not None else point
        stroke.last_point = point
        # Half a pixel is the smallest brush that always covers the pixel under the cursor.
        found = capsule(start, point, max(float(radius), 0.5), self.shape)
        if found is None:
            return
        (row0, row1, col0, col1), inside = found
        region = self._data[row0:row1, col0:col1]
        to_change = inside & (region != stroke.value)
        local = true_box(to_change)
        if local is None:
            return
        box = (row0 + local[0], row0 + local[1], col0 + local[2], col0 + local[3])
        stroke.keep_tiles(self._data, box)
        region[to_change] = stroke.value
        self._emit_changed(box)

    def end_stroke(self) -> None:
        """Finish the stroke; everything it changed becomes one undo step."""
        stroke, self._stroke = self._stroke, None
        if stroke is None or stroke.box is None:
            return
        row0, row1, col0, col1 = stroke.box
        old = stroke.old_pixels(self._data)
        new = self._data[row0:row1, col0:col1].copy()
        description = "paint stroke" if stroke.value else "erase stroke"
        if self._record(stroke.box, old, new, description, edited_after=True) is not None:
            self.history_changed.emit()

    def paint_disk(self, row: float, col: float, radius: float, value: bool) -> None:
        """Paint (or erase, ``value`` False) one disk as a single undo step."""
        self.begin_stroke(value)
        self.stroke_to(row, col, radius)
        self.end_stroke()

    # -- whole-shape edits -----------------------------------------------------------------------

    def fill_polygon(self, points: Sequence[tuple[float, float]], value: bool = True) -> None:
        """Fill (or erase) the inside of the polygon with (row, col) ``points`` as one undo step."""
        self._finish_stroke()
        vertices = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        if len(vertices) < 3:
            return
        rows, cols = polygon_pixels(vertices[:, 0], vertices[:, 1], shape=self.shape)
        if rows.size == 0:
            return
        row0, row1 = int(rows.min()), int(rows.max()) + 1
        col0, col1 = int(cols.min()), int(cols.max()) + 1
        new = self._data[row0:row1, col0:col1].copy()
        new[rows - row0, cols - col0] = bool(value)
        self._apply((row0, row1, col0, col1), new, "fill polygon" if value else "erase polygon")

    def fill_holes(self) -> None:
        """Fill background regions completely enclosed by the mask."""
        self._finish_stroke()
        box = true_box(self._data)
        if box is None:
            return
        # Outside the mask's bounding box everything is background joined to the image border,
        # so filling inside the box gives the same answer as filling the whole image.
        region = self._data[box[0] : box[1], box[2] : box[3]]
        self._apply(box, ndimage.binary_fill_holes(region), "fill holes")

    def remove_small_islands(self, min_pixels: int) -> None:
        """Erase connected pieces (8-connected) of fewer than ``min_pixels`` pixels."""
        self._finish_stroke()
        box = true_box(self._data)
        if box is None:
            return
        region = self._data[box[0] : box[1], box[2] : box[3]]
        labels, _ = ndimage.label(region, structure=_EIGHT_CONNECTED)
        keep = np.bincount(labels.ravel()) >= int(min_pixels)
        keep[0] = False
        self._apply(box, keep[labels], "remove small islands")

    def clear(self) -> None:
        """Erase the whole mask as one undo step."""
        self._finish_stroke()
        box = true_box(self._data)
        if box is None:
            return
        self._apply(box, np.zeros((box[1] - box[0], box[3] - box[2]), dtype=bool), "clear mask")

    def set_mask(self, mask: np.ndarray, description: str = "accept AI mask", by_person: bool = True) -> None:
        """Replace the whole mask as one undoable step.

        Parameters
        ----------
        mask
            New mask of the same shape (anything that converts to bool).
        description
            Name of the step in the history.
        by_person
            False when the program, not a person, chose this mask (e.g. loading a proposal):
            then :attr:`edited` becomes False.
        """
        self._finish_stroke()
        new_mask = np.asarray(mask)
        if new_mask.shape != self._data.shape:
            raise ValueError(f"mask has shape {new_mask.shape}, expected {self._data.shape}")
        new_mask = new_mask.astype(bool, copy=False)
        box = true_box(new_mask != self._data)
        if box is None:
            if not by_person:
                self._edited = False
            return
        row0, row1, col0, col1 = box
        self._apply(box, new_mask[row0:row1, col0:col1].copy(), description, edited_after=bool(by_person))

    # -- prompts ---------------------------------------------------------------------------------

    def apply_prompts(
        self, prompts: Sequence[Prompt], box: Box | None, pixels: np.ndarray | None, description: str
    ) -> None:
        """One prompt gesture as one undo step: new prompts, and ``pixels`` (bool) written into ``box``.

        The step is recorded even when no pixel changes (a click that confirms the outline), so undo
        always takes the gesture back. ``box`` None (or ``pixels`` None) changes prompts only.
        """
        self._finish_stroke()
        new_prompts = tuple(prompts)
        old = new = np.zeros((0, 0), dtype=bool)
        changed_box: Box = (0, 0, 0, 0)
        if box is not None and pixels is not None:
            row0, row1, col0, col1 = box
            region = np.asarray(pixels, dtype=bool)
            if region.shape != (row1 - row0, col1 - col0):
                raise ValueError(f"pixels have shape {region.shape}, box {box} needs {(row1 - row0, col1 - col0)}")
            current = self._data[row0:row1, col0:col1]
            local = true_box(current != region)
            if local is not None:
                lr0, lr1, lc0, lc1 = local
                changed_box = (row0 + lr0, row0 + lr1, col0 + lc0, col0 + lc1)
                old, new = current[lr0:lr1, lc0:lc1].copy(), region[lr0:lr1, lc0:lc1].copy()
        if changed_box == (0, 0, 0, 0) and new_prompts == self._prompts:
            return
        atom = EditAtom(*changed_box, old=old, new=new, description=description, edited_before=self._edited,
                        edited_after=True, prompts_before=self._prompts, prompts_after=new_prompts)  # fmt: skip
        self._history.push(atom)
        self._edited = True
        self._write_atom(atom, atom.new, new_prompts)
        self.history_changed.emit()

    def restore_prompts(self, prompts: Sequence[Prompt]) -> None:
        """Set the prompts without an undo step (loading saved work: there is no earlier state to go back to)."""
        new_prompts = tuple(prompts)
        if new_prompts != self._prompts:
            self._prompts = new_prompts
            self.prompts_changed.emit()

    def _write_atom(self, atom: EditAtom, pixels: np.ndarray, prompts: tuple[Prompt, ...] | None) -> None:
        """Put ``pixels`` into the atom's box and ``prompts`` (None: unchanged) in place, and say so."""
        if atom.row1 > atom.row0 and atom.col1 > atom.col0:
            self._data[atom.row0 : atom.row1, atom.col0 : atom.col1] = pixels
            self._emit_changed(atom.box)
        if prompts is not None and prompts != self._prompts:
            self._prompts = prompts
            self.prompts_changed.emit()

    # -- undo ------------------------------------------------------------------------------------

    def undo(self) -> bool:
        """Revert the latest step; False when there is nothing to undo."""
        self._finish_stroke()
        atom = self._history.pop_undo()
        if atom is None:
            return False
        self._edited = atom.edited_before
        self._write_atom(atom, atom.old, atom.prompts_before)
        self.history_changed.emit()
        return True

    def redo(self) -> bool:
        """Re-apply the latest undone step; False when there is nothing to redo."""
        self._finish_stroke()
        atom = self._history.pop_redo()
        if atom is None:
            return False
        self._edited = atom.edited_after
        self._write_atom(atom, atom.new, atom.prompts_after)
        self.history_changed.emit()
        return True

    # -- internals -------------------------------------------------------------------------------

    def _finish_stroke(self) -> None:
        # Any other edit, undo or redo first closes a stroke left open, so steps never interleave.
        if self._stroke is not None:
            self.end_stroke()

    def _apply(self, box: Box, new: np.ndarray, description: str, edited_after: bool = True) -> None:
        """Write ``new`` into ``box``, emit ``changed`` and record the step."""
        row0, row1, col0, col1 = box
        old = self._data[row0:row1, col0:col1].copy()
        changed_box = self._record(box, old, new, description, edited_after)
        if changed_box is not None:
            r0, r1, c0, c1 = changed_box
            self._data[r0:r1, c0:c1] = new[r0 - row0 : r1 - row0, c0 - col0 : c1 - col0]
            self._emit_changed(changed_box)
            self.history_changed.emit()

    def _record(self, box: Box, old: np.ndarray, new: np.ndarray, description: str, edited_after: bool) -> Box | None:
        """Push the step for the pixels that differ between ``old`` and ``new``; returns their box or None.

        Signals are left to the caller, which emits them once the pixels are in place.
        """
        local = true_box(old != new)
        if local is None:
            return None
        lr0, lr1, lc0, lc1 = local
        changed_box = (box[0] + lr0, box[0] + lr1, box[2] + lc0, box[2] + lc1)
        atom = EditAtom(
            *changed_box,
            old=old[lr0:lr1, lc0:lc1].copy(),
            new=np.array(new[lr0:lr1, lc0:lc1], dtype=bool),
            description=description,
            edited_before=self._edited,
            edited_after=edited_after,
        )
        self._history.push(atom)
        self._edited = edited_after
        return changed_box
