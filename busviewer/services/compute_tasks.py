"""The production task table of the compute process: request type -> handler. Runs only in the child.

Each handler takes the lane's context and one typed request (``busviewer.services.compute.requests``) and
returns plain values, so everything crosses the pipe as pickled numpy data and dataclasses that import
neither torch nor Qt. Networks are cached per lane and reloaded when the weights file changes (a
fine-tuned version activated, a file replaced).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import numpy as np

from busviewer.core.prompt_merge import merge_gestures
from busviewer.core.review_state import HeatMap
from busviewer.services.compute.requests import (
    ExplainRequest,
    FineTuneRequest,
    ModelSpec,
    PredictFrameRequest,
    PromptRequest,
)
from busviewer.services.results import PromptResult, ProposalResult, reduce_for_display

log = logging.getLogger("busviewer.compute")

_torch_lock = threading.Lock()


def warm_up() -> None:
    """Import torch and the network code, and leave one core to the GUI process."""
    with _torch_lock:
        import torch

        import busviewer.ml.gradcam
        import busviewer.ml.inference  # noqa: F401 - loaded now so the first request does not wait for it

        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        torch.set_num_threads(max(1, cores - 1))


def _stamp(weights: Path) -> tuple[int, int] | None:
    try:
        status = weights.stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


def cached_model(context: Any, kind: str, spec: ModelSpec) -> Any:
    """The lane's ``predictor`` or ``gradcam`` network for ``spec``, loaded when new or changed."""
    weights = Path(spec.weights)
    key = (str(weights), spec.device, _stamp(weights))
    cached = context.models.get(kind)
    if cached is not None and cached[0] == key:
        return cached[1]
    warm_up()
    if kind == "predictor":
        from busviewer.ml.inference import Predictor

        model: Any = Predictor(weights, device=spec.device)
    else:
        from busviewer.ml.gradcam import GradCamExplainer

        model = GradCamExplainer(weights, device=spec.device)
    context.models[kind] = (key, model)
    log.info("loaded %s %s on %s", kind, model.model_id, spec.device)
    return model


def predict_frame(context: Any, request: PredictFrameRequest) -> ProposalResult:
    """The AI proposal for one uint8 grey frame, with its uncertainty map reduced for display.

    The full-size float maps stay here: the review shows only display-size forms, and unpickling ~100 MB
    of maps for a 4000 x 3000 frame would hold the GUI process's GIL for ~50 ms.
    """
    predictor = cached_model(context, "predictor", request.model)
    prediction = predictor.predict(request.grey, frame_index=request.frame_index)
    return ProposalResult(
        prediction=prediction.without_maps(),
        uncertainty=reduce_for_display(prediction.uncertainty),
        uncertainty_score=prediction.uncertainty_score,
        model_id=prediction.model_id,
        device=prediction.device,
    )


def outline_from_prompts(context: Any, request: PromptRequest) -> PromptResult:
    """The outline the frame's prompts give, merged into the reader's mask; only the rewritten rectangle returns.

    Weights with guidance inputs rerun the network with the prompts; others use the GrabCut fallback on
    the frame's AI probability, computed once per frame (``frame_key``) and reused for every later click.
    """
    from busviewer.ml.interactive import GRABCUT, grabcut_outline
    from busviewer.ml.interactive import outline_from_prompts as prompted_outline
    from busviewer.ml.postprocess import probability_to_mask

    predictor = cached_model(context, "predictor", request.model)
    if predictor.takes_prompts or not request.frame_key:
        outline = prompted_outline(predictor, request.grey, request.prompts, request.frame_index)
        mask, method = outline.mask, outline.method
    else:
        key = (request.frame_key, predictor.model_id, request.grey.shape)
        cached = context.models.get("prompt-probability")
        if cached is None or cached[0] != key:
            probability = predictor.predict(request.grey, frame_index=request.frame_index).lesion_probability
            cached = (key, (probability, probability_to_mask(probability)))
            context.models["prompt-probability"] = cached
        probability, base = cached[1]
        mask, method = grabcut_outline(request.grey, probability, request.prompts, base), GRABCUT
    if request.current_mask is None or not request.gestures:
        rows, cols = mask.shape
        return PromptResult((0, rows, 0, cols), mask, method, predictor.model_id)
    merged = merge_gestures(request.current_mask, mask, request.gestures)
    return PromptResult(merged.box, merged.pixels, method, predictor.model_id, merged.replaced_pixels,
                        merged.added_pixels, merged.summary())  # fmt: skip


def explain(context: Any, request: ExplainRequest) -> HeatMap | np.ndarray:
    """Grad-CAM of the request's target: reduced for display, or the float map at the frame's size."""
    heat = np.asarray(cached_model(context, "gradcam", request.model).explain(request.grey, request.target))
    return reduce_for_display(heat) if request.for_display else heat


def fine_tune(context: Any, request: FineTuneRequest) -> Generator[Any, None, Any]:
    """Train and register a candidate version (see ``busviewer.services.finetune_training``)."""
    from busviewer.services.finetune_training import train_candidate

    warm_up()
    return train_candidate(request, should_stop=context.should_stop)


TASKS: dict[type, Callable[..., Any]] = {
    PredictFrameRequest: predict_frame,
    PromptRequest: outline_from_prompts,
    ExplainRequest: explain,
    FineTuneRequest: fine_tune,
}
