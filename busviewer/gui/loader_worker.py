"""Background work for the window: run a job off the GUI thread and report only the newest job's outcome.

Every job gets a generation number; a job that is no longer the newest when it starts is skipped, and
one that finishes late is dropped, so flipping quickly through cases never shows a stale scan.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from busviewer.core.errors import UserFacingError
from busviewer.core.scan import UltrasoundScan

log = logging.getLogger(__name__)

# busviewer.io.scan_loader is imported inside the functions that run on the worker: it pulls in pydicom,
# which would add a third of a second to start-up before the window appears.

class _JobSignals(QObject):
    """Carries one job's outcome back to the GUI thread: (generation, succeeded, result or exception or None)."""

    finished = Signal(int, bool, object)


class _Job(QRunnable):
    def __init__(
        self, generation: int, work: Callable[[], Any], is_current: Callable[[int], bool], signals: _JobSignals
    ) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.generation = generation
        self.signals = signals
        self._work = work
        self._is_current = is_current

    def run(self) -> None:
        if not self._is_current(self.generation):
            self.signals.finished.emit(self.generation, False, None)
            return
        try:
            result = self._work()
        except Exception as exc:  # noqa: BLE001 - handed to the GUI thread, which turns it into a sentence
            self.signals.finished.emit(self.generation, False, exc)
            return
        self.signals.finished.emit(self.generation, True, result)


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
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._generation = 0
        # Jobs are kept alive here until their outcome is back on the GUI thread.
        self._running: dict[int, _Job] = {}

    @property
    def generation(self) -> int:
        """The generation of the newest job."""
        return self._generation

    @property
    def is_busy(self) -> bool:
        return bool(self._running)

    def submit(self, work: Callable[[], Any]) -> int:
        """Queue ``work`` (called on the worker thread) and return its generation; older jobs become stale."""
        self._generation += 1
        signals = _JobSignals()
        signals.finished.connect(self._on_finished)
        job = _Job(self._generation, work, self._is_current, signals)
        self._running[self._generation] = job
        self._pool.start(job)
        return self._generation

    def cancel(self) -> None:
        """Make every queued or running job stale; their outcomes will be dropped."""
        self._generation += 1

    def wait_until_idle(self, timeout_ms: int = 5000) -> bool:
        """Block until the worker thread is idle (for closing and tests); False on timeout."""
        return bool(self._pool.waitForDone(timeout_ms))

    def _is_current(self, generation: int) -> bool:
        return generation == self._generation

    @Slot(int, bool, object)
    def _on_finished(self, generation: int, succeeded: bool, payload: object) -> None:
        self._running.pop(generation, None)
        if generation != self._generation:
            log.debug("dropped the outcome of stale job %d", generation)
            return
        if succeeded:
            self.sig_succeeded.emit(generation, payload)
        elif payload is not None:
            self.sig_failed.emit(generation, payload)


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
