"""The review workspace of an opened folder: which store is open, the menus, and what other parts read from it.

The store lives on its own thread (:class:`StoreWorker`); the GUI thread only sends it work. The jobs are
split by file: ``autosave`` (restore on arrival, autosave, saved rows), ``decisions`` (approve, flag,
clear, next unreviewed) and this wiring (actions, opening and closing workspaces, the fine-tune panel's
case source, the export dialog).
"""

from __future__ import annotations

import contextlib
import logging
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu

from busviewer.core.case import CaseRecord, case_id_for
from busviewer.core.errors import UserFacingError
from busviewer.core.review_records import CaseRow
from busviewer.core.review_state import ReviewState
from busviewer.gui.actions import make_action
from busviewer.gui.case_list import MIN_NAME_WIDTH
from busviewer.gui.workspace.autosave import WorkspaceAutosave
from busviewer.gui.workspace.case_columns import CaseColumns
from busviewer.gui.workspace.decisions import WorkspaceDecisions
from busviewer.gui.workspace.store_worker import StoreWorker
from busviewer.io.store import CaseStore

log = logging.getLogger(__name__)

#: Autosave waits this long after the last change, so a burst of strokes is saved once.
AUTOSAVE_DELAY_MS = 1000
#: The fine-tune panel recounts usable cases this long after the last status or class change.
FINETUNE_REFRESH_DELAY_MS = 2000

#: Cases keyed by content per store job when an older store is brought up to date.
CONTENT_KEYS_PER_JOB = 8
#: The setting that keeps new workspaces beside the scans instead of in the user's data folder.
IN_SCAN_FOLDER_KEY = "workspace/in_scan_folder"


