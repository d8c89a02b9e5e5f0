"""``busviewer calibrate DATA_DIR... --weights W --out W2``: fit the class head's temperature on the
validation parts of the training folders and write a copy of the weights that carries it."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from busviewer.core.errors import UserFacingError


def run(args: argparse.Namespace) -> int:
    from busviewer.commands.evaluate_cmd import select_cases, split_settings
    from busviewer.core.metrics import expected_calibration_error
    from busviewer.io.busi import load_busi_case
    from busviewer.ml.calibration import apply_temperature, fit_temperature
    from busviewer.ml.checkpoint import default_weights_path, load_weights, save_weights
    from busviewer.ml.device import use_all_cores
    from busviewer.ml.inference import Predictor

    use_all_cores()
    weights = args.weights or default_weights_path()
    loaded = load_weights(weights)
    loaded.metadata.pop("temperature", None)  # fit on the raw head, whatever an earlier fit said
    predictor = Predictor(device=args.device, loaded=loaded, flip_tta=False)
    seed, pattern = split_settings(weights, None, None)
    cases = [c for folder in args.data_dirs for c in select_cases(folder, args.split, seed, pattern)]
    if len(cases) < 10:
        raise UserFacingError("Fitting a temperature needs at least 10 validation scans.")
    probabilities, labels, sources = [], [], []
    for number, case in enumerate(cases, start=1):
        image, _ = load_busi_case(case.case)
        probabilities.append(predictor.forward(image)[1])
        labels.append(case.label)
        sources.append(case.source)
        print(f"\r{number}/{len(cases)} scans", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    probs, truth = np.stack(probabilities), np.array(labels)
    temperature = fit_temperature(probs, truth)
    calibrated = apply_temperature(probs, temperature)
    per_source = {}
    for name in sorted(set(sources)):
        part = np.array([s == name for s in sources])
        per_source[name] = {
            "n": int(part.sum()),
            "ece_before": expected_calibration_error(probs[part], truth[part].tolist(), n_bins=15),
            "ece_after": expected_calibration_error(calibrated[part], truth[part].tolist(), n_bins=15),
        }
    metadata = {**loaded.metadata, "temperature": f"{temperature:.6f}",
                "temperature_fitted_on": json.dumps({"split": args.split, "sources": sorted(set(sources)),
                                                     "n_scans": len(cases)})}
    model_id = save_weights(loaded.network.cpu(), Path(args.out), metadata, loaded.input_size)
    summary = {"weights": str(args.out), "model_id": model_id, "temperature": temperature,
               "ece_before": expected_calibration_error(probs, labels, n_bins=15),
               "ece_after": expected_calibration_error(calibrated, labels, n_bins=15), "by_source": per_source}
    print(json.dumps(summary) if args.json else
          f"wrote {args.out} ({model_id}): temperature {temperature:.3f}, ECE {summary['ece_before']:.3f} -> "
          f"{summary['ece_after']:.3f} on {len(cases)} {args.split} scans")
    return 0
