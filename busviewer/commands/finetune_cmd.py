"""``busviewer finetune DATA_DIR --out WEIGHTS``: the fine-tune behind the GUI's button, from the shell."""

from __future__ import annotations

import argparse
import json
import re
import sys

from busviewer.core.errors import UserFacingError
from busviewer.core.generators import GeneratorRun


def _patient_pattern(text: str | None) -> re.Pattern[str] | None:
    if not text:
        return None
    try:
        return re.compile(text)
    except re.error as exc:
        raise UserFacingError(f"--patient-pattern {text!r} is not a regular expression ({exc}).") from exc


def run(args: argparse.Namespace) -> int:
    from busviewer.core.training_case import LabelledCase
    from busviewer.io.busi import list_busi_cases, load_busi_case
    from busviewer.ml.checkpoint import load_weights, save_weights
    from busviewer.ml.device import use_all_cores
    from busviewer.ml.familiarity import carry_reference
    from busviewer.ml.finetune import FineTuneConfig, PhaseRecord, fine_tune, summarise
    from busviewer.ml.train import EpochRecord

    use_all_cores()
    if not args.out.parent.is_dir():
        raise UserFacingError(f"The folder for {args.out} does not exist.")
    from busviewer.services.weights import choose_weights

    choice = choose_weights(args.base)
    base = load_weights(choice.path)
    pattern = _patient_pattern(args.patient_pattern)
    cases = []
    for c in list_busi_cases(args.data_dir):
        match = pattern.search(c.image_path.name) if pattern else None
        patient = match.group(1) if match and match.groups() else None
        cases.append(LabelledCase(*load_busi_case(c), c.label, c.case_id, patient))
    config = FineTuneConfig(epochs=args.epochs)
    tuning = GeneratorRun(fine_tune(base, cases, config, device=args.device))
    for record in tuning:
        if isinstance(record, PhaseRecord):
            print(f"{record.phase} ...", file=sys.stderr, flush=True)
        elif isinstance(record, EpochRecord):
            print(f"epoch {record.epoch}/{record.epochs} loss {record.train_loss:.3f} val dice {record.val_dice:.3f}",
                  file=sys.stderr, flush=True)
    result = tuning.returned
    metadata = {
        "parent_model_id": base.model_id,
        "finetune_cases": result.train_ids,
        "finetune_validation_cases": result.validation_ids,
        "metrics_before": summarise(result.before),
        "metrics_after": summarise(result.after),
        "accepted_by_gate": result.accepted,
        "gate_reason": result.gate.reason if result.gate else "",
    }
    base.network.load_state_dict(result.state)
    model_id = save_weights(base.network.cpu(), args.out, metadata, base.input_size)
    carried = carry_reference(choice.path, base.model_id, args.out, model_id)  # so the new model is checked too
    summary = {
        "before": summarise(result.before),
        "after": summarise(result.after),
        "accepted": result.accepted,
        "seconds": round(result.seconds, 2),
        "model_id": model_id,
        "familiarity_reference": "carried from the parent" if carried is not None else None,
        "parent_model_id": metadata["parent_model_id"],
        "parent_weights_source": choice.source,
        "parent_model_version": choice.version_id,
        "train_cases": len(result.train_ids),
        "validation_cases": len(result.validation_ids),
        "validation_case_ids": result.validation_ids,
        "gate_reason": metadata["gate_reason"],
        "held_out_patients": result.gate.held_out_patients if result.gate else None,
        "held_out_lesion_scans": result.gate.held_out_lesion_scans if result.gate else None,
    }
    if args.json:
        print(json.dumps(summary))
    else:
        verdict = "accepted" if result.accepted else "refused"
        print(f"Dice {summary['before']['dice']:.3f} -> {summary['after']['dice']:.3f}; gate {verdict}: "
              f"{summary['gate_reason']}; wrote {args.out} ({model_id}) in {result.seconds:.0f} s")
    return 0
