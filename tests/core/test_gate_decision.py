"""The gate decides only on enough held-out patients and lesion scans, and never trades lesion Dice
for false outlines (or the reverse) silently."""

from __future__ import annotations

from busviewer.core.gate import gate_decision


def _metrics(dice: float, fp: float | None, lesions: int = 10, images: int = 14) -> dict[str, object]:
    return {"dice": dice, "normal_fp_rate": fp, "n_lesion_images": lesions, "n_images": images}


def test_a_rise_on_enough_patients_is_accepted_and_says_why() -> None:
    decision = gate_decision(_metrics(0.60, 0.25), _metrics(0.65, 0.25), held_out_patients=3)
    assert decision.accepted and "3 held-out patients" in decision.reason
    assert (decision.held_out_lesion_scans, decision.held_out_normal_scans) == (10, 4)


def test_one_held_out_patient_is_not_enough_whatever_the_dice() -> None:
    decision = gate_decision(_metrics(0.40, 0.2), _metrics(0.90, 0.0), held_out_patients=1)
    assert not decision.accepted and "held-out patient" in decision.reason


def test_too_few_lesion_scans_is_refused() -> None:
    decision = gate_decision(_metrics(0.4, None, lesions=2, images=2), _metrics(0.9, None, lesions=2, images=2), 4)
    assert not decision.accepted and "lesion scan" in decision.reason


def test_more_false_outlines_refuse_a_dice_gain_and_a_dice_loss_refuses_fewer() -> None:
    assert not gate_decision(_metrics(0.60, 0.10), _metrics(0.70, 0.30), 3).accepted
    fewer_fp_worse_dice = gate_decision(_metrics(0.465, 0.38), _metrics(0.380, 0.11), 3)
    assert not fewer_fp_worse_dice.accepted and "did not rise" in fewer_fp_worse_dice.reason
