"""Accumulate per-image results into the evaluation report (segmentation, classification, calibration)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from busviewer.core.constants import CLASS_NAMES
from busviewer.core.metrics import (
    balanced_accuracy,
    confusion_matrix,
    dice_score,
    expected_calibration_error,
    iou_score,
    per_class_scores,
    reliability_bins,
    roc_auc,
)

#: Resamples of the bootstrap interval; its seed is fixed so a rerun prints the same interval.
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 0


def bootstrap_interval(values: list[float], level: float = 0.95) -> list[float]:
    """Percentile bootstrap interval of the mean of ``values`` (cases resampled with replacement)."""
    data = np.asarray(values, dtype=np.float64)
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    means = data[rng.integers(0, data.size, size=(BOOTSTRAP_RESAMPLES, data.size))].mean(axis=1)
    tail = (1.0 - level) / 2.0
    return [float(np.quantile(means, tail)), float(np.quantile(means, 1.0 - tail))]


@dataclass
class ImageResult:
    """One evaluated image: scores at source resolution and the class call."""

    case_id: str
    label: int
    probabilities: np.ndarray
    dice: float
    iou: float
    truth_empty: bool
    predicted_any: bool


@dataclass
class EvaluationAccumulator:
    """Collects ImageResults and computes the metrics of ``busviewer evaluate``.

    Rules: ``dice``/``iou`` average over images whose true mask is non-empty; ``dice_all`` averages over
    all images with an empty prediction on an empty mask counting 1; ``normal_fp_rate`` is the share of
    empty-truth images on which any lesion is predicted.
    """

    results: list[ImageResult] = field(default_factory=list)

    def add(self, case_id: str, label: int, probabilities: np.ndarray, pred_mask: np.ndarray, truth_mask: np.ndarray) -> ImageResult:
        result = ImageResult(
            case_id=case_id,
            label=int(label),
            probabilities=np.asarray(probabilities, dtype=np.float64),
            dice=dice_score(pred_mask, truth_mask, empty_value=1.0),
            iou=iou_score(pred_mask, truth_mask, empty_value=1.0),
            truth_empty=not bool(np.any(truth_mask)),
            predicted_any=bool(np.any(pred_mask)),
        )
        self.results.append(result)
        return result

    def metrics(self) -> dict[str, Any]:
        if not self.results:
            raise ValueError("no images were evaluated")
        lesion = [r for r in self.results if not r.truth_empty]
        empty = [r for r in self.results if r.truth_empty]
        # Class metrics count cases a reader classified; unlabelled ones still score the outline.
        labelled = [r for r in self.results if r.label >= 0] or self.results[:0]
        if not labelled:
            return {**self._outline_metrics(lesion, empty), "accuracy": None, "n_labelled": 0}
        labels = [r.label for r in labelled]
        probs = np.stack([r.probabilities for r in labelled])
        preds = probs.argmax(axis=1).tolist()
        present = sorted(set(labels) | set(preds))
        matrix_full = confusion_matrix(labels, preds, len(CLASS_NAMES))
        matrix = matrix_full[np.ix_(present, present)]
        scores = per_class_scores(matrix)
        malignant = CLASS_NAMES.index("malignant")
        return {
            **self._outline_metrics(lesion, empty),
            "n_labelled": len(labelled),
            "accuracy": float(np.mean([p == t for p, t in zip(preds, labels, strict=True)])),
            "balanced_accuracy": balanced_accuracy(matrix),
            "classes": [CLASS_NAMES[k] for k in present],
            "confusion_matrix": matrix.tolist(),
            "auc_malignant": roc_auc([lab == malignant for lab in labels], probs[:, malignant].tolist()),
            "ece": expected_calibration_error(probs, labels, n_bins=15),
            "sensitivity": dict(zip((CLASS_NAMES[k] for k in present), scores["sensitivity"], strict=True)),
            "specificity": dict(zip((CLASS_NAMES[k] for k in present), scores["specificity"], strict=True)),
            "precision": dict(zip((CLASS_NAMES[k] for k in present), scores["precision"], strict=True)),
            "f1": dict(zip((CLASS_NAMES[k] for k in present), scores["f1"], strict=True)),
        }

    def _outline_metrics(self, lesion: list[ImageResult], empty: list[ImageResult]) -> dict[str, Any]:
        return {
            "n_images": len(self.results),
            "n_lesion_images": len(lesion),
            "dice": float(np.mean([r.dice for r in lesion])) if lesion else None,
            "dice_ci95": bootstrap_interval([r.dice for r in lesion]) if len(lesion) >= 2 else None,
            "iou": float(np.mean([r.iou for r in lesion])) if lesion else None,
            "dice_all": float(np.mean([r.dice for r in self.results])),
            "normal_fp_rate": float(np.mean([r.predicted_any for r in empty])) if empty else None,
            # Share of lesion images whose outline overlaps the true lesion at all: a miss is Dice 0.
            "detection_sensitivity": float(np.mean([r.dice > 0 for r in lesion])) if lesion else None,
        }

    def reliability(self) -> list[tuple[float, float, int]]:
        labelled = [r for r in self.results if r.label >= 0]
        probs = np.stack([r.probabilities for r in labelled])
        return reliability_bins(probs, [r.label for r in labelled], n_bins=15)
