"""Background work for the window: run a job off the GUI thread and report only the newest job's outcome.

Every job gets a generation number; a job that is no longer the newest when it starts is skipped, and
one that finishes late is dropped, so flipping quickly through cases never shows a stale scan.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from busviewer.core.errors import UserFacingError
from busviewer.core.scan import UltrasoundScan
from busviewer.gui.jobs import JobRunner

log = logging.getLogger(__name__)

# busviewer.io.scan_loader is imported inside the functions that run on the worker: it pulls in pydicom,
# which would add a third of a second to start-up before the window appears.

#: What a job returns when it was stale before it started (it never ran).
_SKIPPED = object()


class BackgroundRunner(QObject):
    """Runs jobs one at a time on a private thread; only the newest job's outcome is reported.

    Signals
    -------
    sig_succeeded(int, object)
        Generation and return value of the newest job.
    sig_failed(int, object)
        Generation and the exception the newest job raised.
    """

    sig_succeeded = Signal(int, object)
    sig_failed = Signal(int, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs = JobRunner("loader", max_threads=1, parent=self)
        self._generation = 0

    @property
    def generation(self) -> int:
        """The generation of the newest job."""
        return self._generation

    @property
    def is_busy(self) -> bool:
        return self._jobs.pending > 0

    def submit(self, work: Callable[[], Any]) -> int:
        """Queue ``work`` (called on the worker thread) and return its generation; older jobs become stale."""
        self._generation += 1
        generation = self._generation

        def unless_stale() -> Any:
            return work() if generation == self._generation else _SKIPPED

        self._jobs.submit(
            unless_stale,
            on_result=lambda result: self._on_succeeded(generation, result),
            on_error=lambda error: self._on_failed(generation, error),
        )
        return generation

    def cancel(self) -> None:
        """Make every queued or running job stale; their outcomes will be dropped."""
        self._generation += 1

    def wait_until_idle(self, timeout_ms: int = 5000) -> bool:
        """Block until the worker thread is idle (for closing and tests); False on timeout."""
        return self._jobs.wait(timeout_ms)

    def _is_stale(self, generation: int) -> bool:
        if generation != self._generation:
            log.debug("dropped the outcome of stale job %d", generation)
            return True
        return False

    def _on_succeeded(self, generation: int, result: object) -> None:
        if result is not _SKIPPED and not self._is_stale(generation):
            self.sig_succeeded.emit(generation, result)

    def _on_failed(self, generation: int, error: BaseException) -> None:
        if not self._is_stale(generation):
            self.sig_failed.emit(generation, error)


def load_scan_file(path: Path) -> UltrasoundScan:
    """Read an image or DICOM file (runs on the worker thread).

    Raises
    ------
    ScanLoadError
        The file cannot be read as a scan; the message is one sentence for the user.
    """
    from busviewer.io.scan_loader import load_scan

    return load_scan(path)


def load_demo_scan_file() -> UltrasoundScan:
    """The synthetic demo scan (calibrated), drawn afresh when its file is missing."""
    from busviewer.io.scan_loader import load_demo_scan

    scan, _mask = load_demo_scan()
    return scan


def failure_sentence(name: str, error: BaseException) -> str:
    """One sentence for the user about why the file called ``name`` did not open.

    Unexpected errors are logged in full (traceback to the log file) and summarised by their type.
    """
    if isinstance(error, UserFacingError):
        return str(error)
    if isinstance(error, MemoryError):
        return f"{name} needs more memory than this computer has free."
    if isinstance(error, FileNotFoundError):
        return f"{name} no longer exists."
    if isinstance(error, PermissionError):
        return f"You do not have permission to read {name}."
    log.error("unexpected failure opening %s", name, exc_info=error)
    return f"{name} could not be opened ({type(error).__name__}); details are in the log file."
