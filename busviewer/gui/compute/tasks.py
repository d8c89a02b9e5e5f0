"""What the compute process can do, by name; runs only in the child, where torch may load.

Each task takes the lane's context and plain arguments (arrays, paths, dataclasses) and returns plain
values, so everything crosses the pipe as pickled numpy data. Networks are cached per lane and reloaded
when the weights file changes (a fine-tuned version activated, a file replaced).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import numpy as np

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


def cached_model(context: Any, kind: str, weights: str | Path, device: str) -> Any:
    """The lane's ``predictor`` or ``gradcam`` network for ``weights``, loaded when new or changed."""
    weights = Path(weights)
    key = (str(weights), device, _stamp(weights))
    cached = context.models.get(kind)
    if cached is not None and cached[0] == key:
        return cached[1]
    warm_up()
    if kind == "predictor":
        from busviewer.ml.inference import Predictor

        model: Any = Predictor(weights, device=device)
    else:
        from busviewer.ml.gradcam import GradCamExplainer

        model = GradCamExplainer(weights, device=device)
    context.models[kind] = (key, model)
    log.info("loaded %s %s on %s", kind, model.model_id, device)
    return model


def predict_frame(context: Any, weights: str, device: str, grey: np.ndarray, frame_index: int) -> Any:
    """The AI proposal for one uint8 grey frame, with its uncertainty map reduced for display.

    The full-size float maps stay here: the review shows only display-size forms, and unpickling ~100 MB
    of maps for a 4000 x 3000 frame would hold the GUI process's GIL for ~50 ms.
    """
    from busviewer.gui.review.model_jobs import ProposalResult, reduce_for_display

    prediction = cached_model(context, "predictor", weights, device).predict(grey, frame_index=frame_index)
    return ProposalResult(
        prediction=prediction.without_maps(),
        uncertainty=reduce_for_display(prediction.uncertainty),
        uncertainty_score=prediction.uncertainty_score,
        model_id=prediction.model_id,
        device=prediction.device,
    )


def explain_for_display(context: Any, weights: str, device: str, grey: np.ndarray, target: str) -> Any:
    """Grad-CAM of ``target`` reduced for display (a ``HeatMap``)."""
    from busviewer.gui.review.model_jobs import reduce_for_display

    return reduce_for_display(explain(context, weights, device, grey, target))


def explain(context: Any, weights: str, device: str, grey: np.ndarray, target: str) -> np.ndarray:
    """Grad-CAM of ``target`` (a class name or ``lesion``) at the frame's size."""
    return np.asarray(cached_model(context, "gradcam", weights, device).explain(grey, target))


def fine_tune(context: Any, *args: Any) -> Generator[Any, None, Any]:
    """Train and register a candidate version (see ``busviewer.gui.finetune.job.train_candidate``)."""
    from busviewer.gui.finetune.job import train_candidate

    warm_up()
    return train_candidate(*args, should_stop=context.should_stop)


def describe(context: Any) -> dict[str, Any]:
    """Who is answering: process id and whether torch is loaded (for tests and the log)."""
    import sys

    return {"pid": os.getpid(), "torch_loaded": "torch" in sys.modules}


def count(context: Any, limit: int) -> Generator[int, None, int]:
    """Yield 0, 1, 2, ... as fast as possible until ``limit`` or a cancel; return how far it got (tests the
    cancel path of streams, which a real fine-tune takes too long to exercise)."""
    n = 0
    while n < limit and not context.should_stop():
        yield n
        n += 1
    return n


TASKS: dict[str, Callable[..., Any]] = {
    "count": count,
    "predict_frame": predict_frame,
    "explain_for_display": explain_for_display,
    "explain": explain,
    "fine_tune": fine_tune,
    "describe": describe,
}
