"""``busviewer train DATA_DIR --out WEIGHTS``: full training with a progress line, CSV log and PNG curves."""

from __future__ import annotations

import argparse
import csv
import io
import os
import shlex
import sys
from pathlib import Path
from typing import Any

from busviewer.core.atomic import atomic_write_text
from busviewer.core.constants import DEFAULT_CHANNELS, DEFAULT_SEED
from busviewer.core.errors import UserFacingError
from busviewer.core.generators import GeneratorRun


def run(args: argparse.Namespace) -> int:
    from busviewer.io.plots import plot_training_history
    from busviewer.ml.device import use_all_cores
    from busviewer.ml.train import EpochRecord, StepRecord, TrainConfig
    from busviewer.ml.training_run import train_on_plan

    use_all_cores()
    if not args.out.parent.is_dir():
        raise UserFacingError(f"The folder for {args.out} does not exist.")
    channels = tuple(int(c) for c in args.channels.split(",")) if args.channels else DEFAULT_CHANNELS
    config = TrainConfig(
        epochs=args.epochs, batch_size=args.batch_size, learning_rate=args.lr,
        seed=DEFAULT_SEED if args.seed is None else args.seed, warmup_epochs=args.warmup_epochs,
        ema_decay=args.ema, mirror_probability=args.mirror_prob, draws_per_epoch=args.draws_per_epoch,
        normal_share=args.normal_share,
    )
    for flag, value in (("--mirror-prob", args.mirror_prob), ("--normal-share", args.normal_share)):
        if not 0.0 <= value <= 1.0:
            raise UserFacingError(f"{flag} is a probability between 0 and 1, not {value}.")
    command = "busviewer " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    plan = load_plan(args.data_dirs, args.split_seed, args.patient_pattern)
    metadata = {"split_seed": args.split_seed, "patient_pattern": args.patient_pattern or "",
                "split": "per source, by patient or near-duplicate group; external_validation cases excluded"}
    runner = train_on_plan(
        plan, args.out, config, args.device, channels, command=command, init_weights=args.init,
        input_size=args.input_size, norm=args.norm, guided=args.guidance, extra_metadata=metadata,
    )
    csv_path = args.out.with_name(args.out.stem + ".history.csv")
    png_path = args.out.with_name(args.out.stem + ".history.png")
    history: list[dict[str, float]] = []
    # Under torchrun every rank runs this; only rank 0 reports and writes files.
    is_main = int(os.environ.get("RANK", "0")) == 0
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if is_main and world > 1:
        print(f"distributed training: world size {world}", file=sys.stderr, flush=True)
    training = GeneratorRun(runner)
    for record in training:
        if not is_main:
            continue
        if isinstance(record, StepRecord) and sys.stderr.isatty():
            done = record.step / record.steps_per_epoch
            bar = "#" * int(done * 30)
            print(f"\repoch {record.epoch} [{bar:<30}] loss {record.loss:.3f}", end="", file=sys.stderr, flush=True)
        elif isinstance(record, EpochRecord):
            if not history:
                history = _earlier_epochs(csv_path, record.epoch)
            history.append(record.as_dict())
            print(
                f"\repoch {record.epoch}/{record.epochs} loss {record.train_loss:.3f} "
                f"val dice {record.val_dice:.3f} iou {record.val_iou:.3f} acc {record.val_accuracy:.3f} "
                f"({record.seconds:.0f}s, eta {record.eta_seconds / 60:.0f} min){' *' if record.is_best else ''}",
                file=sys.stderr, flush=True,
            )
            _write_history_csv(csv_path, history)
            plot_training_history(history, png_path)
    outcome = training.returned
    if is_main and outcome.model_id:
        print(f"wrote {outcome.weights_path} ({outcome.model_id}), best epoch {outcome.best_epoch}")
    return 0


def load_plan(folders: list[Path], split_seed: int, patient_pattern: str | None) -> Any:
    """Load every folder's training and validation part (the split ``evaluate --split`` reproduces)."""
    from busviewer.core.training_case import LabelledCase
    from busviewer.io.busi import load_busi_case
    from busviewer.io.training_sources import list_source_cases, split_source
    from busviewer.ml.training_run import TrainingPlan

    plan = TrainingPlan([], [], [], [], [])
    for index, folder in enumerate(folders):
        cases = list_source_cases(folder, patient_pattern)
        plan.source_names.append(cases[0].source)
        for part, target, sources in (("train", plan.train, plan.train_sources),
                                      ("validation", plan.validation, plan.validation_sources)):
            for case in split_source(cases, part, split_seed):
                target.append(LabelledCase(*load_busi_case(case.case), case.case.label, case.case_id))
                sources.append(index)
        print(f"{cases[0].source}: {plan.train_sources.count(index)} training and "
              f"{plan.validation_sources.count(index)} validation cases", file=sys.stderr, flush=True)
    return plan


def _write_history_csv(path: Path, rows: list[dict[str, float]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_text(path, buffer.getvalue())


def _earlier_epochs(path: Path, first_new_epoch: int) -> list[dict[str, Any]]:
    """Rows of a resumed run's CSV from before ``first_new_epoch``, so the log and plot keep the whole run."""
    if first_new_epoch <= 1 or not path.is_file():
        return []
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    kept: list[dict[str, Any]] = []
    for row in rows:
        if int(row["epoch"]) < first_new_epoch:
            kept.append({k: _parse_cell(k, v) for k, v in row.items()})
    return kept


def _parse_cell(key: str, text: str) -> float | int | bool:
    if key == "is_best":
        return text == "True"
    if key == "per_source":
        return text  # type: ignore[return-value]
    return int(text) if key in ("epoch", "epochs") else float(text)
