"""The fine-tune service: collect the reviewed cases here, train and register a candidate in the compute process.

``finetune_job`` reads the reviewed cases (file reading only), then streams a ``FineTuneRequest`` to the
compute process (``busviewer.services.finetune_training``): it loads its own fresh copy of the active
weights, runs ``busviewer.ml.finetune.fine_tune`` (the function behind ``busviewer finetune``), saves the
candidate into the registry folder and registers it without activating it. Cancel, an error, or either
process dying leave the active model as it was: the weights file and ``versions.json`` are each written
atomically, and nothing is activated here. The records and the outcome defined here cross the pipe.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from busviewer.core.case import CaseRecord
from busviewer.core.errors import UserFacingError
from busviewer.core.finetune_cases import FrameLoader, collect_cases_with_report
from busviewer.core.gate import GateDecision
from busviewer.io.model_registry import ModelRegistry, ModelVersion
from busviewer.services.compute.requests import FineTuneRequest

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
    #: The gate's verdict with its reason and the held-out counts it rests on (None when cancelled).
    gate: GateDecision | None = None


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

    Runs on a GUI-process worker thread: it reads the cases here, then trains in the compute process.

    Parameters
    ----------
    registry
        Where the active weights come from and the candidate goes.
    records
        Case records with masks; only corrected and approved ones are used.
    config
        A ``busviewer.ml.finetune.FineTuneConfig``; its defaults when None.
    should_stop
        Polled while training; True ends the job with ``cancelled=True``.
    load_frame
        Reads a case's grey frame; by default ``busviewer.io.scan_loader.load_grey_frame``.

    Raises
    ------
    UserFacingError
        Too few usable cases, unreadable weights, or an internal failure (as one sentence).
    """
    from busviewer.io.patients import read_patient_id
    from busviewer.io.scan_loader import load_grey_frame
    from busviewer.services.compute.client import compute_process

    with failures_as_sentences():
        yield JobPhase("collect")
        # DICOM PatientID groups a patient's scans, so the gate holds out whole patients.
        collection = collect_cases_with_report(records, load_frame or load_grey_frame, read_patient_id)
        request = FineTuneRequest(
            registry.base_weights, registry.root, collection.cases, collection.skipped_summary(), config, device
        )
        return (yield from compute_process().stream("fine-tune", request, should_stop=should_stop))


@contextmanager
def failures_as_sentences() -> Iterator[None]:
    """Turn every unexpected failure into a ``FineTuneJobError`` sentence; the traceback goes to the log.

    superqt treats a RuntimeError escaping a generator worker as "worker deleted" and swallows it, and
    torch raises RuntimeError for most failures, so nothing but our own sentences may leave the job.
    """
    try:
        yield
    except UserFacingError:
        raise
    except MemoryError as exc:
        raise FineTuneJobError("Fine-tuning needs more memory than this machine has.") from exc
    except Exception as exc:
        log.error("fine-tune failed", exc_info=True)
        raise FineTuneJobError(
            f"Fine-tuning stopped with an internal error ({type(exc).__name__}); details are in the log file."
        ) from exc
