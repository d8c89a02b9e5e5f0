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

from busviewer.core.review_state import HeatMap
from busviewer.services.compute.requests import (
    ExplainRequest,
    FineTuneRequest,
    ModelSpec,
    PredictFrameRequest,
    PromptRequest,
)
from busviewer.services.prompt_task import answer_prompt
from busviewer.services.results import FrameNeeded, PromptResult, ProposalResult, reduce_for_display

log = logging.getLogger("busviewer.compute")

#: How much nicer than the rest of the compute process background training runs (Linux thread niceness).
BACKGROUND_NICENESS = 10

_torch_lock = threading.Lock()


def warm_up() -> None:
    """Import torch and the network code, and leave one core to the GUI process."""
    with _torch_lock:
        import torch

        import busviewer.ml.gradcam
        import busviewer.ml.inference  # noqa: F401 - loaded now so the first request does not wait for it

        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        torch.set_num_threads(max(1, cores - 1))


def lower_this_threads_priority(niceness: int) -> None:
    """Make the calling thread ``niceness`` steps nicer than its process (Linux keeps niceness per thread;
    asking again changes nothing); a no-op where the system cannot (that costs responsiveness, never results)."""
    try:
        thread = threading.get_native_id()
        wanted = os.getpriority(os.PRIO_PROCESS, os.getpid()) + niceness
        if os.getpriority(os.PRIO_PROCESS, thread) < wanted:
            os.setpriority(os.PRIO_PROCESS, thread, wanted)
    except (AttributeError, OSError) as exc:
        log.info("background training keeps its priority (%s)", exc)


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


def outline_from_prompts(context: Any, request: PromptRequest) -> PromptResult | FrameNeeded:
    """The outline the frame's prompts give, merged into the reader's mask (``busviewer.services.prompt_task``)."""
    return answer_prompt(context, request, cached_model(context, "predictor", request.model))


def explain(context: Any, request: ExplainRequest) -> HeatMap | np.ndarray:
    """Grad-CAM of the request's target: reduced for display, or the float map at the frame's size."""
    heat = np.asarray(cached_model(context, "gradcam", request.model).explain(request.grey, request.target))
    return reduce_for_display(heat) if request.for_display else heat


def fine_tune(context: Any, request: FineTuneRequest) -> Generator[Any, None, Any]:
    """Train and register a candidate version (see ``busviewer.services.finetune_training``)."""
    from busviewer.services.finetune_training import train_candidate

    warm_up()
    # The fine-tune lane only trains: it yields the CPU to the reader's inference and to the GUI process.
    lower_this_threads_priority(BACKGROUND_NICENESS)
    return train_candidate(request, should_stop=context.should_stop)


TASKS: dict[type, Callable[..., Any]] = {
    PredictFrameRequest: predict_frame,
    PromptRequest: outline_from_prompts,
    ExplainRequest: explain,
    FineTuneRequest: fine_tune,
}
