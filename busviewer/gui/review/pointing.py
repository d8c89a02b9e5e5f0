"""The Point tool (P): click = "lesion here", right click or Shift+click = "not lesion", drag = box; the
model redraws the outline from every prompt of the frame.

Each gesture goes to the compute process with all the frame's prompts so far and the mask as it stands;
the answer rewrites only the region the gesture touches (``busviewer.core.prompt_merge``) and becomes one
undo step with the prompts (``MaskLayer.apply_prompts``). Clicks faster than the model coalesce: only the
newest prompt set is computed (queued requests that were overtaken return at once) and a result that is
no longer the newest is dropped, by generation number.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import math
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence

from busviewer.core.mask import MaskLayer
from busviewer.core.prompt_merge import Gesture
from busviewer.core.prompts import Prompt
from busviewer.core.review_state import ReviewState
from busviewer.core.scan import UltrasoundScan
from busviewer.gui.canvas import ScanCanvas
from busviewer.gui.jobs import Generation, JobRunner
from busviewer.gui.review.editing import EditController
from busviewer.gui.review.prompt_panel import PromptMarkers, PromptPanel
from busviewer.gui.review.proposal import ProposalController
from busviewer.gui.review.tools import to_mask_coordinates
from busviewer.io.weights_header import prompt_method
from busviewer.services.results import PromptResult

logger = logging.getLogger(__name__)

#: A press and release further apart than this many screen pixels is a box, nearer a click.
DRAG_SCREEN_PX = 6.0


def frame_key_for(scan_key: str, scan: UltrasoundScan, index: int) -> str:
    """The name the compute process keeps a frame under between clicks: scan, frame, and a fingerprint of
    a sample of its pixels, so a file changed on disk under the same name is never answered from the old one."""
    frame = np.asarray(scan.frames[index])
    step_rows, step_cols = max(frame.shape[0] // 64, 1), max(frame.shape[1] // 64, 1)
    sample = np.ascontiguousarray(frame[::step_rows, ::step_cols])
    return f"{scan_key}#{index}#{hashlib.blake2b(sample.tobytes(), digest_size=8).hexdigest()}"


class PointTool:
    """Canvas tool: turns a press-release into a click prompt and a press-drag-release into a box."""

    def __init__(self, controller: PointController) -> None:
        self.controller = controller
        self._press: tuple[float, float, Qt.MouseButton, Qt.KeyboardModifier] | None = None

    @property
    def drawing(self) -> bool:
        return self._press is not None

    def mouse_press(self, row: float, col: float, button: Qt.MouseButton, modifiers: Qt.KeyboardModifier) -> bool:
        if button not in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            return False
        if self.controller.layer is None or math.isnan(row) or math.isnan(col):
            return False
        if self.controller.editing.refuses_edit():
            return True
        self._press = (row, col, button, modifiers)
        return True

    def mouse_move(self, row: float, col: float, buttons: Qt.MouseButton, modifiers: Qt.KeyboardModifier) -> bool:
        if self._press is None:
            return False
        r0, c0, button, _ = self._press
        if button == Qt.MouseButton.LeftButton and not math.isnan(row) and self.controller.is_drag((r0, c0), (row, col)):
            self.controller.markers.show_band((*to_mask_coordinates(r0, c0), *to_mask_coordinates(row, col)))
        return True

    def mouse_release(self, row: float, col: float, button: Qt.MouseButton, modifiers: Qt.KeyboardModifier) -> bool:
        if self._press is None:
            return False
        r0, c0, pressed, press_modifiers = self._press
        self.cancel()
        if math.isnan(row) or math.isnan(col):
            row, col = r0, c0
        negative = pressed == Qt.MouseButton.RightButton or bool(press_modifiers & Qt.KeyboardModifier.ShiftModifier)
        start = to_mask_coordinates(r0, c0)
        if not negative and self.controller.is_drag((r0, c0), (row, col)):
            end = to_mask_coordinates(row, col)
            self.controller.add_prompt(Prompt("box", *self.controller.clamp(*start), *self.controller.clamp(*end)))
        else:
            self.controller.add_prompt(Prompt("negative" if negative else "positive", *self.controller.clamp(*start)))
        return True

    def wheel(self, delta: int, modifiers: Qt.KeyboardModifier) -> bool:
        return False

    def cancel(self) -> None:
        """Drop a press or drag in progress."""
        self._press = None
        self.controller.markers.show_band(None)


@dataclass(frozen=True)
class _Pending:
    """A prompt set on its way to the model: the gestures since the mask was as ``snapshot`` shows."""

    generation: Generation
    prompts: tuple[Prompt, ...]
    gestures: tuple[Gesture, ...]
    snapshot: np.ndarray
    layer: MaskLayer
    #: ``layer.revision`` when the snapshot was taken.
    revision: int


class PointController(QObject):
    """Runs prompted outlines for the frame on screen and applies them to its mask.

    Signals
    -------
    applied()
        A prompted outline was written into the mask on screen (one undo step).
    busy_changed(bool)
        A prompt request started waiting, or the last one finished.
    """

    applied = Signal()
    busy_changed = Signal(bool)

    def __init__(self, canvas: ScanCanvas, editing: EditController, proposal: ProposalController,
                 parent: QObject | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.canvas = canvas
        self.editing = editing
        self.proposal = proposal
        self.markers = PromptMarkers()
        canvas.add_overlay(self.markers, 42)
        self.panel = PromptPanel()
        self.panel.remove_requested.connect(self.remove_prompt)
        self.tool = PointTool(self)
        self.action = QAction("Point", self)
        self.action.setShortcut(QKeySequence("P"))
        self.action.setToolTip("Point (P): click = lesion here; right click or Shift+click = not lesion; drag = box")
        self.action.triggered.connect(lambda _checked=False: editing.select_tool("point"))
        editing.add_tool("point", self.tool, self.action)
        editing.undo_interceptors.append(self)
        editing.history_changed.connect(self._follow_layer)
        self.jobs = JobRunner("prompts", parent=self)
        self.jobs.busy_changed.connect(self.busy_changed)
        self._counter = itertools.count(1)
        self._wanted: Generation | None = None
        self._pending: _Pending | None = None
        self._layer: MaskLayer | None = None
        self.scan: UltrasoundScan | None = None
        self.state: ReviewState | None = None
        self.frame_index = 0
        self.method: str | None = None
        self.refresh_method()

    # ----------------------------------------------------------------- binding
    @property
    def layer(self) -> MaskLayer | None:
        return self.editing.layer

    @property
    def pending(self) -> bool:
        """True while a prompt set waits for the model."""
        return self._pending is not None

    def show(self, scan: UltrasoundScan | None, state: ReviewState | None, frame_index: int) -> None:
        """The scan or frame on screen changed: what was on its way for the previous one is stale."""
        self.scan, self.state, self.frame_index = scan, state, frame_index
        self._drop_pending()
        self.markers.set_frame_shape(state.shape if state is not None else None)
        self._follow_layer()

    def _follow_layer(self) -> None:
        layer = self.editing.layer
        if layer is not self._layer:
            if self._layer is not None:
                self._layer.prompts_changed.disconnect(self._show_prompts)
            self._layer = layer
            if layer is not None:
                layer.prompts_changed.connect(self._show_prompts)
        self._show_prompts()

    def refresh_method(self) -> None:
        """Say which method the current weights use (read from the weights file's header)."""
        weights = self.proposal.weights
        self.method = prompt_method(weights) if weights.is_file() else None
        self.panel.set_method(self.method)

    # ---------------------------------------------------------------- gestures
    def is_drag(self, start: tuple[float, float], end: tuple[float, float]) -> bool:
        """True when two canvas positions are further apart on screen than a click wobbles."""
        pixel_w, pixel_h = self.canvas.view_box.viewPixelSize()
        if not (pixel_w > 0 and pixel_h > 0):
            return False
        return math.hypot((end[0] - start[0]) / pixel_h, (end[1] - start[1]) / pixel_w) > DRAG_SCREEN_PX

    def clamp(self, row: float, col: float) -> tuple[float, float]:
        """The source pixel under a mask position, kept inside the frame (a box dragged past the edge ends
        at the edge): a click names a pixel, so prompts are stored at whole pixels."""
        rows, cols = self.state.shape if self.state is not None else (1, 1)
        return float(np.clip(round(row), 0, rows - 1)), float(np.clip(round(col), 0, cols - 1))

    def add_prompt(self, prompt: Prompt) -> None:
        """A new gesture: redraw with every prompt of the frame plus this one."""
        base = self._pending.prompts if self._pending is not None else self._committed()
        self._submit(base + (prompt,), Gesture(prompt))

    def remove_prompt(self, index: int) -> None:
        """Take prompt ``index`` (of the committed ones) away; its region is redrawn without it."""
        committed = self._committed()
        if not 0 <= index < len(committed) or self.editing.refuses_edit():
            return
        base = self._pending.prompts if self._pending is not None else committed
        removed = committed[index]
        self._submit(tuple(p for p in base if p is not removed), Gesture(removed, removed=True))

    def _committed(self) -> tuple[Prompt, ...]:
        return self.layer.prompts if self.layer is not None else ()

    def _submit(self, prompts: tuple[Prompt, ...], gesture: Gesture | None, gestures: tuple[Gesture, ...] = ()) -> None:
        layer, scan, state = self.layer, self.scan, self.state
        if layer is None or scan is None or state is None:
            return
        if not self.proposal.weights.is_file():
            self.panel.set_status("No model weights: the Point tool needs the AI (train or install a model).")
            return
        if gesture is not None:
            gestures = (self._pending.gestures if self._pending is not None else ()) + (gesture,)
        generation = Generation(state.scan_key, self.frame_index, next(self._counter))
        # Copied here, on the GUI thread: the reader may paint on while the model works. Rapid clicks share
        # one copy while the mask stays as it was (a copy costs ~8 ms at 12 MP).
        previous = self._pending
        if previous is not None and previous.layer is layer and previous.revision == layer.revision:
            snapshot = previous.snapshot
        else:
            snapshot = np.array(layer.data, dtype=bool)
        pending = _Pending(generation, prompts, gestures, snapshot, layer, layer.revision)
        self._pending, self._wanted = pending, generation
        self._show_prompts()
        self.panel.set_status("Redrawing…")
        model, index = self.proposal.predictor, self.frame_index
        frame_key = frame_key_for(state.scan_key, scan, index)

        def job() -> PromptResult | None:
            if self._wanted != generation:
                return None  # overtaken by a newer prompt set while it waited: never computed
            # The frame is read (and sent) only when the compute process does not hold it yet.
            return model.outline_from_prompts(lambda: scan.grey_frame(index), prompts, index, pending.snapshot,
                                              gestures, frame_key)  # fmt: skip

        self.jobs.submit(job, on_result=lambda result: self._apply(pending, result),
                         on_error=lambda exc: self._on_error(pending, exc))  # fmt: skip

    def _apply(self, pending: _Pending, result: PromptResult | None) -> None:
        if result is None or self._pending is not pending:
            return  # stale: a newer prompt set wins, or the gesture was undone or the frame left
        layer = self.layer
        box = result.box
        if layer is not pending.layer or (
            box is not None and not np.array_equal(layer.data[box[0] : box[1], box[2] : box[3]],
                                                   pending.snapshot[box[0] : box[1], box[2] : box[3]])
        ):  # fmt: skip
            # The mask changed under the request (a brush stroke, a new AI proposal): ask again on the mask as it is.
            self._submit(pending.prompts, None, pending.gestures)
            return
        self._pending = self._wanted = None
        gestures = pending.gestures
        description = gestures[0].describe() if len(gestures) == 1 else f"{len(gestures)} point gestures"
        layer.apply_prompts(pending.prompts, box, result.pixels, description)
        self.method = result.method
        self.panel.set_method(result.method)
        self.panel.set_status(f"{description[0].upper()}{description[1:]}: {result.summary}.")
        self._show_prompts()
        self.applied.emit()

    def _on_error(self, pending: _Pending, exc: BaseException) -> None:
        logger.error("prompted outline failed: %s", exc, exc_info=(type(exc), exc, exc.__traceback__))
        if self._pending is pending:
            self._pending = self._wanted = None
            self._show_prompts()
            self.panel.set_status(f"The outline could not be redrawn: {exc}")

    def cancel_pending(self) -> bool:
        """Drop the prompt set on its way (undo pressed before the model answered); True when there was one."""
        if self._pending is None:
            return False
        self._drop_pending()
        self.panel.set_status("Point cancelled before the outline was redrawn.")
        return True

    def _drop_pending(self) -> None:
        self._pending = self._wanted = None
        self._show_prompts()

    def _show_prompts(self) -> None:
        self.editing.refresh_actions()  # undo is available while a prompt waits (it cancels the prompt)
        committed = self._committed()
        pending = self._pending.prompts[len(committed):] if self._pending is not None else ()
        if self._pending is not None and self._pending.prompts[: len(committed)] != committed:
            pending = tuple(p for p in self._pending.prompts if p not in committed)
        self.markers.show_prompts(committed, pending)
        self.panel.set_prompts(committed, pending)

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until no prompt request runs (shutdown, tests and benchmarks)."""
        return self.jobs.wait(timeout_ms)
