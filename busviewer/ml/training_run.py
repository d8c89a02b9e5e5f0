"""``busviewer train``: load a BUSI-layout folder, split it, train, and write safetensors weights."""

from __future__ import annotations

import json
import os
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

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
) -> Generator[StepRecord | EpochRecord, None, TrainingOutcome]:
    """Train with a stratified split of ``cases``; yield progress; write the best weights to ``out``.

    ``split_seed`` fixes the validation split on its own, so runs with other training seeds (members
    of an ensemble, say) are still measured on the same held-out cases.
    """
    distributed = init_distributed_if_launched()
    device = pick_device(device_preference)
    if distributed and device.type == "cuda":
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
    train_idx, val_idx = stratified_split([c.label for c in cases], validation_fraction, split_seed)
    def arrays(indices: list[int]) -> CaseArrays:
        return CaseArrays([cases[i].image for i in indices], [cases[i].mask for i in indices], [cases[i].label for i in indices], input_size)

    train_data, val_data = arrays(train_idx), arrays(val_idx)
    torch.manual_seed(config.seed)
    network = build_network(channels=channels)
    if init_weights is not None:
        # A warm restart: continue from earlier weights with a fresh schedule.
        network.load_state_dict(_single_network_state(init_weights, channels))
    resume = out.with_name(out.name + ".resume.pt")
    result: FitResult = yield from fit(network, train_data, val_data, config, device, resume_path=resume)
    model_id = None
    if not distributed or dist.get_rank() == 0:
        network.load_state_dict(result.best_state)
        best = next((r for r in result.history if r.epoch == result.best_epoch), None)
        metadata = {
            "training_command": command,
            "best_epoch": result.best_epoch,
            "validation_at_network_size": json.dumps(best.as_dict() if best else {}),
            "train_cases": len(train_idx),
            "validation_cases": len(val_idx),
            "seed": config.seed,
            "split_seed": split_seed,
            "initialised_from": load_weights(init_weights).model_id if init_weights is not None else "random",
        }
        model_id = save_weights(network.cpu(), out, metadata, input_size)
    if distributed:
        dist.barrier()
    return TrainingOutcome(out, model_id, result.best_epoch, result.history, [cases[i].case_id for i in val_idx])
