"""Autosaved review state of a workspace: SQLite for cases, frames and the audit trail, one file per distinct mask.

Where the state lives is ``busviewer.io.workspace_locations``' business (the user's data folder by default, the
scan folder on request). Layout there: ``cases.sqlite`` (WAL, synchronous=FULL) and ``masks/<sha256>.npz``.
A mask file is named after the SHA-256 of its content and written atomically *before* the transaction that
points to it commits, so a crash at any moment leaves every committed row pointing at an intact, verifiable file;
the worst leftover is an unreferenced file, swept on a later open.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from busviewer.core.case import CaseRecord, FrameReview, ReviewStatus, current_user, utc_now_iso
from busviewer.core.constants import CLASS_NAMES
from busviewer.core.errors import UserFacingError
from busviewer.io.mask_files import MaskFiles
from busviewer.io.store_birads import BiradsChoicesMixin
from busviewer.io.store_content_keys import ContentKeysMixin, content_key
from busviewer.io.store_key_frames import KeyFramesMixin
from busviewer.io.store_prompts import PromptsMixin
from busviewer.io.store_schema import SCHEMA_VERSION, check_schema_version, create_or_migrate
from busviewer.io.store_sends import SendsMixin
from busviewer.io.workspace_locations import (
    DB_NAME,
    STORE_DIR_NAME,
    WorkspaceLocation,
    default_state_dir,
    find_workspace,
    locate_workspace,
)

log = logging.getLogger(__name__)

__all__ = ["DB_NAME", "SCHEMA_VERSION", "STORE_DIR_NAME", "CaseStore", "has_store", "store_dir"]

MASK_DIR_NAME = "masks"
_FRAME_FIELDS = ("ai_mask", "current_mask", "ai_model_id", "ai_probabilities", "uncertainty_score", "ai_unfamiliar")


def store_dir(workspace_dir: Path) -> Path:
    """The folder that holds (or would hold) the review state of the scan folder ``workspace_dir``."""
    found = find_workspace(workspace_dir)
    return found.state_dir if found is not None else default_state_dir(workspace_dir)


def has_store(workspace_dir: Path) -> bool:
    """True when the scan folder ``workspace_dir`` already has saved review state (wherever it is kept)."""
    found = find_workspace(workspace_dir)
    return found is not None and found.db_path.is_file()


class CaseStore(BiradsChoicesMixin, PromptsMixin, KeyFramesMixin, SendsMixin, ContentKeysMixin):
    """Review state of one workspace folder, safe against crashes at any moment.

    Every public write is one SQLite transaction and one audit row per change (who: login name,
    when: ISO UTC, what: action and JSON details). Thread-safe: the GUI may save from a worker.

    Parameters
    ----------
    workspace_dir
        The folder whose images are reviewed (saved source paths are relative to it).
    location
        Where the state is; by default the folder's workspace (``workspace_locations.locate_workspace``:
        found where it was kept before, else made in the user's data folder).
    read_only
        Only read (another workspace's cases): nothing is created, migrated or swept.

    Raises
    ------
    UserFacingError
        The folder cannot be written or the saved state is damaged.
    """

    def __init__(self, workspace_dir: Path, location: WorkspaceLocation | None = None, read_only: bool = False) -> None:
        self.workspace_dir = Path(workspace_dir)
        self.read_only = read_only
        self._lock = threading.RLock()
        if not self.workspace_dir.is_dir() and not read_only:  # a workspace only read may outlive its folder
            raise UserFacingError(f"The workspace folder {self.workspace_dir} does not exist.")
        try:
            self.location = location or locate_workspace(self.workspace_dir)
        except OSError as exc:
            raise UserFacingError(f"Review state cannot be saved for {self.workspace_dir} ({exc.strerror}).") from exc
        self.db_path = self.location.db_path
        self.mask_dir = self.location.state_dir / MASK_DIR_NAME
        self._masks = MaskFiles(self.mask_dir)
        try:
            if read_only:
                self._conn = sqlite3.connect(f"{self.db_path.as_uri()}?mode=ro", uri=True, timeout=30.0,
                                             isolation_level=None, check_same_thread=False)  # fmt: skip
                check_schema_version(self._conn, self.db_path)
                return
            self.mask_dir.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.db_path, timeout=30.0, isolation_level=None, check_same_thread=False)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            create_or_migrate(self._conn, self.db_path)
        except sqlite3.DatabaseError as exc:
            raise UserFacingError(f"The review state in {self.db_path} is damaged or locked ({exc}).") from exc
        except OSError as exc:
            raise UserFacingError(f"Review state cannot be saved in {self.location.state_dir} ({exc.strerror}).") from exc
        self._sweep_orphans()

    # ----------------------------------------------------------------- lifecycle

    def close(self) -> None:
        """Close the database; the store cannot be used afterwards."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> CaseStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ----------------------------------------------------------------- writes

    def upsert_case(self, record: CaseRecord, user: str | None = None, only_frames: Iterable[int] | None = None) -> None:
        """Write ``record`` with all its frames (frames missing from it are removed) in one transaction.

        ``record.updated_by`` and ``record.updated_at`` are set to the writer and the time of writing.

        Parameters
        ----------
        only_frames
            Write only these frames of ``record`` and leave every other saved frame as it is (autosave:
            a stroke on one frame of a cine loop must not re-hash and rewrite the masks of all of them).
        """
        who, when = user or current_user(), utc_now_iso()
        wanted = set(only_frames) if only_frames is not None else None
        frames = [f for f in record.frames.values() if wanted is None or f.frame_index in wanted]
        keys = {frame.frame_index: self._write_frame_masks(frame) for frame in frames}
        written = {key: mask for frame in frames for key, mask in self._keyed_masks(frame, keys)}
        released: set[str] = set()
        with self._transaction() as db:
            old = db.execute(
                "SELECT source_path, status, reviewer_class FROM cases WHERE case_id = ?", (record.case_id,)
            ).fetchone()
            new = (self._stored_source(record.source_path), record.status.value, record.reviewer_class)
            changes = {
                name: {"from": before, "to": after}
                for name, before, after in zip(("source_path", "status", "reviewer_class"), old or new, new, strict=True)
                if before != after
            }
            if old is None:
                db.execute(
                    "INSERT INTO cases (source_path, status, reviewer_class, updated_by, updated_at, case_id,"
                    " content_sha256) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (*new, who, when, record.case_id, content_key(record.source_path)),
                )
                details = {"status": record.status.value, "reviewer_class": record.reviewer_class}
                self._audit(db, record.case_id, None, who, when, "case_created", details)
            elif changes:
                db.execute(
                    "UPDATE cases SET source_path = ?, status = ?, reviewer_class = ? WHERE case_id = ?",
                    (*new, record.case_id),
                )
                self._audit(db, record.case_id, None, who, when, "case_updated", changes)
            touched = self._sync_birads(db, record, who, when) or old is None or bool(changes)
            touched = self._sync_key_frames(db, record, who, when) or touched
            for frame in frames:
                changed, freed = self._upsert_frame(db, record.case_id, frame, keys[frame.frame_index], who, when)
                touched, released = touched or changed, released | freed
            stale = [] if wanted is not None else db.execute(
                "SELECT frame_index, ai_mask, current_mask FROM frames WHERE case_id = ?", (record.case_id,)
            ).fetchall()
            for index, ai_key, current_key in stale:
                if index not in keys:
                    db.execute("DELETE FROM frames WHERE case_id = ? AND frame_index = ?", (record.case_id, index))
                    db.execute("DELETE FROM frame_prompts WHERE case_id = ? AND frame_index = ?", (record.case_id, index))
                    self._audit(db, record.case_id, index, who, when, "frame_removed", {})
                    released |= {k for k in (ai_key, current_key) if k}
                    touched = True
            if touched:
                self._touch(db, record.case_id, who, when)
        if touched:
            record.updated_by, record.updated_at = who, when
        self._after_commit(released, written)

    def save_frame(self, case_id: str, frame: FrameReview, user: str | None = None) -> bool:
        """Save one frame's masks and AI proposal of a case already saved (autosave writes the frames that
        changed with ``upsert_case(..., only_frames=...)``, which also keeps the case's own fields).

        Returns
        -------
        bool
            True when something changed and was written; False when the frame was already saved as is.

        Raises
        ------
        KeyError
            No case ``case_id`` in the store (``upsert_case`` it first).
        """
        who, when = user or current_user(), utc_now_iso()
        keys = self._write_frame_masks(frame)
        with self._transaction() as db:
            self._require_case(db, case_id)
            changed, released = self._upsert_frame(db, case_id, frame, keys, who, when)
            if changed:
                self._touch(db, case_id, who, when)
        self._after_commit(released, dict(self._keyed_masks(frame, {frame.frame_index: keys})))
        return changed

    def set_status(
        self, case_id: str, status: ReviewStatus | str, user: str | None = None, reason: str | None = None
    ) -> None:
        """Set a case's review status (audited as ``status_changed``, with ``reason`` when given)."""
        self._set_case_field(case_id, "status", ReviewStatus(status).value, user, {"reason": reason} if reason else {})

    def set_reviewer_class(self, case_id: str, cls: str | None, user: str | None = None) -> None:
        """Set the reader's class (one of ``CLASS_NAMES`` or None; audited as ``reviewer_class_changed``)."""
        if cls is not None and cls not in CLASS_NAMES:
            raise ValueError(f"reviewer class must be one of {CLASS_NAMES} or None, got {cls!r}")
        self._set_case_field(case_id, "reviewer_class", cls, user)

    def record_event(self, case_id: str, action: str, details: dict[str, Any], user: str | None = None) -> None:
        """Add an audit row to case ``case_id`` that no field change writes (e.g. where its review came from)."""
        who, when = user or current_user(), utc_now_iso()
        with self._transaction() as db:
            self._require_case(db, case_id)
            self._audit(db, case_id, None, who, when, action, details)

    # ----------------------------------------------------------------- reads

    def get_case(self, case_id: str, with_masks: bool = True) -> CaseRecord | None:
        """The saved record of ``case_id``, or None; ``with_masks=False`` skips reading mask files."""
        with self._lock:
            row = self._conn.execute(
                "SELECT case_id, source_path, status, reviewer_class, updated_by, updated_at FROM cases"
                " WHERE case_id = ?", (case_id,),
            ).fetchone()
            if row is None:
                return None
            return self._record_from_row(row, with_masks)

    def list_cases(self, with_masks: bool = True) -> list[CaseRecord]:
        """All saved cases, sorted by case id; ``with_masks=False`` leaves masks None for a quick listing."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT case_id, source_path, status, reviewer_class, updated_by, updated_at FROM cases"
                " ORDER BY case_id"
            ).fetchall()
            return [self._record_from_row(row, with_masks) for row in rows]

    def audit(self, case_id: str) -> list[dict[str, Any]]:
        """The audit trail of a case, oldest first: dicts with who, when, action, frame_index, details."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT who, at, action, frame_index, details FROM audit WHERE case_id = ? ORDER BY id", (case_id,)
            ).fetchall()
        return [
            {"who": who, "when": at, "action": action, "frame_index": index, "details": json.loads(details)}
            for who, at, action, index, details in rows
        ]

    # ----------------------------------------------------------------- internals

    def _set_case_field(
        self, case_id: str, column: str, value: str | None, user: str | None, details: dict[str, Any] | None = None
    ) -> None:
        who, when = user or current_user(), utc_now_iso()
        with self._transaction() as db:
            self._require_case(db, case_id)
            (before,) = db.execute(f"SELECT {column} FROM cases WHERE case_id = ?", (case_id,)).fetchone()
            if before == value:
                return
            db.execute(f"UPDATE cases SET {column} = ? WHERE case_id = ?", (value, case_id))
            self._touch(db, case_id, who, when)
            self._audit(db, case_id, None, who, when, f"{column}_changed", {"from": before, "to": value, **(details or {})})

    def _upsert_frame(
        self, db: sqlite3.Connection, case_id: str, frame: FrameReview, keys: tuple[str | None, str | None],
        who: str, when: str,
    ) -> tuple[bool, set[str]]:
        """Write one frame row inside a transaction.

        Returns whether anything changed, and the mask keys the old row used that the new one does not.
        """
        probabilities = json.dumps(list(frame.ai_probabilities)) if frame.ai_probabilities is not None else None
        uncertainty = float(frame.uncertainty_score) if frame.uncertainty_score is not None else None
        unfamiliar = None if frame.ai_unfamiliar is None else int(frame.ai_unfamiliar)
        values = (*keys, frame.ai_model_id, probabilities, uncertainty, unfamiliar)
        new = dict(zip(_FRAME_FIELDS, values, strict=True))
        old_row = db.execute(
            f"SELECT {', '.join(_FRAME_FIELDS)} FROM frames WHERE case_id = ? AND frame_index = ?",
            (case_id, frame.frame_index),
        ).fetchone()
        old = dict(zip(_FRAME_FIELDS, old_row, strict=True)) if old_row is not None else None
        changed = [name for name in _FRAME_FIELDS if old is None or old[name] != new[name]]
        prompts_changed = self._sync_prompts(db, case_id, frame, who, when)
        if not changed:
            return prompts_changed, set()
        db.execute(
            f"INSERT OR REPLACE INTO frames (case_id, frame_index, {', '.join(_FRAME_FIELDS)}, updated_by, updated_at)"
            f" VALUES ({', '.join('?' * (len(_FRAME_FIELDS) + 4))})",
            (case_id, frame.frame_index, *new.values(), who, when),
        )
        mask = frame.current_mask
        details = {
            "changed": changed,
            "mask_pixels": int(np.count_nonzero(mask)) if mask is not None else None,
            "ai_model_id": frame.ai_model_id,
        }
        self._audit(db, case_id, frame.frame_index, who, when, "frame_saved", details)
        if old is None:
            return True, set()
        return True, {old[k] for k in ("ai_mask", "current_mask") if old[k] and old[k] not in keys}

    def _write_frame_masks(self, frame: FrameReview) -> tuple[str | None, str | None]:
        # A mask that was not read (only its key is known) keeps its key: it is already stored.
        ai_key, current_key = frame.mask_keys or (None, None)
        return (self._masks.write(frame.ai_mask) if frame.ai_mask is not None else ai_key,
                self._masks.write(frame.current_mask) if frame.current_mask is not None else current_key)

    @staticmethod
    def _keyed_masks(
        frame: FrameReview, keys: dict[int, tuple[str | None, str | None]]
    ) -> Iterator[tuple[str, np.ndarray]]:
        for key, mask in zip(keys[frame.frame_index], (frame.ai_mask, frame.current_mask), strict=True):
            if key is not None and mask is not None:
                yield key, mask

    def _record_from_row(self, row: tuple[Any, ...], with_masks: bool) -> CaseRecord:
        case_id, source, status, reviewer_class, updated_by, updated_at = row
        frames: dict[int, FrameReview] = {}
        for index, ai_key, current_key, model_id, probabilities, uncertainty, unfamiliar in self._conn.execute(
            f"SELECT frame_index, {', '.join(_FRAME_FIELDS)} FROM frames WHERE case_id = ? ORDER BY frame_index",
            (case_id,),
        ):
            frames[index] = FrameReview(
                frame_index=index,
                ai_mask=self._masks.read(ai_key, case_id) if with_masks else None,
                ai_model_id=model_id,
                ai_probabilities=tuple(json.loads(probabilities)) if probabilities else None,
                current_mask=self._masks.read(current_key, case_id) if with_masks else None,
                uncertainty_score=uncertainty,
                mask_keys=(ai_key, current_key),
                ai_unfamiliar=None if unfamiliar is None else bool(unfamiliar),
                prompts=self._prompts_of(case_id, index),
            )
        source_path = Path(source)
        birads_reader, comment = self._birads_of(case_id)
        return CaseRecord(
            case_id=case_id,
            source_path=source_path if source_path.is_absolute() else self.workspace_dir / source_path,
            status=ReviewStatus(status),
            reviewer_class=reviewer_class,
            frames=frames,
            birads_reader=birads_reader,
            comment=comment,
            key_frames=self._key_frames_of(case_id),
            sends=self._sends_of(case_id),
            updated_by=updated_by,
            updated_at=updated_at,
        )

    def _stored_source(self, source_path: Path) -> str:
        # Relative to the workspace when inside it, so a moved or shared workspace still finds its images.
        source = Path(source_path)
        try:
            return source.resolve().relative_to(self.workspace_dir.resolve()).as_posix()
        except ValueError:
            return str(source.resolve())

    def _after_commit(self, released: set[str], written: dict[str, np.ndarray]) -> None:
        with self._lock:
            for key in released:
                still_used = self._conn.execute(
                    "SELECT 1 FROM frames WHERE ai_mask = ? OR current_mask = ? LIMIT 1", (key, key)
                ).fetchone()
                if still_used is None:
                    self._masks.delete(key)
            for key, mask in written.items():
                # Another process may have released an identical mask between our write and our commit.
                if not self._masks.exists(key):
                    log.warning("mask file %s vanished before commit; writing it again", key)
                    self._masks.write(mask)

    def _sweep_orphans(self) -> None:
        referenced = {
            key for pair in self._conn.execute("SELECT ai_mask, current_mask FROM frames") for key in pair if key
        }
        self._masks.sweep(referenced)
