"""Background jobs for the review: run a function on a private thread pool, get its result on the GUI thread.

Each request carries a :class:`Generation`; the controllers compare it with what is on screen when the
result arrives and drop stale ones, so flipping quickly through cases never shows the wrong mask.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Generation:
    """Identity of one request: which scan and frame it was for, and a counter that grows with every request."""

    scan_key: str
    frame_index: int
    counter: int
    detail: str = ""


class _Relay(QObject):
    """Lives on the GUI thread; signals emitted on it from a pool thread are delivered there (queued)."""

    sig_finished = Signal(int, object, object)  # job id, result, exception


class _Job(QRunnable):
    def __init__(self, job_id: int, function: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        # The runner keeps the job alive until its outcome is delivered; Qt must not delete it first.
        self.setAutoDelete(False)
        self._job_id = job_id
        self._function = function
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._function()
        except Exception as exc:  # noqa: BLE001 - every failure goes back to the GUI thread, which reports it
            logger.debug("background job %d failed", self._job_id, exc_info=True)
            self._relay.sig_finished.emit(self._job_id, None, exc)
            return
        self._relay.sig_finished.emit(self._job_id, result, None)


class JobRunner(QObject):
    """A named, bounded thread pool whose results come back on the GUI thread.

    Signals
    -------
    busy_changed(bool)
        True when the first job starts waiting or running, False when the last one is done.

    Parameters
    ----------
    name
        For logs.
    max_threads
        Pool size; 1 keeps one network copy busy at a time and runs requests in order.
    """

    busy_changed = Signal(bool)

    def __init__(self, name: str, max_threads: int = 1, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._relay = _Relay(self)
        self._relay.sig_finished.connect(self._deliver)
        self._callbacks: dict[int, tuple[Callable[[Any], None], Callable[[BaseException], None] | None]] = {}
        self._jobs: dict[int, _Job] = {}
        self._ids = itertools.count(1)

    @property
    def pending(self) -> int:
        """Jobs submitted whose result has not been delivered yet."""
        return len(self._callbacks)

    def submit(
        self,
        function: Callable[[], Any],
        on_result: Callable[[Any], None],
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run ``function()`` on the pool; ``on_result(value)`` or ``on_error(exc)`` is called on the GUI thread."""
        job_id = next(self._ids)
        self._callbacks[job_id] = (on_result, on_error)
        if len(self._callbacks) == 1:
            self.busy_changed.emit(True)
        job = _Job(job_id, function, self._relay)
        self._jobs[job_id] = job
        self._pool.start(job)

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until the pool is idle (for shutdown and tests); True when it is."""
        return bool(self._pool.waitForDone(timeout_ms))

    def _deliver(self, job_id: int, result: object, error: object) -> None:
        on_result, on_error = self._callbacks.pop(job_id, (None, None))
        self._jobs.pop(job_id, None)
        try:
            if isinstance(error, BaseException):
                if on_error is not None:
                    on_error(error)
                else:
                    logger.error("%s job failed: %s", self.name, error)
            elif on_result is not None:
                on_result(result)
        finally:
            if not self._callbacks:
                self.busy_changed.emit(False)
