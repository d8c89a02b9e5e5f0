"""Does fine-tuning adapt to a new site? A simulated other scanner, built from our own validation split.

The validation cases (never trained on) get another scanner's look: lower resolution, a different
gain curve, coarser speckle and depth attenuation. Fine-tune on part of them with the default settings,
measure Dice before and after on the rest. Prints one JSON object with time and peak memory.
Run: ``.venv/bin/python benchmarks/finetune_new_site.py [--weights W] [--cases 60]``
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
BUSI = ROOT.parent / "shared" / "data" / "busi"


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
    parser.add_argument("--cases", type=int, default=60, help="new-site cases to fine-tune on")
    args = parser.parse_args()
    if not BUSI.is_dir():
        print(json.dumps({"skipped": f"no data at {BUSI}"}))
        return 0

    from busviewer.core.constants import DEFAULT_SEED, VALIDATION_FRACTION
    from busviewer.core.split import stratified_split
    from busviewer.core.training_case import LabelledCase
    from busviewer.io.busi import list_busi_cases, load_busi_case
    from busviewer.ml.checkpoint import default_weights_path, load_weights
    from busviewer.ml.device import use_all_cores
    from busviewer.ml.finetune import FineTuneConfig, fine_tune, score_cases, summarise
    from busviewer.ml.inference import Predictor

    use_all_cores()
    cases = list_busi_cases(BUSI)
    _, val_idx = stratified_split([c.label for c in cases], VALIDATION_FRACTION, DEFAULT_SEED)
    rng = np.random.default_rng(7)
    site = []
    for i in val_idx:
        image, mask = load_busi_case(cases[i])
        site.append(LabelledCase(new_site_look(image, rng), mask, cases[i].label, cases[i].case_id))
    tune_idx, test_idx = stratified_split([c.label for c in site], 1 - args.cases / len(site), 11)
    tune = [site[i] for i in tune_idx]
    test = [site[i] for i in test_idx]

    weights = args.weights or default_weights_path()
    base = load_weights(weights)
    before_original = score_cases(Predictor(loaded=load_weights(weights), device="cpu"), [
        LabelledCase(*load_busi_case(cases[val_idx[i]]), cases[val_idx[i]].label, "") for i in test_idx])
    before = score_cases(Predictor(loaded=load_weights(weights), device="cpu"), test)
    started = time.perf_counter()
    runner = fine_tune(base, tune, FineTuneConfig(), device="cpu")
    while True:
        try:
            next(runner)
        except StopIteration as stop:
            result = stop.value
            break
    seconds = time.perf_counter() - started
    base.network.load_state_dict(result.state)
    after = score_cases(Predictor(loaded=base, device="cpu"), test)
    print(json.dumps({
        "tune_cases": len(tune), "test_cases": len(test),
        "original_look_test": summarise(before_original),
        "new_site_before": summarise(before), "new_site_after": summarise(after),
        "gate_before": summarise(result.before), "gate_after": summarise(result.after), "accepted": result.accepted,
        "finetune_seconds": round(seconds, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "model_id": base.model_id,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
