"""Fine-tuning replays the reader's Point-tool prompts as guidance: carried from the store record to the
training arrays, mapped into the cached imaging area, and drawn at the same place in the network input."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from busviewer.core.case import CaseRecord, FrameReview, ReviewStatus
from busviewer.core.finetune_cases import collect_cases_with_report
from busviewer.core.prompts import Prompt
from busviewer.ml.dataset import CaseArrays
from busviewer.ml.imaging_area import ImagingArea
from busviewer.ml.letterbox import Letterbox

SHAPE = (90, 120)
CLICK = Prompt("positive", 40.0, 52.0)  # inside the lesion, off its centre


def _case() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    image = rng.integers(90, 180, size=SHAPE).astype(np.uint8)
    rr, cc = np.ogrid[: SHAPE[0], : SHAPE[1]]
    mask = (rr - 45) ** 2 + (cc - 60) ** 2 < 15**2
    image[mask] = 30
    return image, mask


def test_collected_cases_carry_the_prompts_of_their_frame() -> None:
    image, mask = _case()
    frame = FrameReview(0, ai_mask=np.zeros_like(mask), current_mask=mask, prompts=(CLICK,))
    record = CaseRecord("a.png", Path("a.png"), ReviewStatus.CORRECTED, reviewer_class="benign", frames={0: frame})
    collection = collect_cases_with_report([record], lambda _path, _index: image)
    assert collection.cases[0].prompts == (CLICK,)


def test_a_share_of_training_draws_replays_the_readers_click_where_it_was_given() -> None:
    image, mask = _case()
    arrays = CaseArrays([image], [mask], [1], input_size=64, guided=True, prompts=[(CLICK,)])
    (area_click,) = arrays.prompts[0]
    img = arrays.images[0]
    expected = Letterbox(img.shape[:2], ImagingArea.whole(img.shape), 64).point_to_input(area_click.row, area_click.col)
    rng = np.random.default_rng(1)
    replayed = 0
    for _ in range(40):
        x, truth = arrays._one(0, rng, 0.5)
        positive = x[1]
        if positive.max() > 0.9:
            peak = np.unravel_index(int(positive.argmax()), positive.shape)
            if abs(peak[0] - expected[0]) <= 1 and abs(peak[1] - expected[1]) <= 1 and not x[2].any() and not x[3].any():
                replayed += 1
                assert truth[peak] > 0.5, "the replayed click must land on the lesion"
    assert 5 <= replayed <= 35, replayed
    x, _ = arrays._one(0, None, 0.5)
    assert not x[1:].any(), "validation draws carry no guidance"


def test_cases_without_prompts_simulate_as_before() -> None:
    image, mask = _case()
    arrays = CaseArrays([image], [mask], [1], input_size=64, guided=True)
    assert arrays.prompts == [()]
