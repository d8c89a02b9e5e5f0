"""Training as a generator: it yields progress records and returns the best weights; no UI code here.

The same loop serves full training (``busviewer train``), fine-tuning and ``torchrun`` DDP runs.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Generator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist

from busviewer.core.constants import DEFAULT_SEED, MASK_THRESHOLD
from busviewer.ml.dataset import CaseArrays
from busviewer.ml.ensemble import members_of
from busviewer.ml.losses import JointLoss


@dataclass
class TrainConfig:
    """Settings of one training or fine-tuning run."""

    epochs: int = 40
    batch_size: int = 8
    learning_rate: float = 2e-3
    weight_decay: float = 1e-4
    class_weight: float = 0.4
    warmup_epochs: int = 2
    seed: int = DEFAULT_SEED
    #: L2 pull towards the starting weights (L2-SP), so fine-tuning does not forget the base model.
    anchor_weight: float = 0.0
    #: Stop when the validation score has not improved for this many epochs (None: never).
    patience: int | None = None
    #: Freeze BatchNorm statistics (fine-tuning on few cases).
    freeze_batchnorm: bool = False
    #: Validate and keep an exponential moving average of the weights (decay per step; None: off).
    #: The average sits in a flatter minimum than the last step, which tends to generalise better.
    ema_decay: float | None = None
    #: Chance of a left-right mirror per training draw. Scanners follow the transducer-marker
    #: convention, so mirrored scans are rare in practice; see models/README.md for what it changes.
    mirror_probability: float = 0.5
    #: Training draws per epoch, every source equally likely (None: one pass over the cases in random order).
    draws_per_epoch: int | None = None
    #: Share of those draws that pick a normal scan from any source (0: site-balanced draws only).
    normal_share: float = 0.0


@dataclass
class StepRecord:
    """One optimisation step finished."""

    epoch: int
    step: int
    steps_per_epoch: int
    loss: float


@dataclass
class EpochRecord:
    """One epoch finished and validated."""

    epoch: int
    epochs: int
    train_loss: float
    seg_loss: float
    cls_loss: float
    val_dice: float
    val_iou: float
    val_accuracy: float
    learning_rate: float
    seconds: float
    eta_seconds: float
    is_best: bool
    #: The score that picks the best epoch: the mean over sources of (Dice + accuracy) / 2.
    val_score: float = 0.0
    #: JSON: per source, its validation Dice, accuracy and case count.
    per_source: str = "{}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FitResult:
    """What a run produced: the best weights by validation score, and the history."""

    best_state: dict[str, torch.Tensor]
    best_epoch: int
    history: list[EpochRecord] = field(default_factory=list)
    cancelled: bool = False


def validation_score(dice: float, accuracy: float) -> float:
    """The single number that picks the best epoch: lesion Dice and class accuracy weigh equally."""
    return 0.5 * dice + 0.5 * accuracy


def validate_by_source(
    network: torch.nn.Module, data: CaseArrays, device: torch.device, source_names: list[str] | None = None
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Overall scores (with ``score``, the mean over sources) and the scores of each source."""
    names = source_names or [str(i) for i in range(int(data.sources.max()) + 1 if len(data) else 0)]
    per: dict[str, dict[str, float]] = {}
    for source in np.unique(data.sources):
        part = np.flatnonzero(data.sources == source)
        scores = validate(network, data, device, indices=[int(i) for i in part])
        per[names[int(source)]] = {**scores, "n": float(part.size)}
    lesions = sum(v["n_lesion"] for v in per.values())
    overall = {
        "dice": sum(v["dice"] * v["n_lesion"] for v in per.values()) / max(lesions, 1.0),
        "iou": sum(v["iou"] * v["n_lesion"] for v in per.values()) / max(lesions, 1.0),
        "accuracy": sum(v["accuracy"] * v["n"] for v in per.values()) / max(len(data), 1),
    }
    overall["score"] = float(np.mean([validation_score(v["dice"], v["accuracy"]) for v in per.values()])) if per else 0.0
    return overall, per


