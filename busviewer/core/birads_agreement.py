"""Agreement of the AI's BI-RADS descriptors and category with a radiologist's (``evaluate --birads``).

The radiologist's words are read in the BrEaST ``clinical.csv`` vocabulary and mapped onto the lexicon
words of :mod:`busviewer.core.birads`; a row without a lesion ("not applicable", category 1) is left out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from busviewer.core.birads import CATEGORIES, DESCRIPTORS, BiradsAssessment
from busviewer.core.metrics import cohen_kappa

#: The table's columns for each descriptor (BrEaST ``clinical.csv``; orientation is not recorded there).
TABLE_COLUMNS = {"shape": "Shape", "margin": "Margin", "echo_pattern": "Echogenicity",
                 "posterior_features": "Posterior_features", "category": "BIRADS"}
#: When a radiologist lists several margin words, the most suspicious one names the margin.
MARGIN_PRIORITY = ("spiculated", "angular", "microlobulated", "indistinct")
_ECHO_WORDS = {"complex cystic/solid": "complex cystic and solid"}
_POSTERIOR_WORDS = {"no": "none"}


def table_labels(row: Mapping[str, str]) -> dict[str, str] | None:
    """The radiologist's descriptors and category in lexicon words, or None for a row without a lesion.

    Raises
    ------
    ValueError
        A value is not a word of the lexicon (the sentence names it).
    """
    words = {name: (row.get(column) or "").strip().lower() for name, column in TABLE_COLUMNS.items()}
    if words["category"] in ("", "0", "1") or words["shape"] == "not applicable":
        return None
    margin = words["margin"]
    if margin != "circumscribed":
        found = [w for w in MARGIN_PRIORITY if w in margin]
        margin = found[0] if found else margin
    labels = {
        "shape": words["shape"], "margin": margin,
        "echo_pattern": _ECHO_WORDS.get(words["echo_pattern"], words["echo_pattern"]),
        "posterior_features": _POSTERIOR_WORDS.get(words["posterior_features"], words["posterior_features"]),
        "category": words["category"].upper(),
    }
    for name, value in labels.items():
        allowed = CATEGORIES if name == "category" else DESCRIPTORS[name]
        if value not in allowed:
            raise ValueError(f"{TABLE_COLUMNS[name]} value {row.get(TABLE_COLUMNS[name])!r} is not one of {', '.join(allowed)}")
    return labels


@dataclass
class BiradsAgreement:
    """Pairs of (radiologist, AI) labels per descriptor, and the metrics over them."""

    pairs: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    missed: int = 0

    def add(self, truth: Mapping[str, str], assessment: BiradsAssessment | None) -> None:
        """Record one case; a case the AI shows no lesion for counts as ``missed``."""
        if assessment is None:
            self.missed += 1
            return
        found = {name: d.value for name, d in assessment.descriptors().items()}
        found["category"] = assessment.category
        if assessment.category_from_probability is not None:
            found["category_from_probability"] = assessment.category_from_probability
        circumscribed = {"margin_circumscribed": "circumscribed" if truth["margin"] == "circumscribed" else "not circumscribed"}
        found["margin_circumscribed"] = "circumscribed" if found["margin"] == "circumscribed" else "not circumscribed"
        truth_all = {**truth, **circumscribed, "category_from_probability": truth["category"]}
        for name, value in found.items():
            if name not in truth_all:  # e.g. orientation, which BrEaST does not record
                continue
            self.pairs.setdefault(name, []).append((truth_all[name], value))

    def metrics(self) -> dict[str, Any]:
        """Accuracy and Cohen's kappa per descriptor; quadratic-weighted kappa for the categories."""
        out: dict[str, Any] = {"n_cases": len(self.pairs.get("shape", [])), "n_without_lesion": self.missed}
        for name, pairs in self.pairs.items():
            truth, pred = [t for t, _ in pairs], [p for _, p in pairs]
            entry: dict[str, Any] = {
                "n": len(pairs), "accuracy": float(np.mean([t == p for t, p in pairs])),
                "kappa": cohen_kappa(truth, pred),
                "truth_counts": dict(Counter(truth)), "ai_counts": dict(Counter(pred)),
            }
            if name.startswith("category"):
                entry["weighted_kappa"] = cohen_kappa(truth, pred, labels=CATEGORIES, weights="quadratic")
            out[name] = entry
        return out


def format_agreement(metrics: Mapping[str, Any]) -> str:
    """A readable table of :meth:`BiradsAgreement.metrics`."""
    def f(value: Any) -> str:
        return "  n/a" if value is None else f"{value:5.3f}"

    lines = [f"BI-RADS agreement with the table ({metrics['n_cases']} lesions"
             f"{', masks: ' + metrics['mask_source'] if 'mask_source' in metrics else ''}"
             f"; {metrics['n_without_lesion']} without a lesion to describe)",
             f"{'descriptor':<28}{'n':>5}{'accuracy':>10}{'kappa':>8}{'weighted':>10}"]
    for name, entry in metrics.items():
        if isinstance(entry, Mapping) and "kappa" in entry:
            weighted = f(entry.get("weighted_kappa")) if "weighted_kappa" in entry else "     "
            lines.append(f"{name:<28}{entry['n']:>5}{entry['accuracy']:>10.3f}{f(entry['kappa']):>8}{weighted:>10}")
    return "\n".join(lines)
