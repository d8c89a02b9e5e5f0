"""Run a fine-tune off the GUI thread: the job (a plain generator) and the Qt worker that turns it into signals.

``finetune_job`` loads its own fresh copy of the active weights, runs ``busviewer.ml.finetune.fine_tune``
(the function behind ``busviewer finetune``), saves the candidate into the registry folder and registers it
without activating it. Cancel, an error, or the process dying leave the active model as it was: the weights
file and ``versions.json`` are each written atomically, and nothing is activated here.
torch and ``busviewer.ml`` are imported inside the job only, so importing this module stays light.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Generator, Iterable
from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from superqt.utils import GeneratorWorker

from busviewer.core.case import CaseRecord
from busviewer.core.errors import UserFacingError
from busviewer.gui.finetune.cases import FrameLoader, collect_cases_with_report
from busviewer.io.model_registry import ModelRegistry, ModelVersion, current_user, now_iso

log = logging.getLogger(__name__)

#: What the panel says while each phase runs.
PHASE_MESSAGES = {
    "collect": "Reading the reviewed cases…",
    "evaluate-before": "Measuring the current model on held-out cases…",
    "train": "Training…",
    "evaluate-after": "Measuring the candidate on the same held-out cases…",
    "save": "Saving the candidate model…",
}


@dataclass(frozen=True)
class JobPhase:
    """A phase of the job started (a key of ``PHASE_MESSAGES``)."""

    name: str


@dataclass(frozen=True)
class JobStep:
    """One optimisation step finished."""

    epoch: int
    epochs: int
    step: int
    steps_per_epoch: int
    loss: float


@dataclass(frozen=True)
class JobEpoch:
    """One epoch finished and was scored on the validation cases (at network resolution)."""

    epoch: int
    epochs: int
    train_loss: float
    val_dice: float
    val_accuracy: float


@dataclass
class FineTuneOutcome:
    """How a job ended: the registered (not activated) candidate, or a cancel.

    ``before`` and ``after`` hold the summarised validation metrics (``dice``, ``iou``, ``accuracy``, ...)
    at source resolution, as ``busviewer evaluate`` computes them.
    """

    cancelled: bool
    parent_version: str
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    accepted: bool = False
    seconds: float = 0.0
    version: ModelVersion | None = None
    weights_path: Path | None = None
    model_id: str | None = None
    n_train: int = 0
    n_validation: int = 0
    skipped_summary: str = ""


class FineTuneJobError(UserFacingError):
    """The fine-tune failed for a reason the user cannot fix by changing the cases."""


class ProgressEstimator:
    """Steps done, steps in total and seconds left, from the stream of ``JobStep`` records.

    The clock is injectable so the arithmetic is testable without waiting.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._first: tuple[int, float] | None = None

    def update(self, step: JobStep) -> tuple[int, int, float | None]:
        """Return ``(done, total, eta_seconds)``; the ETA is None until two steps have been timed."""
        total = step.epochs * step.steps_per_epoch
        done = (step.epoch - 1) * step.steps_per_epoch + step.step
        now = self._clock()
        if self._first is None:
            self._first = (done, now)
            return done, total, None
        first_done, first_time = self._first
        if done <= first_done:
            return done, total, None
        seconds_per_step = (now - first_time) / (done - first_done)
        return done, total, max(total - done, 0) * seconds_per_step


def _never() -> bool:
    return False


def finetune_job(
    registry: ModelRegistry,
    records: Iterable[CaseRecord],
    config: Any | None = None,
    device: str = "auto",
    should_stop: Callable[[], bool] = _never,
    load_frame: FrameLoader | None = None,
) -> Generator[JobPhase | JobStep | JobEpoch, None, FineTuneOutcome]:
    """Fine-tune the active model on the reviewed ``records``; register the candidate without activating it.

    Parameters
    ----------
    registry
        Where the active weights come from and the candidate goes.
    records
        Case records with masks; only corrected and approved ones are used.
    config
        A ``busviewer.ml.finetune.FineTuneConfig``; its defaults when None.
    should_stop
        Polled between training steps and before saving; True ends the job with ``cancelled=True``.

    Raises
    ------
    UserFacingError
        Too few usable cases, unreadable weights, or an internal failure (as one sentence).
    """
    # A full collection over torch's objects holds the GIL for 40-60 ms and freezes the window; the job's
    # garbage is freed by reference counting, so automatic collection pauses while it runs, and what
    # remains afterwards is frozen out of later collections.
    gc.disable()
    try:
        return (yield from _run_job(registry, records, config, device, should_stop, load_frame))
    except UserFacingError:
        raise
    except MemoryError as exc:
        raise FineTuneJobError("Fine-tuning needs more memory than this machine has.") from exc
    except Exception as exc:
        # superqt treats a RuntimeError escaping the generator as "worker deleted" and swallows it;
        # torch raises RuntimeError for most failures, so every unexpected error is re-raised as ours.
        log.error("fine-tune failed", exc_info=True)
        raise FineTuneJobError(
            f"Fine-tuning stopped with an internal error ({type(exc).__name__}); details are in the log file."
        ) from exc
    finally:
        gc.freeze()
        gc.enable()


