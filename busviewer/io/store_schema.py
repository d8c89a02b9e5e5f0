"""The case store's SQLite layout and its versions: what a new store is made with, how an older one is
brought up to date, and the one-sentence refusal of a store written by a newer busviewer.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from busviewer.core.errors import UserFacingError
from busviewer.io.store_birads import BIRADS_SCHEMA
from busviewer.io.store_key_frames import KEY_FRAMES_SCHEMA
from busviewer.io.store_prompts import PROMPTS_SCHEMA
from busviewer.io.store_sends import SENDS_SCHEMA

log = logging.getLogger(__name__)

#: 1: cases, frames, audit (and the tables of the store mixins); 2: cases keep their scan's content key.
SCHEMA_VERSION = 2

_META = "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
_SCHEMA = _META + """
CREATE TABLE IF NOT EXISTS cases (
    case_id TEXT PRIMARY KEY, source_path TEXT NOT NULL, status TEXT NOT NULL, reviewer_class TEXT,
    updated_by TEXT NOT NULL, updated_at TEXT NOT NULL, content_sha256 TEXT);
CREATE TABLE IF NOT EXISTS frames (
    case_id TEXT NOT NULL REFERENCES cases(case_id) ON DELETE CASCADE,
    frame_index INTEGER NOT NULL,
    ai_mask TEXT, current_mask TEXT, ai_model_id TEXT, ai_probabilities TEXT, uncertainty_score REAL,
    ai_unfamiliar INTEGER,
    updated_by TEXT NOT NULL, updated_at TEXT NOT NULL,
    PRIMARY KEY (case_id, frame_index));
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT, case_id TEXT NOT NULL, frame_index INTEGER,
    who TEXT NOT NULL, at TEXT NOT NULL, action TEXT NOT NULL, details TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_by_case ON audit (case_id, id);
"""
#: Columns later versions added: stores written before them gain them empty (NULL) on opening.
_ADDED_COLUMNS = {"frames": {"ai_unfamiliar": "INTEGER"}, "cases": {"content_sha256": "TEXT"}}
#: Made after the columns they index exist (an older store gains them first).
_INDEXES = "CREATE INDEX IF NOT EXISTS cases_by_content ON cases (content_sha256);"


def check_schema_version(conn: sqlite3.Connection, db_path: Path) -> int | None:
    """Refuse (closing ``conn``) a store written by a newer busviewer, in one sentence; else the format
    found, None for a new store."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if row is None:
        return None
    try:
        found = int(row[0])
    except (TypeError, ValueError):
        found = 0
    if found > SCHEMA_VERSION:
        conn.close()
        raise UserFacingError(
            f"The review in {db_path.parent} was saved by a newer busviewer (store format {found}; "
            f"this version reads up to {SCHEMA_VERSION}): open it with that version."
        )
    return found


def create_or_migrate(conn: sqlite3.Connection, db_path: Path) -> None:
    """Make a new store, or bring an older one up to the current format (a newer one is refused first,
    before anything in it changes).

    Missing tables and columns are created (``CREATE ... IF NOT EXISTS``, ``_ADDED_COLUMNS``); a format
    change that needs more adds its step here.
    """
    conn.execute(_META)
    found = check_schema_version(conn, db_path)
    conn.executescript(_SCHEMA + BIRADS_SCHEMA + PROMPTS_SCHEMA + KEY_FRAMES_SCHEMA + SENDS_SCHEMA)
    _add_missing_columns(conn)
    conn.executescript(_INDEXES)
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
    if found is not None and found < SCHEMA_VERSION:
        log.info("review state brought up from store format %d to %d", found, SCHEMA_VERSION)


def _add_missing_columns(conn: sqlite3.Connection) -> None:
    """Give a store written by an older version the columns added since (empty for old rows)."""
    for table, columns in _ADDED_COLUMNS.items():
        present = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        for name, kind in columns.items():
            if name not in present:
                try:
                    conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
                except sqlite3.OperationalError as exc:
                    if "duplicate column" not in str(exc):  # another process added it a moment ago
                        raise
