"""What each part of the case store (a mixin of :class:`~busviewer.io.store.CaseStore`) may call on it."""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any


class StorePart:
    """Base of the store's parts: the connection, and (implemented by ``CaseStore``) its write helpers."""

    _conn: sqlite3.Connection

    if TYPE_CHECKING:  # declared for the type checker only: CaseStore defines them

        def _transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...

        @staticmethod
        def _require_case(db: sqlite3.Connection, case_id: str) -> None: ...

        @staticmethod
        def _touch(db: sqlite3.Connection, case_id: str, who: str, when: str) -> None: ...

        @staticmethod
        def _audit(
            db: sqlite3.Connection, case_id: str, frame_index: int | None, who: str, when: str, action: str,
            details: dict[str, Any],
        ) -> None: ...