def _run_job(
    registry: ModelRegistry,
    records: Iterable[CaseRecord],
    config: Any | None,
    device: str,
    should_stop: Callable[[], bool],
    load_frame: FrameLoader | None,
) -> Generator[JobPhase | JobStep | JobEpoch, None, FineTuneOutcome]:
    from busviewer.ml.checkpoint import load_weights, save_weights
    from busviewer.ml.finetune import FineTuneConfig, PhaseRecord, fine_tune, summarise
    from busviewer.ml.train import EpochRecord, StepRecord

    config = config or FineTuneConfig()
    yield JobPhase("collect")
    collection = collect_cases_with_report(records, load_frame)
    parent = registry.active()
    # The job's own network copy: the inference and Grad-CAM networks are never touched.
    base = load_weights(registry.weights_path(parent))
    runner = fine_tune(base, collection.cases, config, device=device, should_stop=should_stop)
    while True:
        try:
            record = next(runner)
        except StopIteration as stop:
            result = stop.value
            break
        if isinstance(record, PhaseRecord):
            yield JobPhase(record.phase)
        elif isinstance(record, StepRecord):
            yield JobStep(record.epoch, config.epochs, record.step, record.steps_per_epoch, record.loss)
        elif isinstance(record, EpochRecord):
            yield JobEpoch(record.epoch, record.epochs, record.train_loss, record.val_dice, record.val_accuracy)

    outcome = FineTuneOutcome(
        cancelled=True, parent_version=parent.version_id, before=summarise(result.before),
        seconds=result.seconds, n_train=len(result.train_ids), n_validation=len(result.validation_ids),
        skipped_summary=collection.skipped_summary(),
    )
    if result.cancelled or should_stop():
        log.info("fine-tune cancelled after %.0f s; nothing was saved", result.seconds)
        return outcome

    yield JobPhase("save")
    settings = asdict(config) if is_dataclass(config) else dict(vars(config))
    settings["device"] = device
    outcome.after = summarise(result.after)
    outcome.accepted = bool(result.accepted)
    outcome.cancelled = False
    version_id, weights_path = registry.new_weights_path()
    metadata = {
        "version_id": version_id,
        "parent_version": parent.version_id,
        "parent_model_id": base.model_id,
        "finetune_cases": result.train_ids,
        "finetune_validation_cases": result.validation_ids,
        "metrics_before": outcome.before,
        "metrics_after": outcome.after,
        "accepted_by_gate": outcome.accepted,
        "settings": settings,
    }
    base.network.load_state_dict(result.state)
    outcome.model_id = save_weights(base.network.cpu(), weights_path, metadata)
    outcome.weights_path = weights_path
    outcome.version = registry.register(
        ModelVersion(
            version_id=version_id, weights_file=weights_path.name, parent=parent.version_id,
            created_at=now_iso(), created_by=current_user(), case_ids=list(result.train_ids),
            validation_ids=list(result.validation_ids), metrics_before=outcome.before,
            metrics_after=outcome.after, settings=settings, accepted_by_gate=outcome.accepted,
        ),
        activate=False,
    )
    log.info("fine-tune candidate %s registered (gate %s)", version_id, "accepted" if outcome.accepted else "refused")
    return outcome


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
        records: Iterable[CaseRecord],
        config: Any | None = None,
        device: str = "auto",
        load_frame: FrameLoader | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._registry = registry
        self._records = list(records)
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
            return (yield from finetune_job(self._registry, self._records, self._config, self._device,
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