class WorkspaceController(WorkspaceAutosave, WorkspaceDecisions, QObject):
    """Keeps the reader's work in the workspace's store and shows where each case stands.

    The workspace is the opened folder, or for files opened one by one the folder chosen with
    File > Set Workspace Location (by default the first file's folder). Its state lives in the user's data
    folder unless File > Keep Reviews in the Scan Folder is on (``workspace_locations``); the window title
    names it. A scan the open workspace has no review of is looked for, by content, in every other one.

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
    _sig_restored = Signal(str, object)

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
        #: The folder a new list belongs to and its cases' keys, until one of them opens (see _on_cases_listed).
        self._pending: tuple[Path, set[str]] | None = None
        #: False while the list holds files opened one by one (they may come from several folders).
        self._listed_from_folder = True
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
        self.in_folder_action = self._action("&Keep Reviews in the Scan Folder", self.set_keep_in_scan_folder)
        self.in_folder_action.setCheckable(True)
        self.in_folder_action.setChecked(self._setting_in_scan_folder())
        self.in_folder_action.setToolTip(
            "Keep the review of folders opened from now on in a .busviewer folder beside the scans (off: in your "
            "data folder, so scan folders are never written)"
        )
        self.export_action = self._action("&Export…", self.show_export_dialog, "Ctrl+E")
        for action in (self.location_action, self.in_folder_action, self.export_action):
            window.file_menu.insertAction(window.quit_action, action)
        window.file_menu.insertSeparator(window.quit_action)

        self.case_menu = QMenu("&Case", window)
        window.menuBar().insertMenu(window.tools_menu.menuAction(), self.case_menu)
        self.approve_action = self._action("&Approve", self.approve, "Ctrl+Return", "Ctrl+Enter")
        self.flag_action = self._action("&Flag for a Second Look", self.flag, "Ctrl+Shift+F")
        self.clear_decision_action = self._action("&Clear Approval or Flag", self.clear_decision)
        self.reopen_action = self._action("&Reopen for Editing", self.reopen, "Ctrl+Shift+E")
        self.reopen_action.setToolTip("An approved case is locked: reopen it to change it (the audit trail keeps this)")
        self.next_unreviewed_action = self._action("&Next Unreviewed Case", self.go_to_next_unreviewed, "Ctrl+U")
        for action in (self.approve_action, self.flag_action, self.clear_decision_action, self.reopen_action):
            self.case_menu.addAction(action)
        self.case_menu.addSeparator()
        self.case_menu.addAction(self.next_unreviewed_action)

    def _action(self, text: str, slot: Any, *keys: str) -> QAction:
        return make_action(self.window, text, slot, *keys)

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
        self._sig_restored.connect(self._on_restored)

    def _update_enabled(self) -> None:
        has_store = self.worker is not None
        self.export_action.setEnabled(has_store)
        on_screen = has_store and self.review is not None and self._case_on_screen() is not None
        for action in (self.approve_action, self.flag_action, self.clear_decision_action, self.reopen_action):
            action.setEnabled(on_screen)
        self.next_unreviewed_action.setEnabled(bool(self.window.case_list.paths()))

    # --------------------------------------------------------------- workspace
    def _setting_in_scan_folder(self) -> bool:
        settings = getattr(self.window, "settings", None)
        return bool(settings.value(IN_SCAN_FOLDER_KEY, False, type=bool)) if settings is not None else False

    def set_keep_in_scan_folder(self, keep: bool | None = None) -> None:
        """File > Keep Reviews in the Scan Folder: where workspaces opened from now on keep their state."""
        keep = self.in_folder_action.isChecked() if keep is None else keep
        self.in_folder_action.setChecked(keep)
        settings = getattr(self.window, "settings", None)
        if settings is not None:
            settings.setValue(IN_SCAN_FOLDER_KEY, keep)
        where = "beside the scans (.busviewer)" if keep else "in your data folder"
        self.window.show_status(f"Reviews of folders opened from now on are kept {where}; open ones stay where they are.")

    def open_workspace(self, folder: Path) -> bool:
        """Make ``folder`` the workspace (saving the previous one first); False when its store cannot open."""
        folder = Path(folder)
        if self.worker is not None and self.workspace_dir is not None and self.workspace_dir.resolve() == folder.resolve():
            return True
        self._close_worker()
        try:
            self.worker = StoreWorker(folder, self, self._setting_in_scan_folder(), self.window.case_list.paths())
            records = self.worker.call(lambda store: store.list_cases(with_masks=False))
        except UserFacingError as exc:
            self._close_worker()
            self.window.set_permanent_status("workspace", "review not saved")
            self.window.set_workspace_name("")
            self.window.show_error(str(exc))
            self._update_enabled()
            return False
        self.worker.sig_failed.connect(self._on_save_failed)
        self.workspace_dir = folder
        self._shown_error = None
        self._show_rows({record.case_id: CaseRow.of(record) for record in records})
        location = self.worker.location
        self.window.set_permanent_status("workspace", f"workspace: {location.name}")
        self.window.set_workspace_name(location.describe())
        self._fill_content_keys(self.worker)
        self._look_up_listed_elsewhere(records)
        finetune = getattr(self.window, "finetune", None)
        if finetune is not None:
            finetune.set_case_source(self.reviewed_records, counter=self.usable_counts, prepare=self.flush)
        self.workspace_changed.emit(folder)
        self._update_enabled()
        return True

    def _fill_content_keys(self, worker: StoreWorker, after: str = "") -> None:
        """Key the cases an older version saved by their scans' content, a few per job, so saves and reads sent
        meanwhile are not kept waiting behind a whole folder's worth of reading."""

        def step(store: CaseStore) -> None:
            resume = store.fill_content_keys(CONTENT_KEYS_PER_JOB, after)
            if resume is not None and not worker.closed:
                with contextlib.suppress(RuntimeError):  # the workspace closed in the meantime
                    self._fill_content_keys(worker, resume)

        worker.submit(step)

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
        wanted = min(self.columns.columns_width() + MIN_NAME_WIDTH, self.window.width() // 3)
        if dock.width() < wanted:
            self.window.resizeDocks([dock], [wanted], Qt.Orientation.Horizontal)

    def _on_cases_listed(self, cases: list[Path], root: Path | None) -> None:
        if not cases:
            return
        folder = root if root is not None else (self.location_override or Path(cases[0]).parent)
        self._listed_from_folder = root is not None
        self._pending = None
        if self.worker is not None and self.workspace_dir is not None and self.workspace_dir == folder:
            self._show_rows(self.columns.rows)  # same workspace, new list: fill the new rows
        elif self.worker is not None and self._case_on_screen() is not None:
            # A scan of this workspace is on screen and editable: keep its workspace until a scan of the new
            # list has opened, so a failed open never leaves edits that no store keeps.
            self._pending = (folder, {str(Path(case).resolve()) for case in cases})
        else:
            self.open_workspace(folder)
        self._update_enabled()

    # -------------------------------------------------------------- other parts
    def reviewed_records(self) -> list[CaseRecord]:
        """Every saved case, with masks for the corrected and approved ones (what a fine-tune trains on).

        Reads mask files: call it from a worker thread (the fine-tune job does, after ``flush`` on the GUI
        thread sent what was pending), never from the GUI thread.
        """
        from busviewer.core.finetune_cases import TRAINABLE_STATUSES

        worker = self.worker
        if worker is None:
            return []

        def read(store: CaseStore) -> list[CaseRecord]:
            listed = store.list_cases(with_masks=False)
            full = (store.get_case(r.case_id) if r.status in TRAINABLE_STATUSES else r for r in listed)
            return [record for record in full if record is not None]

        return worker.call(read)

    def usable_counts(self) -> tuple[int, dict[str, int]]:
        """Usable reviewed cases and skipped ones by reason, from the rows the list holds: no I/O at all."""
        from busviewer.core.finetune_cases import count_usable_rows

        return count_usable_rows(self.columns.rows.values())

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
        self.flush()  # sent now; the export's thread waits for the store before it reads (never the GUI thread)
        worker = self.worker
        self.export_dialog = ExportDialog(self.window, self.workspace_dir, self._weights(),
                                          wait_for_saves=worker.wait_idle if worker is not None else None)
        self.export_dialog.sig_sent.connect(self.reload_rows)
        self.export_dialog.show()

    def reload_rows(self, case_ids: list[str]) -> None:
        """Read the rows of ``case_ids`` again (e.g. after a send to a PACS); they arrive as saved rows do."""
        worker, wanted = self.worker, list(case_ids)
        if worker is None:
            return

        def job(store: CaseStore) -> None:
            for case_id in wanted:
                record = store.get_case(case_id, with_masks=False)
                if record is not None:
                    self._sig_row_saved.emit(case_id, CaseRow.of(record))

        worker.submit(job)

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
