"""Work done on pool threads: load a network lazily, predict a frame, explain it with Grad-CAM.

torch is imported here only inside functions, on a worker thread, so the window is on screen (and
stays responsive) before it loads. Nothing in this module touches Qt.
"""

from __future__ import annotations

import ctypes
import gc
import importlib.util
import logging
import os
import sys
import threading
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

_torch_lock = threading.Lock()
_torch_ready = False


def resolve_weights(weights: Path | None) -> Path:
    """The weights file to use: the one given, else ``$BUSVIEWER_WEIGHTS``, else the shipped default path."""
    if weights is not None:
        return Path(weights)
    from_env = os.environ.get(WEIGHTS_ENV)
    if from_env:
        return Path(from_env)
    return Path(__file__).resolve().parents[3] / "models" / "busviewer-attn-unet.safetensors"


def _preload_torch_libraries() -> None:
    """Load torch's shared libraries through a ctypes call, which releases the GIL.

    ``import torch`` runs libtorch's static initialisers inside dlopen while holding the GIL, which
    freezes the GUI thread for a few hundred milliseconds. A ctypes foreign call releases the GIL, so
    loading the same libraries that way first leaves only cheap work for the import.
    """
    if not sys.platform.startswith("linux"):
        return
    spec = importlib.util.find_spec("torch")
    if spec is None or spec.origin is None:
        return
    library_dir = Path(spec.origin).parent / "lib"
    libdl = ctypes.CDLL(None)
    libdl.dlopen.restype = ctypes.c_void_p
    libdl.dlopen.argtypes = [ctypes.c_char_p, ctypes.c_int]
    rtld_now_global = 0x002 | 0x100
    for name in ("libtorch_global_deps.so", "libc10.so", "libtorch_cpu.so", "libtorch.so", "libtorch_python.so"):
        path = library_dir / name
        if path.is_file() and not libdl.dlopen(str(path).encode(), rtld_now_global):
            logger.debug("could not preload %s; the import will load it", path)


def ensure_ml_stack() -> None:
    """Import torch and the network code once per process, on a worker thread, without freezing the GUI.

    Two things would otherwise stall the GUI thread for 100-400 ms: libtorch's initialisers (see
    :func:`_preload_torch_libraries`) and full garbage collections, which hold the GIL while they walk
    the few hundred thousand objects these imports create. The collector is paused during the import,
    and what the import created is then frozen (``gc.freeze``) so later collections skip it for good.
    """
    global _torch_ready
    with _torch_lock:
        if _torch_ready:
            return
        collector_was_on = gc.isenabled()
        gc.disable()
        try:
            try:
                _preload_torch_libraries()
            except OSError:
                logger.debug("torch library preload failed", exc_info=True)
            import torch

            import busviewer.ml.gradcam
            import busviewer.ml.inference  # noqa: F401 - imported here so the pause above covers it

            cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
            # One core stays free for the GUI thread.
            torch.set_num_threads(max(1, cores - 1))
            _torch_ready = True
        finally:
            gc.freeze()
            if collector_was_on:
                gc.enable()


class LazyModel:
    """A network object (Predictor or GradCamExplainer) built on first use, on the thread that uses it.

    Parameters
    ----------
    kind
        ``predictor`` or ``gradcam``; each kind owns its own network copy.
    weights
        The weights file.
    device
        ``auto``, ``cpu``, ``cuda`` or ``mps``.
    """

    def __init__(self, kind: str, weights: Path, device: str = "auto") -> None:
        if kind not in ("predictor", "gradcam"):
            raise ValueError(f"unknown model kind {kind!r}")
        self.kind = kind
        self.weights = Path(weights)
        self.device = device
        self._lock = threading.Lock()
        self._model: Any = None

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def get(self) -> Any:
        """The model, loading it first if needed (raises WeightsError when the file is missing or bad)."""
        with self._lock:
            if self._model is None:
                ensure_ml_stack()
                if self.kind == "predictor":
                    from busviewer.ml.inference import Predictor

                    self._model = Predictor(self.weights, device=self.device)
                else:
                    from busviewer.ml.gradcam import GradCamExplainer

                    self._model = GradCamExplainer(self.weights, device=self.device)
                logger.info("loaded %s %s", self.kind, self._model.model_id)
            return self._model


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


def predict_frame(model: LazyModel, grey: np.ndarray, frame_index: int) -> ProposalResult:
    """Run inference on one uint8 grey frame (worker thread)."""
    predictor = model.get()
    prediction = predictor.predict(grey, frame_index=frame_index)
    return ProposalResult(
        prediction=prediction,
        uncertainty=reduce_for_display(prediction.uncertainty),
        uncertainty_score=prediction.uncertainty_score,
        model_id=prediction.model_id,
        device=prediction.device,
    )


def explain_frame(model: LazyModel, grey: np.ndarray, target: str) -> HeatMap:
    """Grad-CAM of ``target`` (a class name or ``lesion``) on one uint8 grey frame (worker thread)."""
    explainer = model.get()
    return reduce_for_display(explainer.explain(grey, target))
