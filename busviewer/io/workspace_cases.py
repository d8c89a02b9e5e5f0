"""A case reviewed in another workspace is found by the content of its scan and brought into the open one.

A scan opened from another folder, a copy of a folder, or files opened one by one: the review it got
elsewhere (an approval included) comes with it instead of the case showing as unreviewed.
"""

from __future__ import annotations

import dataclasses
import logging
import sqlite3
from pathlib import Path

from busviewer.core.case import CaseRecord
from busviewer.core.errors import UserFacingError
from busviewer.io.store import CaseStore
from busviewer.io.workspace_locations import WorkspaceLocation, file_sha256, registered_workspaces

log = logging.getLogger(__name__)

#: The audit action of a case whose review was brought in from another workspace.
FOUND_ELSEWHERE = "case_found_elsewhere"


def find_reviewed_elsewhere(scan: Path, here: WorkspaceLocation) -> tuple[CaseRecord, WorkspaceLocation] | None:
    """The most recently changed case, in any other workspace, whose scan has the content of ``scan``."""
    others = [loc for loc in registered_workspaces() if loc.state_dir != here.state_dir and loc.db_path.is_file()]
    if not others:
        return None
    try:
        key = file_sha256(scan)
    except OSError:
        return None
    best: tuple[CaseRecord, WorkspaceLocation] | None = None
    for location in others:
        try:
            with CaseStore(location.folder, location, read_only=True) as other:
                case_id = other.case_with_content(key)
                record = other.get_case(case_id) if case_id is not None else None
        except (UserFacingError, sqlite3.Error) as exc:
            log.info("a workspace could not be searched for a reviewed scan (%s)", type(exc).__name__)
            continue
        if record is not None and (best is None or record.updated_at > best[0].updated_at):
            best = (record, location)
    return best


def adopt_case_reviewed_elsewhere(
    store: CaseStore, case_id: str, scan: Path, found: tuple[CaseRecord, WorkspaceLocation] | None = None
) -> CaseRecord | None:
    """Copy the review ``scan`` got in another workspace into ``store`` as case ``case_id`` (audited as
    ``FOUND_ELSEWHERE``, naming that workspace); None when no other workspace reviewed it.

    ``found`` is what :func:`find_reviewed_elsewhere` answered, when it was asked already (off the store's thread).
    """
    found = found if found is not None else find_reviewed_elsewhere(scan, store.location)
    if found is None:
        return None
    record, origin = found
    frames = {index: dataclasses.replace(frame, mask_keys=None) for index, frame in record.frames.items()}
    store.upsert_case(dataclasses.replace(record, case_id=case_id, source_path=Path(scan), frames=frames))
    store.record_event(case_id, FOUND_ELSEWHERE, {"workspace": origin.name, "status": record.status.value})
    return store.get_case(case_id)
