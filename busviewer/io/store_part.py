"""What each part of the case store (a mixin of :class:`~busviewer.io.store.CaseStore`) may call on it: the
connection and the write helpers every part shares (one transaction per write, one audit row per change)."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from busviewer.core.errors import UserFacingError


class StorePart:
    """Base of the store's parts; ``CaseStore`` opens the connection and sets the lock and path."""

    _conn: sqlite3.Connection
    _lock: threading.RLock
    db_path: Path

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise UserFacingError(f"The review state in {self.db_path} cannot be written ({exc}).") from exc
            try:
                yield self._conn
            except sqlite3.Error as exc:  # e.g. the disk filled up mid-transaction
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute("ROLLBACK")
                raise UserFacingError(f"The review state in {self.db_path} cannot be written ({exc}).") from exc
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            try:
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute("ROLLBACK")
                raise UserFacingError(f"The review state in {self.db_path} cannot be written ({exc}).") from exc

    @staticmethod
    def _require_case(db: sqlite3.Connection, case_id: str) -> None:
        if db.execute("SELECT 1 FROM cases WHERE case_id = ?", (case_id,)).fetchone() is None:
            raise KeyError(case_id)

    @staticmethod
    def _touch(db: sqlite3.Connection, case_id: str, who: str, when: str) -> None:
        db.execute("UPDATE cases SET updated_by = ?, updated_at = ? WHERE case_id = ?", (who, when, case_id))

    @staticmethod
    def _audit(
        db: sqlite3.Connection, case_id: str, frame_index: int | None, who: str, when: str, action: str,
        details: dict[str, Any],
    ) -> None:
        db.execute(
            "INSERT INTO audit (case_id, frame_index, who, at, action, details) VALUES (?, ?, ?, ?, ?, ?)",
            (case_id, frame_index, who, when, action, json.dumps(details, sort_keys=True)),
        )
