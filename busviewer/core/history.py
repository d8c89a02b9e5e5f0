"""Bounded undo/redo history of mask edits, stored as small rectangles of old and new pixels."""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass

import numpy as np

from busviewer.core.prompts import Prompt

logger = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class EditAtom:
    """One undoable mask edit: the changed rectangle with its pixels before and after.

    Attributes
    ----------
    row0, row1, col0, col1
        Half-open bounding box of the edit in mask coordinates.
    old, new
        Bool arrays of shape ``(row1 - row0, col1 - col0)``: the box before and after the edit.
    description
        What the person did, for menus and logs (e.g. ``"paint stroke"``).
    edited_before, edited_after
        The mask's "changed by a person" flag before and after the edit, so undo restores it too.
    prompts_before, prompts_after
        The reader's click and box prompts (``busviewer.core.prompts.Prompt``) before and after a prompt
        gesture, so undo restores them with the outline; None for edits that leave the prompts alone.
        A prompt step may change no pixel at all: its box is then empty.
    """

    row0: int
    row1: int
    col0: int
    col1: int
    old: np.ndarray
    new: np.ndarray
    description: str
    edited_before: bool = False
    edited_after: bool = True
    prompts_before: tuple[Prompt, ...] | None = None
    prompts_after: tuple[Prompt, ...] | None = None

    def __post_init__(self) -> None:
        box_shape = (self.row1 - self.row0, self.col1 - self.col0)
        if self.old.shape != box_shape or self.new.shape != box_shape:
            raise ValueError(f"old/new pixels must have the box shape {box_shape}")

    @property
    def box(self) -> tuple[int, int, int, int]:
        """The half-open box ``(row0, row1, col0, col1)``."""
        return self.row0, self.row1, self.col0, self.col1

    @property
    def nbytes(self) -> int:
        """Memory held by the pixel arrays of this atom."""
        return int(self.old.nbytes + self.new.nbytes)


class EditHistory:
    """Undo and redo stacks of :class:`EditAtom` with a memory and a step limit.

    Both limits cover undo and redo steps together. When a push goes over a limit the oldest undo
    steps are dropped; a single step larger than ``limit_bytes`` is not kept at all, so the promise
    "history never holds more than ``limit_bytes``" always holds.

    Parameters
    ----------
    limit_bytes
        Most bytes of pixel data kept.
    limit_steps
        Most steps kept.
    """

    def __init__(self, limit_bytes: int = 64 * 2**20, limit_steps: int = 200) -> None:
        if limit_bytes < 0 or limit_steps < 0:
            raise ValueError("history limits must not be negative")
        self.limit_bytes = int(limit_bytes)
        self.limit_steps = int(limit_steps)
        self._undo: deque[EditAtom] = deque()
        self._redo: list[EditAtom] = []
        self._nbytes = 0

    def push(self, atom: EditAtom) -> None:
        """Record a new edit: redo is cleared and the oldest steps beyond the limits are dropped."""
        self._nbytes -= sum(step.nbytes for step in self._redo)
        self._redo.clear()
        self._undo.append(atom)
        self._nbytes += atom.nbytes
        while self._undo and (len(self._undo) > self.limit_steps or self._nbytes > self.limit_bytes):
            dropped = self._undo.popleft()
            self._nbytes -= dropped.nbytes
            if dropped is atom:
                logger.warning(
                    "edit '%s' (%d bytes) is larger than the undo limit of %d bytes and cannot be undone",
                    atom.description,
                    atom.nbytes,
                    self.limit_bytes,
                )

    def pop_undo(self) -> EditAtom | None:
        """Take the latest step for undoing (it moves to the redo stack); None when there is none."""
        if not self._undo:
            return None
        atom = self._undo.pop()
        self._redo.append(atom)
        return atom

    def pop_redo(self) -> EditAtom | None:
        """Take the latest undone step for redoing (it moves back to the undo stack); None when there is none."""
        if not self._redo:
            return None
        atom = self._redo.pop()
        self._undo.append(atom)
        return atom

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def undo_description(self) -> str | None:
        """Description of the step undo would revert, for an "Undo paint stroke" menu entry."""
        return self._undo[-1].description if self._undo else None

    @property
    def redo_description(self) -> str | None:
        """Description of the step redo would re-apply."""
        return self._redo[-1].description if self._redo else None

    @property
    def n_undo_steps(self) -> int:
        """Steps that undo can take back now."""
        return len(self._undo)

    @property
    def n_steps(self) -> int:
        """Undo plus redo steps held."""
        return len(self._undo) + len(self._redo)

    @property
    def nbytes(self) -> int:
        """Bytes of pixel data held by undo and redo steps together."""
        return self._nbytes

    @property
    def token(self) -> tuple[int, int, int]:
        """Changes whenever an edit, undo or redo changes the content (what autosave compares to skip
        frames that did not change since the last save)."""
        return len(self._undo), id(self._undo[-1]) if self._undo else 0, len(self._redo)

    def clear(self) -> None:
        """Forget every step."""
        self._undo.clear()
        self._redo.clear()
        self._nbytes = 0
