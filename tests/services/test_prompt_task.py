"""The compute process's answer to a gesture: computed near the lesion on the kept frame, it is the
answer the whole-frame path gives (the outline at full size, merged into the full mask)."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from busviewer.core.mask_region import MaskRegion
from busviewer.core.prompt_merge import Gesture, merge_gestures
from busviewer.core.prompts import Prompt
from busviewer.services import compute_tasks
from busviewer.services.compute.requests import ModelSpec, PromptRequest
from busviewer.services.results import FrameNeeded, PromptResult

SHAPE = (300, 420)


class _Context:
    def __init__(self) -> None:
        self.models: dict[str, Any] = {}


def _weights(folder: Path, in_channels: int) -> Path:
    import torch

    from busviewer.ml.checkpoint import save_weights
    from busviewer.ml.network import build_network

    torch.manual_seed(3)
    path = folder / f"tiny{in_channels}.safetensors"
    save_weights(build_network(channels=(4, 8, 16), in_channels=in_channels, norm="instance"), path,
                 metadata={"preprocessing": "imaging-area-letterbox"})  # fmt: skip
    return path


def _frame() -> np.ndarray:
    rng = np.random.default_rng(0)
    grey = rng.integers(60, 200, SHAPE).astype(np.uint8)
    yy, xx = np.mgrid[: SHAPE[0], : SHAPE[1]]
    grey[(yy - 150) ** 2 + (xx - 200) ** 2 < 60**2] = 20
    return grey


def _full_path(predictor: Any, grey: np.ndarray, prompts: tuple[Prompt, ...], current: np.ndarray,
               gestures: tuple[Gesture, ...]) -> Any:  # fmt: skip
    """What the compute process answered before regions: the outline at full size, merged into the full mask."""
    from busviewer.ml.interactive import outline_from_prompts

    outline = outline_from_prompts(predictor, grey, prompts).mask
    return merge_gestures(current, outline, gestures)


@pytest.mark.parametrize("in_channels", [4, 1], ids=["guided", "grabcut"])
def test_the_kept_frame_and_region_answer_equal_the_whole_frame_answer(tmp_path: Path, in_channels: int) -> None:
    weights = _weights(tmp_path, in_channels)
    spec = ModelSpec(weights, "cpu")
    context = _Context()
    predictor = compute_tasks.cached_model(context, "predictor", spec)  # the network the requests use
    grey = _frame()
    current = np.zeros(SHAPE, bool)
    current[20:60, 30:90] = True  # the reader's brush work elsewhere
    steps = [Prompt("positive", 150, 200), Prompt("negative", 40, 60), Prompt("box", 90, 130, 210, 280)]
    prompts: tuple[Prompt, ...] = ()
    first = PromptRequest(spec, None, (steps[0],), 0, MaskRegion.from_dense(current), (Gesture(steps[0]),), "scan#0#ab")
    assert isinstance(compute_tasks.outline_from_prompts(context, first), FrameNeeded), "the frame is not kept yet"
    for index, prompt in enumerate(steps):
        prompts += (prompt,)
        gestures = (Gesture(prompt),)
        request = PromptRequest(spec, grey if index == 0 else None, prompts, 0, MaskRegion.from_dense(current),
                                gestures, "scan#0#ab")  # fmt: skip
        answer = pickle.loads(pickle.dumps(compute_tasks.outline_from_prompts(context, request)))
        assert isinstance(answer, PromptResult)
        expected = _full_path(predictor, grey, prompts, current, gestures)
        assert answer.box == expected.box
        assert (answer.pixels is None) == (expected.pixels is None)
        if expected.pixels is not None:
            assert np.array_equal(answer.pixels, expected.pixels)
            r0, r1, c0, c1 = expected.box
            current[r0:r1, c0:c1] = expected.pixels
        assert answer.summary == expected.summary()
