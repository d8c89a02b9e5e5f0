"""File > Open from PACS: search studies (C-FIND / QIDO-RS), list their series, retrieve one into a folder.

All network work runs in a worker thread; results come back through queued signals tagged with a
generation number, so an answer to an old search never fills the table of a newer one. Patient identifiers
are shown here (choosing a patient needs them) and nowhere else: nothing in this module logs them.

Signals
-------
PacsDialog.sig_retrieved(object)
    The scans (list of paths; SEG/SR/PDF left out) of a study retrieved completely (partial transfers never
    get here).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from busviewer.core.errors import UserFacingError
from busviewer.core.paths import user_data_dir
from busviewer.gui.jobs import JobRunner
from busviewer.io import pacs
from busviewer.io.pacs.nodes import PacsSettings, load_pacs_settings, resolve_node
from busviewer.io.pacs.results import scan_files

log = logging.getLogger(__name__)

STUDY_COLUMNS = (("PatientID", "Patient ID"), ("PatientName", "Name"), ("StudyDate", "Date"),
                 ("AccessionNumber", "Accession"), ("ModalitiesInStudy", "Modalities"),
                 ("NumberOfStudyRelatedInstances", "Instances"), ("StudyDescription", "Description"))
SERIES_COLUMNS = (("SeriesNumber", "#"), ("Modality", "Modality"), ("SeriesDescription", "Description"),
                  ("NumberOfSeriesRelatedInstances", "Instances"))


def eta_text(done: int, total: int | None, elapsed_s: float) -> str:
    """``3 of 12 instances, about 9 s left`` (the rate so far, extrapolated)."""
    if total is None or total <= 0:
        return f"{done} instance(s) received"
    if done <= 0 or elapsed_s <= 0:
        return f"{done} of {total} instances"
    left = (total - done) * elapsed_s / done
    return f"{done} of {total} instances, about {left:.0f} s left"


class PacsDialog(QDialog):
    """Search a PACS and retrieve a study; see the module docstring for the signal."""

    sig_retrieved = Signal(object)
    #: Generation, instances done, instances expected or None: emitted on a worker, delivered here (queued).
    _sig_progress = Signal(int, int, object)

    def __init__(self, parent: QWidget | None = None, settings: PacsSettings | None = None,
                 out_dir: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open from PACS")
        self.resize(860, 620)
        self.settings = settings if settings is not None else load_pacs_settings()
        self.out_dir = Path(out_dir) if out_dir is not None else user_data_dir() / "pacs"
        self._generation = 0
        self._cancel = threading.Event()
        self._started = 0.0
        self._busy: str | None = None
        self._studies: list[dict[str, Any]] = []
        # Several threads: a new request need not wait for an old one stuck on a slow node (its result
        # is dropped by generation).
        self._jobs = JobRunner("pacs", max_threads=8, parent=self)
        self._sig_progress.connect(self._on_progress)
        self._build()
        self._update_enabled()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.node_box = QComboBox()
        self.node_box.setEditable(True)
        self.node_box.addItems([node.name for node in self.settings.nodes])
        self.node_box.setToolTip("A saved node, AE_TITLE@HOST:PORT, or a DICOMweb URL (http://…/dicom-web)")
        self.node_box.lineEdit().setPlaceholderText("ORTHANC@pacs.hospital:4242 or https://pacs/dicom-web")
        self.echo_button = QPushButton("Echo")
        self.echo_button.clicked.connect(self.echo)
        top = QHBoxLayout()
        top.addWidget(QLabel("PACS:"))
        top.addWidget(self.node_box, 1)
        top.addWidget(self.echo_button)

        self.patient_id, self.patient_name, self.accession = QLineEdit(), QLineEdit(), QLineEdit()
        self.date_from, self.date_to, self.modality = QLineEdit(), QLineEdit(), QLineEdit("US")
        self.patient_name.setPlaceholderText("DOE* (wildcards allowed)")
        for edit in (self.date_from, self.date_to):
            edit.setPlaceholderText("YYYYMMDD")
            edit.setMaxLength(8)
        dates = QHBoxLayout()
        dates.addWidget(self.date_from)
        dates.addWidget(QLabel("to"))
        dates.addWidget(self.date_to)
        form = QFormLayout()
        form.addRow("Patient ID", self.patient_id)
        form.addRow("Patient name", self.patient_name)
        form.addRow("Study date", dates)
        form.addRow("Accession number", self.accession)
        form.addRow("Modality", self.modality)
        self.search_button = QPushButton("Search")
        self.search_button.setDefault(True)
        self.search_button.clicked.connect(self.search)

        self.study_table = self._table([title for _key, title in STUDY_COLUMNS])
        self.study_table.itemSelectionChanged.connect(self._study_selected)
        self.series_table = self._table([title for _key, title in SERIES_COLUMNS])
        self.series_table.setMaximumHeight(140)

        self.folder_label = QLabel()
        self.folder_button = QPushButton("Folder…")
        self.folder_button.clicked.connect(self._ask_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(QLabel("Retrieve into:"))
        folder_row.addWidget(self.folder_label, 1)
        folder_row.addWidget(self.folder_button)
        self._show_folder()

        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.status_label = QLabel()
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c0392b;")
        self.retrieve_button = QPushButton("Retrieve and Open")
        self.retrieve_button.clicked.connect(self.retrieve)
        self.cancel_button = QPushButton("Cancel Transfer")
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status_label, 1)
        for button in (self.retrieve_button, self.cancel_button, self.close_button):
            buttons.addWidget(button)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(form)
        layout.addWidget(self.search_button, 0, Qt.AlignmentFlag.AlignRight)
        layout.addWidget(QLabel("Studies"))
        layout.addWidget(self.study_table, 1)
        layout.addWidget(QLabel("Series of the selected study"))
        layout.addWidget(self.series_table)
        layout.addLayout(folder_row)
        layout.addWidget(self.progress)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)

    @staticmethod
    def _table(titles: list[str]) -> QTableWidget:
        table = QTableWidget(0, len(titles))
        table.setHorizontalHeaderLabels(titles)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.horizontalHeader().setStretchLastSection(True)
        table.verticalHeader().setVisible(False)
        return table

    # ------------------------------------------------------------------ actions
    def echo(self) -> None:
        node = self._node()
        if node is not None:
            self._start("echo", lambda: pacs.echo(node, self.settings))

    def search(self) -> None:
        node = self._node()
        if node is None:
            return
        date_range = ""
        if self.date_from.text().strip() or self.date_to.text().strip():
            date_range = f"{self.date_from.text().strip()}-{self.date_to.text().strip()}"
        query = pacs.StudyQuery(self.patient_id.text().strip(), self.patient_name.text().strip(), date_range,
                                self.accession.text().strip(), self.modality.text().strip())
        self._start("find", lambda: pacs.find_studies(node, query, self.settings))

    def retrieve(self) -> None:
        node, study = self._node(), self.selected_study()
        if node is None or study is None:
            return
        uid = study["StudyInstanceUID"]
        self._cancel.clear()
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.status_label.setText("Connecting…")

        def job(generation: int) -> list[Path]:
            def progress(done: int, total: int | None) -> bool:
                self._sig_progress.emit(generation, done, total)
                return not self._cancel.is_set()

            files = pacs.retrieve_study(node, uid, self.out_dir, progress=progress, settings=self.settings)
            return files, scan_files(files)

        self._start("retrieve", job, pass_generation=True)

    def cancel(self) -> None:
        """Stop the running transfer; what it received so far is deleted."""
        self._cancel.set()
        self.status_label.setText("Cancelling…")

    def set_settings(self, settings: PacsSettings) -> None:
        """Offer the nodes of ``settings`` (the text typed in the node box stays)."""
        self.settings = settings
        typed = self.node_box.currentText()
        self.node_box.clear()
        self.node_box.addItems([node.name for node in settings.nodes])
        self.node_box.setCurrentText(typed)

    def selected_study(self) -> dict[str, Any] | None:
        rows = self.study_table.selectionModel().selectedRows()
        return self._studies[rows[0].row()] if rows else None

    def reject(self) -> None:
        """Closing cancels a running transfer; nothing half-done is kept."""
        self._cancel.set()
        super().reject()

    # ------------------------------------------------------------------ worker plumbing
    def _node(self) -> pacs.PacsNode | None:
        text = self.node_box.currentText().strip()
        try:
            is_url = text.lower().startswith(("http://", "https://"))
            node = resolve_node(None if is_url else text, text if is_url else None, self.settings)
        except UserFacingError as exc:
            self._show_error(str(exc))
            return None
        return node if node.timeout_s else replace(node, timeout_s=self.settings.timeout_s)

    def _start(self, kind: str, job: Callable[..., Any], pass_generation: bool = False) -> None:
        self._generation += 1
        generation = self._generation
        self._busy = kind
        self._started = time.monotonic()
        self.error_label.clear()
        if kind in ("echo", "find"):  # a series listing keeps the search's "N studies found"
            self.status_label.setText("Checking the node…" if kind == "echo" else "Searching…")
        self._update_enabled()

        def failed(error: BaseException) -> None:
            if isinstance(error, UserFacingError):
                self._on_failed(generation, str(error))
                return
            log.error("PACS %s failed", kind, exc_info=error)  # a sentence for the user, the traceback to the log
            self._on_failed(generation, f"The PACS {kind} failed unexpectedly ({type(error).__name__}).")

        self._jobs.submit(lambda: job(generation) if pass_generation else job(),
                          on_result=lambda result: self._on_done(generation, kind, result), on_error=failed)

    def _on_done(self, generation: int, kind: str, result: object) -> None:
        if generation != self._generation:
            return
        self._busy = None
        if kind == "echo":
            self.status_label.setText("The node answered.")
        elif kind == "find":
            self._fill_studies(result)  # type: ignore[arg-type]
        elif kind == "series":
            self._fill(self.series_table, SERIES_COLUMNS, result)  # type: ignore[arg-type]
        elif kind == "retrieve":
            files, scans = result  # type: ignore[misc]
            self.progress.setVisible(False)
            self.status_label.setText(f"Retrieved {len(files)} instance(s), {len(scans)} scan(s).")
            self.sig_retrieved.emit(list(scans))
        self._update_enabled()

    def _on_failed(self, generation: int, sentence: str) -> None:
        if generation != self._generation:
            return
        self._busy = None
        self.progress.setVisible(False)
        self.status_label.clear()
        self._show_error(sentence)
        self._update_enabled()

    def _on_progress(self, generation: int, done: int, total: object) -> None:
        if generation != self._generation:
            return
        expected = int(total) if isinstance(total, int) else None
        if expected:
            self.progress.setRange(0, expected)
            self.progress.setValue(done)
        self.status_label.setText(eta_text(done, expected, time.monotonic() - self._started))

    def _fill_studies(self, studies: list[dict[str, Any]]) -> None:
        self._studies = list(studies)
        self._fill(self.study_table, STUDY_COLUMNS, self._studies)
        self.series_table.setRowCount(0)
        self.status_label.setText(f"{len(self._studies)} stud{'y' if len(self._studies) == 1 else 'ies'} found")
        if self._studies:
            self.study_table.selectRow(0)

    @staticmethod
    def _fill(table: QTableWidget, columns: tuple[tuple[str, str], ...], rows: list[dict[str, Any]]) -> None:
        table.setRowCount(len(rows))
        for row, values in enumerate(rows):
            for column, (key, _title) in enumerate(columns):
                value = values.get(key)
                table.setItem(row, column, QTableWidgetItem("" if value is None else str(value).replace("^", " ")))
        table.resizeColumnsToContents()

    def _study_selected(self) -> None:
        study, node = self.selected_study(), None
        self._update_enabled()
        if study is None or self._busy == "retrieve":
            return
        node = self._node()
        if node is not None:
            uid = study["StudyInstanceUID"]
            self._start("series", lambda: pacs.find_series(node, uid, self.settings))

    def _ask_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Retrieve studies into", str(self.out_dir))
        if folder:
            self.out_dir = Path(folder)
            self._show_folder()

    def _show_folder(self) -> None:
        self.folder_label.setText(str(self.out_dir))

    def _show_error(self, sentence: str) -> None:
        self.error_label.setText(sentence)

    def _update_enabled(self) -> None:
        transferring = self._busy == "retrieve"
        for widget in (self.search_button, self.echo_button, self.node_box, self.folder_button):
            widget.setEnabled(not transferring)
        self.retrieve_button.setEnabled(not transferring and self.selected_study() is not None)
        self.cancel_button.setEnabled(transferring)


def install_pacs(window: Any) -> QAction:
    """Add File > Open from PACS… to ``window``; a retrieved study opens as the case list."""
    holder: dict[str, PacsDialog] = {}

    def show() -> None:
        dialog = holder.get("dialog")
        if dialog is None:
            dialog = holder["dialog"] = PacsDialog(window)
            dialog.sig_retrieved.connect(lambda scans: (dialog.accept(), window.open_paths(scans)) if scans else None)
        else:
            dialog.set_settings(load_pacs_settings())  # nodes edited in Settings since it was last shown
        dialog.show()
        dialog.raise_()

    menu: QMenu = window.file_menu
    action = menu.addAction("Open from &PACS…")
    action.setShortcut("Ctrl+Shift+P")
    action.triggered.connect(show)
    first_after_open = next((a for a in menu.actions() if a.menu() is not None), window.quit_action)
    menu.insertAction(first_after_open, action)
    return action
