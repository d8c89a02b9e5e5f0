"""Segmentation and classification metrics in plain numpy, with the empty-mask rules spelled out."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def dice_score(pred: np.ndarray, truth: np.ndarray, empty_value: float = 1.0) -> float:
    """Dice of two bool masks; ``empty_value`` when both are empty."""
    p = np.asarray(pred, dtype=bool)
    t = np.asarray(truth, dtype=bool)
    total = int(p.sum()) + int(t.sum())
    if total == 0:
        return empty_value
    return 2.0 * int(np.logical_and(p, t).sum()) / total


def iou_score(pred: np.ndarray, truth: np.ndarray, empty_value: float = 1.0) -> float:
    """Intersection over union of two bool masks; ``empty_value`` when both are empty."""
    p = np.asarray(pred, dtype=bool)
    t = np.asarray(truth, dtype=bool)
    union = int(np.logical_or(p, t).sum())
    if union == 0:
        return empty_value
    return int(np.logical_and(p, t).sum()) / union


def confusion_matrix(truth: Sequence[int], pred: Sequence[int], n_classes: int) -> np.ndarray:
    """Rows are true classes, columns predicted classes."""
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    for t, p in zip(truth, pred, strict=True):
        matrix[int(t), int(p)] += 1
    return matrix


def roc_auc(labels: Sequence[int], scores: Sequence[float]) -> float | None:
    """Area under the ROC curve (Mann-Whitney with ties counted half); None if one class is absent."""
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), dtype=np.float64)
    sorted_s = s[order]
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def expected_calibration_error(probabilities: np.ndarray, labels: Sequence[int], n_bins: int = 15) -> float:
    """ECE of the top class over ``n_bins`` equal-width confidence bins."""
    probs = np.asarray(probabilities, dtype=np.float64)
    y = np.asarray(labels)
    if len(y) == 0:
        return 0.0
    confidence = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == y).astype(np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    ece = 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        in_bin = (confidence > lo) & (confidence <= hi)
        if in_bin.any():
            ece += in_bin.mean() * abs(correct[in_bin].mean() - confidence[in_bin].mean())
    return float(ece)


def reliability_bins(probabilities: np.ndarray, labels: Sequence[int], n_bins: int = 15) -> list[tuple[float, float, int]]:
    """(mean confidence, accuracy, count) per non-empty bin, for a reliability diagram."""
    probs = np.asarray(probabilities, dtype=np.float64)
    y = np.asarray(labels)
    confidence = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == y).astype(np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    out = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        in_bin = (confidence > lo) & (confidence <= hi)
        if in_bin.any():
            out.append((float(confidence[in_bin].mean()), float(correct[in_bin].mean()), int(in_bin.sum())))
    return out


def per_class_scores(matrix: np.ndarray) -> dict[str, list[float]]:
    """Sensitivity, specificity, precision and F1 per class from a confusion matrix."""
    total = matrix.sum()
    out: dict[str, list[float]] = {"sensitivity": [], "specificity": [], "precision": [], "f1": []}
    for k in range(matrix.shape[0]):
        tp = matrix[k, k]
        fn = matrix[k].sum() - tp
        fp = matrix[:, k].sum() - tp
        tn = total - tp - fn - fp
        sens = tp / (tp + fn) if tp + fn else 0.0
        spec = tn / (tn + fp) if tn + fp else 0.0
        prec = tp / (tp + fp) if tp + fp else 0.0
        f1 = 2 * prec * sens / (prec + sens) if prec + sens else 0.0
        for key, value in zip(("sensitivity", "specificity", "precision", "f1"), (sens, spec, prec, f1), strict=True):
            out[key].append(float(value))
    return out


def balanced_accuracy(matrix: np.ndarray) -> float:
    """Mean recall over classes that occur in the truth."""
    recalls = [matrix[k, k] / matrix[k].sum() for k in range(matrix.shape[0]) if matrix[k].sum()]
    return float(np.mean(recalls)) if recalls else 0.0


def cohen_kappa(truth: Sequence[str], pred: Sequence[str], labels: Sequence[str] | None = None,
                weights: str | None = None) -> float | None:
    """Cohen's kappa of two raters' labels; None when there is nothing to compare.

    Parameters
    ----------
    truth, pred
        One label per item from each rater.
    labels
        The categories in order (needed for weighted kappa, whose weights grow with the distance in
        this order); by default the sorted labels that occur.
    weights
        None for plain kappa, ``linear`` or ``quadratic`` for weighted kappa.

    Returns
    -------
    float or None
        1 for perfect agreement, 0 for chance agreement; None for no items or when both raters always
        give one and the same label (agreement by chance alone is then 1 and kappa is undefined).
    """
    if len(truth) != len(pred):
        raise ValueError(f"{len(truth)} truth labels but {len(pred)} predictions")
    if not truth:
        return None
    order = list(labels) if labels is not None else sorted(set(truth) | set(pred))
    index = {label: k for k, label in enumerate(order)}
    n = len(order)
    observed = np.zeros((n, n), dtype=np.float64)
    for t, p in zip(truth, pred, strict=True):
        observed[index[t], index[p]] += 1
    observed /= observed.sum()
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    distance = np.abs(np.arange(n)[:, None] - np.arange(n)[None, :]).astype(np.float64)
    if weights is None:
        penalty = (distance > 0).astype(np.float64)
    elif weights == "linear":
        penalty = distance
    elif weights == "quadratic":
        penalty = distance**2
    else:
        raise ValueError(f"weights must be None, 'linear' or 'quadratic', not {weights!r}")
    chance = float((penalty * expected).sum())
    if chance == 0.0:
        return None
    return 1.0 - float((penalty * observed).sum()) / chance
