"""The fine-tune gate: the one rule that decides whether a candidate may replace the model without an override.

A candidate is accepted only when its validation Dice is strictly higher than the model it was trained
from, on the same held-out cases: a tie is no evidence that the change helps, and every activation
changes what readers are shown. Versions the gate did not measure (imported files) are "not gated".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: What the registry and the GUI call each state of a version.
ACCEPTED = "accepted"
REFUSED = "refused"
NOT_GATED = "not gated"
SHIPPED = "shipped"


def gate_accepts(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    """True when the candidate's validation Dice (``after``) is strictly above the parent's (``before``)."""
    old, new = _dice(before), _dice(after)
    return old is not None and new is not None and new > old


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
