"""A handle on a network that lives in the compute process: the GUI's and the exports' way to run the model.

The GUI process never imports torch (see ``busviewer.services.compute``); these calls block a worker
thread until the compute process answers, never the GUI thread. Nothing here touches Qt.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from busviewer.core.mask_region import MaskRegion
from busviewer.core.prompt_merge import Gesture
from busviewer.core.prompts import Prompt
from busviewer.core.review_state import HeatMap
from busviewer.services.compute.requests import ExplainRequest, ModelSpec, PredictFrameRequest, PromptRequest
from busviewer.services.results import FrameNeeded, PromptResult, ProposalResult

#: The kinds of network copy a lane keeps; each kind has its own copy (Grad-CAM hooks never touch inference).
MODEL_KINDS = ("predictor", "gradcam")


class RemoteModel:
    """Which network a job uses: a kind, a weights file and a device; the network itself lives in the
    compute process, on the lane named after the kind, so each kind keeps its own copy.

    Parameters
    ----------
    kind
        ``predictor`` or ``gradcam``.
    weights
        The weights file.
    device
        ``auto``, ``cpu``, ``cuda`` or ``mps``.
    lane
        The compute-process lane; by default the kind (exports pass their own, so their Grad-CAM never
        waits behind the review's).
    """

    def __init__(self, kind: str, weights: Path, device: str = "auto", lane: str | None = None) -> None:
        if kind not in MODEL_KINDS:
            raise ValueError(f"unknown model kind {kind!r}")
        self.kind = kind
        self.weights = Path(weights)
        self.device = device
        self.lane = lane or kind

    @property
    def spec(self) -> ModelSpec:
        return ModelSpec(self.weights, self.device)

    def _call(self, request: object) -> Any:
        from busviewer.services.compute.client import compute_process

        return compute_process().call(self.lane, request)

    def predict(self, grey: np.ndarray, frame_index: int) -> ProposalResult:
        """The AI proposal for one uint8 grey frame (blocks; worker threads only)."""
        result = self._call(PredictFrameRequest(self.spec, grey, frame_index))
        assert isinstance(result, ProposalResult)
        return result

    def outline_from_prompts(
        self, grey: np.ndarray | Callable[[], np.ndarray], prompts: Sequence[Prompt], frame_index: int,
        current_mask: np.ndarray | None = None, gestures: Sequence[Gesture] = (), frame_key: str = "",
    ) -> PromptResult:
        """The outline the prompts give, merged into ``current_mask`` where ``gestures`` touch it (see
        ``PromptRequest``); blocks, worker threads only.

        ``grey`` is the frame, or a function that reads it: with a ``frame_key`` the frame is read and sent
        only when the compute process does not hold it yet, so later clicks on a large frame cost no copy.
        """
        region = None if current_mask is None else MaskRegion.from_dense(current_mask)

        def request(frame: np.ndarray | None) -> PromptRequest:
            return PromptRequest(self.spec, frame, tuple(prompts), frame_index, region, tuple(gestures), frame_key)

        result = self._call(request(None)) if frame_key else None
        if result is None or isinstance(result, FrameNeeded):
            result = self._call(request(grey() if callable(grey) else grey))
        assert isinstance(result, PromptResult)
        return result

    def explain_for_display(self, grey: np.ndarray, target: str) -> HeatMap:
        """Grad-CAM of ``target`` on one uint8 grey frame, reduced for display (blocks; worker threads only)."""
        heat = self._call(ExplainRequest(self.spec, grey, target, for_display=True))
        assert isinstance(heat, HeatMap)
        return heat

    def explain(self, grey: np.ndarray, target: str) -> np.ndarray:
        """Grad-CAM of ``target`` at the frame's size, as a float map in [0, 1] (blocks; worker threads only)."""
        return np.asarray(self._call(ExplainRequest(self.spec, grey, target, for_display=False)))


def predict_frame(model: RemoteModel, grey: np.ndarray, frame_index: int) -> ProposalResult:
    """Run inference on one uint8 grey frame (worker thread; the network runs in the compute process)."""
    return model.predict(grey, frame_index)


def explain_frame(model: RemoteModel, grey: np.ndarray, target: str) -> HeatMap:
    """Grad-CAM of ``target`` (a class name or ``lesion``) on one uint8 grey frame, reduced for display."""
    return model.explain_for_display(grey, target)
