"""Reader prompts that steer the AI's outline: clicks that say "lesion here" / "not lesion", and boxes.

Positions are source pixels (row, column), so prompts survive any change of network input size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PromptKind = Literal["positive", "negative", "box"]

#: What draws the outline from prompts, in the words the review panel and ``evaluate`` show: the network's
#: guidance channels, or the weight-free GrabCut fallback for weights without them.
GUIDED_METHOD = "guided network"
GRABCUT_METHOD = "GrabCut (these weights take no prompts)"


@dataclass(frozen=True)
class Prompt:
    """One gesture: a click at (row, col), or a box from (row, col) to (row2, col2) inclusive."""

    kind: PromptKind
    row: float
    col: float
    row2: float | None = None
    col2: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("positive", "negative", "box"):
            raise ValueError(f"unknown prompt kind {self.kind!r}")
        if self.kind == "box" and (self.row2 is None or self.col2 is None):
            raise ValueError("a box prompt needs both corners")

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"kind": self.kind, "row": self.row, "col": self.col}
        if self.kind == "box":
            out.update(row2=self.row2, col2=self.col2)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Prompt:
        def num(key: str) -> float | None:
            value = data.get(key)
            return None if value is None else float(value)  # type: ignore[arg-type]

        return cls(str(data["kind"]), float(data["row"]), float(data["col"]), num("row2"), num("col2"))  # type: ignore[arg-type]
