"""Work done on pool threads: predict a frame and explain it with Grad-CAM, in the compute process.

The GUI process never imports torch (see ``busviewer.gui.compute``); these functions block a worker
thread until the compute process answers. Nothing in this module touches Qt.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from busviewer.core.prediction import Prediction
from busviewer.gui.review.state import HeatMap

logger = logging.getLogger(__name__)

#: Longest side of a heat map kept for display; Grad-CAM and uncertainty are smooth at this size.
DISPLAY_SIDE = 1024

#: Environment variable naming the weights file to use instead of the shipped default.
WEIGHTS_ENV = "BUSVIEWER_WEIGHTS"


def resolve_weights(weights: Path | None) -> Path:
    """The weights file to use: the one given, else ``$BUSVIEWER_WEIGHTS``, else the shipped default path."""
    if weights is not None:
        return Path(weights)
    from_env = os.environ.get(WEIGHTS_ENV)
    if from_env:
        return Path(from_env)
    return Path(__file__).resolve().parents[3] / "models" / "busviewer-attn-unet.safetensors"


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
        if kind not in ("predictor", "gradcam"):
            raise ValueError(f"unknown model kind {kind!r}")
        self.kind = kind
        self.weights = Path(weights)
        self.device = device
        self.lane = lane or kind

    def call(self, task: str, *args: Any) -> Any:
        """Run a compute task with this model's weights and device (blocks; worker threads only)."""
        from busviewer.gui.compute.client import compute_process

        return compute_process().call(self.lane, task, str(self.weights), self.device, *args)


@dataclass
class ProposalResult:
    """What one inference job returns: the prediction, its uncertainty map reduced for display and its
    uncertainty score (computed here because it reads every pixel of a possibly huge map)."""

    prediction: Prediction
    uncertainty: HeatMap
    uncertainty_score: float
    model_id: str
    device: str


def reduce_for_display(heat: np.ndarray) -> HeatMap:
    """Shrink a [0, 1] float map to at most ``DISPLAY_SIDE`` pixels a side as uint8, and find its peak."""
    rows, cols = heat.shape
    step = max(1, int(np.ceil(max(rows, cols) / DISPLAY_SIDE)))
    small = np.clip(heat[::step, ::step], 0.0, 1.0)
    display = np.ascontiguousarray(np.rint(small * 255.0).astype(np.uint8))
    peak: tuple[int, int] | None = None
    if heat.size and float(heat.max()) > 0.0:
        row, col = np.unravel_index(int(np.argmax(heat)), heat.shape)
        peak = (int(row), int(col))
    return HeatMap(display=display, peak=peak)


def predict_frame(model: RemoteModel, grey: np.ndarray, frame_index: int) -> ProposalResult:
    """Run inference on one uint8 grey frame (worker thread; the network runs in the compute process)."""
    result = model.call("predict_frame", grey, frame_index)
    assert isinstance(result, ProposalResult)
    return result


def explain_frame(model: RemoteModel, grey: np.ndarray, target: str) -> HeatMap:
    """Grad-CAM of ``target`` (a class name or ``lesion``) on one uint8 grey frame, reduced for display."""
    heat = model.call("explain_for_display", grey, target)
    assert isinstance(heat, HeatMap)
    return heat
