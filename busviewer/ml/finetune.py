"""Fine-tune the active model on a site's corrected cases, measured before and after on held-out cases.

The run is a generator like training: it yields progress records and returns a FineTuneResult; the
caller decides where the weights go. The gate (``busviewer.core.gate``) accepts the candidate only if validation Dice rose.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from busviewer.core.constants import (
    DEFAULT_SEED,
    MIN_FINETUNE_CASES,
    MIN_HELD_OUT_PATIENTS,
    TWIN_THUMBNAIL_SIDE,
)
from busviewer.core.errors import UserFacingError
from busviewer.core.evaluation import EvaluationAccumulator
from busviewer.core.gate import GateDecision, gate_decision
from busviewer.core.split import fill_twin_groups, grouped_stratified_split
from busviewer.core.training_case import LabelledCase
from busviewer.ml.checkpoint import LoadedModel
from busviewer.ml.dataset import CaseArrays
from busviewer.ml.inference import Predictor
from busviewer.ml.train import EpochRecord, StepRecord, TrainConfig, fit

MIN_CASES = MIN_FINETUNE_CASES


@dataclass
class FineTuneConfig:
    """Defaults sized to finish ~60 cases in under 3 minutes on a 2-core CPU."""

    epochs: int = 8
    batch_size: int = 8
    learning_rate: float = 3e-4
    anchor_weight: float = 0.01
    patience: int = 3
    validation_fraction: float = 0.25
    seed: int = DEFAULT_SEED


@dataclass
class PhaseRecord:
    """A named phase started (``evaluate-before``, ``train``, ``evaluate-after``)."""

    phase: str


@dataclass
class FineTuneResult:
    """Candidate weights with their scores before and after, and the gate's verdict."""

    state: dict[str, torch.Tensor]
    before: dict[str, Any]
    after: dict[str, Any]
    accepted: bool
    seconds: float
    train_ids: list[str] = field(default_factory=list)
    validation_ids: list[str] = field(default_factory=list)
    cancelled: bool = False
    history: list[EpochRecord] = field(default_factory=list)
    #: Why the gate accepted or refused, with the held-out patient and scan counts.
    gate: GateDecision | None = None


def score_cases(predictor: Predictor, cases: Sequence[LabelledCase]) -> dict[str, Any]:
    """Dice, IoU, accuracy and friends at source resolution, as ``busviewer evaluate`` computes them."""
    accumulator = EvaluationAccumulator()
    for case in cases:
        prediction = predictor.predict(case.image)
        accumulator.add(case.case_id, case.label, prediction.probabilities, prediction.mask, case.mask)
    metrics = accumulator.metrics()
    if metrics["dice"] is None:
        metrics["dice"] = metrics["dice_all"]
    return metrics


def patient_groups(cases: Sequence[LabelledCase]) -> list[str]:
    """A group per case: its patient when known, else its near-identical scans (captured twice) share one."""
    import cv2

    groups: list[str | None] = [f"patient:{c.patient}" if c.patient else None for c in cases]
    side = (TWIN_THUMBNAIL_SIDE, TWIN_THUMBNAIL_SIDE)
    thumbs = [cv2.resize(c.image, side, interpolation=cv2.INTER_AREA).ravel() for c, g in zip(cases, groups, strict=True)
              if g is None]
    return fill_twin_groups(groups, np.stack(thumbs) if thumbs else np.empty((0, 0)), [c.case_id for c in cases], "scan:")


def split_cases(cases: Sequence[LabelledCase], config: FineTuneConfig) -> tuple[list[LabelledCase], list[LabelledCase]]:
    """Train/validation split by patient (whole patients on one side), stratified by class, fixed seed.

    At least ``MIN_HELD_OUT_PATIENTS`` patients are held out when there are enough to train on too;
    refuses too few cases in one sentence.
    """
    if len(cases) < MIN_CASES:
        raise UserFacingError(
            f"Fine-tuning needs at least {MIN_CASES} corrected or approved cases; this workspace has {len(cases)}."
        )
    groups = patient_groups(cases)
    n_groups = len(set(groups))
    fraction = config.validation_fraction
    if n_groups > MIN_HELD_OUT_PATIENTS:
        fraction = max(fraction, (MIN_HELD_OUT_PATIENTS + 0.5) / n_groups)
    train_idx, val_idx = grouped_stratified_split([c.label for c in cases], groups, min(fraction, 0.5), config.seed)
    if not val_idx or not train_idx:
        raise UserFacingError(f"The {len(cases)} cases come from too few patients to hold any out for the gate.")
    return [cases[i] for i in train_idx], [cases[i] for i in val_idx]


def fine_tune(
    base: LoadedModel,
    cases: Sequence[LabelledCase],
    config: FineTuneConfig | None = None,
    device: str = "auto",
    should_stop: Callable[[], bool] = lambda: False,
) -> Generator[PhaseRecord | StepRecord | EpochRecord, None, FineTuneResult]:
    """Fine-tune a copy of ``base`` on ``cases``; the base network object is never modified."""
    import copy

    config = config or FineTuneConfig()
    started = time.perf_counter()
    train_cases, val_cases = split_cases(cases, config)
    predictor = Predictor(device=device, loaded=base, flip_tta=False, runtime="torch")
    yield PhaseRecord("evaluate-before")
    before = score_cases(predictor, val_cases)

    candidate = LoadedModel(copy.deepcopy(base.network), model_id="candidate", metadata=dict(base.metadata))
    candidate.input_size = base.input_size
    def arrays(part: list[Any]) -> CaseArrays:
        return CaseArrays([c.image for c in part], [c.mask for c in part], [c.label for c in part], base.input_size,
                          guided=base.in_channels > 1, preprocessing=base.preprocessing,
                          prompts=[c.prompts for c in part])  # the reader's prompts, replayed as guidance

    train_data, val_data = arrays(train_cases), arrays(val_cases)
    train_config = TrainConfig(
        epochs=config.epochs, batch_size=config.batch_size, learning_rate=config.learning_rate,
        warmup_epochs=0, seed=config.seed, anchor_weight=config.anchor_weight, patience=config.patience,
        freeze_batchnorm=True,
    )
    yield PhaseRecord("train")
    result = yield from fit(candidate.network, train_data, val_data, train_config, predictor.device, should_stop=should_stop)
    ids = ([c.case_id for c in train_cases], [c.case_id for c in val_cases])
    if result.cancelled:
        return FineTuneResult(result.best_state, before, {}, False, time.perf_counter() - started, *ids, cancelled=True)
    candidate.network.load_state_dict(result.best_state)
    yield PhaseRecord("evaluate-after")
    after = score_cases(Predictor(device=device, loaded=candidate, flip_tta=False, runtime="torch"), val_cases)
    held_out_patients = len(set(patient_groups(val_cases)))
    decision = gate_decision(before, after, held_out_patients)
    accepted = decision.accepted
    return FineTuneResult(
        state={k: v.detach().cpu() for k, v in candidate.network.state_dict().items()},
        before=before, after=after, accepted=accepted, seconds=time.perf_counter() - started,
        train_ids=ids[0], validation_ids=ids[1], history=result.history, gate=decision,
    )


def summarise(metrics: dict[str, Any]) -> dict[str, Any]:
    """The few numbers a person compares: Dice, IoU, accuracy, normal false positives, images."""
    keys = ("dice", "iou", "dice_all", "accuracy", "normal_fp_rate", "n_images")
    return {k: metrics.get(k) for k in keys}
