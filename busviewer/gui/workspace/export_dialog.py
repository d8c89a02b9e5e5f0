"""File > Export: choose a folder and formats, then export the workspace's review with progress and Cancel."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)

from busviewer.gui import theme
from busviewer.gui.workspace.export_job import ExportJob, ExportRequest, summary_sentence
from busviewer.gui.workspace.send_box import SendBox
from busviewer.io.export import ALL_FORMATS, ExportSummary
from busviewer.io.pacs.nodes import PacsSettings

#: What each format is called in the dialog, in ``ALL_FORMATS`` order.
FORMAT_LABELS = {
    "png": "Mask images (PNG)",
    "seg": "DICOM SEG (DICOM scans)",
    "pdf": "PDF reports",
    "sr": "DICOM SR (DICOM scans)",
    "csv": "Summary table (CSV)",
    "json": "Summary (JSON)",
}
IDENTIFIER_WARNING = (
    "Patient name, ID and birth date will be written into the PDF reports and the summaries. "
    "Keep these files where patient data is allowed."
)
_SETTINGS_KEY = "export/last_folder"


class ExportDialog(QDialog):
    """Export the reviewed cases of a workspace.

    Parameters
    ----------
    window
        The main window (for ``show_error`` and the settings that remember the last folder).
    workspace_dir
        The workspace to export.
    weights
        (weights file, device) for the reports' Grad-CAM thumbnails, or None to leave them out.
    pacs_settings
        The PACS nodes to offer for sending (default: those saved in Settings).

    Signals
    -------
    sig_sent(object)
        Case ids whose SEG/SR/PDF reached a PACS (their send records are in the store).
    """

    sig_sent = Signal(object)

    def __init__(self, window: Any, workspace_dir: Path, weights: tuple[Path, str] | None = None,
                 wait_for_saves: Callable[[], None] | None = None, pacs_settings: PacsSettings | None = None) -> None:
        super().__init__(window)
        self.setWindowTitle("Export review")
        self.setObjectName("exportDialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.window_ = window
        self.workspace_dir = Path(workspace_dir)
        self.weights = weights
        self.wait_for_saves = wait_for_saves
        self.job: ExportJob | None = None
        self.summary: ExportSummary | None = None
        self._close_when_done = False

        intro = QLabel(f"Export the review of <b>{self.workspace_dir.name}</b>: every saved case with its current mask.")
        intro.setWordWrap(True)
        self.destination = QLineEdit(str(self._default_destination()))
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._ask_destination)
        where = QHBoxLayout()
        where.addWidget(QLabel("Folder"))
        where.addWidget(self.destination, 1)
        where.addWidget(browse)

        self.format_boxes: dict[str, QCheckBox] = {}
        formats = QGroupBox("Formats")
        grid = QGridLayout(formats)
        for index, name in enumerate(ALL_FORMATS):
            box = QCheckBox(FORMAT_LABELS[name])
            box.setChecked(True)
            box.toggled.connect(self._update_buttons)
            self.format_boxes[name] = box
            grid.addWidget(box, index // 2, index % 2)
        self.gradcam_note = QLabel(
            "PDF reports include the Grad-CAM thumbnail (computed now, slower)." if weights is not None
            else "PDF reports go without Grad-CAM: no model weights are available."
        )
        self.gradcam_note.setStyleSheet(f"color: {theme.TEXT_DIM};")
        self.gradcam_note.setWordWrap(True)
        grid.addWidget(self.gradcam_note, 3, 0, 1, 2)

        self.identifiers = QCheckBox("Include patient identifiers")
        self.identifier_warning = QLabel(IDENTIFIER_WARNING)
        self.identifier_warning.setWordWrap(True)
        self.identifier_warning.setStyleSheet(f"color: {theme.CAUTION};")
        self.identifier_warning.setVisible(False)
        self.identifiers.toggled.connect(self.identifier_warning.setVisible)
        self.identifiers.toggled.connect(lambda _on: self._fit_height())
        privacy = QLabel("Off: PDFs, PNGs and summaries carry no names or IDs (DICOM SEG/SR always keep the "
                         "source's patient module so a PACS can file them).")  # fmt: skip
        privacy.setWordWrap(True)
        privacy.setStyleSheet(f"color: {theme.TEXT_DIM};")
        self.send_box = SendBox(pacs_settings, self)
        self.format_boxes["pdf"].toggled.connect(self.send_box.set_pdf_allowed)
        self.send_box.sig_sent.connect(self.sig_sent)
        self.send_box.sig_done.connect(self._on_sent)

        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setVisible(False)
        self.result = QLabel("")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.skipped = QListWidget()
        self.skipped.setVisible(False)
        self.skipped.setMaximumHeight(110)

        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton("Cancel export", QDialogButtonBox.ButtonRole.RejectRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.close)
        self.cancel_button.setVisible(False)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(where)
        layout.addWidget(formats)
        layout.addWidget(self.identifiers)
        layout.addWidget(self.identifier_warning)
        layout.addWidget(privacy)
        layout.addWidget(self.send_box)
        layout.addWidget(self.progress)
        layout.addWidget(self.result)
        layout.addWidget(self.skipped)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.resize(560, 0)
        # Word-wrapped labels know their height only once laid out: fit after the first layout, or the
        # format boxes are squeezed over one another.
        QTimer.singleShot(0, self._fit_height)

    # ---------------------------------------------------------------- choices
    def selected_formats(self) -> frozenset[str]:
        return frozenset(name for name, box in self.format_boxes.items() if box.isChecked())

    def _default_destination(self) -> Path:
        settings = getattr(self.window_, "settings", None)
        last = settings.value(_SETTINGS_KEY) if settings is not None else None
        if last:
            return Path(str(last))
        return self.workspace_dir.parent / f"{self.workspace_dir.name}-export"

    def _ask_destination(self) -> None:
        start = self.destination.text() or str(self.workspace_dir.parent)
        name = QFileDialog.getExistingDirectory(self, "Export into", start)
        if name:
            self.destination.setText(name)

    def _fit_height(self) -> None:
        # Grow (or shrink) with the lines that come and go, instead of squeezing the form together.
        layout = self.layout()
        layout.activate()
        # Word-wrapped labels make the height depend on the width; ask for the height at the current width.
        height = layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth() else self.sizeHint().height()
        self.resize(self.width(), max(height, layout.totalMinimumSize().height()))

    @property
    def busy(self) -> bool:
        """Exporting, or sending what was exported."""
        return (self.job is not None and self.job.running) or self.send_box.running

    def _update_buttons(self) -> None:
        running = self.busy
        self.export_button.setEnabled(not running and bool(self.selected_formats()))
        self.cancel_button.setVisible(running)
        self.close_button.setEnabled(not running)
        for widget in (self.destination, self.identifiers, *self.format_boxes.values()):
            widget.setEnabled(not running)
        self.send_box.set_editable(not running)

    # ------------------------------------------------------------------- run
    def start(self) -> None:
        """Export with the choices shown (on a background thread), then send when asked to."""
        if self.busy:
            return
        text = self.destination.text().strip()
        if not text:
            self.window_.show_error("Choose a folder to export into.")
            return
        out_dir = Path(text).expanduser()
        weights, device = self.weights if self.weights is not None else (None, "auto")
        request = ExportRequest(self.workspace_dir, out_dir, self.selected_formats(), self.identifiers.isChecked(),
                                weights if "pdf" in self.selected_formats() else None, device,
                                wait_for_saves=self.wait_for_saves)  # fmt: skip
        self.summary = None
        self.result.setText("Exporting…")
        self.skipped.clear()
        self.skipped.setVisible(False)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.job = ExportJob(request, self)
        self.job.progress.connect(self._on_progress)
        self.job.finished.connect(self._on_finished)
        self.job.failed.connect(self._on_failed)
        self.job.start()
        self._update_buttons()

    def cancel(self) -> None:
        if self.job is not None and self.job.running:
            self.job.cancel()
            self.result.setText("Stopping after the case being written…")
        elif self.send_box.running:
            self.send_box.cancel()
            self.result.setText("Stopping after the object being sent…")

    def _on_progress(self, done: int, total: int, _case_id: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{done} of {total} cases")

    def _on_finished(self, summary: object) -> None:
        assert isinstance(summary, ExportSummary)
        self.summary = summary
        sending = self.send_box.wanted and not summary.cancelled and not self._close_when_done
        if sending:
            self.send_box.start(summary, self.workspace_dir, self.identifiers.isChecked())
        self.job_done()
        self.result.setText(summary_sentence(summary) + (" Sending…" if sending else ""))
        if summary.skipped:
            self.skipped.addItems(summary.skipped)
            self.skipped.setVisible(True)
        self._fit_height()
        settings = getattr(self.window_, "settings", None)
        if settings is not None:
            settings.setValue(_SETTINGS_KEY, str(summary.out_dir))
        self.window_.show_status(summary_sentence(summary), 6000)

    def _on_failed(self, sentence: str) -> None:
        self.job_done()
        self.progress.setVisible(False)
        self.result.setText("")
        self.window_.show_error(sentence)

    def _on_sent(self, sentence: str, failed: bool) -> None:
        exported = summary_sentence(self.summary) if self.summary is not None else ""
        self.result.setText(f"{exported} {sentence}".strip())
        if self.send_box.failures:
            self.skipped.addItems(self.send_box.failures)
            self.skipped.setVisible(True)
        self._fit_height()
        if failed and not self.send_box.failures:
            self.window_.show_error(sentence)  # the node itself failed: nothing was sent
        self.window_.show_status(sentence, 6000)
        self.job_done()

    def job_done(self) -> None:
        if self.job is not None:
            self.job.wait(5.0)
        self._update_buttons()
        if self.send_box.running:
            return
        if self._close_when_done:
            self._close_when_done = False
            QTimer.singleShot(0, self.close)

    def reject(self) -> None:
        # Escape while exporting stops the export instead of hiding a dialog that is still working.
        if self.busy:
            self.cancel()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if self.busy:
            # The case being written must not be left half-done, and the window must not wait for it:
            # stop after that case, and close when the job says it has ended.
            self.cancel()
            self._close_when_done = True
            event.ignore()
            return
        super().closeEvent(event)

