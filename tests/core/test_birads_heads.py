"""Learned BI-RADS heads: the file format, the fit, the rule-or-head choice, and the heads in use."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from busviewer.core.birads import LEARNED, RULE, assess_lesion, describe_with
from busviewer.core.birads_design import DesignLesion, design_heads
from busviewer.core.birads_features import LesionFeatures
from busviewer.core.birads_fit import HeadSettings, argmax_words, fit_logistic, kappa_score, nested_head_score
from busviewer.core.birads_heads import (
    HEADS_FORMAT,
    NO_HEADS,
    BiradsHeads,
    LogisticHead,
    heads_from_json,
    read_heads,
    shipped_heads,
)
from tests.core.test_birads import _ellipse, _scene, _star

_NAMES = tuple(LesionFeatures.__dataclass_fields__)


def _features(**values: float) -> LesionFeatures:
    """A smooth oval, hypoechoic lesion without posterior features, with ``values`` changed."""
    base = {"aspect": 0.6, "ellipse_iou": 0.95, "solidity": 0.98, "roughness": 0.01, "spikes": 0, "corners": 0,
            "tilt_deg": 5.0, "depth_width": 0.6, "edge_contrast": 1.0, "echo_ratio": 0.4, "inner_spread": 0.3,
            "dark_fraction": 0.1, "posterior_ratio": 1.0, "posterior_left": 1.0, "posterior_right": 1.0}
    base.update(values)
    return LesionFeatures(**{k: (int(v) if k in ("spikes", "corners") else v) for k, v in base.items()})


def _edge_head() -> LogisticHead:
    """A circumscribed-or-not head that reads only the edge contrast: crisp edges (> 1) are circumscribed."""
    return LogisticHead(classes=("circumscribed", "not circumscribed"), inputs=("edge_contrast",),
                        mean=np.array([1.0]), scale=np.array([0.5]), weights=np.array([[4.0], [-4.0]]),
                        bias=np.zeros(2))


def test_a_head_file_round_trips_and_gives_the_same_probabilities(tmp_path: Path) -> None:
    heads = BiradsHeads({"margin_circumscribed": _edge_head()}, {"fitted_on": "test"})
    path = tmp_path / "heads.json"
    path.write_text(json.dumps(heads.as_json()), encoding="utf-8")
    loaded = read_heads(path)
    lesion = _features(edge_contrast=0.4)
    assert loaded.provenance == {"fitted_on": "test"}
    assert loaded.get("margin_circumscribed").probabilities(lesion) == pytest.approx(_edge_head().probabilities(lesion))  # type: ignore[union-attr]
    assert _edge_head().probabilities(lesion)["not circumscribed"] > 0.9


@pytest.mark.parametrize(("change", "message"), [
    ({"format": "other/1"}, "format"),
    ({"heads": {"calcification": {}}}, "unknown BI-RADS head"),
    ({"heads": {"shape": {"classes": ["oval", "round"], "inputs": ["solidity"], "mean": [0], "scale": [1],
                          "weights": [[1.0]], "bias": [0, 0]}}}, "shape"),
    ({"heads": {"shape": {"classes": ["oval", "round"], "inputs": ["colour"], "mean": [0], "scale": [1],
                          "weights": [[1.0], [0.0]], "bias": [0, 0]}}}, "unknown inputs"),
])
def test_a_malformed_head_file_is_refused_in_a_sentence(change: dict[str, object], message: str) -> None:
    data = {"format": HEADS_FORMAT, "provenance": {}, "heads": {}, **change}
    with pytest.raises(ValueError, match=message):
        heads_from_json(data)


def test_the_fit_learns_a_separable_word_and_never_chooses_an_absent_class() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(80, 2))
    y = ["round" if value > 0 else "oval" for value in x[:, 0]]
    head = fit_logistic(x, y, ("oval", "round", "irregular"), ("aspect", "solidity"), HeadSettings(10.0, False))
    assert np.mean([a == b for a, b in zip(argmax_words(head, x), y, strict=True)]) > 0.95
    assert "irregular" not in argmax_words(head, rng.normal(size=(200, 2)) * 5)


def test_nested_cross_validation_scores_signal_high_and_noise_near_zero() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(90, 3))
    signal = ["a" if value > 0 else "b" for value in x[:, 1]]
    noise = list(rng.choice(["a", "b"], size=90))
    names = ("aspect", "solidity", "roughness")
    assert nested_head_score(x, signal, ("a", "b"), names, argmax_words, kappa_score, 5, (0,)) > 0.8
    assert abs(nested_head_score(x, noise, ("a", "b"), names, argmax_words, kappa_score, 5, (0,))) < 0.3


def test_a_head_is_kept_only_where_it_beats_its_rule() -> None:
    rng = np.random.default_rng(2)
    lesions = []
    for _ in range(60):
        edge, solidity = rng.uniform(0, 2), rng.uniform(0.85, 1.0)
        # The radiologist's margin follows the edge contrast (which the rule ignores); the shape follows
        # the rule's own solidity threshold exactly.
        labels = {"margin": "circumscribed" if edge > 1 else "indistinct",
                  "shape": "irregular" if solidity < 0.94 else "oval"}
        lesions.append(DesignLesion(_features(edge_contrast=edge, solidity=solidity, aspect=0.5), labels))
    heads, report = design_heads(lesions, ("margin_circumscribed", "shape"), seeds=(0,))
    assert report["margin_circumscribed"]["kept"] and report["margin_circumscribed"]["head_nested_cv"] > 0.7
    assert not report["shape"]["kept"] and report["shape"]["rule"] == pytest.approx(1.0)
    assert sorted(heads.heads) == ["margin_circumscribed"]


def test_a_head_decides_where_given_and_the_rules_elsewhere() -> None:
    heads = BiradsHeads({"margin_circumscribed": _edge_head()}, {})
    smooth_but_blurred = _features(edge_contrast=0.2)
    found, methods = describe_with(smooth_but_blurred, heads)
    assert found["margin"].value == "indistinct" and methods["margin"] == LEARNED
    assert found["shape"].value == "oval" and methods["shape"] == RULE
    by_rule, rule_methods = describe_with(smooth_but_blurred, NO_HEADS)
    assert by_rule["margin"].value == "circumscribed" and rule_methods["margin"] == RULE


def test_the_shipped_heads_load_and_keep_the_known_answers_of_synthetic_shapes() -> None:
    heads = shipped_heads()
    assert heads.heads and heads.provenance["n_lesions"] >= 100  # the shipped file is there and says what it was fitted on
    ellipse, star = _ellipse(), _star()
    oval = assess_lesion(_scene(ellipse), ellipse, (0.1, 0.85, 0.05), heads=heads)
    spiky = assess_lesion(_scene(star), star, (0.05, 0.15, 0.8), heads=heads)
    assert oval is not None and spiky is not None
    assert (oval.shape.value, oval.margin.value) == ("oval", "circumscribed")
    assert spiky.shape.value == "irregular" and spiky.margin.value != "circumscribed"
    assert set(oval.methods) == {"shape", "orientation", "margin", "echo_pattern", "posterior_features", "category"}
    expected = {name for name in ("shape", "echo_pattern", "posterior_features", "category") if heads.get(name)}
    if heads.get("margin_circumscribed") or heads.get("margin_subtype"):
        expected.add("margin")
    assert {name for name, how in oval.methods.items() if how == LEARNED} == expected
