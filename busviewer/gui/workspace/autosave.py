"""The workspace's session with its case store: restore a scan's saved review, autosave changes, show saved rows.

A mixin of :class:`~busviewer.gui.workspace.controller.WorkspaceController`: it uses the controller's
``worker`` (the store thread), ``review``, ``columns`` and signals. Nothing here waits on the store on the
GUI thread: reads come back as queued signals, saves are sent and forgotten (failures come back as one
sentence).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING

from busviewer.core.case import CaseRecord, ReviewStatus, case_id_for
from busviewer.core.errors import UserFacingError
from busviewer.core.review_records import CaseRow, snapshot_state, state_from_record
from busviewer.core.review_state import ReviewState, scan_key_for
from busviewer.core.scan import UltrasoundScan
from busviewer.gui.workspace.parts import WorkspacePart
from busviewer.io.store import CaseStore
from busviewer.io.workspace_cases import adopt_case_reviewed_elsewhere, find_reviewed_elsewhere
from busviewer.services.review_saving import save_snapshot

if TYPE_CHECKING:
    from PySide6.QtCore import QTimer, SignalInstance

    from busviewer.gui.workspace.store_worker import StoreWorker

log = logging.getLogger(__name__)

#: At most this many scans opened one by one are looked for in other workspaces as soon as they are listed.
LISTED_LOOKUP_LIMIT = 200


class WorkspaceAutosave(WorkspacePart):
    """Restore on arrival, autosave after changes, and the saved rows; see the module docstring."""

    # Provided by WorkspaceController, besides WorkspacePart's.
    _sig_row_saved: SignalInstance
    _sig_restored: SignalInstance
    _autosave: QTimer
    _prefetched: dict[Path, Future[CaseRecord | None]]
    _shown_error: str | None
    _closed: bool
    _pending: tuple[Path, set[str]] | None
    _listed_from_folder: bool
    open_workspace: Callable[[Path], bool]

    # ----------------------------------------------------------------- restore
    def _prefetch(self, path: Path) -> None:
        """Start reading the saved review of ``path`` while the scan itself loads."""
        if self._pending is not None and str(Path(path).resolve()) in self._pending[1]:
            return  # its workspace opens when (if) the scan arrives
        worker = self.worker
        case_id = case_id_for(self.workspace_dir, path) if worker is not None and self.workspace_dir else None
        if case_id is not None and worker is not None:
            self._prefetched = {path: self._read_case(worker, case_id, path)}

    def _read_case(self, worker: StoreWorker, case_id: str, path: Path) -> Future[CaseRecord | None]:
        """Read the saved review of ``path``; one this workspace has not got is looked for, by the scan's
        content, in every other workspace and brought in (its row follows), so an approval made elsewhere
        never shows as unreviewed here."""

        def read(store: CaseStore) -> CaseRecord | None:
            record = store.get_case(case_id)
            if record is None:
                record = adopt_case_reviewed_elsewhere(store, case_id, path)
                if record is not None:
                    self._sig_row_saved.emit(case_id, CaseRow.of(record))
            return record

        return worker.submit(read)

    def _look_up_listed_elsewhere(self, records: list[CaseRecord]) -> None:
        """Files opened one by one (from several folders, perhaps): look for the reviews they got in other
        workspaces now, on a thread of their own, so the list shows where each stands before it is opened."""
        worker, workspace = self.worker, self.workspace_dir
        if self._listed_from_folder or worker is None or workspace is None:
            return
        known = {record.case_id for record in records}
        wanted = [(case_id_for(workspace, p), Path(p)) for p in self.window.case_list.paths()[:LISTED_LOOKUP_LIMIT]]
        wanted = [(case_id, path) for case_id, path in wanted if case_id not in known]
        location = worker.location

        def look() -> None:
            for case_id, path in wanted:
                if worker.closed:
                    return
                found = find_reviewed_elsewhere(path, location)
                if found is not None and not worker.closed:
                    with contextlib.suppress(RuntimeError):  # the workspace closed in the meantime
                        worker.submit(lambda store, c=case_id, p=path, f=found: self._adopt(store, c, p, f))

        threading.Thread(target=look, name="case-lookup", daemon=True).start()

    def _adopt(self, store: CaseStore, case_id: str, path: Path, found: object) -> None:
        if store.get_case(case_id, with_masks=False) is None:  # not saved here in the meantime
            record = adopt_case_reviewed_elsewhere(store, case_id, path, found)  # type: ignore[arg-type]
            if record is not None:
                self._sig_row_saved.emit(case_id, CaseRow.of(record))

    def _on_scan_arriving(self, path: Path | None, scan: UltrasoundScan) -> None:
        pending = self._pending
        if pending is not None and path is not None and str(Path(path).resolve()) in pending[1]:
            self._pending = None
            self.open_workspace(pending[0])  # saves the previous workspace's pending changes first
        self.flush()
        future = self._prefetched.pop(path, None) if path is not None else None
        self._prefetched.clear()
        if path is None or self.worker is None or self.review is None or scan.source_path is None:
            return
        key = scan_key_for(scan)
        known = self.review.states.get(key)
        if known is not None and known.fits(scan):
            return  # already reviewed in this session: what is in memory is newest
        if future is None:
            future = self._read_case(self.worker, case_id_for(self.workspace_dir, path), path)
        if future.done():  # the usual case: read while the scan was decoded
            self._restore(key, scan, future)
        else:  # never wait here: the review appears now and the saved state follows when it is read
            future.add_done_callback(lambda done: self._sig_restored.emit(key, (scan, done)))

    def _on_restored(self, key: str, payload: object) -> None:
        """A saved review read late: put it in place unless the reader has already started on this scan."""
        scan, future = payload  # type: ignore[misc]
        if self._closed or self.review is None:
            return
        state = self.review.states.get(key)
        if state is not None and (state.is_edited or state.reviewer_class is not None):
            log.info("a saved review arrived after the reader started on the scan; the new work is kept")
            return
        if self._restore(key, scan, future) and self.window.session.scan is scan:
            self.review.reload_state()

    def _restore(self, key: str, scan: UltrasoundScan, future: Future[CaseRecord | None]) -> bool:
        try:
            record = future.result(timeout=0)
        except UserFacingError as exc:
            self._on_save_failed(str(exc))
            return False
        if record is None:
            return False
        self.review.states[key] = state_from_record(record, key, scan.source_path, scan.shape, scan.n_frames)
        return True

    # ---------------------------------------------------------------- autosave
    def _on_state_changed(self, state: object) -> None:
        if self._closed or self.worker is None or not isinstance(state, ReviewState):
            return
        if state.source_path is None or state.scan_key not in self._listed_keys:
            return
        self._dirty[state.scan_key] = state
        self._autosave.start()

    def flush(self, wait: bool = False) -> None:
        """Send every unsaved change to the store now; ``wait`` (tests and shutdown only) waits until written."""
        self._autosave.stop()
        dirty, self._dirty = list(self._dirty.values()), {}
        for state in dirty:
            self._save(state)
        if wait and self.worker is not None:
            self.worker.wait_idle()

    def _save(
        self, state: ReviewState, decision: ReviewStatus | None = None, clear_decision: bool = False,
        reason: str | None = None,
    ) -> None:
        worker, workspace = self.worker, self.workspace_dir
        if worker is None or workspace is None or state.source_path is None:
            return
        snapshot = snapshot_state(state, case_id_for(workspace, state.source_path))

        def job(store: CaseStore) -> None:
            row = save_snapshot(store, snapshot, decision, clear_decision, reason)
            if row is not None:
                self._sig_row_saved.emit(snapshot.case_id, row)  # delivered on the GUI thread

        worker.submit(job)

    def _on_row_saved(self, case_id: str, row: object) -> None:
        if self._closed or not isinstance(row, CaseRow):
            return
        before = self.columns.update(case_id, row)
        self.rows_changed.emit()
        if before is None or (before.status, before.reviewer_class) != (row.status, row.reviewer_class):
            self._finetune_refresh.start()

    def _on_save_failed(self, sentence: str) -> None:
        self.window.set_permanent_status("workspace", "review not saved")
        if sentence != self._shown_error:  # one dialog per problem, not one per autosave
            self._shown_error = sentence
            self.window.show_error(sentence)
