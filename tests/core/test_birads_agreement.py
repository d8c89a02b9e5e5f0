"""Cohen's kappa against hand-worked values, and the table's words mapped onto the lexicon."""

from __future__ import annotations

import pytest

from busviewer.core.birads import Descriptor
from busviewer.core.birads_agreement import BiradsAgreement, table_labels
from busviewer.core.metrics import cohen_kappa


def test_kappa_of_the_textbook_two_by_two_table() -> None:
    # 50 items: both yes 20, yes/no 5, no/yes 10, both no 15 -> po 0.7, pe 0.5, kappa 0.4.
    truth = ["yes"] * 25 + ["no"] * 25
    pred = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(truth, pred) == pytest.approx(0.4)


def test_kappa_is_one_for_agreement_and_none_when_undefined() -> None:
    assert cohen_kappa(["a", "b", "c"], ["a", "b", "c"]) == pytest.approx(1.0)
    assert cohen_kappa(["a", "a"], ["a", "a"]) is None
    assert cohen_kappa([], []) is None
    with pytest.raises(ValueError):
        cohen_kappa(["a"], ["a", "b"])


def test_quadratic_weighted_kappa_by_hand() -> None:
    labels = ["1", "2", "3"]
    truth = ["1", "1", "2", "2", "3", "3"]
    pred = ["1", "2", "2", "3", "3", "1"]
    # Observed disagreements (weights (i-j)^2): 1->2: 1, 2->3: 1, 3->1: 4 -> sum 6 / 6 items = 1.
    # Marginals are uniform (2 each), so expected = sum_ij (1/3)(1/3)(i-j)^2 = (2*1*2 + 2*4) / 9 = 12/9.
    assert cohen_kappa(truth, pred, labels, weights="quadratic") == pytest.approx(1 - 1 / (12 / 9))
    # One step off costs less than two under weighting: 3->1 is the worst disagreement.
    near = ["1", "2", "2", "3", "3", "2"]
    assert cohen_kappa(truth, near, labels, "quadratic") > cohen_kappa(truth, pred, labels, "quadratic")


def _row(**overrides: str) -> dict[str, str]:
    row = {"Shape": "oval", "Margin": "circumscribed", "Echogenicity": "hypoechoic",
           "Posterior_features": "no", "BIRADS": "4a"}
    row.update(overrides)
    return row


def test_table_words_become_lexicon_words() -> None:
    labels = table_labels(_row(Margin="not circumscribed - angular&microlobulated&indistinct",
                               Echogenicity="complex cystic/solid"))
    assert labels == {"shape": "oval", "margin": "angular", "echo_pattern": "complex cystic and solid",
                      "posterior_features": "none", "category": "4A"}
    assert table_labels(_row(Margin="not circumscribed - indistinct"))["margin"] == "indistinct"  # type: ignore[index]
    assert table_labels(_row(Shape="not applicable", BIRADS="1")) is None
    with pytest.raises(ValueError, match="Shape"):
        table_labels(_row(Shape="lobulated"))


def test_agreement_counts_circumscribed_versus_not_and_weights_the_category() -> None:
    from busviewer.core.birads import BiradsAssessment
    from busviewer.core.birads_features import LesionFeatures

    features = LesionFeatures(*([0.0] * 15))

    def assessment(margin: str, category: str) -> BiradsAssessment:
        sure = 0.9
        return BiradsAssessment(
            Descriptor("oval", sure), Descriptor("parallel", sure), Descriptor(margin, sure),
            Descriptor("hypoechoic", sure), Descriptor("none", sure), 0.3, category, "4B", "", features)

    agreement = BiradsAgreement()
    agreement.add(table_labels(_row(Margin="circumscribed", BIRADS="3")), assessment("circumscribed", "3"))  # type: ignore[arg-type]
    agreement.add(table_labels(_row(Margin="not circumscribed - spiculated", BIRADS="5")), assessment("indistinct", "4C"))  # type: ignore[arg-type]
    agreement.add(table_labels(_row(Margin="circumscribed", BIRADS="2")), None)  # type: ignore[arg-type]
    metrics = agreement.metrics()
    assert metrics["n_cases"] == 2 and metrics["n_without_lesion"] == 1
    assert metrics["margin"]["accuracy"] == 0.5
    assert metrics["margin_circumscribed"]["accuracy"] == 1.0
    assert metrics["margin_circumscribed"]["kappa"] == pytest.approx(1.0)
    assert metrics["category"]["weighted_kappa"] is not None
    assert "orientation" not in metrics
