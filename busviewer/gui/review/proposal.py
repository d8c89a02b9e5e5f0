"""The AI proposal: inference and Grad-CAM in background threads, class bars, heat and uncertainty layers.

Every request is tagged with a :class:`~busviewer.gui.jobs.Generation`; a result is applied only
when it is still the newest request for the scan and frame on screen.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from busviewer.core.errors import WeightsError
from busviewer.core.explanation import AI_CLASS_TARGET, gradcam_target
from busviewer.core.mask import MaskLayer
from busviewer.core.review_state import FrameState, HeatMap, ReviewState
from busviewer.core.scan import UltrasoundScan
from busviewer.gui.canvas import ScanCanvas
from busviewer.gui.jobs import Generation, JobRunner
from busviewer.gui.review.overlays import HeatOverlay
from busviewer.services.remote_model import RemoteModel, explain_frame, predict_frame
from busviewer.services.results import ProposalResult

logger = logging.getLogger(__name__)

#: Colour of the uncertainty layer (a cyan unlike any mask or heat colour).
UNCERTAINTY_RGB = (40, 200, 255)
#: The note shown when Grad-CAM's strongest response is outside the lesion mask.
PEAK_OUTSIDE_NOTE = "The heat map's peak lies outside the lesion mask: the model may be looking elsewhere."
NO_WEIGHTS = "no model weights"


class ProposalController(QObject):
    """Runs the network for the frame on screen and shows what it says.

    Signals
    -------
    prediction_applied(object)
        The :class:`FrameState` of the frame on screen received a new prediction.
    model_status_changed(str)
        Text for the window's permanent "model" status (``busviewer-attn-unet-1a2b on cpu``, ``no model weights``).
    busy_changed(bool)
        Inference or Grad-CAM started or all finished.
    heat_changed()
        The Grad-CAM map on screen changed (or was cleared).
    """

    prediction_applied = Signal(object)
    model_status_changed = Signal(str)
    busy_changed = Signal(bool)
    heat_changed = Signal()

    def __init__(self, canvas: ScanCanvas, weights: Path, device: str = "auto", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.heat_overlay = HeatOverlay()
        self.uncertainty_overlay = HeatOverlay()
        self.uncertainty_overlay.tint = UNCERTAINTY_RGB
        self.heat_overlay.setOpacity(0.6)
        self.uncertainty_overlay.setOpacity(0.7)
        canvas.add_overlay(self.uncertainty_overlay, 20)
        canvas.add_overlay(self.heat_overlay, 21)
        self.inference_jobs = JobRunner("inference", parent=self)
        self.gradcam_jobs = JobRunner("grad-cam", parent=self)
        for runner in (self.inference_jobs, self.gradcam_jobs):
            runner.busy_changed.connect(lambda _busy: self.busy_changed.emit(self.busy))
        self._counter = itertools.count(1)
        self._wanted: dict[str, Generation | None] = {"inference": None, "gradcam": None}
        self.heat_target = AI_CLASS_TARGET
        self.heat_wanted = False
        self.device = device
        self.model_status = ""
        self.last_error: str | None = None
        self.set_weights(weights, announce=False)
        self.state: ReviewState | None = None
        self.scan: UltrasoundScan | None = None
        self.frame_index = 0

    # ----------------------------------------------------------------- models
    def set_weights(self, weights: Path, announce: bool = True) -> None:
        """Use ``weights`` from now on; each kind of job gets a fresh network copy on its next run."""
        self.weights = Path(weights)
        self.predictor = RemoteModel("predictor", self.weights, self.device)
        self.explainer = RemoteModel("gradcam", self.weights, self.device)
        self._set_model_status("model: not loaded yet" if self.weights.is_file() else f"model: {NO_WEIGHTS}")
        if announce:
            self.run(force=True)

    def _set_model_status(self, text: str) -> None:
        self.model_status = text
        self.model_status_changed.emit(text)

    @property
    def busy(self) -> bool:
        return self.inference_jobs.pending > 0 or self.gradcam_jobs.pending > 0

    # ------------------------------------------------------------------- show
    def show(self, scan: UltrasoundScan | None, state: ReviewState | None, frame_index: int) -> None:
        """The scan/frame on screen changed: show its cached proposal, or ask for one."""
        self.scan, self.state, self.frame_index = scan, state, frame_index
        # Any request for what was on screen before is stale now.
        self._wanted = {"inference": None, "gradcam": None}
        frame = self.current_frame
        self.uncertainty_overlay.show_heat(frame.uncertainty if frame else None, self._shape())
        self._show_heat()
        if frame is not None and frame.prediction is None:
            self.run()

    @property
    def current_frame(self) -> FrameState | None:
        return self.state.frame(self.frame_index) if self.state is not None else None

    def _shape(self) -> tuple[int, int]:
        return self.state.shape if self.state is not None else (1, 1)

    def run(self, force: bool = False) -> bool:
        """Ask for an AI proposal for the frame on screen; False when there is nothing to run, no weights, or
        the case is locked (approved: a new proposal would change what was approved)."""
        if self.scan is None or self.state is None or self.state.locked:
            return False
        if not self.weights.is_file():
            self.last_error = NO_WEIGHTS
            self._set_model_status(f"model: {NO_WEIGHTS}")
            return False
        generation = Generation(self.state.scan_key, self.frame_index, next(self._counter))
        self._wanted["inference"] = generation
        scan, model = self.scan, self.predictor

        def job() -> ProposalResult | None:
            if self._wanted["inference"] != generation:
                return None  # superseded while waiting in the queue
            return predict_frame(model, scan.grey_frame(generation.frame_index), generation.frame_index)

        self._submit(self.inference_jobs, job, generation, "inference", self._apply_prediction)
        return True

    def _submit(
        self,
        runner: JobRunner,
        job: Callable[[], object],
        generation: Generation,
        kind: str,
        apply: Callable[[Generation, object], None],
    ) -> None:
        runner.submit(
            job,
            on_result=lambda result: apply(generation, result) if result is not None else None,
            on_error=lambda exc: self._on_error(generation, kind, exc),
        )

    def _is_current(self, generation: Generation, kind: str) -> bool:
        return self._wanted.get(kind) == generation

    def _apply_prediction(self, generation: Generation, result: object) -> None:
        assert isinstance(result, ProposalResult)
        self._set_model_status(f"model: {result.model_id} on {result.device}")
        self.last_error = None
        if not self._is_current(generation, "inference") or self.state is None or self.state.locked:
            return  # stale, or asked for before the case was approved
        frame = self.state.frame(generation.frame_index)
        frame.prediction = result.prediction
        frame.uncertainty = result.uncertainty
        frame.uncertainty_score = result.uncertainty_score
        frame.heatmaps.clear()
        self.uncertainty_overlay.show_heat(frame.uncertainty, self._shape())
        self.prediction_applied.emit(frame)
        self._show_heat()

    def _on_error(self, generation: Generation, kind: str, exc: BaseException) -> None:
        if isinstance(exc, WeightsError):
            self.last_error = str(exc)
            self._set_model_status(f"model: {NO_WEIGHTS}")
        else:
            logger.error("%s failed: %s", kind, exc, exc_info=(type(exc), exc, exc.__traceback__))
            self.last_error = f"The AI {kind} failed: {exc}"
        if self._is_current(generation, kind):
            self.prediction_applied.emit(self.current_frame)

    # ------------------------------------------------------------------- heat
    def resolved_heat_target(self) -> str | None:
        """The Grad-CAM target for the frame on screen: ``class`` follows the rule the reports use
        (``busviewer.core.explanation.gradcam_target``: the AI's class, the lesion output for normal)."""
        frame = self.current_frame
        if self.heat_target != AI_CLASS_TARGET:
            return self.heat_target
        if frame is None or frame.prediction is None:
            return None
        return gradcam_target(frame.prediction.probabilities)

    def set_heat_target(self, target: str) -> None:
        self.heat_target = target
        self._show_heat()

    def set_heat_wanted(self, wanted: bool) -> None:
        self.heat_wanted = wanted
        self.heat_overlay.set_wanted_visible(wanted)
        self._show_heat()

    @property
    def shown_heat(self) -> HeatMap | None:
        return self.heat_overlay.heat

    def _show_heat(self) -> None:
        """Show the cached Grad-CAM of the frame on screen, computing it first when the layer is wanted."""
        frame = self.current_frame
        target = self.resolved_heat_target()
        heat = frame.heatmaps.get(target) if frame is not None and target is not None else None
        self.heat_overlay.show_heat(heat, self._shape())
        self.heat_changed.emit()
        if heat is None and self.heat_wanted and frame is not None and frame.prediction is not None:
            self._explain(target)

    def _explain(self, target: str | None) -> None:
        if target is None or self.scan is None or self.state is None:
            return
        generation = Generation(self.state.scan_key, self.frame_index, next(self._counter), detail=target)
        if (wanted := self._wanted["gradcam"]) is not None and (
            wanted.scan_key,
            wanted.frame_index,
            wanted.detail,
        ) == (generation.scan_key, generation.frame_index, target):
            return  # the same map is already on its way
        self._wanted["gradcam"] = generation
        scan, model = self.scan, self.explainer

        def job() -> HeatMap | None:
            if self._wanted["gradcam"] != generation:
                return None
            return explain_frame(model, scan.grey_frame(generation.frame_index), target)

        self._submit(self.gradcam_jobs, job, generation, "gradcam", self._apply_heat)

    def _apply_heat(self, generation: Generation, result: object) -> None:
        assert isinstance(result, HeatMap)
        if self.state is None or generation.scan_key != self.state.scan_key:
            return
        frame = self.state.frames.get(generation.frame_index)
        if frame is None or frame.prediction is None:
            return
        frame.heatmaps[generation.detail] = result
        if self._is_current(generation, "gradcam"):
            self._wanted["gradcam"] = None
            self._show_heat()

    def peak_outside(self, layer: MaskLayer | None) -> bool:
        """True when the shown heat map's peak is outside a non-empty lesion mask."""
        heat = self.heat_overlay.heat
        if heat is None or heat.peak is None or layer is None or not self.heat_overlay.isVisible():
            return False
        data = layer.data
        return bool(data.any()) and not bool(data[heat.peak])

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until inference and Grad-CAM threads are idle (shutdown and tests)."""
        return self.inference_jobs.wait(timeout_ms) and self.gradcam_jobs.wait(timeout_ms)
