"""The review workspace of an opened folder: autosave into its case store, restore on reopening, the case
list's Status/Class/Risk/Doubt columns, the reader's approve/flag decisions and the export dialog.

The store lives on its own thread (:class:`StoreWorker`); this controller only takes snapshots of the
review on the GUI thread and sends them there.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu

from busviewer.core.case import CaseRecord, ReviewStatus, case_id_for
from busviewer.core.errors import UserFacingError
from busviewer.core.review_records import CaseRow, snapshot_state, state_from_record
from busviewer.core.review_state import ReviewState, scan_key_for
from busviewer.core.scan import UltrasoundScan
from busviewer.gui.workspace.case_columns import CaseColumns
from busviewer.gui.workspace.store_worker import StoreWorker
from busviewer.io.store import CaseStore
from busviewer.services.review_saving import save_snapshot

log = logging.getLogger(__name__)

#: Autosave waits this long after the last change, so a burst of strokes is saved once.
AUTOSAVE_DELAY_MS = 1000
#: The fine-tune panel recounts usable cases this long after the last status or class change.
FINETUNE_REFRESH_DELAY_MS = 2000

#: Room kept for the scan names when the case panel is widened for the workspace's columns.
SCAN_NAME_WIDTH = 190

_STATUS_WORDS = {ReviewStatus.APPROVED: "Approved", ReviewStatus.FLAGGED: "Flagged"}


class WorkspaceController(QObject):
    """Keeps the reader's work in ``<workspace>/.busviewer`` and shows where each case stands.

    The workspace is the opened folder, or for files opened one by one the folder chosen with
    File > Set Workspace Location (by default the first file's folder).

    Signals
    -------
    workspace_changed(object)
        The workspace folder (``Path``) opened, or None when there is none.
    rows_changed()
        A case's row in the list changed (after a save reached the store, or a decision was made).

    Parameters
    ----------
    window
        The main window, with ``review`` (the review controller) already attached.
    autosave_delay_ms
        Debounce of autosave after the last change.
    """

    workspace_changed = Signal(object)
    rows_changed = Signal()
    _sig_row_saved = Signal(str, object)

    def __init__(self, window: Any, autosave_delay_ms: int = AUTOSAVE_DELAY_MS) -> None:
        super().__init__(window)
        self.window = window
        self.review = window.review
        self.worker: StoreWorker | None = None
        self.workspace_dir: Path | None = None
        self.location_override: Path | None = None
        self.columns = CaseColumns(window.case_list)
        self._listed_keys: set[str] = set()
        self._widened = False
        self._dirty: dict[str, ReviewState] = {}
        self._prefetched: dict[Path, Future[CaseRecord | None]] = {}
        self._shown_error: str | None = None
        self._closed = False
        self._autosave = QTimer(self, singleShot=True, interval=autosave_delay_ms)
        self._autosave.timeout.connect(self.flush)
        self._finetune_refresh = QTimer(self, singleShot=True, interval=FINETUNE_REFRESH_DELAY_MS)
        self._finetune_refresh.timeout.connect(self._refresh_finetune)
        self._build_actions()
        self._connect()
        self._update_enabled()

    # ------------------------------------------------------------------ wiring
    def _build_actions(self) -> None:
        window = self.window
        self.location_action = self._action("Set &Workspace Location…", self.ask_workspace_location)
        self.location_action.setToolTip("Where the review of scans opened one by one is kept")
        self.export_action = self._action("&Export…", self.show_export_dialog, "Ctrl+E")
        for action in (self.location_action, self.export_action):
            window.file_menu.insertAction(window.quit_action, action)
        window.file_menu.insertSeparator(window.quit_action)

        self.case_menu = QMenu("&Case", window)
        window.menuBar().insertMenu(window.tools_menu.menuAction(), self.case_menu)
        self.approve_action = self._action("&Approve", self.approve, "Ctrl+Return", "Ctrl+Enter")
        self.flag_action = self._action("&Flag for a Second Look", self.flag, "Ctrl+Shift+F")
        self.clear_decision_action = self._action("&Clear Approval or Flag", self.clear_decision)
        self.next_unreviewed_action = self._action("&Next Unreviewed Case", self.go_to_next_unreviewed, "Ctrl+U")
        for action in (self.approve_action, self.flag_action, self.clear_decision_action):
            self.case_menu.addAction(action)
        self.case_menu.addSeparator()
        self.case_menu.addAction(self.next_unreviewed_action)

    def _action(self, text: str, slot: Any, *keys: str) -> QAction:
        action = QAction(text, self.window)
        action.setShortcuts([QKeySequence(key) for key in keys])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _connect(self) -> None:
        window = self.window
        window.navigator.sig_cases_listed.connect(self._on_cases_listed)
        window.navigator.sig_loading.connect(self._prefetch)
        # After the shell's own handlers, which write "viewed"/"unreadable" into the Status column.
        window.navigator.sig_loaded.connect(lambda path, _scan: path is not None and self.columns.refresh(path))
        window.navigator.sig_failed.connect(lambda path, _sentence: path is not None and self.columns.refresh(path))
        window.sig_scan_arriving.connect(self._on_scan_arriving)
        window.sig_closing.connect(self.close)
        window.session.scan_changed.connect(lambda _scan: self._update_enabled())
        if self.review is not None:
            self.review.state_changed.connect(self._on_state_changed)
        self._sig_row_saved.connect(self._on_row_saved)

    def _update_enabled(self) -> None:
        has_store = self.worker is not None
        self.export_action.setEnabled(has_store)
        on_screen = has_store and self.review is not None and self._case_on_screen() is not None
        for action in (self.approve_action, self.flag_action, self.clear_decision_action):
            action.setEnabled(on_screen)
        self.next_unreviewed_action.setEnabled(bool(self.window.case_list.paths()))

    # --------------------------------------------------------------- workspace
    def open_workspace(self, folder: Path) -> bool:
        """Make ``folder`` the workspace (saving the previous one first); False when its store cannot open."""
        folder = Path(folder)
        if self.worker is not None and self.workspace_dir is not None and self.workspace_dir.resolve() == folder.resolve():
            return True
        self._close_worker()
        try:
            self.worker = StoreWorker(folder, self)
            records = self.worker.call(lambda store: store.list_cases(with_masks=False))
        except UserFacingError as exc:
            self._close_worker()
            self.window.set_permanent_status("workspace", "review not saved")
            self.window.show_error(str(exc))
            self._update_enabled()
            return False
        self.worker.sig_failed.connect(self._on_save_failed)
        self.workspace_dir = folder
        self._shown_error = None
        self._show_rows({record.case_id: CaseRow.of(record) for record in records})
        self.window.set_permanent_status("workspace", f"workspace: {folder.name or folder}")
        finetune = getattr(self.window, "finetune", None)
        if finetune is not None:
            finetune.set_case_source(self.reviewed_records)
        self.workspace_changed.emit(folder)
        self._update_enabled()
        return True

    def set_workspace_location(self, folder: Path) -> bool:
        """Keep the review of files opened one by one in ``folder`` from now on (the cases listed move there too)."""
        self.location_override = Path(folder)
        return self.open_workspace(self.location_override)

    def ask_workspace_location(self) -> None:
        start = str(self.workspace_dir or Path.home())
        name = QFileDialog.getExistingDirectory(self.window, "Keep the review of opened scans in", start)
        if name:
            self.set_workspace_location(Path(name))

    def case_id(self, path: Path) -> str | None:
        """The store's id of the scan file ``path`` in the open workspace (None without one)."""
        if self.workspace_dir is None:
            return None
        return case_id_for(self.workspace_dir, path)

    def _show_rows(self, rows: dict[str, CaseRow]) -> None:
        listed = self.window.case_list.paths()
        case_ids = {path: case_id_for(self.workspace_dir, path) for path in listed}
        # Review keys (resolved paths) of the listed cases: only these belong to the workspace, so e.g. the
        # demo scan, opened while a folder is listed, is never saved into that folder's review.
        self._listed_keys = {str(Path(path).resolve()) for path in listed}
        self.columns.show_all(case_ids, rows)
        self._widen_case_panel()
        self.rows_changed.emit()

    def _widen_case_panel(self) -> None:
        # The panel was sized for names only; with four more columns the names would shrink to "…".
        # Once per window: a panel the reader narrowed afterwards stays as they left it.
        dock = getattr(self.window, "case_dock", None)
        if self._widened or dock is None or not dock.isVisible():
            return
        self._widened = True
        wanted = min(self.columns.columns_width() + SCAN_NAME_WIDTH, self.window.width() // 3)
        if dock.width() < wanted:
            self.window.resizeDocks([dock], [wanted], Qt.Orientation.Horizontal)

    def _on_cases_listed(self, cases: list[Path], root: Path | None) -> None:
        if not cases:
            return
        folder = root if root is not None else (self.location_override or Path(cases[0]).parent)
        if self.worker is not None and self.workspace_dir is not None and self.workspace_dir == folder:
            self._show_rows(self.columns.rows)  # same workspace, new list: fill the new rows
        else:
            self.open_workspace(folder)
        self._update_enabled()

    # ----------------------------------------------------------------- restore
    def _prefetch(self, path: Path) -> None:
        """Start reading the saved review of ``path`` while the scan itself loads."""
        case_id = self.case_id(path) if self.worker is not None else None
        if case_id is not None and self.worker is not None:
            self._prefetched = {path: self.worker.submit(lambda store: store.get_case(case_id))}

    def _on_scan_arriving(self, path: Path | None, scan: UltrasoundScan) -> None:
        self.flush()
        future = self._prefetched.pop(path, None) if path is not None else None
        self._prefetched.clear()
        if path is None or self.worker is None or self.review is None or scan.source_path is None:
            return
        key = scan_key_for(scan)
        known = self.review.states.get(key)
        if known is not None and known.fits(scan):
            return  # already reviewed in this session: what is in memory is newest
        case_id = case_id_for(self.workspace_dir, path)
        try:
            record = future.result() if future is not None else self.worker.call(lambda s: s.get_case(case_id))
        except UserFacingError as exc:
            self._on_save_failed(str(exc))
            return
        if record is not None:
            self.review.states[key] = state_from_record(record, key, scan.source_path, scan.shape, scan.n_frames)

    # ---------------------------------------------------------------- autosave
    def _on_state_changed(self, state: object) -> None:
        if self._closed or self.worker is None or not isinstance(state, ReviewState):
            return
        if state.source_path is None or state.scan_key not in self._listed_keys:
            return
        self._dirty[state.scan_key] = state
        self._autosave.start()

    def flush(self, wait: bool = False) -> None:
        """Send every unsaved change to the store now; with ``wait``, also wait until it is written."""
        self._autosave.stop()
        dirty, self._dirty = list(self._dirty.values()), {}
        for state in dirty:
            self._save(state)
        if wait and self.worker is not None:
            self.worker.wait_idle()

    def _save(self, state: ReviewState, decision: ReviewStatus | None = None, clear_decision: bool = False) -> None:
        worker, workspace = self.worker, self.workspace_dir
        if worker is None or workspace is None or state.source_path is None:
            return
        snapshot = snapshot_state(state, case_id_for(workspace, state.source_path))

        def job(store: CaseStore) -> None:
            row = save_snapshot(store, snapshot, decision, clear_decision)
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

    # --------------------------------------------------------------- decisions
    def _case_on_screen(self) -> ReviewState | None:
        """The review state on screen when it is one of the workspace's cases."""
        state = self.review.state if self.review is not None else None
        if state is None or state.source_path is None or state.scan_key not in self._listed_keys:
            return None
        return state

    def approve(self) -> None:
        """Approve the case on screen (Ctrl+Return): the mask on screen, AI's or edited, is the reader's."""
        state = self._case_on_screen()
        if state is None or self.worker is None:
            self.window.show_status("Open a folder (or set a workspace location) to keep review decisions.")
            return
        frame = self.review.frame_state
        if frame is not None and frame.prediction is not None and not frame.reader_owned:
            self.review.accept_ai_mask()
        self._decide(state, ReviewStatus.APPROVED)

    def flag(self) -> None:
        """Flag the case on screen for a second look (Ctrl+Shift+F)."""
        state = self._case_on_screen()
        if state is None or self.worker is None:
            self.window.show_status("Open a folder (or set a workspace location) to keep review decisions.")
            return
        self._decide(state, ReviewStatus.FLAGGED)

    def clear_decision(self) -> None:
        """Withdraw the approval or flag of the case on screen; its status follows its masks again."""
        state = self._case_on_screen()
        if state is None or self.worker is None:
            return
        self._dirty.pop(state.scan_key, None)
        self._save(state, clear_decision=True)
        self._finetune_refresh.start()
        self.window.show_status(f"Cleared the decision on {state.source_path.name}.", 3000)

    def _decide(self, state: ReviewState, status: ReviewStatus) -> None:
        self._dirty.pop(state.scan_key, None)  # the decision's save carries the latest masks too
        self._save(state, decision=status)
        self._finetune_refresh.start()
        case_id = self.case_id(state.source_path)
        row = self.columns.rows.get(case_id) if case_id is not None else None
        if case_id is not None:
            # Show the decision at once; the saved row replaces this when the store has it.
            shown = CaseRow(status, state.reviewer_class, row.ai_class if row else state.ai_class,
                            row.risk if row else None, row.doubt if row else None,
                            state.birads_reader.get("category"))  # fmt: skip
            self.columns.update(case_id, shown)
            self.rows_changed.emit()
        hint = "  Ctrl+U: next unreviewed case." if self.next_unreviewed_action.isEnabled() else ""
        self.window.show_status(f"{_STATUS_WORDS[status]} {state.source_path.name}.{hint}", 4000)

    def go_to_next_unreviewed(self) -> bool:
        """Open the next case (in the list's order) that waits for review (Ctrl+U); False when none is left."""
        after = self.window.navigator.queue.current or self.window.case_list.current_path()
        path = self.columns.next_unreviewed(after)
        if path is None:
            self.window.show_status("Every case in the list has been reviewed.", 4000)
            return False
        self.window.navigator.open_file(path)
        return True

    # -------------------------------------------------------------- other parts
    def reviewed_records(self) -> list[CaseRecord]:
        """Every saved case, with masks for the corrected and approved ones (the fine-tune panel's source)."""
        from busviewer.core.finetune_cases import TRAINABLE_STATUSES

        if self.worker is None:
            return []
        self.flush()

        def read(store: CaseStore) -> list[CaseRecord]:
            listed = store.list_cases(with_masks=False)
            full = (store.get_case(r.case_id) if r.status in TRAINABLE_STATUSES else r for r in listed)
            return [record for record in full if record is not None]

        return self.worker.call(read)

    def _refresh_finetune(self) -> None:
        finetune = getattr(self.window, "finetune", None)
        if finetune is not None and self.worker is not None:
            finetune.refresh_cases()

    def show_export_dialog(self) -> None:
        """File > Export: the reviewed cases of this workspace as files."""
        from busviewer.gui.workspace.export_dialog import ExportDialog

        if self.workspace_dir is None:
            self.window.show_error("Open a folder of scans before exporting its review.")
            return
        self.flush(wait=True)
        self.export_dialog = ExportDialog(self.window, self.workspace_dir, self._weights())
        self.export_dialog.show()

    def _weights(self) -> tuple[Path, str] | None:
        proposal = getattr(self.review, "proposal", None)
        if proposal is None or not Path(proposal.weights).is_file():
            return None
        return Path(proposal.weights), str(proposal.device)

    # --------------------------------------------------------------- shutdown
    def _close_worker(self) -> None:
        self.flush()
        self._prefetched.clear()
        if self.worker is not None:
            self.worker.close()
            self.worker.deleteLater()
        self.worker = None
        self.workspace_dir = None

    def close(self) -> None:
        """Save everything and close the store (the window is closing)."""
        if self._closed:
            return
        self._finetune_refresh.stop()
        self._close_worker()
        self._closed = True
