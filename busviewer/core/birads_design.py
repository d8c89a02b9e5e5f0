"""Choosing, per BI-RADS descriptor, between its rule and a learned head on the design cases.

Each head reads a fixed set of inputs (``HEAD_INPUTS``, chosen for what the descriptor is about); its
regularisation is chosen by an inner cross-validation and its agreement with the radiologist measured by
an outer one (:func:`~busviewer.core.birads_fit.nested_head_score`). The rule's agreement is measured on
the same cases with its fixed thresholds, which were chosen on them: that favours the rule, so a head
is kept only when it beats the rule by ``MIN_GAIN`` and the choice leans towards the simpler model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from busviewer.core.birads import CATEGORIES, DESCRIPTORS, MARGINS, describe, suggest_category
from busviewer.core.birads_features import LesionFeatures
from busviewer.core.birads_fit import (
    argmax_words,
    choose_settings,
    fit_logistic,
    kappa_score,
    nested_head_score,
)
from busviewer.core.birads_heads import CIRCUMSCRIBED_WORDS, BiradsHeads, LogisticHead, feature_vector
from busviewer.core.metrics import cohen_kappa

_OUTLINE = ("aspect", "ellipse_iou", "solidity", "roughness", "spikes", "corners", "depth_width")
_GREY = ("echo_ratio", "inner_spread", "dark_fraction", "edge_contrast")
_POSTERIOR = ("posterior_ratio", "posterior_left", "posterior_right")
#: What each head reads.
HEAD_INPUTS: dict[str, tuple[str, ...]] = {
    "shape": _OUTLINE,
    "margin_circumscribed": (*_OUTLINE, "edge_contrast"),
    "margin_subtype": (*_OUTLINE, "edge_contrast"),
    "echo_pattern": _GREY,
    "posterior_features": _POSTERIOR,
    "category": (*LesionFeatures.__dataclass_fields__, "malignancy_logit"),
}
#: A head replaces its rule only when its nested cross-validated kappa beats the rule's by this much.
MIN_GAIN = 0.02
#: Outer folds and repeats of the cross-validation.
FOLDS = 5
SEEDS = (0, 1, 2)


@dataclass(frozen=True)
class DesignLesion:
    """One design lesion: its features (true mask), the radiologist's words and the network's malignancy
    probability (None when not measured)."""

    features: LesionFeatures
    labels: dict[str, str]
    probability: float | None = None


def _circumscribed(word: str) -> str:
    return CIRCUMSCRIBED_WORDS[0] if word == "circumscribed" else CIRCUMSCRIBED_WORDS[1]


def _qwk(truth: list[str], pred: list[str]) -> float:
    value = cohen_kappa(truth, pred, labels=CATEGORIES, weights="quadratic")
    return 0.0 if value is None else value


def _expected_category(head: LogisticHead, x: np.ndarray) -> list[str]:
    index = np.array([CATEGORIES.index(word) for word in head.classes], dtype=np.float64)
    expected = head.probabilities_of(x) @ index
    return [CATEGORIES[int(np.clip(np.rint(value), 0, len(CATEGORIES) - 1))] for value in expected]


def _task(target: str, lesions: Sequence[DesignLesion]) -> tuple[list[int], list[str], list[str], tuple[str, ...]]:
    """(rows used, radiologist's words, rule's words, classes) of one head."""
    rules = [describe(lesion.features) for lesion in lesions]
    if target == "margin_circumscribed":
        truth = [_circumscribed(lesion.labels["margin"]) for lesion in lesions]
        return list(range(len(lesions))), truth, [_circumscribed(r["margin"].value) for r in rules], CIRCUMSCRIBED_WORDS
    if target == "margin_subtype":
        rows = [i for i, lesion in enumerate(lesions) if lesion.labels["margin"] != "circumscribed"]
        # The rule's way of being not circumscribed, for the lesions the radiologist calls so.
        rule_words = [describe(_irregular(lesions[i].features))["margin"].value for i in rows]
        return rows, [lesions[i].labels["margin"] for i in rows], rule_words, MARGINS[1:]
    if target == "category":
        rows = [i for i, lesion in enumerate(lesions) if lesion.probability is not None]
        return (rows, [lesions[i].labels["category"] for i in rows],
                [suggest_category(rules[i], lesions[i].probability) for i in rows], CATEGORIES)
    return list(range(len(lesions))), [lesion.labels[target] for lesion in lesions], [r[target].value for r in rules], DESCRIPTORS[target]


def _irregular(features: LesionFeatures) -> LesionFeatures:
    """The same lesion with a solidity below the rule's threshold, so the rule names its margin subtype."""
    values: dict[str, Any] = {**features.as_dict(), "solidity": 0.0}
    values["spikes"], values["corners"] = int(values["spikes"]), int(values["corners"])
    return LesionFeatures(**values)


def design_heads(lesions: Sequence[DesignLesion], targets: Sequence[str] = tuple(HEAD_INPUTS),
                 seeds: Sequence[int] | None = None) -> tuple[BiradsHeads, dict[str, Any]]:
    """Cross-validate every head against its rule; fit the heads that win on all the design lesions.

    Returns
    -------
    (BiradsHeads, dict)
        The heads kept and, per target, the rule's and the head's agreement (kappa; quadratic-weighted
        for the category), the head's settings and whether it was kept.
    """
    seeds = SEEDS if seeds is None else seeds
    kept: dict[str, LogisticHead] = {}
    report: dict[str, Any] = {}
    for target in targets:
        rows, truth, rule_words, classes = _task(target, lesions)
        if len(rows) < 3 * FOLDS:
            why = "no malignancy probability measured" if target == "category" and not rows else "too few lesions"
            report[target] = {"n": len(rows), "kept": False, "why": why}
            continue
        inputs = HEAD_INPUTS[target]
        x = np.array([feature_vector(lesions[i].features, inputs, lesions[i].probability) for i in rows])
        decide, score = (_expected_category, _qwk) if target == "category" else (argmax_words, kappa_score)
        head_score = nested_head_score(x, truth, classes, inputs, decide, score, FOLDS, seeds)
        rule_score = score(truth, rule_words)
        settings, _ = choose_settings(x, truth, classes, inputs, decide, score, FOLDS, seeds[0])
        keep = head_score >= rule_score + MIN_GAIN
        report[target] = {"n": len(rows), "rule": round(rule_score, 4), "head_nested_cv": round(head_score, 4),
                          "c": settings.c, "balanced": settings.balanced, "kept": keep,
                          "measure": "quadratic-weighted kappa" if target == "category" else "kappa"}
        if keep:
            kept[target] = fit_logistic(x, truth, classes, inputs, settings)
    return BiradsHeads(heads=kept, provenance={"cross_validation": report, "min_gain": MIN_GAIN,
                                               "folds": FOLDS, "seeds": list(seeds)}), report

