"""The workspace export on a background thread, with progress, cancel, and Grad-CAM from a network copy
of its own in the compute process."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from busviewer.core.errors import UserFacingError
from busviewer.gui.jobs import JobRunner
from busviewer.io.export import ExportSummary, GradCamFunction, export_workspace

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExportRequest:
    """What to export where (the dialog's choices)."""

    workspace_dir: Path
    out_dir: Path
    formats: frozenset[str]
    include_identifiers: bool = False
    weights: Path | None = None
    device: str = "auto"
    #: Blocks until the workspace's pending saves are written; run on the export's thread first, so the
    #: export reads the newest review without the GUI thread ever waiting for the store.
    wait_for_saves: Callable[[], None] | None = field(default=None, compare=False)


def lazy_gradcam(weights: Path, device: str = "auto") -> GradCamFunction:
    """Grad-CAM over ``weights`` in the compute process, on an export lane of its own.

    The review's explainer is not shared: its hooks and backward passes must not interleave with an
    export running at the same time, and a long export must not delay the Grad-CAM on screen.
    """
    from busviewer.services.remote_model import RemoteModel

    return RemoteModel("gradcam", weights, device, lane="export-gradcam").explain


class ExportJob(QObject):
    """Runs one export on a worker thread of its own.

    Signals
    -------
    progress(int, int, str)
        Cases done, cases in all, the case just written.
    finished(object)
        The :class:`ExportSummary` (``cancelled`` is set when the user stopped it).
    failed(str)
        One sentence saying why nothing (more) could be written.
    """

    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, request: ExportRequest, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.request = request
        self._cancel = threading.Event()
        self._jobs = JobRunner("export", parent=self)
        self._running = False

    @property
    def running(self) -> bool:
        """Started and its outcome not delivered yet."""
        return self._running

    def start(self) -> None:
        self._running = True
        self._jobs.submit(self._export, on_result=self._on_exported, on_error=self._on_error)

    def cancel(self) -> None:
        """Stop after the case being written (files already written stay)."""
        self._cancel.set()

    def wait(self, timeout_s: float | None = None) -> bool:
        """Block until the export thread is idle; False on timeout."""
        return self._jobs.wait(-1 if timeout_s is None else round(timeout_s * 1000))

    def _export(self) -> ExportSummary:
        """The export itself (on the worker thread)."""
        request = self.request
        if request.wait_for_saves is not None:
            try:
                request.wait_for_saves()
            except Exception:
                # A store that cannot finish its saves is reported by the store itself.
                log.warning("pending saves did not finish before the export", exc_info=True)
        gradcam = lazy_gradcam(request.weights, request.device) if request.weights is not None else None

        def on_progress(done: int, total: int, case_id: str) -> bool:
            self.progress.emit(done, total, case_id)
            return not self._cancel.is_set()

        return export_workspace(
            request.workspace_dir, request.out_dir, request.formats, request.include_identifiers, on_progress, gradcam
        )

    def _on_exported(self, summary: ExportSummary) -> None:
        self._running = False
        self.finished.emit(summary)

    def _on_error(self, error: BaseException) -> None:
        self._running = False
        self.failed.emit(export_failure_sentence(error))


def export_failure_sentence(error: BaseException) -> str:
    """One sentence for the dialog; an unexpected error's details go to the log."""
    if isinstance(error, UserFacingError):
        return str(error)
    log.error("export failed", exc_info=error)
    return f"The export stopped because of an unexpected error ({type(error).__name__})."


def summary_sentence(summary: ExportSummary) -> str:
    """One sentence about an export: how many cases and files went where, and what was left out."""
    cases = f"{summary.cases} case" + ("" if summary.cases == 1 else "s")
    files = f"{len(summary.files)} file" + ("" if len(summary.files) == 1 else "s")
    verb = "Stopped after exporting" if summary.cancelled else "Exported"
    sentence = f"{verb} {cases} ({files}) to {summary.out_dir}"
    if summary.skipped:
        left = len(summary.skipped)
        sentence += f"; {left} part" + ("" if left == 1 else "s") + " could not be exported (see the list below)"
    return sentence + "."
