"""Learned BI-RADS descriptor heads: small logistic regressions on the lesion features, stored as data.

A head turns the scale-free numbers of :class:`~busviewer.core.birads_features.LesionFeatures` into
one lexicon word with its probability. Its coefficients live in ``resources/birads_heads.json`` (written
by ``busviewer fit-birads``, with the data and cross-validation that chose it); a descriptor without a
head there keeps its rule in :mod:`busviewer.core.birads`. Plain numpy: no torch, no Qt, no pickle.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from busviewer.core.birads_features import LesionFeatures

#: File name of the shipped heads in ``resources/``.
HEADS_FILE_NAME = "birads_heads.json"
#: Format of the heads file; a file of another version is refused.
HEADS_FORMAT = "busviewer-birads-heads/1"
#: Features read on a log scale (ratios around 1); the others as they are.
LOG_FEATURES = frozenset({"depth_width", "echo_ratio", "posterior_ratio", "posterior_left", "posterior_right",
                          "inner_spread"})
#: What a head may decide: the descriptors, the margin's two steps, and the category.
HEAD_TARGETS = ("shape", "orientation", "margin_circumscribed", "margin_subtype", "echo_pattern",
                "posterior_features", "category")
#: Words of the margin's first step.
CIRCUMSCRIBED_WORDS = ("circumscribed", "not circumscribed")


def feature_vector(features: LesionFeatures, names: tuple[str, ...], probability: float | None = None) -> np.ndarray:
    """The head inputs ``names`` of one lesion: features (logs of ratios) and, as ``malignancy_logit``, the
    network's malignancy probability on the logit scale."""
    values = features.as_dict()
    out = []
    for name in names:
        if name == "malignancy_logit":
            if probability is None:
                raise ValueError("this head reads the malignancy probability, which is not given")
            p = min(max(probability, 1e-4), 1 - 1e-4)
            out.append(math.log(p / (1 - p)))
        elif name in LOG_FEATURES:
            out.append(math.log(max(values[name], 1e-4)))
        else:
            out.append(values[name])
    return np.asarray(out, dtype=np.float64)


@dataclass(frozen=True)
class LogisticHead:
    """Multinomial logistic regression on standardised inputs: p = softmax(W (x - mean) / scale + b).

    Attributes
    ----------
    classes
        The words the head chooses among, in the order of the rows of ``weights``.
    inputs
        Input names (``LesionFeatures`` fields or ``malignancy_logit``).
    mean, scale
        Standardisation of the inputs, from the fitting data.
    weights, bias
        (classes, inputs) and (classes,) coefficients.
    """

    classes: tuple[str, ...]
    inputs: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: np.ndarray

    def __post_init__(self) -> None:
        k, d = len(self.classes), len(self.inputs)
        shapes = {"mean": (d,), "scale": (d,), "weights": (k, d), "bias": (k,)}
        for name, shape in shapes.items():
            if np.shape(getattr(self, name)) != shape:
                raise ValueError(f"head {name} has shape {np.shape(getattr(self, name))}, expected {shape}")
        if k < 2 or not np.all(np.isfinite(self.weights)) or not np.all(np.asarray(self.scale) > 0):
            raise ValueError("a head needs two or more classes, finite weights and positive scales")

    @property
    def reads_probability(self) -> bool:
        return "malignancy_logit" in self.inputs

    def probabilities_of(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities of input rows ``x`` (n, inputs) -> (n, classes)."""
        z = ((np.atleast_2d(x) - self.mean) / self.scale) @ self.weights.T + self.bias
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return np.asarray(e / e.sum(axis=1, keepdims=True))

    def probabilities(self, features: LesionFeatures, probability: float | None = None) -> dict[str, float]:
        """Probability of each word for one lesion."""
        row = self.probabilities_of(feature_vector(features, self.inputs, probability))[0]
        return {word: float(p) for word, p in zip(self.classes, row, strict=True)}

    def as_json(self) -> dict[str, Any]:
        return {"classes": list(self.classes), "inputs": list(self.inputs), "mean": self.mean.tolist(),
                "scale": self.scale.tolist(), "weights": self.weights.tolist(), "bias": self.bias.tolist()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LogisticHead:
        return cls(classes=tuple(data["classes"]), inputs=tuple(data["inputs"]),
                   mean=np.asarray(data["mean"], dtype=np.float64), scale=np.asarray(data["scale"], dtype=np.float64),
                   weights=np.asarray(data["weights"], dtype=np.float64), bias=np.asarray(data["bias"], dtype=np.float64))


@dataclass(frozen=True)
class BiradsHeads:
    """The learned heads by target (``HEAD_TARGETS``), and where they came from."""

    heads: dict[str, LogisticHead]
    provenance: dict[str, Any]

    def get(self, target: str) -> LogisticHead | None:
        return self.heads.get(target)

    def as_json(self) -> dict[str, Any]:
        return {"format": HEADS_FORMAT, "provenance": self.provenance,
                "heads": {name: head.as_json() for name, head in self.heads.items()}}


#: No learned head: every descriptor by its rule.
NO_HEADS = BiradsHeads(heads={}, provenance={})


def heads_from_json(data: dict[str, Any]) -> BiradsHeads:
    """Heads from the parsed JSON of a heads file.

    Raises
    ------
    ValueError
        Another format, an unknown target or a malformed head, in one sentence.
    """
    if not isinstance(data, dict) or data.get("format") != HEADS_FORMAT:
        raise ValueError(f"not a BI-RADS heads file of format {HEADS_FORMAT}")
    heads = {}
    for target, head in (data.get("heads") or {}).items():
        if target not in HEAD_TARGETS:
            raise ValueError(f"unknown BI-RADS head {target!r} (known: {', '.join(HEAD_TARGETS)})")
        try:
            heads[target] = LogisticHead.from_json(head)
        except (KeyError, TypeError) as exc:
            raise ValueError(f"BI-RADS head {target!r} is malformed ({exc})") from None
        allowed = set(LesionFeatures.__dataclass_fields__) | {"malignancy_logit"}
        unknown = set(heads[target].inputs) - allowed
        if unknown:
            raise ValueError(f"BI-RADS head {target!r} reads unknown inputs {', '.join(sorted(unknown))}")
    return BiradsHeads(heads=heads, provenance=dict(data.get("provenance") or {}))


def read_heads(path: Path) -> BiradsHeads:
    """Heads from a JSON file (see :func:`heads_from_json`); OSError or ValueError when unreadable."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{Path(path).name} is not valid JSON ({exc.msg})") from None
    return heads_from_json(data)


@lru_cache(maxsize=1)
def shipped_heads() -> BiradsHeads:
    """The heads shipped in ``resources/`` (none, so the rules alone, when the file is absent)."""
    from busviewer.core.paths import resource_path

    path = resource_path(HEADS_FILE_NAME)
    return read_heads(path) if path.is_file() else NO_HEADS
