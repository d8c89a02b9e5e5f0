"""``evaluate --clicks N [--box]``: the standard click simulation, scored like the literature."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from busviewer.core.click_simulation import clicks_to_reach, next_click, simulated_box
from busviewer.core.metrics import dice_score


@dataclass
class InteractiveScores:
    """Per lesion image: Dice after each click, the proposal's Dice, and the box Dice."""

    clicks: int
    with_box: bool
    seed: int
    per_image: list[list[float]] = field(default_factory=list)
    start: list[float] = field(default_factory=list)
    box: list[float] = field(default_factory=list)
    seconds: float = 0.0
    forwards: int = 0
    method: str = ""

    def add(self, predictor: Any, grey: np.ndarray, truth: np.ndarray, proposal: np.ndarray, index: int) -> None:
        """Simulate the clicks on one lesion image, starting from the automatic ``proposal``."""
        from busviewer.ml.interactive import outline_from_prompts

        prompts: list[Any] = []
        mask = proposal
        dices: list[float] = []
        started = time.perf_counter()
        for _ in range(self.clicks):
            click = next_click(mask, truth)
            if click is not None:
                prompts.append(click)
                outline = outline_from_prompts(predictor, grey, prompts)
                mask, self.method = outline.mask, outline.method
                self.forwards += 1
            dices.append(dice_score(mask, truth, empty_value=1.0))
        if self.with_box:
            rng = np.random.default_rng([self.seed, index])
            outline = outline_from_prompts(predictor, grey, [simulated_box(truth, rng)])
            self.box.append(dice_score(outline.mask, truth, empty_value=1.0))
            self.forwards += 1
        self.seconds += time.perf_counter() - started
        self.per_image.append(dices)
        self.start.append(dice_score(proposal, truth, empty_value=1.0))

    def metrics(self) -> dict[str, Any]:
        if not self.per_image:
            return {}
        table = np.array(self.per_image)
        out: dict[str, Any] = {
            "dice_per_click": [float(v) for v in table.mean(axis=0)],
            "noc85": float(np.mean([clicks_to_reach(d, 0.85, s) for d, s in zip(self.per_image, self.start, strict=True)])),
            "noc90": float(np.mean([clicks_to_reach(d, 0.90, s) for d, s in zip(self.per_image, self.start, strict=True)])),
            "ms_per_click": 1000.0 * self.seconds / max(self.forwards, 1),
            "n_lesion_images": len(self.per_image),
            "method": self.method,
        }
        if self.with_box:
            out["box_dice"] = float(np.mean(self.box))
        return out
