"""Background jobs for the window: run a function on a private thread pool (superqt workers), get its
result or its exception back on the GUI thread.

Review requests carry a :class:`Generation`; the controllers compare it with what is on screen when the
result arrives and drop stale ones, so flipping quickly through cases never shows the wrong mask.
"""

from __future__ import annotations

import itertools
import logging
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal, Slot
from superqt.utils import FunctionWorker, create_worker

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Generation:
    """Identity of one request: which scan and frame it was for, and a counter that grows with every request."""

    scan_key: str
    frame_index: int
    counter: int
    detail: str = ""


def _warn_again(showwarning_args: tuple[Any, ...]) -> None:
    """A warning raised inside a worker, issued again on the GUI thread, where the warning filters and the
    log see it (the worker only records it)."""
    message, category, filename, lineno = showwarning_args[:4]
    warnings.warn_explicit(message, category, filename, lineno)


class _Delivery(QObject):
    """Receives one worker's outcome on the GUI thread. A child of its runner: when the runner goes (its
    window closed), Qt disconnects the worker from it and a late outcome reaches nobody."""

    def __init__(self, runner: JobRunner, job_id: int) -> None:
        super().__init__(runner)
        self._runner = runner
        self._job_id = job_id

    @Slot(object)
    def returned(self, result: object) -> None:
        self._runner.deliver_outcome(self._job_id, result, None)

    @Slot(object)
    def errored(self, error: BaseException) -> None:
        self._runner.deliver_outcome(self._job_id, None, error)

    @Slot(tuple)
    def warned(self, showwarning_args: tuple[Any, ...]) -> None:
        _warn_again(showwarning_args)


def wait_for_jobs(root: QObject, timeout_ms: int) -> bool:
    """Wait, at most ``timeout_ms`` in all, until every JobRunner under ``root`` is idle; True when they are.

    At quit, before Python tears down the runners: a worker whose runner is gone would emit into a deleted
    object from its thread.
    """
    deadline = time.monotonic() + timeout_ms / 1000.0
    for runner in root.findChildren(JobRunner):
        if not runner.wait(max(0, round((deadline - time.monotonic()) * 1000))):
            logger.warning("%s jobs still running at quit", runner.name)
            return False
    return True


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
        self._callbacks: dict[int, tuple[Callable[[Any], None], Callable[[BaseException], None] | None]] = {}
        # Workers (and their receivers) are kept here until their outcome is delivered; Qt must not delete
        # a worker first.
        self._workers: dict[int, tuple[FunctionWorker[Any], _Delivery]] = {}
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
        """Run ``function()`` on the pool; ``on_result(value)`` or ``on_error(exc)`` is called on the GUI thread.

        Without ``on_error`` a failure is logged (with its traceback) and otherwise dropped.
        """
        job_id = next(self._ids)
        self._callbacks[job_id] = (on_result, on_error)
        if len(self._callbacks) == 1:
            self.busy_changed.emit(True)
        worker = create_worker(function, _start_thread=False, _ignore_errors=True)
        worker.setAutoDelete(False)
        # The receiver lives on the GUI thread: the outcome is delivered there (queued).
        delivery = _Delivery(self, job_id)
        worker.returned.connect(delivery.returned)
        worker.errored.connect(delivery.errored)
        worker.warned.connect(delivery.warned)
        self._workers[job_id] = (worker, delivery)
        self._pool.start(worker)

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until the pool is idle (for shutdown and tests); True when it is."""
        return bool(self._pool.waitForDone(timeout_ms))

    def deliver_outcome(self, job_id: int, result: object, error: BaseException | None) -> None:
        """Hand job ``job_id``'s result or error to its callback (on the GUI thread, from its receiver)."""
        on_result, on_error = self._callbacks.pop(job_id, (None, None))
        entry = self._workers.pop(job_id, None)
        if entry is not None:
            entry[1].deleteLater()
        try:
            if error is not None:
                if on_error is not None:
                    logger.debug("%s job %d failed", self.name, job_id, exc_info=error)
                    on_error(error)
                else:
                    logger.error("%s job failed: %s", self.name, error, exc_info=error)
            elif on_result is not None:
                on_result(result)
        finally:
            if not self._callbacks:
                self.busy_changed.emit(False)
