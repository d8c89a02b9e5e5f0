"""The export dialog's "Send to PACS" part: choose a configured node, send each case's SEG and SR (and PDF as
DICOM Encapsulated PDF) after the export, on a worker thread of its own with progress; the case list learns what went where.

Signals
-------
SendBox.sig_sent(object)
    The case ids whose objects reached the node (their send records are in the store).
SendBox.sig_done(str, bool)
    One sentence about the send, and whether the node failed us.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QGridLayout, QGroupBox, QLabel, QProgressBar, QWidget

from busviewer.core.errors import UserFacingError
from busviewer.gui import theme
from busviewer.gui.jobs import JobRunner
from busviewer.io.export import ExportSummary
from busviewer.io.pacs.nodes import PacsSettings, load_pacs_settings

log = logging.getLogger(__name__)

NO_NODES = "No PACS node is configured: add one under Tools > Settings > PACS."


class SendBox(QGroupBox):
    """Send options and the running send; see the module docstring for the signals."""

    sig_sent = Signal(object)
    sig_done = Signal(str, bool)
    #: Objects sent, objects in all: emitted on the send's thread, delivered on the GUI thread (queued).
    _sig_progress = Signal(int, int)

    def __init__(self, settings: PacsSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__("Send to PACS", parent)
        self.setObjectName("sendToPacs")
        self.settings = settings if settings is not None else load_pacs_settings()
        self.send = QCheckBox("Send SEG and SR to")
        self.node_box = QComboBox()
        self.node_box.addItems([node.name for node in self.settings.nodes])
        for row, node in enumerate(self.settings.nodes):
            self.node_box.setItemData(row, node.describe(), Qt.ItemDataRole.ToolTipRole)  # never a password
        self.with_pdf = QCheckBox("Also the PDF reports, as DICOM Encapsulated PDF")
        self.note = QLabel("Sent after the export is written: a failed send keeps every exported file.")
        self.note.setWordWrap(True)
        self.note.setStyleSheet(f"color: {theme.TEXT_DIM};")
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        grid = QGridLayout(self)
        grid.addWidget(self.send, 0, 0)
        grid.addWidget(self.node_box, 0, 1)
        grid.addWidget(self.with_pdf, 1, 0, 1, 2)
        grid.addWidget(self.note, 2, 0, 1, 2)
        grid.addWidget(self.progress, 3, 0, 1, 2)
        grid.setColumnStretch(1, 1)
        if not self.settings.nodes:
            self.send.setEnabled(False)
            self.node_box.setEnabled(False)
            self.note.setText(NO_NODES)
        self._pdf_allowed = True
        self.send.toggled.connect(lambda _on: self.set_pdf_allowed(self._pdf_allowed))
        #: What the node did not take in the last send, one sentence each.
        self.failures: list[str] = []
        self._cancel = threading.Event()
        self._jobs = JobRunner("export-send", parent=self)
        self._running = False
        self._sig_progress.connect(self._on_progress)
        self.set_pdf_allowed(True)

    # ---------------------------------------------------------------- choices
    @property
    def wanted(self) -> bool:
        """A send is asked for (the boxes are greyed while the export runs, so enabled-ness is not asked)."""
        return bool(self.settings.nodes) and self.send.isChecked()

    @property
    def running(self) -> bool:
        """A send has started and its outcome is not back yet."""
        return self._running

    def set_pdf_allowed(self, allowed: bool) -> None:
        """The PDF can go only when PDF reports are exported."""
        self._pdf_allowed = allowed
        self.with_pdf.setEnabled(allowed and self.wanted)
        self.node_box.setEnabled(bool(self.settings.nodes) and not self.running)

    def set_editable(self, editable: bool) -> None:
        for widget in (self.send, self.node_box, self.with_pdf):
            widget.setEnabled(editable and bool(self.settings.nodes))
        if editable:
            self.set_pdf_allowed(self._pdf_allowed)

    # ---------------------------------------------------------------- sending
    def start(self, summary: ExportSummary, workspace_dir: Path, include_identifiers: bool) -> None:
        """Send what ``summary`` wrote to the chosen node (on a thread of its own)."""
        node = self.settings.node(self.node_box.currentText())
        if node is None:
            self.sig_done.emit(NO_NODES, True)
            return
        with_pdf = self.with_pdf.isChecked() and self._pdf_allowed
        self._cancel.clear()
        self.progress.setRange(0, 0)
        self.progress.setFormat(f"Sending to {node.name}…")
        self.progress.setVisible(True)
        settings = self.settings

        def run() -> object:
            from busviewer.io.export_send import send_export

            def progress(done: int, total: int) -> bool:
                self._sig_progress.emit(done, total)
                return not self._cancel.is_set()

            return send_export(summary, workspace_dir, node, with_pdf=with_pdf,
                               include_identifiers=include_identifiers, settings=settings, progress=progress)

        def failed(error: BaseException) -> None:
            if isinstance(error, UserFacingError):
                self._on_failed(f"{error} The exported files stay in {summary.out_dir}.")
                return
            # The dialog must hear about any failure; the log gets the details.
            log.error("sending the export failed", exc_info=error)
            self._on_failed(f"Sending to {node.describe()} stopped because of an unexpected error "
                            f"({type(error).__name__}); the exported files stay in {summary.out_dir}.")

        self._running = True
        self._jobs.submit(run, on_result=self._on_finished, on_error=failed)

    def cancel(self) -> None:
        """Stop after the object being sent (what reached the node stays recorded)."""
        self._cancel.set()

    def wait(self, timeout_s: float | None = None) -> bool:
        """Block until the send's thread is idle; False on timeout."""
        return self._jobs.wait(-1 if timeout_s is None else round(timeout_s * 1000))

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{done} of {total} sent")

    def _on_finished(self, result: object) -> None:
        from busviewer.io.export_send import ExportSendResult

        assert isinstance(result, ExportSendResult)
        self._running = False
        self.wait(5.0)
        self.progress.setVisible(False)
        self.failures = list(result.failed)
        if result.kinds_by_case:
            self.sig_sent.emit(list(result.kinds_by_case))
        self.sig_done.emit(result.sentence(), bool(result.failed))

    def _on_failed(self, sentence: str) -> None:
        self._running = False
        self.wait(5.0)
        self.progress.setVisible(False)
        self.failures = []
        self.sig_done.emit(sentence, True)
