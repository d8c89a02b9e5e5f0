"""The case store's key-frame part: the frames of a cine loop the reader marked as reviewed (K).

A cine export holds the frames a person reviewed (edited, or marked here), never merely the frames the AI
ran on while the loop played. One row per marked frame (who marked it and when); each mark and unmark is
one audited row (``key_frame_marked`` / ``key_frame_unmarked``). :class:`CaseStore` mixes this in.
"""

from __future__ import annotations

import sqlite3

from busviewer.core.case import CaseRecord, current_user, utc_now_iso
from busviewer.io.store_part import StorePart

KEY_FRAMES_SCHEMA = """
CREATE TABLE IF NOT EXISTS key_frames (
    case_id TEXT NOT NULL REFERENCES cases(case_id) ON DELETE CASCADE,
    frame_index INTEGER NOT NULL, marked_by TEXT NOT NULL, marked_at TEXT NOT NULL,
    PRIMARY KEY (case_id, frame_index));
"""


class KeyFramesMixin(StorePart):
    """Reads and audited writes of each case's key frames; needs the store's connection and helpers."""

    def set_key_frame(self, case_id: str, frame_index: int, marked: bool, user: str | None = None) -> bool:
        """Mark (or unmark) one frame as a reviewed key frame; True when that changed anything.

        Raises
        ------
        KeyError
            No case ``case_id`` in the store.
        """
        who, when = user or current_user(), utc_now_iso()
        with self._transaction() as db:
            self._require_case(db, case_id)
            changed = self._write_key_frame(db, case_id, int(frame_index), marked, who, when)
            if changed:
                self._touch(db, case_id, who, when)
        return changed

    def key_frame_origins(self, case_id: str) -> dict[int, tuple[str, str]]:
        """Marked frames of a case with (who marked it, when)."""
        rows = self._conn.execute(
            "SELECT frame_index, marked_by, marked_at FROM key_frames WHERE case_id = ? ORDER BY frame_index",
            (case_id,),
        ).fetchall()
        return {index: (by, at) for index, by, at in rows}

    def _key_frames_of(self, case_id: str) -> frozenset[int]:
        rows = self._conn.execute("SELECT frame_index FROM key_frames WHERE case_id = ?", (case_id,)).fetchall()
        return frozenset(index for (index,) in rows)

    def _sync_key_frames(self, db: sqlite3.Connection, record: CaseRecord, who: str, when: str) -> bool:
        """Inside ``upsert_case``: make the stored key frames those of ``record``; True if any changed."""
        stored = {index for (index,) in db.execute("SELECT frame_index FROM key_frames WHERE case_id = ?",
                                                   (record.case_id,))}  # fmt: skip
        changed = False
        for index in sorted(stored ^ set(record.key_frames)):
            changed |= self._write_key_frame(db, record.case_id, index, index in record.key_frames, who, when)
        return changed

    def _write_key_frame(self, db: sqlite3.Connection, case_id: str, index: int, marked: bool, who: str,
                         when: str) -> bool:
        present = db.execute("SELECT 1 FROM key_frames WHERE case_id = ? AND frame_index = ?",
                             (case_id, index)).fetchone() is not None  # fmt: skip
        if present == marked:
            return False
        if marked:
            db.execute("INSERT INTO key_frames (case_id, frame_index, marked_by, marked_at) VALUES (?, ?, ?, ?)",
                       (case_id, index, who, when))
        else:
            db.execute("DELETE FROM key_frames WHERE case_id = ? AND frame_index = ?", (case_id, index))
        action = "key_frame_marked" if marked else "key_frame_unmarked"
        self._audit(db, case_id, index, who, when, action, {})
        return True
