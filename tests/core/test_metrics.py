"""Every metric against hand-computed cases, the empty-mask rules included."""

from __future__ import annotations

import numpy as np
import pytest

from busviewer.core.evaluation import EvaluationAccumulator
from busviewer.core.metrics import (
    balanced_accuracy,
    confusion_matrix,
    dice_score,
    expected_calibration_error,
    iou_score,
    per_class_scores,
    roc_auc,
)


def _mask(cells: list[tuple[int, int]], shape: tuple[int, int] = (4, 4)) -> np.ndarray:
    m = np.zeros(shape, bool)
    for r, c in cells:
        m[r, c] = True
    return m


def test_dice_and_iou_by_hand() -> None:
    pred = _mask([(0, 0), (0, 1), (1, 1)])
    truth = _mask([(0, 1), (1, 1), (2, 2), (3, 3)])
    assert dice_score(pred, truth) == pytest.approx(2 * 2 / 7)
    assert iou_score(pred, truth) == pytest.approx(2 / 5)
    empty = np.zeros((4, 4), bool)
    assert dice_score(empty, empty) == 1.0
    assert dice_score(pred, empty) == 0.0
    assert iou_score(empty, empty, empty_value=0.0) == 0.0


def test_auc_with_ties_and_missing_class() -> None:
    assert roc_auc([1, 1, 0, 0], [0.9, 0.8, 0.3, 0.1]) == 1.0
    assert roc_auc([1, 0], [0.5, 0.5]) == 0.5
    assert roc_auc([1, 0, 1, 0], [0.1, 0.9, 0.8, 0.3]) == pytest.approx(0.25)  # 1 of 4 pairs ordered right
    assert roc_auc([0, 0], [0.2, 0.4]) is None


def test_ece_by_hand() -> None:
    probs = np.array([[0.9, 0.1], [0.6, 0.4], [0.2, 0.8]])
    labels = [0, 1, 1]
    # bins: 0.6 -> wrong (|0-0.6|), 0.8 -> right (|1-0.8|), 0.9 -> right (|1-0.9|); each weight 1/3
    assert expected_calibration_error(probs, labels, n_bins=15) == pytest.approx((0.6 + 0.2 + 0.1) / 3)


def test_confusion_and_per_class_scores() -> None:
    matrix = confusion_matrix([0, 0, 1, 1, 2], [0, 1, 1, 1, 0], 3)
    assert matrix.tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 0]]
    scores = per_class_scores(matrix)
    assert scores["sensitivity"] == pytest.approx([0.5, 1.0, 0.0])
    assert scores["precision"] == pytest.approx([0.5, 2 / 3, 0.0])
    assert scores["specificity"][2] == pytest.approx(1.0)
    assert balanced_accuracy(matrix) == pytest.approx(0.5)


def test_evaluation_empty_mask_rules() -> None:
    acc = EvaluationAccumulator()
    lesion = _mask([(1, 1), (1, 2)])
    empty = np.zeros((4, 4), bool)
    acc.add("a", 1, np.array([0.1, 0.8, 0.1]), lesion, lesion)          # dice 1
    acc.add("b", 2, np.array([0.1, 0.2, 0.7]), empty, lesion)           # dice 0
    acc.add("c", 0, np.array([0.7, 0.2, 0.1]), empty, empty)            # empty on empty: counts 1 in dice_all
    acc.add("d", 0, np.array([0.2, 0.7, 0.1]), lesion, empty)           # false positive on normal
    m = acc.metrics()
    assert m["dice"] == pytest.approx(0.5)          # over the two lesion images
    assert m["dice_all"] == pytest.approx(0.5)      # (1 + 0 + 1 + 0) / 4
    assert m["normal_fp_rate"] == pytest.approx(0.5)
    assert m["accuracy"] == pytest.approx(0.75)
    assert m["classes"] == ["normal", "benign", "malignant"]
    assert m["confusion_matrix"] == [[1, 1, 0], [0, 1, 0], [0, 0, 1]]
    assert m["auc_malignant"] == 1.0
    assert m["n_images"] == 4


def test_detection_sensitivity_and_dice_interval() -> None:
    from busviewer.core.evaluation import EvaluationAccumulator

    acc = EvaluationAccumulator()
    truth = np.zeros((20, 20), bool)
    truth[5:15, 5:15] = True
    probs = np.array([0.1, 0.8, 0.1])
    acc.add("hit", 1, probs, truth, truth)
    acc.add("miss", 1, probs, np.zeros_like(truth), truth)  # nothing outlined: Dice 0, not detected
    half = truth.copy()
    half[5:10] = False
    acc.add("half", 1, probs, half, truth)
    metrics = acc.metrics()
    assert metrics["detection_sensitivity"] == 2 / 3
    low, high = metrics["dice_ci95"]
    assert 0.0 <= low < metrics["dice"] < high <= 1.0
