"""``busviewer evaluate DATA_DIR``: score weights on a BUSI-layout folder at source resolution."""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from busviewer.core.birads_agreement import BiradsAgreement, format_agreement, table_labels
from busviewer.core.constants import CLASS_NAMES, DEFAULT_SEED, FLIP_TTA, VALIDATION_FRACTION
from busviewer.core.errors import UserFacingError
from busviewer.core.evaluation import EvaluationAccumulator
from busviewer.core.split import stratified_split


@dataclass
class BiradsOptions:
    """``evaluate --birads``: the radiologist's table, which part of it, and whose masks to describe.

    ``mask_source`` ``ai`` describes the network's mask (what a user sees); ``truth`` the dataset's mask,
    which measures the descriptor rules apart from the segmentation.
    """

    table: Path
    part: str = "all"
    mask_source: str = "ai"
    rows: dict[str, dict[str, str]] = field(default_factory=dict)

    def select(self, cases: list[Any]) -> list[Any]:
        """The cases whose image is in the table (part); the table is read here."""
        from busviewer.io.birads_table import read_birads_table

        self.rows = read_birads_table(self.table, self.part)
        chosen = [case for case in cases if case.image_path.name in self.rows]
        if not chosen:
            raise UserFacingError(f"No image of the data folder is named in {self.table.name} ({self.part} rows).")
        return chosen

    def add(self, agreement: BiradsAgreement, case: Any, image: Any, truth: Any, prediction: Any) -> None:
        from busviewer.core.birads import assess_lesion

        try:
            labels = table_labels(self.rows[case.image_path.name])
        except ValueError as exc:
            raise UserFacingError(f"{self.table.name}, {case.image_path.name}: {exc}.") from exc
        if labels is None:
            return
        mask = truth if self.mask_source == "truth" else prediction.mask
        agreement.add(labels, assess_lesion(image, mask, prediction.probabilities))


def select_cases(data_dir: Path, split: str, seed: int) -> list[Any]:
    """Cases of ``data_dir``; ``validation``/``train`` reproduce the training split exactly."""
    from busviewer.io.busi import list_busi_cases

    cases = list_busi_cases(data_dir)
    if split == "all":
        return cases
    train_idx, val_idx = stratified_split([c.label for c in cases], VALIDATION_FRACTION, seed)
    return [cases[i] for i in (val_idx if split == "validation" else train_idx)]


def evaluate_folder(
    data_dir: Path, weights: Path | None, device: str = "auto", split: str = "all", seed: int = DEFAULT_SEED,
    plots_dir: Path | None = None, flip_tta: bool = FLIP_TTA, birads: BiradsOptions | None = None,
) -> dict[str, Any]:
    """Evaluate and return the metrics dict (``ms_per_image`` and ``model_id`` included).

    With ``birads``, only the images in its table (part) are evaluated and ``metrics["birads"]`` holds
    the agreement of the AI's descriptors and category with the table's.
    """
    from busviewer.io.busi import load_busi_case
    from busviewer.ml.inference import Predictor

    predictor = Predictor(weights, device=device, flip_tta=flip_tta)
    accumulator = EvaluationAccumulator()
    keep: list[tuple[Any, Any, Any, Any]] = []
    elapsed = 0.0
    cases = select_cases(data_dir, split, seed)
    agreement = None
    if birads is not None:
        cases, agreement = birads.select(cases), BiradsAgreement()
    for case in cases:
        started = time.perf_counter()
        image, truth = load_busi_case(case)
        prediction = predictor.predict(image)
        elapsed += time.perf_counter() - started
        result = accumulator.add(case.case_id, case.label, prediction.probabilities, prediction.mask, truth)
        if birads is not None and agreement is not None:
            birads.add(agreement, case, image, truth, prediction)
        if plots_dir is not None:
            keep.append((result, image, truth, prediction.mask))
    metrics = accumulator.metrics()
    metrics["ms_per_image"] = 1000.0 * elapsed / metrics["n_images"]
    metrics["model_id"] = predictor.model_id
    metrics["split"] = split
    metrics["flip_tta"] = flip_tta
    if birads is not None and agreement is not None:
        metrics["birads"] = {**agreement.metrics(), "mask_source": birads.mask_source, "part": birads.part}
    if plots_dir is not None:
        _write_plots(plots_dir, accumulator, keep, metrics, weights, device)
    return metrics


