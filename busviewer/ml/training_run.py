"""``busviewer train``: load a BUSI-layout folder, split it, train, and write safetensors weights."""

from __future__ import annotations

import json
import os
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist

from busviewer.core.constants import DEFAULT_CHANNELS, DEFAULT_SEED, INPUT_SIZE, VALIDATION_FRACTION
from busviewer.core.errors import UserFacingError
from busviewer.core.split import stratified_split
from busviewer.core.training_case import LabelledCase
from busviewer.ml.checkpoint import load_weights, save_weights
from busviewer.ml.dataset import CaseArrays
from busviewer.ml.device import pick_device
from busviewer.ml.network import AttentionUNetClassifier, build_network
from busviewer.ml.network_input import LETTERBOX
from busviewer.ml.train import EpochRecord, FitResult, StepRecord, TrainConfig, fit


@dataclass
class TrainingOutcome:
    """Where the weights went and how the best epoch scored on validation."""

    weights_path: Path
    model_id: str | None
    best_epoch: int
    history: list[EpochRecord]
    validation_ids: list[str]


def init_distributed_if_launched() -> bool:
    """Join a ``torchrun`` process group when launched by one (gloo on CPU, nccl on GPU)."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1 or dist.is_initialized():
        return dist.is_initialized()
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    dist.init_process_group(backend=backend)
    if backend == "nccl":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    return True


def _single_network_state(path: Path, channels: tuple[int, ...]) -> dict[str, torch.Tensor]:
    """Weights of the one network in ``path``, refused in a sentence when they cannot start this run."""
    loaded = load_weights(path)
    if not isinstance(loaded.network, AttentionUNetClassifier):
        raise UserFacingError(f"{path.name} is an ensemble; a warm restart starts from one network's weights.")
    if loaded.network.channels != tuple(channels):
        raise UserFacingError(f"{path.name} has channels {list(loaded.network.channels)}, not {list(channels)}.")
    return loaded.network.state_dict()


def train_from_cases(
    cases: list[LabelledCase],
    out: Path,
    config: TrainConfig,
    device_preference: str = "auto",
    channels: tuple[int, ...] = DEFAULT_CHANNELS,
    validation_fraction: float = VALIDATION_FRACTION,
    command: str = "",
    init_weights: Path | None = None,
    input_size: int = INPUT_SIZE,
    split_seed: int = DEFAULT_SEED,
    norm: str = "batch",
    guided: bool = False,
) -> Generator[StepRecord | EpochRecord, None, TrainingOutcome]:
    """Train with a stratified split of ``cases`` (one source); yield progress; write the best weights to ``out``.

    ``split_seed`` fixes the validation split on its own, so runs with other training seeds (members
    of an ensemble, say) are still measured on the same held-out cases.
    """
    train_idx, val_idx = stratified_split([c.label for c in cases], validation_fraction, split_seed)
    plan = TrainingPlan(
        train=[cases[i] for i in train_idx], validation=[cases[i] for i in val_idx],
        train_sources=[0] * len(train_idx), validation_sources=[0] * len(val_idx), source_names=["data"],
    )
    metadata = {"split_seed": split_seed}
    return (yield from train_on_plan(plan, out, config, device_preference, channels, command, init_weights,
                                     input_size, norm, guided, metadata))


@dataclass
class TrainingPlan:
    """Training and validation cases already split (per source, by patient), with a source index each."""

    train: list[LabelledCase]
    validation: list[LabelledCase]
    train_sources: list[int]
    validation_sources: list[int]
    source_names: list[str]


def train_on_plan(
    plan: TrainingPlan,
    out: Path,
    config: TrainConfig,
    device_preference: str = "auto",
    channels: tuple[int, ...] = DEFAULT_CHANNELS,
    command: str = "",
    init_weights: Path | None = None,
    input_size: int = INPUT_SIZE,
    norm: str = "batch",
    guided: bool = False,
    extra_metadata: dict[str, Any] | None = None,
) -> Generator[StepRecord | EpochRecord, None, TrainingOutcome]:
    """Train on ``plan``; yield progress; write the best weights (by the source-balanced score) to ``out``."""
    distributed = init_distributed_if_launched()
    device = pick_device(device_preference)
    if distributed and device.type == "cuda":
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))

    def arrays(cases: list[LabelledCase], sources: list[int]) -> CaseArrays:
        return CaseArrays([c.image for c in cases], [c.mask for c in cases], [c.label for c in cases], input_size,
                          sources=sources, guided=guided)

    train_data = arrays(plan.train, plan.train_sources)
    val_data = arrays(plan.validation, plan.validation_sources)
    torch.manual_seed(config.seed)
    network = build_network(channels=channels, in_channels=train_data.in_channels, norm=norm)
    if init_weights is not None:
        # A warm restart: continue from earlier weights with a fresh schedule.
        network.load_state_dict(_single_network_state(init_weights, channels))
    resume = out.with_name(out.name + ".resume.pt")
    result: FitResult = yield from fit(network, train_data, val_data, config, device, resume_path=resume,
                                       source_names=plan.source_names)
    model_id = None
    if not distributed or dist.get_rank() == 0:
        network.load_state_dict(result.best_state)
        best = next((r for r in result.history if r.epoch == result.best_epoch), None)
        metadata = {
            "training_command": command,
            "best_epoch": result.best_epoch,
            "validation_at_network_size": json.dumps(best.as_dict() if best else {}),
            "train_cases": len(plan.train),
            "validation_cases": len(plan.validation),
            "sources": json.dumps(plan.source_names),
            "train_cases_per_source": json.dumps(_per_source(plan.train_sources, plan.source_names)),
            "validation_cases_per_source": json.dumps(_per_source(plan.validation_sources, plan.source_names)),
            "seed": config.seed,
            "draws_per_epoch": config.draws_per_epoch or len(plan.train),
            "initialised_from": load_weights(init_weights).model_id if init_weights is not None else "random",
            "preprocessing": LETTERBOX,
            **(extra_metadata or {}),
        }
        model_id = save_weights(network.cpu(), out, metadata, input_size)
    if distributed:
        dist.barrier()
    return TrainingOutcome(out, model_id, result.best_epoch, result.history, [c.case_id for c in plan.validation])


def _per_source(sources: list[int], names: list[str]) -> dict[str, int]:
    return {name: sum(1 for s in sources if s == i) for i, name in enumerate(names)}
