"""BI-RADS ultrasound lexicon: the descriptor rules, the assessment category bands and the one-line reason.

The descriptors come from the image and the current mask (so they follow the reader's corrections):
shape, orientation and margin from the outline; echo pattern and posterior features from grey levels
inside, around and beneath the lesion. Every threshold is here, chosen on the 171 BrEaST cases outside
its external-validation part and written into the model card (``models/README.md``, "BI-RADS descriptors").
Where a learned head (:mod:`busviewer.core.birads_heads`) measured better in cross-validation on those
cases, it decides instead of the rule; ``BiradsAssessment.methods`` says which decided each word.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from busviewer.core.birads_features import LesionFeatures, lesion_features
from busviewer.core.birads_heads import CIRCUMSCRIBED_WORDS, BiradsHeads, LogisticHead, shipped_heads
from busviewer.core.constants import CLASS_NAMES

SHAPES = ("oval", "round", "irregular")
ORIENTATIONS = ("parallel", "not parallel")
MARGINS = ("circumscribed", "indistinct", "angular", "microlobulated", "spiculated")
ECHO_PATTERNS = ("anechoic", "hyperechoic", "complex cystic and solid", "hypoechoic", "isoechoic", "heterogeneous")
POSTERIOR_FEATURES = ("none", "enhancement", "shadowing", "combined")
#: Assessment categories in order of suspicion (the order of the weighted kappa).
CATEGORIES = ("2", "3", "4A", "4B", "4C", "5")
#: The descriptors by name, in the order a report lists them, with their lexicon words.
DESCRIPTORS: dict[str, tuple[str, ...]] = {
    "shape": SHAPES, "orientation": ORIENTATIONS, "margin": MARGINS,
    "echo_pattern": ECHO_PATTERNS, "posterior_features": POSTERIOR_FEATURES,
}

#: Likelihood-of-malignancy bands of the ACR BI-RADS atlas (5th edition), as (category, upper bound,
#: bound included): 3 <= 2 %; 4A > 2-10 %; 4B > 10-50 %; 4C > 50 - < 95 %; 5 >= 95 %.
CATEGORY_BANDS: tuple[tuple[str, float, bool], ...] = (
    ("3", 0.02, True), ("4A", 0.10, True), ("4B", 0.50, True), ("4C", 0.95, False), ("5", 1.0, True),
)
#: What the atlas recommends for each category, as the report words it.
MANAGEMENT = {
    "2": "Benign. Routine follow-up for age.",
    "3": "Probably benign. Short-interval (6-month) follow-up or continued surveillance.",
    "4A": "Low suspicion for malignancy. Tissue diagnosis.",
    "4B": "Moderate suspicion for malignancy. Tissue diagnosis.",
    "4C": "High suspicion for malignancy. Tissue diagnosis.",
    "5": "Highly suggestive of malignancy. Tissue diagnosis; take appropriate action.",
}

# Thresholds of the rules (design part of BrEaST; model card).
IRREGULAR_SOLIDITY = 0.94  # below: irregular shape and a not circumscribed margin
ROUND_ASPECT = 0.80  # minor/major axis at or above: round
SPICULATED_SPIKES = 3  # narrow radial peaks
ANGULAR_CORNERS = 1  # sharp convex corners of the simplified outline
MICROLOBULATED_ROUGHNESS = 0.06  # small undulations of the radius
ANECHOIC_DARK = 0.6  # share of fluid-dark core
COMPLEX_DARK = 0.5
HYPERECHOIC_RATIO = 0.95  # core / surrounding tissue grey
ISOECHOIC_RATIO = 0.70
HETEROGENEOUS_SPREAD = 0.70
ENHANCEMENT_RATIO = 1.25  # beneath / beside grey
SHADOWING_RATIO = 0.75
#: Suspicious descriptor points -> category index: 0 -> 3, 1 -> 4A, 2 -> 4B, 3 -> 4C, 4+ -> 5.
_POINTS_TO_CATEGORY = (1, 2, 3, 4, 5, 5)
#: Who decided a word: a threshold rule of this module or a learned head.
RULE, LEARNED = "rule", "learned"


@dataclass(frozen=True)
class Descriptor:
    """One lexicon word with how sure the rule is (0.5: on the threshold, towards 1: far from it)."""

    value: str
    confidence: float


@dataclass(frozen=True)
class BiradsAssessment:
    """The AI's BI-RADS description of one lesion and its suggested category."""

    shape: Descriptor
    orientation: Descriptor
    margin: Descriptor
    echo_pattern: Descriptor
    posterior_features: Descriptor
    malignancy_probability: float | None
    category: str
    category_from_probability: str | None
    reason: str
    features: LesionFeatures
    #: ``rule`` or ``learned`` per descriptor and for the category.
    methods: dict[str, str] = field(default_factory=dict)

    def descriptors(self) -> dict[str, Descriptor]:
        """The five descriptors by name, in report order."""
        return {name: getattr(self, name) for name in DESCRIPTORS}

    def as_json(self) -> dict[str, object]:
        """The ``"birads"`` block of ``busviewer predict --json``."""
        out: dict[str, object] = {name: d.value for name, d in self.descriptors().items()}
        out["confidence"] = {name: round(d.confidence, 3) for name, d in self.descriptors().items()}
        out["category"] = self.category
        out["category_from_probability"] = self.category_from_probability
        out["malignancy_probability"] = self.malignancy_probability
        out["reason"] = self.reason
        out["methods"] = dict(self.methods)
        return out


