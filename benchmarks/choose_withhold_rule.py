"""Choose the rule that withholds an outline on scans the class head calls normal, on validation parts.

For every validation scan it records the class head's normal probability, the mean lesion probability
inside the outline and the outline's Dice, then scores a grid of (normal threshold, mean threshold):
lesion Dice with withheld outlines counted as misses, lesion detection sensitivity, and the normal
false-positive rate. Prints one JSON object; the chosen pair goes into ``core/constants.py``.

    python benchmarks/choose_withhold_rule.py ../shared/data/busi ../shared/data/busbra ../shared/data/breast
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dirs", type=Path, nargs="+")
    parser.add_argument("--weights", type=Path, default=None)
    parser.add_argument("--split", default="validation")
    args = parser.parse_args()

    from busviewer.commands.evaluate_cmd import select_cases, split_settings
    from busviewer.core.constants import CLASS_NAMES
    from busviewer.core.metrics import dice_score
    from busviewer.io.busi import load_busi_case
    from busviewer.ml.device import use_all_cores
    from busviewer.ml.inference import Predictor
    from busviewer.ml.postprocess import probability_to_mask

    use_all_cores()
    predictor = Predictor(args.weights, device="cpu")
    seed, pattern = split_settings(args.weights, None, None)
    rows = []
    for folder in args.data_dirs:
        for case in select_cases(folder, args.split, seed, pattern):
            image, truth = load_busi_case(case.case)
            prediction = predictor.predict(image)
            assert prediction.lesion_probability is not None
            mask = probability_to_mask(prediction.lesion_probability)  # before any withholding
            rows.append({
                "source": case.source, "lesion": bool(truth.any()),
                "normal": float(prediction.probabilities[CLASS_NAMES.index("normal")]),
                "mean": float(prediction.lesion_probability[mask].mean()) if mask.any() else 0.0,
                "dice": dice_score(mask, truth, empty_value=1.0), "shown": bool(mask.any()),
            })
    grid = []
    for normal_at in (0.3, 0.4, 0.5, 0.6, 0.7, 1.01):
        for mean_at in (0.8, 0.85, 0.9, 0.92, 0.94, 0.96, 1.01):
            kept = [r["shown"] and not (r["normal"] > normal_at and r["mean"] < mean_at) for r in rows]
            lesion = [(r, k) for r, k in zip(rows, kept, strict=True) if r["lesion"]]
            empty = [(r, k) for r, k in zip(rows, kept, strict=True) if not r["lesion"]]
            per_source = {}
            for name in sorted({r["source"] for r in rows}):
                mine = [(r, k) for r, k in lesion if r["source"] == name]
                per_source[name] = float(np.mean([r["dice"] if k else 0.0 for r, k in mine])) if mine else None
            grid.append({
                "normal_above": normal_at, "mean_below": mean_at,
                "lesion_dice": float(np.mean([r["dice"] if k else 0.0 for r, k in lesion])),
                "lesion_dice_by_source": per_source,
                "detection_sensitivity": float(np.mean([k and r["dice"] > 0 for r, k in lesion])),
                "normal_fp_rate": float(np.mean([k for _, k in empty])) if empty else None,
            })
    print(json.dumps({"model_id": predictor.model_id, "n_scans": len(rows), "grid": grid}))


if __name__ == "__main__":
    main()