def _write_plots(plots_dir: Path, accumulator: EvaluationAccumulator, keep: list[Any], metrics: dict[str, Any],
                 weights: Path | None, device: str) -> None:
    import numpy as np

    from busviewer.io.plots import plot_case_panels, plot_confusion_matrix, plot_reliability
    from busviewer.ml.gradcam import LESION_TARGET, GradCamExplainer

    plots_dir.mkdir(parents=True, exist_ok=True)
    plot_confusion_matrix(np.array(metrics["confusion_matrix"]), metrics["classes"], plots_dir / "confusion_matrix.png")
    plot_reliability(accumulator.reliability(), metrics["ece"], plots_dir / "reliability.png")
    explainer = GradCamExplainer(weights, device=device)
    lesion_cases = sorted((k for k in keep if not k[0].truth_empty), key=lambda k: k[0].dice)
    for name, chosen in (("worst", lesion_cases[:4]), ("best", lesion_cases[::-1][:4])):
        rows = []
        for result, image, truth, pred in chosen:
            predicted = CLASS_NAMES[int(np.argmax(result.probabilities))]
            rows.append({
                "image": image, "truth": truth, "prediction": pred,
                "cam": explainer.explain(image, predicted if predicted != "normal" else LESION_TARGET),
                "caption": f"{result.case_id}\ndice {result.dice:.2f}, true {CLASS_NAMES[result.label]}, AI {predicted}",
            })
        if rows:
            plot_case_panels(rows, f"{name} cases by Dice", plots_dir / f"cases_{name}.png")


def run(args: argparse.Namespace) -> int:
    from busviewer.ml.device import use_all_cores

    use_all_cores()
    birads = None
    if getattr(args, "birads", None) is not None:
        birads = BiradsOptions(args.birads, args.birads_part, args.birads_mask)
    metrics = evaluate_folder(
        args.data_dir, args.weights, args.device, args.split, args.seed, args.plots, flip_tta=args.flip_tta,
        birads=birads,
    )
    if args.json:
        print(json.dumps(metrics))
    else:
        print(format_table(metrics))
        if "birads" in metrics:
            print()
            print(format_agreement(metrics["birads"]))
    return 0


def format_table(m: dict[str, Any]) -> str:
    """Readable summary of the metrics."""
    def f(value: Any) -> str:
        return "n/a" if value is None else f"{value:.3f}"

    lines = [
        f"model            {m['model_id']}",
        f"images           {m['n_images']} ({m['split']})",
        f"lesion Dice      {f(m['dice'])}   IoU {f(m['iou'])}   Dice (all) {f(m['dice_all'])}",
        f"normal FP rate   {f(m['normal_fp_rate'])}",
        f"accuracy         {f(m['accuracy'])}   balanced {f(m['balanced_accuracy'])}   AUC malignant {f(m['auc_malignant'])}   ECE {f(m['ece'])}",
        f"time             {m['ms_per_image']:.1f} ms per image (flip TTA {'on' if m.get('flip_tta') else 'off'})",
        "",
        f"{'class':<12}{'sens':>8}{'spec':>8}{'prec':>8}{'f1':>8}",
    ]
    for cls in m["classes"]:
        lines.append(f"{cls:<12}{m['sensitivity'][cls]:>8.3f}{m['specificity'][cls]:>8.3f}{m['precision'][cls]:>8.3f}{m['f1'][cls]:>8.3f}")
    lines.append("")
    lines.append("confusion (rows true, columns predicted): " + " ".join(m["classes"]))
    for cls, row in zip(m["classes"], m["confusion_matrix"], strict=True):
        lines.append(f"  {cls:<10} " + " ".join(f"{v:>6}" for v in row))
    return "\n".join(lines)


