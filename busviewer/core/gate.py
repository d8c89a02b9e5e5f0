"""The fine-tune gate: the one rule that decides whether a candidate may replace the model without an override.

A candidate is accepted only when its validation Dice is strictly higher than the model it was trained
from, on the same held-out cases: a tie is no evidence that the change helps, and every activation
changes what readers are shown. Versions the gate did not measure (imported files) are "not gated".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from busviewer.core.constants import MIN_HELD_OUT_LESION_SCANS, MIN_HELD_OUT_PATIENTS

#: What the registry and the GUI call each state of a version.
ACCEPTED = "accepted"
REFUSED = "refused"
NOT_GATED = "not gated"
SHIPPED = "shipped"


def gate_accepts(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    """True when the candidate's validation Dice (``after``) is strictly above the parent's (``before``)."""
    old, new = _dice(before), _dice(after)
    return old is not None and new is not None and new > old


@dataclass(frozen=True)
class GateDecision:
    """The verdict with its one-sentence reason and the held-out counts it rests on."""

    accepted: bool
    reason: str
    held_out_patients: int
    held_out_lesion_scans: int
    held_out_normal_scans: int


def gate_decision(
    before: Mapping[str, Any], after: Mapping[str, Any], held_out_patients: int
) -> GateDecision:
    """Accept only with enough held-out patients and lesion scans, a strictly higher lesion Dice, and
    no more false outlines on normal scans: a fine-tune never trades lesion Dice for fewer false
    positives (or the reverse) silently."""
    lesion = int(after.get("n_lesion_images") or 0)
    normal = int(after.get("n_images") or 0) - lesion
    counts = (held_out_patients, lesion, normal)
    if held_out_patients < MIN_HELD_OUT_PATIENTS:
        return GateDecision(False, f"only {held_out_patients} held-out patient(s); the gate needs "
                                   f"{MIN_HELD_OUT_PATIENTS} to tell a better model from luck", *counts)
    if lesion < MIN_HELD_OUT_LESION_SCANS:
        return GateDecision(False, f"only {lesion} held-out lesion scan(s); the gate needs "
                                   f"{MIN_HELD_OUT_LESION_SCANS}", *counts)
    if not gate_accepts(before, after):
        return GateDecision(False, f"lesion {dice_change_text(before, after)} did not rise", *counts)
    fp_before, fp_after = before.get("normal_fp_rate"), after.get("normal_fp_rate")
    if isinstance(fp_before, float) and isinstance(fp_after, float) and fp_after > fp_before:
        return GateDecision(False, f"lesion Dice rose but false outlines on normal scans rose "
                                   f"{fp_before:.2f} -> {fp_after:.2f}", *counts)
    return GateDecision(True, f"lesion {dice_change_text(before, after)} on {lesion} scans of "
                              f"{held_out_patients} held-out patients", *counts)


def dice_change_text(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    """E.g. ``Dice 0.712 -> 0.705 (-0.007)``; ``Dice not measured`` when either side is missing."""
    old, new = _dice(before), _dice(after)
    if old is None or new is None:
        return "Dice not measured"
    return f"Dice {old:.3f} -> {new:.3f} ({new - old:+.3f})"


def _dice(metrics: Mapping[str, Any]) -> float | None:
    value = metrics.get("dice")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