@torch.inference_mode()
def validate(
    network: torch.nn.Module, data: CaseArrays, device: torch.device, batch_size: int = 16,
    indices: list[int] | None = None,
) -> dict[str, float]:
    """Dice and IoU (mean over non-empty true masks) and accuracy at the network's resolution.

    Under DDP each rank scores its share and the sums are all-reduced.
    """
    network.eval()
    indices = list(range(len(data))) if indices is None else list(indices)
    if dist.is_available() and dist.is_initialized():
        indices = indices[dist.get_rank() :: dist.get_world_size()]
    sums = torch.zeros(5, dtype=torch.float64)
    for start in range(0, len(indices), batch_size):
        images, masks, labels = data.batch(indices[start : start + batch_size], rng=None)
        mask_logits, class_logits = network(images.to(device))
        pred = (torch.sigmoid(mask_logits).cpu() > MASK_THRESHOLD)
        truth = masks > 0.5
        for p, t in zip(pred, truth, strict=True):
            if t.any():
                inter = float((p & t).sum())
                total = float(p.sum() + t.sum())
                union = float((p | t).sum())
                sums[0] += 2 * inter / total
                sums[1] += inter / union
                sums[2] += 1
        sums[3] += float((class_logits.argmax(1).cpu() == labels).sum())
        sums[4] += float((labels >= 0).sum())
    if dist.is_available() and dist.is_initialized():
        dist.all_reduce(sums)
    n_lesion = max(float(sums[2]), 1.0)
    return {
        "dice": float(sums[0]) / n_lesion,
        "iou": float(sums[1]) / n_lesion,
        "accuracy": float(sums[3]) / max(float(sums[4]), 1.0),
        "n_lesion": float(sums[2]),
    }


def _class_weights(labels: np.ndarray, n_classes: int) -> torch.Tensor:
    counts = np.bincount(labels[labels >= 0], minlength=n_classes).astype(np.float64)
    if not counts.any():
        return torch.ones(n_classes, dtype=torch.float32)
    weights = np.where(counts > 0, 1.0 / np.sqrt(np.maximum(counts, 1)), 0.0)
    weights = weights / weights[counts > 0].mean()
    return torch.tensor(weights, dtype=torch.float32)


def _learning_rate(config: TrainConfig, epoch_progress: float) -> float:
    """Linear warm-up, then cosine decay to 2 % of the peak."""
    if epoch_progress < config.warmup_epochs:
        return config.learning_rate * max(epoch_progress / max(config.warmup_epochs, 1e-9), 0.02)
    span = max(config.epochs - config.warmup_epochs, 1e-9)
    t = min((epoch_progress - config.warmup_epochs) / span, 1.0)
    return config.learning_rate * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * t)))


