"""``busviewer finetune DATA_DIR --out WEIGHTS``: the fine-tune behind the GUI's button, from the shell."""

from __future__ import annotations

import argparse
import json
import sys

from busviewer.core.errors import UserFacingError


def run(args: argparse.Namespace) -> int:
    from busviewer.core.training_case import LabelledCase
    from busviewer.io.busi import list_busi_cases, load_busi_case
    from busviewer.ml.checkpoint import load_weights, save_weights
    from busviewer.ml.device import use_all_cores
    from busviewer.ml.finetune import FineTuneConfig, PhaseRecord, fine_tune, summarise
    from busviewer.ml.train import EpochRecord

    use_all_cores()
    if not args.out.parent.is_dir():
        raise UserFacingError(f"The folder for {args.out} does not exist.")
    from busviewer.services.weights import choose_weights

    choice = choose_weights(args.base)
    base = load_weights(choice.path)
    cases = [LabelledCase(*load_busi_case(c), c.label, c.case_id) for c in list_busi_cases(args.data_dir)]
    config = FineTuneConfig(epochs=args.epochs)
    runner = fine_tune(base, cases, config, device=args.device)
    while True:
        try:
            record = next(runner)
        except StopIteration as stop:
            result = stop.value
            break
        if isinstance(record, PhaseRecord):
            print(f"{record.phase} ...", file=sys.stderr, flush=True)
        elif isinstance(record, EpochRecord):
            print(f"epoch {record.epoch}/{record.epochs} loss {record.train_loss:.3f} val dice {record.val_dice:.3f}",
                  file=sys.stderr, flush=True)
    metadata = {
        "parent_model_id": base.model_id,
        "finetune_cases": result.train_ids,
        "finetune_validation_cases": result.validation_ids,
        "metrics_before": summarise(result.before),
        "metrics_after": summarise(result.after),
        "accepted_by_gate": result.accepted,
    }
    base.network.load_state_dict(result.state)
    model_id = save_weights(base.network.cpu(), args.out, metadata, base.input_size)
    summary = {
        "before": summarise(result.before),
        "after": summarise(result.after),
        "accepted": result.accepted,
        "seconds": round(result.seconds, 2),
        "model_id": model_id,
        "parent_model_id": metadata["parent_model_id"],
        "parent_weights_source": choice.source,
        "parent_model_version": choice.version_id,
        "train_cases": len(result.train_ids),
        "validation_cases": len(result.validation_ids),
    }
    if args.json:
        print(json.dumps(summary))
    else:
        verdict = "accepted" if result.accepted else "refused (validation Dice did not rise)"
        print(f"Dice {summary['before']['dice']:.3f} -> {summary['after']['dice']:.3f}; gate {verdict}; "
              f"wrote {args.out} ({model_id}) in {result.seconds:.0f} s")
    return 0
