"""The fine-tune as it runs in the compute process: train a candidate from the active version, save, register.

Only the child imports this module (through the task table), so ``busviewer.ml`` and torch load there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator
from dataclasses import asdict, is_dataclass
from typing import Any

from busviewer.core.case import current_user, utc_now_iso
from busviewer.core.gate import GateDecision
from busviewer.core.generators import GeneratorRun
from busviewer.core.training_case import LabelledCase
from busviewer.io.model_registry import ModelRegistry, ModelVersion
from busviewer.services.compute.requests import FineTuneRequest
from busviewer.services.finetune import FineTuneOutcome, JobEpoch, JobPhase, JobStep, failures_as_sentences

log = logging.getLogger(__name__)


def _never() -> bool:
    return False


def _gate_fields(gate: GateDecision | None) -> dict[str, Any]:
    """The gate's reason and held-out counts as the registry and the weights' metadata store them."""
    if gate is None:
        return {}
    return {"gate_reason": gate.reason, "held_out_patients": gate.held_out_patients,
            "held_out_lesion_scans": gate.held_out_lesion_scans, "held_out_normal_scans": gate.held_out_normal_scans}


def train_candidate(
    request: FineTuneRequest, should_stop: Callable[[], bool] = _never
) -> Generator[JobPhase | JobStep | JobEpoch, None, FineTuneOutcome]:
    """Train a candidate from the active version on the request's cases and register it (compute process only).

    Every unexpected failure becomes one sentence (``FineTuneJobError``); the traceback goes to the log.
    """
    registry = ModelRegistry(request.base_weights, request.registry_root)
    with failures_as_sentences():
        return (yield from _train_and_register(
            registry, request.cases, request.skipped_summary, request.config, request.device, should_stop
        ))


def _train_and_register(
    registry: ModelRegistry,
    cases: list[LabelledCase],
    skipped_summary: str,
    config: Any | None,
    device: str,
    should_stop: Callable[[], bool],
) -> Generator[JobPhase | JobStep | JobEpoch, None, FineTuneOutcome]:
    from busviewer.ml.checkpoint import load_weights, save_weights
    from busviewer.ml.familiarity import carry_reference
    from busviewer.ml.finetune import FineTuneConfig, PhaseRecord, fine_tune, summarise
    from busviewer.ml.train import EpochRecord, StepRecord

    config = config or FineTuneConfig()
    parent = registry.active()
    # The job's own network copy: the inference and Grad-CAM networks are never touched.
    base = load_weights(registry.weights_path(parent))
    run = GeneratorRun(fine_tune(base, cases, config, device=device, should_stop=should_stop))
    for record in run:
        if isinstance(record, PhaseRecord):
            yield JobPhase(record.phase)
        elif isinstance(record, StepRecord):
            yield JobStep(record.epoch, config.epochs, record.step, record.steps_per_epoch, record.loss)
        elif isinstance(record, EpochRecord):
            yield JobEpoch(record.epoch, record.epochs, record.train_loss, record.val_dice, record.val_accuracy)
    result = run.returned

    outcome = FineTuneOutcome(
        cancelled=True, parent_version=parent.version_id, before=summarise(result.before),
        seconds=result.seconds, n_train=len(result.train_ids), n_validation=len(result.validation_ids),
        skipped_summary=skipped_summary,
    )
    if result.cancelled or should_stop():
        log.info("fine-tune cancelled after %.0f s; nothing was saved", result.seconds)
        return outcome

    yield JobPhase("save")
    # A config instance (is_dataclass alone also accepts the class itself).
    settings = asdict(config) if is_dataclass(config) and not isinstance(config, type) else dict(vars(config))
    settings["device"] = device
    outcome.after = summarise(result.after)
    outcome.accepted = bool(result.accepted)
    outcome.cancelled = False
    outcome.gate = result.gate
    gate_fields = _gate_fields(result.gate)
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
        **gate_fields,
        "settings": settings,
    }
    base.network.load_state_dict(result.state)
    outcome.model_id = save_weights(base.network.cpu(), weights_path, metadata, base.input_size)
    outcome.weights_path = weights_path
    # Beside the weights before they are registered: a version is never visible without its check.
    carry_reference(registry.weights_path(parent), base.model_id, weights_path, outcome.model_id)
    outcome.version = registry.register(
        ModelVersion(
            version_id=version_id, weights_file=weights_path.name, parent=parent.version_id,
            created_at=utc_now_iso(), created_by=current_user(), case_ids=list(result.train_ids),
            validation_ids=list(result.validation_ids), metrics_before=outcome.before,
            metrics_after=outcome.after, settings=settings, accepted_by_gate=outcome.accepted, **gate_fields,
        ),
        activate=False,
    )
    log.info("fine-tune candidate %s registered (gate %s)", version_id, "accepted" if outcome.accepted else "refused")
    return outcome
