"""The case store's Point-tool part: the click and box prompts that shaped each frame's mask.

One row per prompt (kind, position in source pixels, who placed it and when), in the order given, so a
reopened case shows the same markers and fine-tuning can replay the prompts that produced the final mask.
Each change of a frame's prompts is one audited row (``prompts_changed``: who, when, which frame, and
where every added or removed prompt lies). :class:`CaseStore` mixes this in; the table joins its schema.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from busviewer.core.case import FrameReview
from busviewer.core.prompts import Prompt
from busviewer.io.store_part import StorePart

PROMPTS_SCHEMA = """
CREATE TABLE IF NOT EXISTS frame_prompts (
    case_id TEXT NOT NULL REFERENCES cases(case_id) ON DELETE CASCADE,
    frame_index INTEGER NOT NULL, position INTEGER NOT NULL,
    kind TEXT NOT NULL, row REAL NOT NULL, col REAL NOT NULL, row2 REAL, col2 REAL,
    placed_by TEXT NOT NULL, placed_at TEXT NOT NULL,
    PRIMARY KEY (case_id, frame_index, position));
"""


def _where(prompt: Prompt) -> dict[str, Any]:
    """A prompt's kind and position for the audit trail (rounded: a tenth of a pixel is plenty)."""
    return {key: round(value, 1) if isinstance(value, float) else value for key, value in prompt.as_dict().items()}


class PromptsMixin(StorePart):
    """Reads and audited writes of each frame's prompts; needs the store's connection and ``_audit``."""

    def _sync_prompts(self, db: sqlite3.Connection, case_id: str, frame: FrameReview, who: str, when: str) -> bool:
        """Inside a frame write: make the stored prompts those of ``frame``; True (and one audit row) if they changed.

        Prompts kept from before keep who placed them and when; new ones are placed by ``who`` at ``when``.
        """
        stored = self._stored_prompts(db, case_id, frame.frame_index)
        wanted = tuple(frame.prompts)
        if tuple(prompt for prompt, _ in stored) == wanted:
            return False
        placed = {prompt: origin for prompt, origin in stored}
        db.execute("DELETE FROM frame_prompts WHERE case_id = ? AND frame_index = ?", (case_id, frame.frame_index))
        for position, prompt in enumerate(wanted):
            by, at = placed.get(prompt, (who, when))
            db.execute(
                "INSERT INTO frame_prompts (case_id, frame_index, position, kind, row, col, row2, col2, placed_by,"
                " placed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (case_id, frame.frame_index, position, prompt.kind, prompt.row, prompt.col, prompt.row2, prompt.col2,
                 by, at),
            )  # fmt: skip
        before = [prompt for prompt, _ in stored]
        details = {
            "added": [_where(p) for p in wanted if p not in before],
            "removed": [_where(p) for p in before if p not in wanted],
            "count": len(wanted),
        }
        self._audit(db, case_id, frame.frame_index, who, when, "prompts_changed", details)
        return True

    def _prompts_of(self, case_id: str, frame_index: int) -> tuple[Prompt, ...]:
        """The stored prompts of a frame, in the order they were given."""
        return tuple(prompt for prompt, _ in self._stored_prompts(self._conn, case_id, frame_index))

    def prompt_origins(self, case_id: str, frame_index: int) -> list[dict[str, Any]]:
        """Every stored prompt of a frame with who placed it and when (oldest first)."""
        return [{**prompt.as_dict(), "placed_by": by, "placed_at": at}
                for prompt, (by, at) in self._stored_prompts(self._conn, case_id, frame_index)]  # fmt: skip

    @staticmethod
    def _stored_prompts(db: sqlite3.Connection, case_id: str, frame_index: int) -> list[tuple[Prompt, tuple[str, str]]]:
        rows = db.execute(
            "SELECT kind, row, col, row2, col2, placed_by, placed_at FROM frame_prompts"
            " WHERE case_id = ? AND frame_index = ? ORDER BY position", (case_id, frame_index),
        ).fetchall()
        return [(Prompt(kind, row, col, row2, col2), (by, at)) for kind, row, col, row2, col2, by, at in rows]
