"""The compute process's answer to a Point-tool gesture: the outline near the lesion, merged into the
reader's mask, with the frame kept between clicks. Runs only in the child.

A click on a 12-megapixel frame would otherwise pay for the whole frame several times over: sending it
through the pipe, letterboxing it, upsampling the lesion map to it and merging full-size masks. Here the
frame and its letterboxed network image are kept per frame (the GUI sends the frame only when asked:
``FrameNeeded``), the map is upsampled only around the lesion (``busviewer.ml.region_outline``), and the
masks travel as regions (``MaskRegion``).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from busviewer.core.mask_region import MaskRegion
from busviewer.core.prompt_merge import merge_regions
from busviewer.services.compute.requests import PromptRequest
from busviewer.services.results import FrameNeeded, PromptResult

#: Frames kept per lane: the one under review and a few the reader flips between (cine, next case).
KEPT_FRAMES = 4


@dataclass
class _Frame:
    """A frame kept between clicks, and what was computed from it once per model."""

    grey: np.ndarray
    images: dict[str, Any] = field(default_factory=dict)  # model id -> NetworkImage
    fallback_maps: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)  # model id -> (probability, mask)


def _frame(context: Any, request: PromptRequest) -> _Frame | None:
    """The request's frame: the one it carries (then kept), the one kept under its key, or None."""
    frames: OrderedDict[str, _Frame] = context.models.setdefault("prompt-frames", OrderedDict())
    key = request.frame_key
    if request.grey is not None:
        frame = _Frame(np.asarray(request.grey))
        if key:
            frames[key] = frame
            frames.move_to_end(key)
            while len(frames) > KEPT_FRAMES:
                frames.popitem(last=False)
        return frame
    kept = frames.get(key) if key else None
    if kept is not None:
        frames.move_to_end(key)
    return kept


def _outline(predictor: Any, frame: _Frame, request: PromptRequest) -> tuple[MaskRegion, str]:
    """The outline of every prompt of the frame, as a region, and the method that drew it."""
    from busviewer.ml.interactive import GRABCUT, GUIDED, grabcut_outline
    from busviewer.ml.postprocess import probability_to_mask
    from busviewer.ml.region_outline import region_outline

    model_id = predictor.model_id
    if predictor.takes_prompts:
        image = frame.images.get(model_id)
        if image is None:
            image = frame.images[model_id] = predictor.prepare_image(frame.grey)
        lesion, _classes, _disagreement, _features, box = predictor.forward(None, request.prompts, image)
        return region_outline(lesion, box), GUIDED
    # The weight-free fallback: the frame's AI probability, computed once, seeds GrabCut for every click.
    maps = frame.fallback_maps.get(model_id)
    if maps is None:
        probability = predictor.predict(frame.grey, frame_index=request.frame_index).lesion_probability
        maps = frame.fallback_maps[model_id] = (probability, probability_to_mask(probability))
    probability, base = maps
    return MaskRegion.from_dense(grabcut_outline(frame.grey, probability, request.prompts, base)), GRABCUT


def answer_prompt(context: Any, request: PromptRequest, predictor: Any) -> PromptResult | FrameNeeded:
    """The outline the frame's prompts give, merged into the reader's mask; only the rewritten rectangle returns.

    ``predictor`` is the lane's ``Predictor`` for the request's weights. Weights with guidance inputs
    rerun the network with the prompts; others use the GrabCut fallback on the frame's AI probability. A
    request without its frame whose frame is not kept is answered with ``FrameNeeded`` (the first click on
    a frame, or a restarted compute process).
    """
    frame = _frame(context, request)
    if frame is None:
        return FrameNeeded(request.frame_key)
    outline, method = _outline(predictor, frame, request)
    if request.current_mask is None or not request.gestures:
        return PromptResult((0, outline.shape[0], 0, outline.shape[1]), outline.to_dense(), method, predictor.model_id)
    merged = merge_regions(request.current_mask, outline, request.gestures)
    return PromptResult(merged.box, merged.pixels, method, predictor.model_id, merged.replaced_pixels,
                        merged.added_pixels, merged.summary())  # fmt: skip