def category_for_probability(probability: float) -> str:
    """The atlas category of a likelihood of malignancy in [0, 1] (3, 4A, 4B, 4C or 5)."""
    if not 0.0 <= probability <= 1.0 or math.isnan(probability):
        raise ValueError(f"a probability lies in [0, 1], got {probability}")
    for category, upper, inclusive in CATEGORY_BANDS:
        if probability < upper or (inclusive and probability == upper):
            return category
    return CATEGORY_BANDS[-1][0]


def malignancy_probability(probabilities: object) -> float:
    """The malignant class probability from a probability vector in ``CLASS_NAMES`` order."""
    return float(np.asarray(probabilities, dtype=np.float64)[CLASS_NAMES.index("malignant")])


def _sure(distance: float, scale: float) -> float:
    """Confidence of a threshold decision ``distance`` away from its threshold, in [0.5, 1)."""
    return 0.5 + 0.5 * math.tanh(abs(distance) / scale)


def describe(features: LesionFeatures) -> dict[str, Descriptor]:
    """Apply the descriptor rules to a lesion's features."""
    irregular = features.solidity < IRREGULAR_SOLIDITY
    solid_sure = _sure(features.solidity - IRREGULAR_SOLIDITY, 0.03)
    if irregular:
        shape = Descriptor("irregular", solid_sure)
    else:
        round_ = features.aspect >= ROUND_ASPECT
        shape = Descriptor("round" if round_ else "oval", min(solid_sure, _sure(features.aspect - ROUND_ASPECT, 0.08)))
    # Not parallel: taller than wide, as BI-RADS defines it.
    log_ratio = math.log(max(features.depth_width, 1e-6))
    orientation = Descriptor("not parallel" if log_ratio > 0 else "parallel", _sure(log_ratio, 0.2))
    return {
        "shape": shape, "orientation": orientation, "margin": _margin(features, irregular, solid_sure),
        "echo_pattern": _echo(features), "posterior_features": _posterior(features),
    }


def _margin(f: LesionFeatures, irregular: bool, solid_sure: float) -> Descriptor:
    if not irregular:
        return Descriptor("circumscribed", solid_sure)
    return _margin_subtype(f, solid_sure)


def _margin_subtype(f: LesionFeatures, solid_sure: float) -> Descriptor:
    """Which way a not circumscribed margin is so: spiculated, angular, microlobulated, else indistinct."""
    if f.spikes >= SPICULATED_SPIKES:
        return Descriptor("spiculated", min(solid_sure, _sure(f.spikes - SPICULATED_SPIKES + 0.5, 2.0)))
    if f.corners >= ANGULAR_CORNERS:
        return Descriptor("angular", min(solid_sure, _sure(f.corners - ANGULAR_CORNERS + 0.5, 1.5)))
    if f.roughness > MICROLOBULATED_ROUGHNESS:
        return Descriptor("microlobulated", min(solid_sure, _sure(f.roughness - MICROLOBULATED_ROUGHNESS, 0.02)))
    return Descriptor("indistinct", solid_sure * 0.8)


