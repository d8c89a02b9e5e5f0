"""``busviewer evaluate DATA_DIR...``: score weights on BUSI-layout folders (one per site) at source resolution."""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from busviewer.core.birads_agreement import BiradsAgreement, format_agreement, table_labels
from busviewer.core.constants import CLASS_NAMES, DEFAULT_SEED, FLIP_TTA
from busviewer.core.errors import UserFacingError
from busviewer.core.evaluation import EvaluationAccumulator


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


def select_cases(data_dir: Path, split: str, seed: int, patient_pattern: str | None = None) -> list[Any]:
    """Cases of ``data_dir``; ``validation``/``train`` reproduce the training split exactly (per source, by
    patient or near-duplicate group), ``external`` is a folder's flagged external-validation part."""
    from busviewer.io.training_sources import select_cases as select_source_cases

    return select_source_cases([data_dir], split, seed, patient_pattern)


def split_settings(weights: Path | None, seed: int | None, patient_pattern: str | None) -> tuple[int, str | None]:
    """The split seed and patient pattern: as given, else as recorded in the weights by their training run."""
    from busviewer.ml.checkpoint import default_weights_path, read_metadata

    try:
        metadata = read_metadata(weights or default_weights_path())
    except Exception:  # noqa: BLE001 - an unreadable file is refused in a sentence when the model loads
        metadata = {}
    if seed is None:
        seed = int(metadata.get("split_seed", DEFAULT_SEED))
    if patient_pattern is None:
        patient_pattern = str(metadata.get("patient_pattern") or "") or None
    return seed, patient_pattern


def evaluate_folder(
    data_dir: Path | list[Path], weights: Path | None, device: str = "auto", split: str = "all",
    seed: int | None = None, plots_dir: Path | None = None, flip_tta: bool = FLIP_TTA,
    birads: BiradsOptions | None = None, patient_pattern: str | None = None, by_source: bool = False,
    clicks: int = 0, box: bool = False,
) -> dict[str, Any]:
    """Evaluate one or more folders and return the metrics dict (``ms_per_image`` and ``model_id`` included).

    With ``by_source``, ``metrics["by_source"]`` holds the same metrics per folder. With ``clicks`` or
    ``box``, ``metrics["interactive"]`` holds the click simulation's scores. With ``birads``, only the
    images in its table (part) are evaluated and ``metrics["birads"]`` holds the agreement of the AI's
    descriptors and category with the table's.
    """
    from busviewer.commands.interactive_eval import InteractiveScores
    from busviewer.io.busi import load_busi_case
    from busviewer.ml.inference import Predictor
    from busviewer.services.weights import choose_weights

    choice = choose_weights(weights)
    weights = choice.path

    folders = [data_dir] if isinstance(data_dir, Path) else list(data_dir)
    seed, patient_pattern = split_settings(weights, seed, patient_pattern)
    predictor = Predictor(weights, device=device, flip_tta=flip_tta)
    accumulator = EvaluationAccumulator()
    per_source: dict[str, EvaluationAccumulator] = {}
    interactive = InteractiveScores(clicks, box, seed) if (clicks or box) else None
    keep: list[tuple[Any, Any, Any, Any]] = []
    elapsed = 0.0
    cases = [c for folder in folders for c in select_cases(folder, split, seed, patient_pattern)]
    if not cases:
        raise UserFacingError(f"The {split} part of {', '.join(str(f) for f in folders)} holds no images.")
    agreement = None
    if birads is not None:
        cases, agreement = birads.select(cases), BiradsAgreement()
    for index, case in enumerate(cases):
        started = time.perf_counter()
        image, truth = load_busi_case(case.case)
        prediction = predictor.predict(image)
        elapsed += time.perf_counter() - started
        result = accumulator.add(case.case_id, case.label, prediction.probabilities, prediction.mask, truth)
        per_source.setdefault(case.source, EvaluationAccumulator()).results.append(result)
        if interactive is not None and truth.any():
            interactive.add(predictor, image, truth, prediction.mask, index)
        if birads is not None and agreement is not None:
            birads.add(agreement, case, image, truth, prediction)
        if plots_dir is not None:
            keep.append((result, image, truth, prediction.mask))
    metrics = accumulator.metrics()
    metrics["ms_per_image"] = 1000.0 * elapsed / metrics["n_images"]
    metrics["model_id"] = predictor.model_id
    metrics["weights_source"], metrics["model_version"] = choice.source, choice.version_id
    metrics["split"] = split
    metrics["split_seed"] = seed
    metrics["flip_tta"] = flip_tta
    if by_source:
        metrics["by_source"] = {name: acc.metrics() for name, acc in per_source.items()}
    if interactive is not None:
        metrics["interactive"] = interactive.metrics()
    if birads is not None and agreement is not None:
        metrics["birads"] = {**agreement.metrics(), "mask_source": birads.mask_source, "part": birads.part}
    if plots_dir is not None:
        _write_plots(plots_dir, accumulator, keep, metrics, weights, device)
    return metrics


def _write_plots(plots_dir: Path, accumulator: EvaluationAccumulator, keep: list[Any], metrics: dict[str, Any],
                 weights: Path | None, device: str) -> None:
    import numpy as np

    from busviewer.core.explanation import gradcam_target
    from busviewer.io.plots import plot_case_panels, plot_confusion_matrix, plot_reliability
    from busviewer.ml.gradcam import GradCamExplainer

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
                "cam": explainer.explain(image, gradcam_target(result.probabilities)),
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
    if args.clicks < 0 or args.clicks > 20:
        raise UserFacingError(f"--clicks takes 0 to 20 clicks, not {args.clicks}.")
    metrics = evaluate_folder(
        args.data_dirs, args.weights, args.device, args.split, args.seed, args.plots, flip_tta=args.flip_tta,
        birads=birads, patient_pattern=args.patient_pattern, by_source=args.by_source, clicks=args.clicks, box=args.box,
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
        f"normal FP rate   {f(m['normal_fp_rate'])}   lesion detection sensitivity {f(m.get('detection_sensitivity'))}",
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
    for name, part in (m.get("by_source") or {}).items():
        lines.append("")
        lines.append(f"{name}: {part['n_images']} images, Dice {f(part['dice'])}, detection {f(part.get('detection_sensitivity'))}, "
                     f"normal FP {f(part['normal_fp_rate'])}, accuracy {f(part['accuracy'])}, "
                     f"AUC malignant {f(part['auc_malignant'])}, ECE {f(part['ece'])}")
    if m.get("interactive"):
        i = m["interactive"]
        lines.append("")
        lines.append(f"clicks ({i['method']}): Dice per click " + " ".join(f"{d:.3f}" for d in i["dice_per_click"])
                     + f"; NoC85 {i['noc85']:.2f}, NoC90 {i['noc90']:.2f}, {i['ms_per_click']:.0f} ms per click"
                     + (f"; box Dice {i['box_dice']:.3f}" if "box_dice" in i else ""))
    return "\n".join(lines)


