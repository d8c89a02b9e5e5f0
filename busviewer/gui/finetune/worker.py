"""The Qt side of a fine-tune: run ``finetune_job`` in a superqt ``GeneratorWorker`` and turn it into signals."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Generator, Iterable
from typing import Any

from PySide6.QtCore import QObject, Signal
from superqt.utils import GeneratorWorker

from busviewer.core.case import CaseRecord
from busviewer.core.errors import UserFacingError
from busviewer.core.finetune_cases import FrameLoader
from busviewer.io.model_registry import ModelRegistry
from busviewer.services.finetune import FineTuneOutcome, JobEpoch, JobPhase, JobStep, ProgressEstimator, finetune_job

log = logging.getLogger(__name__)


class FineTuneWorker(QObject):
    """Runs ``finetune_job`` in a superqt ``GeneratorWorker`` and re-emits its progress as typed signals.

    Signals
    -------
    sig_phase(str)
        A phase started (a key of ``PHASE_MESSAGES``).
    sig_progress(int, int, float)
        Training steps done, steps in total, seconds left (-1 while unknown).
    sig_epoch(object)
        A ``JobEpoch`` (training loss, validation Dice).
    sig_done(object)
        The ``FineTuneOutcome``; also after a cancel (``outcome.cancelled``).
    sig_failed(str)
        One sentence saying why the job failed.

    Exactly one of ``sig_done`` and ``sig_failed`` is emitted per run.
    """

    sig_phase = Signal(str)
    sig_progress = Signal(int, int, float)
    sig_epoch = Signal(object)
    sig_done = Signal(object)
    sig_failed = Signal(str)

    def __init__(
        self,
        registry: ModelRegistry,
        records: Iterable[CaseRecord] | Callable[[], Iterable[CaseRecord]],
        config: Any | None = None,
        device: str = "auto",
        load_frame: FrameLoader | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._registry = registry
        # A callable is called on the job's thread (it may read the store); a list is taken as it is.
        self._records = records if callable(records) else list(records)
        self._config = config
        self._device = device
        self._load_frame = load_frame
        self._stop = threading.Event()
        self._ended = threading.Event()
        self._estimator = ProgressEstimator()
        self._reported = False
        self._worker: GeneratorWorker[Any, None, FineTuneOutcome] | None = None

    @property
    def is_running(self) -> bool:
        return self._worker is not None and not self._ended.is_set()

    def start(self) -> None:
        """Start the job in the global thread pool."""
        worker: GeneratorWorker[Any, None, FineTuneOutcome] = GeneratorWorker(self._guarded_job)
        worker.yielded.connect(self._on_yielded)
        worker.returned.connect(self._on_returned)
        worker.errored.connect(self._on_errored)
        worker.finished.connect(self._on_finished)
        self._worker = worker
        worker.start()

    def cancel(self) -> None:
        """Ask the job to stop at the next training step; it then reports a cancelled outcome."""
        self._stop.set()

    def wait(self, timeout_s: float) -> bool:
        """Block until the job's thread has left the job (True) or ``timeout_s`` passed (False)."""
        return self._worker is None or self._ended.wait(timeout_s)

    def _guarded_job(self) -> Generator[JobPhase | JobStep | JobEpoch, None, FineTuneOutcome]:
        try:
            records = self._records() if callable(self._records) else self._records
            return (yield from finetune_job(self._registry, records, self._config, self._device,
                                            self._stop.is_set, self._load_frame))
        finally:
            self._ended.set()

    def _on_yielded(self, record: object) -> None:
        if isinstance(record, JobPhase):
            self.sig_phase.emit(record.name)
        elif isinstance(record, JobStep):
            done, total, eta = self._estimator.update(record)
            self.sig_progress.emit(done, total, -1.0 if eta is None else float(eta))
        elif isinstance(record, JobEpoch):
            self.sig_epoch.emit(record)

    def _on_returned(self, outcome: object) -> None:
        self._reported = True
        self.sig_done.emit(outcome)

    def _on_errored(self, exc: Exception) -> None:
        self._reported = True
        if isinstance(exc, UserFacingError):
            self.sig_failed.emit(str(exc))
        else:
            log.error("fine-tune worker failed", exc_info=exc)
            self.sig_failed.emit("Fine-tuning stopped with an internal error; details are in the log file.")

    def _on_finished(self) -> None:
        if not self._reported:
            self._reported = True
            self.sig_failed.emit("Fine-tuning stopped unexpectedly; details are in the log file.")