def _echo(f: LesionFeatures) -> Descriptor:
    if f.dark_fraction > ANECHOIC_DARK:
        return Descriptor("anechoic", _sure(f.dark_fraction - ANECHOIC_DARK, 0.15))
    if f.dark_fraction > COMPLEX_DARK:
        return Descriptor("complex cystic and solid", _sure(min(f.dark_fraction - COMPLEX_DARK, ANECHOIC_DARK - f.dark_fraction), 0.1))
    dark_sure = _sure(f.dark_fraction - COMPLEX_DARK, 0.1)
    if f.echo_ratio > HYPERECHOIC_RATIO:
        return Descriptor("hyperechoic", min(dark_sure, _sure(f.echo_ratio - HYPERECHOIC_RATIO, 0.1)))
    if f.inner_spread > HETEROGENEOUS_SPREAD:
        return Descriptor("heterogeneous", min(dark_sure, _sure(f.inner_spread - HETEROGENEOUS_SPREAD, 0.15)))
    spread_sure = _sure(f.inner_spread - HETEROGENEOUS_SPREAD, 0.15)
    if f.echo_ratio > ISOECHOIC_RATIO:
        return Descriptor("isoechoic", min(dark_sure, spread_sure, _sure(f.echo_ratio - ISOECHOIC_RATIO, 0.1)))
    return Descriptor("hypoechoic", min(dark_sure, spread_sure, _sure(f.echo_ratio - ISOECHOIC_RATIO, 0.1)))


def _posterior(f: LesionFeatures) -> Descriptor:
    bright, dark = math.log(ENHANCEMENT_RATIO), math.log(SHADOWING_RATIO)
    left, right = math.log(max(f.posterior_left, 1e-6)), math.log(max(f.posterior_right, 1e-6))
    # Combined: one half of the shadow zone enhanced, the other shadowed (e.g. a cyst with a calcified wall).
    if (left > bright and right < dark) or (right > bright and left < dark):
        return Descriptor("combined", _sure(min(max(left, right) - bright, dark - min(left, right)), 0.15))
    ratio = math.log(max(f.posterior_ratio, 1e-6))
    if ratio > bright:
        return Descriptor("enhancement", _sure(ratio - bright, 0.15))
    if ratio < dark:
        return Descriptor("shadowing", _sure(ratio - dark, 0.15))
    return Descriptor("none", _sure(min(bright - ratio, ratio - dark), 0.15))


def _learned(head: LogisticHead, features: LesionFeatures, probability: float | None = None) -> Descriptor:
    chances = head.probabilities(features, probability)
    word = max(chances, key=chances.__getitem__)
    return Descriptor(word, chances[word])


def describe_with(features: LesionFeatures, heads: BiradsHeads) -> tuple[dict[str, Descriptor], dict[str, str]]:
    """The descriptors by the shipped choice of rule or head per descriptor, and which decided each.

    The margin is decided in two steps, each by its head or its rule: circumscribed or not, then, when
    not, which way (spiculated, angular, microlobulated, indistinct).
    """
    found = describe(features)
    methods = dict.fromkeys(DESCRIPTORS, RULE)
    for name in DESCRIPTORS:
        head = heads.get(name)
        if head is not None:
            found[name], methods[name] = _learned(head, features), LEARNED
    circumscribed_head, subtype_head = heads.get("margin_circumscribed"), heads.get("margin_subtype")
    if circumscribed_head is not None or subtype_head is not None:
        solid_sure = _sure(features.solidity - IRREGULAR_SOLIDITY, 0.03)
        step = found["margin"]
        if circumscribed_head is not None:
            chances = circumscribed_head.probabilities(features)
            word = max(CIRCUMSCRIBED_WORDS, key=chances.__getitem__)
            step, solid_sure = Descriptor(word, chances[word]), chances[word]
        if step.value == "circumscribed":
            found["margin"] = Descriptor("circumscribed", step.confidence)
        else:
            subtype = _learned(subtype_head, features) if subtype_head is not None else _margin_subtype(features, solid_sure)
            found["margin"] = Descriptor(subtype.value, min(solid_sure, subtype.confidence))
        methods["margin"] = LEARNED
    return found, methods


def learned_category(head: LogisticHead, features: LesionFeatures, probability: float | None) -> str:
    """The category of the learned category head: its expected category index, rounded (the choice that
    quadratic-weighted agreement rewards)."""
    chances = head.probabilities(features, probability)
    expected = sum(CATEGORIES.index(word) * p for word, p in chances.items())
    return CATEGORIES[int(min(max(round(expected), 0), len(CATEGORIES) - 1))]


def suspicious_points(descriptors: dict[str, Descriptor]) -> int:
    """Points for suspicious descriptors: irregular shape 2 (it also makes the margin not circumscribed),
    not parallel 1, posterior shadowing 1, a spiculated or angular margin 1."""
    return (2 * (descriptors["shape"].value == "irregular")
            + (descriptors["orientation"].value == "not parallel")
            + (descriptors["posterior_features"].value == "shadowing")
            + (descriptors["margin"].value in ("spiculated", "angular")))


