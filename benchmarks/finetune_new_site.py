"""Does fine-tuning adapt to a new site, measured on patients it did not see?

BUS-BRA's validation patients (never trained on) get another scanner's look (lower resolution, a different
gain curve, coarser speckle, depth attenuation; ``--plain`` keeps theirs). Fine-tune with the default
settings on the scans of a few patients, as a reader's first corrected cases would be, and measure lesion
Dice before and after on every other patient. Prints one JSON object with time and peak memory.
Run: ``.venv/bin/python benchmarks/finetune_new_site.py [--weights W] [--patients 4]``
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BUSBRA = ROOT.parent / "shared" / "data" / "busbra"
PATIENT_PATTERN = r"^(bus_\d+)-"


def new_site_look(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Re-render a scan as another scanner might: resolution, gain curve, speckle size, attenuation."""
    rows, cols = image.shape
    small = cv2.resize(image, (max(cols * 11 // 20, 8), max(rows * 11 // 20, 8)), interpolation=cv2.INTER_AREA)
    img = cv2.resize(small, (cols, rows), interpolation=cv2.INTER_LINEAR).astype(np.float32) / 255.0
    img = img ** 1.5                                     # darker mid-tones: another gain curve
    depth = np.linspace(1.1, 0.6, rows, dtype=np.float32)[:, None]
    img = img * depth                                    # stronger attenuation with depth
    grain = cv2.GaussianBlur(rng.normal(0, 1, (rows, cols)).astype(np.float32), (0, 0), 2.0)
    img = img * (1 + 0.35 * grain / (grain.std() + 1e-6))  # coarser speckle
    return np.clip(img * 255, 0, 255).astype(np.uint8)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--weights", type=Path, default=None)
    parser.add_argument("--patients", type=int, default=4, help="new-site patients to fine-tune on")
    parser.add_argument("--plain", action="store_true", help="keep the scans' own look (no simulated scanner)")
    args = parser.parse_args()
    if not BUSBRA.is_dir():
        print(json.dumps({"skipped": f"no data at {BUSBRA}"}))
        return 0

    from busviewer.core.generators import drain
    from busviewer.core.training_case import LabelledCase
    from busviewer.io.busi import load_busi_case
    from busviewer.io.training_sources import select_cases
    from busviewer.ml.checkpoint import default_weights_path, load_weights
    from busviewer.ml.device import use_all_cores
    from busviewer.ml.finetune import FineTuneConfig, fine_tune, score_cases, summarise
    from busviewer.ml.inference import Predictor

    use_all_cores()
    # BUS-BRA's validation patients were never trained on; by patient, as the project splits it.
    held = select_cases([BUSBRA], "validation", 42, PATIENT_PATTERN)
    rng = np.random.default_rng(7)
    by_patient: dict[str, list[LabelledCase]] = {}
    for case in held:
        image, mask = load_busi_case(case.case)
        image = image if args.plain else new_site_look(image, rng)
        patient = case.group.removeprefix("patient:")
        by_patient.setdefault(patient, []).append(LabelledCase(image, mask, case.label, case.case_id, patient))
    patients = sorted(by_patient)
    chosen = set(np.random.default_rng(11).choice(patients, size=args.patients, replace=False).tolist())
    tune = [c for p in patients if p in chosen for c in by_patient[p]]
    test = [c for p in patients if p not in chosen for c in by_patient[p]]

    weights = args.weights or default_weights_path()
    base = load_weights(weights)
    before = score_cases(Predictor(loaded=load_weights(weights), device="cpu"), test)
    started = time.perf_counter()
    result = drain(fine_tune(base, tune, FineTuneConfig(), device="cpu"))
    seconds = time.perf_counter() - started
    base.network.load_state_dict(result.state)
    after = score_cases(Predictor(loaded=base, device="cpu"), test)
    print(json.dumps({
        "tune_patients": len(chosen), "tune_cases": len(tune),
        "test_patients": len(patients) - len(chosen), "test_cases": len(test),
        "simulated_scanner": not args.plain,
        "new_site_before": summarise(before), "new_site_after": summarise(after),
        "dice_change": round(after["dice"] - before["dice"], 4),
        "gate_accepted": result.accepted, "gate_reason": result.gate.reason if result.gate else "",
        "finetune_seconds": round(seconds, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "model_id": base.model_id,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