def fit(
    network: torch.nn.Module,
    train_data: CaseArrays,
    val_data: CaseArrays,
    config: TrainConfig,
    device: torch.device,
    resume_path: Path | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    source_names: list[str] | None = None,
) -> Generator[StepRecord | EpochRecord, None, FitResult]:
    """Train ``network`` and yield a record after every step and every epoch.

    Parameters
    ----------
    resume_path
        File for the per-epoch resume state; training continues from it when it exists.
    should_stop
        Polled between steps; returning True ends the run early with ``cancelled=True``.

    Returns
    -------
    FitResult
        The best weights by validation score (on CPU) and the epoch history.
    """
    network.to(device)
    distributed = dist.is_available() and dist.is_initialized()
    rank, world = (dist.get_rank(), dist.get_world_size()) if distributed else (0, 1)
    model = torch.nn.parallel.DistributedDataParallel(network) if distributed else network
    anchor = {k: v.detach().clone() for k, v in network.named_parameters()} if config.anchor_weight else None
    optimizer = torch.optim.AdamW(network.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    n_classes = int(members_of(network)[0].class_head[-1].out_features)  # type: ignore[index,union-attr]
    criterion = JointLoss(config.class_weight, per_class_weights=_class_weights(train_data.labels, n_classes)).to(device)

    ema = _averaged_copy(network, config.ema_decay)
    scored = ema.module if ema is not None else network
    start_epoch, best_score, best_epoch = 0, -1.0, 0
    best_state = {k: v.detach().cpu().clone() for k, v in network.state_dict().items()}
    history: list[EpochRecord] = []
    if resume_path is not None and resume_path.exists():
        state = torch.load(resume_path, map_location="cpu", weights_only=True)
        network.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        if ema is not None and "ema" in state:
            ema.load_state_dict(state["ema"])
        best_state = state["best_state"]
        start_epoch, best_score, best_epoch = int(state["epoch"]), float(state["best_score"]), int(state["best_epoch"])
        history = [EpochRecord(**rec) for rec in state["history"]]

    epoch_draws = config.draws_per_epoch or len(train_data)
    steps_per_epoch = max(math.ceil(epoch_draws / world / config.batch_size), 1)
    stale_epochs = 0
    for epoch in range(start_epoch, config.epochs):
        started = time.perf_counter()
        torch.manual_seed(config.seed + epoch)
        rng = np.random.default_rng([config.seed, epoch, rank])
        order = train_data.epoch_order(np.random.default_rng([config.seed, epoch]), config.draws_per_epoch,
                                       config.normal_share)
        mine = order[rank::world]
        model.train()
        if config.freeze_batchnorm:
            for module in network.modules():
                # _BatchNorm: torch's one base of every batch norm has no public name.
                if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):  # noqa: SLF001
                    module.eval()
        totals = np.zeros(3)
        for step in range(steps_per_epoch):
            if should_stop():
                return FitResult(best_state, best_epoch, history, cancelled=True)
            batch_idx = mine[step * config.batch_size : (step + 1) * config.batch_size]
            if len(batch_idx) == 0:
                batch_idx = mine[: config.batch_size]
            images, masks, labels = train_data.batch(batch_idx, rng, config.mirror_probability)
            lr = _learning_rate(config, epoch + step / steps_per_epoch)
            for group in optimizer.param_groups:
                group["lr"] = lr
            mask_logits, class_logits = model(images.to(device))
            loss, parts = criterion(mask_logits, class_logits, masks.to(device), labels.to(device))
            if anchor is not None:
                drift = sum(((p - anchor[n]) ** 2).sum() for n, p in network.named_parameters())
                loss = loss + config.anchor_weight * drift
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(network.parameters(), 5.0)
            optimizer.step()
            if ema is not None:
                ema.update_parameters(network)
            totals += (float(loss.detach()), parts["seg_loss"], parts["cls_loss"])
            yield StepRecord(epoch + 1, step + 1, steps_per_epoch, float(loss.detach()))

        if len(val_data):
            scores, per_source = validate_by_source(scored, val_data, device, source_names)
        else:
            scores, per_source = {"dice": 0.0, "iou": 0.0, "accuracy": 0.0, "score": 0.0}, {}
        score = scores["score"]
        is_best = score > best_score
        if is_best:
            best_score, best_epoch, stale_epochs = score, epoch + 1, 0
            best_state = {k: v.detach().cpu().clone() for k, v in scored.state_dict().items()}
        else:
            stale_epochs += 1
        seconds = time.perf_counter() - started
        record = EpochRecord(
            epoch=epoch + 1, epochs=config.epochs,
            train_loss=float(totals[0] / steps_per_epoch), seg_loss=float(totals[1] / steps_per_epoch),
            cls_loss=float(totals[2] / steps_per_epoch),
            val_dice=scores["dice"], val_iou=scores["iou"], val_accuracy=scores["accuracy"],
            learning_rate=lr, seconds=seconds, eta_seconds=seconds * (config.epochs - epoch - 1), is_best=is_best,
            val_score=score, per_source=json.dumps(per_source, sort_keys=True),
        )
        history.append(record)
        if resume_path is not None and rank == 0:
            _save_resume(resume_path, network, optimizer, epoch + 1, best_score, best_epoch, best_state, history, ema)
        yield record
        if config.patience is not None and stale_epochs >= config.patience:
            break
    return FitResult(best_state, best_epoch, history)


def _averaged_copy(network: torch.nn.Module, decay: float | None) -> torch.optim.swa_utils.AveragedModel | None:
    """PyTorch's own EMA of parameters and BatchNorm buffers, or None when ``decay`` is None."""
    if decay is None:
        return None
    from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

    return AveragedModel(network, multi_avg_fn=get_ema_multi_avg_fn(decay), use_buffers=True)


def _save_resume(
    path: Path, network: torch.nn.Module, optimizer: torch.optim.Optimizer, epoch: int,
    best_score: float, best_epoch: int, best_state: dict[str, torch.Tensor], history: list[EpochRecord],
    ema: torch.optim.swa_utils.AveragedModel | None = None,
) -> None:
    from busviewer.core.atomic import atomic_open

    state = {
        "model": network.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch,
        "best_score": best_score, "best_epoch": best_epoch, "best_state": best_state,
        "history": [rec.as_dict() for rec in history],
    }
    if ema is not None:
        state["ema"] = ema.state_dict()
    with atomic_open(path, "wb") as handle:
        torch.save(state, handle)