def is_simple_cyst(descriptors: dict[str, Descriptor]) -> bool:
    """Anechoic, circumscribed, oval or round: the atlas's simple cyst (category 2)."""
    return (descriptors["echo_pattern"].value == "anechoic" and descriptors["margin"].value == "circumscribed"
            and descriptors["shape"].value in ("oval", "round"))


def descriptor_category(descriptors: dict[str, Descriptor]) -> str:
    """The category the descriptors alone point to (0 suspicious points 3, 1 4A, 2 4B, 3 4C, 4+ 5)."""
    return CATEGORIES[_POINTS_TO_CATEGORY[min(suspicious_points(descriptors), len(_POINTS_TO_CATEGORY) - 1)]]


def suggest_category(descriptors: dict[str, Descriptor], probability: float | None) -> str:
    """The suggested category from the descriptors and the malignancy probability.

    A simple cyst is 2. Otherwise the descriptors give a level (:func:`descriptor_category`) and the
    probability its atlas band; the suggestion is halfway between them, rounded towards the more
    suspicious. Without a probability the level alone.
    """
    if is_simple_cyst(descriptors):
        return "2"
    level = CATEGORIES.index(descriptor_category(descriptors))
    if probability is None:
        return CATEGORIES[level]
    band = CATEGORIES.index(category_for_probability(probability))
    return CATEGORIES[math.ceil((level + band) / 2)]


def reason_line(descriptors: dict[str, Descriptor], probability: float | None, category: str,
                learned: bool = False) -> str:
    """One line for the reader, e.g. ``irregular, not circumscribed, not parallel; malignancy 0.62 -> 4C``.

    When the descriptors and the probability band point to different categories, both are named;
    ``learned``: the category came from the learned head, which weighs the probability with the lesion's
    features.
    """
    margin = descriptors["margin"].value
    words = [descriptors["shape"].value,
             "circumscribed" if margin == "circumscribed" else f"not circumscribed ({margin})",
             descriptors["orientation"].value, descriptors["echo_pattern"].value]
    posterior = descriptors["posterior_features"].value
    if posterior != "none":
        words.append(f"posterior {posterior}")
    if learned:
        weighed = f"malignancy {probability:.2f} ({category_for_probability(probability)}) with" if probability is not None else "from"
        tail = f"{weighed} the lesion's features -> {category}"
    elif is_simple_cyst(descriptors):
        tail = f"simple cyst -> {category}"
    elif probability is None:
        tail = f"-> {category}"
    else:
        band, level = category_for_probability(probability), descriptor_category(descriptors)
        tail = f"malignancy {probability:.2f} -> {category}"
        if band != level:
            tail = f"malignancy {probability:.2f} ({band}), descriptors ({level}) -> {category}"
    return f"{', '.join(words)}; {tail}"


def assess_lesion(image: np.ndarray, mask: np.ndarray, probabilities: object | None = None,
                  heads: BiradsHeads | None = None) -> BiradsAssessment | None:
    """Describe the largest lesion of ``mask`` in ``image`` and suggest its category.

    Parameters
    ----------
    image
        uint8 grey (H, W) frame.
    mask
        bool (H, W) current lesion mask.
    probabilities
        The network's class probabilities in ``CLASS_NAMES`` order, or None (descriptors only).
    heads
        Learned heads; by default the shipped ones (``resources/birads_heads.json``), ``NO_HEADS`` for
        the rules alone.

    Returns
    -------
    BiradsAssessment or None
        None when the mask holds no lesion big enough to describe.
    """
    features = lesion_features(np.asarray(image), np.asarray(mask, dtype=bool))
    if features is None:
        return None
    heads = shipped_heads() if heads is None else heads
    found, methods = describe_with(features, heads)
    probability = malignancy_probability(probabilities) if probabilities is not None else None
    category_head = heads.get("category")
    learned = category_head is not None and (probability is not None or not category_head.reads_probability)
    if learned and category_head is not None:
        category = learned_category(category_head, features, probability)
    else:
        category = suggest_category(found, probability)
    methods["category"] = LEARNED if learned else RULE
    return BiradsAssessment(
        **found, malignancy_probability=probability, category=category,
        category_from_probability=category_for_probability(probability) if probability is not None else None,
        reason=reason_line(found, probability, category, learned), features=features, methods=methods,
    )
