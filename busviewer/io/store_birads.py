"""The case store's BI-RADS part: the reader's descriptor, category and location choices and her comment.

Kept beside the AI's proposal (which follows from image and mask and is recomputed, not stored): each
change is one audited row (``birads_changed`` with the field, old and new value and the AI's word at the
time; ``comment_changed``). :class:`CaseStore` mixes this in; the tables join its schema.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

from busviewer.core.birads_finding import READER_FIELDS, check_reader_value
from busviewer.core.case import CaseRecord, current_user, utc_now_iso
from busviewer.io.store_part import StorePart

BIRADS_SCHEMA = """
CREATE TABLE IF NOT EXISTS birads_choices (
    case_id TEXT NOT NULL REFERENCES cases(case_id) ON DELETE CASCADE,
    field TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (case_id, field));
CREATE TABLE IF NOT EXISTS case_comments (
    case_id TEXT PRIMARY KEY REFERENCES cases(case_id) ON DELETE CASCADE, comment TEXT NOT NULL);
"""


class BiradsChoicesMixin(StorePart):
    """Reads and audited writes of the reader's BI-RADS choices; needs the store's connection and helpers."""

    def set_birads_choice(self, case_id: str, name: str, value: str | None, ai_value: str | None = None,
                          user: str | None = None) -> None:
        """Set (or with None clear) the reader's value of BI-RADS field ``name`` for a case.

        Raises
        ------
        ValueError
            ``name`` is not a field or ``value`` not a word of its vocabulary.
        KeyError
            No such case.
        """
        checked = check_reader_value(name, value)
        who, when = user or current_user(), utc_now_iso()
        with self._transaction() as db:
            self._require_case(db, case_id)
            if self._write_choice(db, case_id, name, checked, ai_value, who, when):
                self._touch(db, case_id, who, when)

    def set_comment(self, case_id: str, comment: str, user: str | None = None) -> None:
        """Set the reader's free-text comment on a case (empty clears it)."""
        who, when = user or current_user(), utc_now_iso()
        with self._transaction() as db:
            self._require_case(db, case_id)
            if self._write_comment(db, case_id, comment, who, when):
                self._touch(db, case_id, who, when)

    def _sync_birads(self, db: sqlite3.Connection, record: CaseRecord, who: str, when: str) -> bool:
        """Inside ``upsert_case``: make the stored choices and comment those of ``record``; True if any changed."""
        stored = dict(self._choices(db, record.case_id))
        changed = False
        for name in READER_FIELDS:
            wanted = check_reader_value(name, record.birads_reader.get(name))
            if stored.get(name) != wanted:
                changed |= self._write_choice(db, record.case_id, name, wanted, None, who, when)
        return self._write_comment(db, record.case_id, record.comment, who, when) or changed

    def _birads_of(self, case_id: str) -> tuple[dict[str, str], str]:
        """The stored choices and comment of a case (for reading a record)."""
        choices = dict(self._choices(self._conn, case_id))
        row = self._conn.execute("SELECT comment FROM case_comments WHERE case_id = ?", (case_id,)).fetchone()
        return choices, row[0] if row else ""

    @staticmethod
    def _choices(db: sqlite3.Connection, case_id: str) -> Iterator[tuple[str, str]]:
        yield from db.execute("SELECT field, value FROM birads_choices WHERE case_id = ?", (case_id,))

    def _write_choice(self, db: sqlite3.Connection, case_id: str, name: str, value: str | None,
                      ai_value: str | None, who: str, when: str) -> bool:
        row = db.execute("SELECT value FROM birads_choices WHERE case_id = ? AND field = ?", (case_id, name)).fetchone()
        before = row[0] if row else None
        if before == value:
            return False
        if value is None:
            db.execute("DELETE FROM birads_choices WHERE case_id = ? AND field = ?", (case_id, name))
        else:
            db.execute("INSERT OR REPLACE INTO birads_choices (case_id, field, value) VALUES (?, ?, ?)",
                       (case_id, name, value))
        details: dict[str, Any] = {"field": name, "from": before, "to": value}
        if ai_value is not None:
            details["ai"] = ai_value
        self._audit(db, case_id, None, who, when, "birads_changed", details)
        return True

    def _write_comment(self, db: sqlite3.Connection, case_id: str, comment: str, who: str, when: str) -> bool:
        row = db.execute("SELECT comment FROM case_comments WHERE case_id = ?", (case_id,)).fetchone()
        before = row[0] if row else ""
        text = comment.strip()
        if before == text:
            return False
        if text:
            db.execute("INSERT OR REPLACE INTO case_comments (case_id, comment) VALUES (?, ?)", (case_id, text))
        else:
            db.execute("DELETE FROM case_comments WHERE case_id = ?", (case_id,))
        self._audit(db, case_id, None, who, when, "comment_changed", {"from": before, "to": text})
        return True

