"""``busviewer reference DATA_DIR... [--weights W]``: fit the familiarity reference of a weights file.

It runs the network over the training split (the scans the weights learned from; the validation split
stays out, so it can measure the false-alarm rate) and writes ``NAME.reference.safetensors`` beside the
weights. Predictions then say when a scan looks unlike all of them.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from busviewer.core.errors import UserFacingError


def run(args: argparse.Namespace) -> int:
    from busviewer.commands.evaluate_cmd import select_cases, split_settings
    from busviewer.io.busi import load_busi_case
    from busviewer.ml.familiarity import fit_reference, reference_path, save_reference
    from busviewer.ml.inference import Predictor
    from busviewer.services.weights import choose_weights

    choice = choose_weights(args.weights)
    weights = choice.path
    predictor = Predictor(weights, device=args.device, flip_tta=False)
    seed, pattern = split_settings(weights, args.split_seed, args.patient_pattern)
    cases = [c for folder in args.data_dirs for c in select_cases(folder, args.split, seed, pattern)]
    if len(cases) < 2:
        raise UserFacingError("The folders hold too few scans for a reference (at least two are needed).")
    features = []
    for number, case in enumerate(cases, start=1):
        image, _ = load_busi_case(case.case)
        features.append(predictor.forward(image)[3])
        print(f"\r{number}/{len(cases)} scans", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    reference = fit_reference(np.stack(features), predictor.model_id)
    path = reference_path(weights)
    save_reference(reference, path)
    summary = {"reference": str(path), "model_id": reference.model_id, "weights_source": choice.source,
               "model_version": choice.version_id, "n_scans": reference.n_scans,
               "threshold": round(reference.threshold, 3), "features": int(reference.mean.size)}
    print(json.dumps(summary) if args.json else
          f"wrote {path}: {reference.n_scans} scans, threshold {reference.threshold:.2f} for {reference.model_id}")
    return 0
