"""The review workspace's controller: follows the session's scan and frame and wires proposal, editing and
measurements to the window's canvas, panels, menu and toolbar.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent

from busviewer.core.mask import MaskLayer
from busviewer.core.review_state import FrameState, ReviewState, state_for_scan
from busviewer.core.scan import UltrasoundScan
from busviewer.gui.actions import make_action
from busviewer.gui.review.birads_review import BiradsController
from busviewer.gui.review.calipers import CaliperController
from busviewer.gui.review.candidate import SHOW_CANDIDATE_KEY, has_candidate, panel_remarks, show_candidate
from busviewer.gui.review.editing import EditController, default_brush_radius
from busviewer.gui.review.measurement_panel import MeasurementPanel
from busviewer.gui.review.measuring import MeasurementController
from busviewer.gui.review.panels import ClassPanel, LayersPanel
from busviewer.gui.review.pointing import PointController
from busviewer.gui.review.proposal import PEAK_OUTSIDE_NOTE, ProposalController
from busviewer.services.weights import resolve_weights

logger = logging.getLogger(__name__)

#: What the window says when an edit of an approved case is refused.
LOCKED_SENTENCE = "This case is approved, so it is locked: Case > Reopen for Editing (Ctrl+Shift+E) to change it."
#: The AI panel's line for an approved case whose proposal is not in memory.
LOCKED_AI_NOTE = "AI: not run on an approved case (reopen it to run the AI)"


class ReviewController(QObject):
    """Everything the review adds to the main window.

    Signals
    -------
    state_changed(object)
        The :class:`ReviewState` of the scan on screen changed: a prediction arrived, the mask was edited
        (once per step, not per mouse move), or the reader chose a class.

    Parameters
    ----------
    window
        The main window (canvas, session, add_side_panel, tools_menu, review_toolbar, status methods).
    weights
        Weights file; ``$BUSVIEWER_WEIGHTS`` or the shipped default when None.
    device
        ``auto``, ``cpu``, ``cuda`` or ``mps``.
    """

    state_changed = Signal(object)
    #: Tools > Mark Frame as Reviewed (K): a ``KeyFrameMarker``, attached by ``install_review``.
    key_frames: Any

    def __init__(self, window: Any, weights: Path | None = None, device: str = "auto") -> None:
        super().__init__(window)
        self.window = window
        self.canvas = window.canvas
        self.session = window.session
        self.states: dict[str, ReviewState] = {}
        self.state: ReviewState | None = None
        self.scan: UltrasoundScan | None = None

        self.class_panel = ClassPanel()
        self.layers_panel = LayersPanel()
        self.measurement_panel = MeasurementPanel()
        self.editing = EditController(self.canvas, self)
        self.proposal = ProposalController(self.canvas, resolve_weights(weights), device, self)
        self.pointing = PointController(self.canvas, self.editing, self.proposal, self)
        self.measuring = MeasurementController(
            self.canvas, self.measurement_panel, lambda: self.editing.gesture_in_progress, self
        )
        self.birads = BiradsController(self)
        self.calipers = CaliperController(self.canvas, self)
        self.editing.lock_reason = lambda: LOCKED_SENTENCE if self.locked else None
        self.birads.refuses_change = self.refuses_edit
        self._build_actions()
        self._connect()

        window.add_side_panel("AI proposal", self.class_panel)
        window.add_side_panel("Measurements", self.measurement_panel)
        # Behind a tab: its layers also toggle by key (H, G, U), and five stacked panels cut each other off.
        window.add_side_panel("Layers", self.layers_panel, tab_with="Measurements")
        window.add_side_panel("Point prompts", self.pointing.panel)
        window.add_side_panel("BI-RADS", self.birads.panel)
        window.addActions(self.birads.actions)  # descriptor keys work wherever the focus is
        self._on_model_status(self.proposal.model_status)
        self._on_scan_changed(self.session.scan)
        # The window leaves Escape unbound so that a tool can claim it: here it drops a lasso outline.
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
            and self.editing.lasso.drawing
        ):
            self.editing.lasso.cancel()
            return True
        return False

    # ----------------------------------------------------------------- wiring
    def _build_actions(self) -> None:
        self.run_action = make_action(self, "Run AI", self.run_ai, "R")
        self.run_action.setToolTip("Run the AI on the frame on screen (R)")
        self.accept_action = make_action(self, "Accept AI mask", self.accept_ai_mask, "A")
        self.copy_next_action = make_action(self, "Copy mask to next frame", self.copy_mask_to_next_frame, "Ctrl+Shift+N")
        self.candidate_action = make_action(self, "Show AI candidate", self.show_candidate, SHOW_CANDIDATE_KEY)
        self.candidate_action.setToolTip(f"Show the AI's strongest withheld candidate as a proposal ({SHOW_CANDIDATE_KEY})")
        self.toggle_mask_action = make_action(self, "Show mask", self.layers_panel.mask_visible.setChecked, "H", checkable=True)
        self.toggle_heat_action = make_action(self, "Show Grad-CAM", self.layers_panel.heat_visible.setChecked, "G", checkable=True)
        self.toggle_doubt_action = make_action(
            self, "Show uncertainty", self.layers_panel.uncertainty_visible.setChecked, "U", checkable=True
        )
        self.toggle_mask_action.setChecked(True)
        edit = self.editing
        menu, toolbar = self.window.tools_menu, self.window.review_toolbar
        for action in (self.run_action, self.accept_action, self.candidate_action, self.copy_next_action):
            menu.addAction(action)
        menu.addSeparator()
        for action in edit.actions:
            menu.addAction(action)
        view_menu = self.window.view_menu
        view_menu.addSeparator()
        for action in (self.toggle_mask_action, self.toggle_heat_action, self.toggle_doubt_action):
            view_menu.addAction(action)
        for action in (self.run_action, self.accept_action):
            toolbar.addAction(action)
        toolbar.addSeparator()
        edit.tool_group.addAction(self.calipers.action)
        menu.addAction(self.calipers.action)
        menu.addAction(self.calipers.clear_action)
        for action in (edit.navigate_action, edit.brush_action, edit.eraser_action, edit.lasso_action,
                       self.pointing.action, self.calipers.action):  # fmt: skip
            toolbar.addAction(action)
        toolbar.addWidget(edit.radius_box)
        for action in (edit.undo_action, edit.redo_action, edit.fill_holes_action, edit.islands_action,
                       edit.clear_action, self.copy_next_action):  # fmt: skip
            toolbar.addAction(action)

    def _connect(self) -> None:
        self.session.scan_changed.connect(self._on_scan_changed)
        self.session.frame_changed.connect(self._on_frame_changed)
        proposal, panel, layers = self.proposal, self.class_panel, self.layers_panel
        proposal.prediction_applied.connect(self._on_prediction)
        proposal.model_status_changed.connect(self._on_model_status)
        proposal.model_status_changed.connect(lambda _text: self.pointing.refresh_method())
        proposal.busy_changed.connect(panel.set_busy)
        proposal.busy_changed.connect(lambda _busy: self._refresh_class_panel())
        proposal.busy_changed.connect(lambda _busy: self._update_heat_note())
        proposal.heat_changed.connect(self._update_heat_note)
        panel.reviewer_class_chosen.connect(self.set_reviewer_class)
        self.editing.refused.connect(lambda sentence: self.window.show_status(sentence, 5000))
        self.editing.mask_changed.connect(lambda _box: self.measuring.schedule())
        self.editing.history_changed.connect(self._on_history_changed)
        self.measuring.measured.connect(lambda _m: self._update_heat_note())
        self.measuring.measured.connect(self.birads.set_measurements)
        proposal.prediction_applied.connect(lambda _frame: self.birads.schedule())
        self.birads.changed.connect(lambda: self.state_changed.emit(self.state))
        self.calipers.action.triggered.connect(lambda _checked=False: self.select_caliper())
        self.measuring.measured.connect(self.calipers.set_measurements)
        self.calipers.axes_adjusted.connect(self.measuring.show_adjusted)
        layers.mask_visible_changed.connect(self.calipers.overlay.set_wanted_visible)
        # H hides the calipers with the mask; the Measurements panel's box still hides them on their own.
        layers.mask_visible_changed.connect(
            lambda shown: self.measuring.calipers.set_wanted_visible(shown and self.measurement_panel.calipers.isChecked()))
        self.measurement_panel.calipers_visible_changed.connect(
            lambda shown: self.measuring.calipers.set_wanted_visible(shown and layers.mask_visible.isChecked()))

        overlay = self.editing.overlay
        layers.mask_visible_changed.connect(overlay.set_wanted_visible)
        layers.mask_visible_changed.connect(self.toggle_mask_action.setChecked)
        layers.mask_style_changed.connect(overlay.set_style)
        layers.mask_opacity_changed.connect(overlay.setOpacity)
        overlay.setOpacity(layers.mask_opacity.value() / 100)
        layers.heat_visible_changed.connect(proposal.set_heat_wanted)
        layers.heat_visible_changed.connect(self.toggle_heat_action.setChecked)
        layers.heat_target_changed.connect(proposal.set_heat_target)
        layers.heat_colour_map_changed.connect(proposal.heat_overlay.set_colour_map)
        layers.heat_opacity_changed.connect(proposal.heat_overlay.setOpacity)
        layers.uncertainty_visible_changed.connect(proposal.uncertainty_overlay.set_wanted_visible)
        layers.uncertainty_visible_changed.connect(self.toggle_doubt_action.setChecked)
        layers.uncertainty_opacity_changed.connect(proposal.uncertainty_overlay.setOpacity)

    # --------------------------------------------------------------- showing
    @property
    def frame_state(self) -> FrameState | None:
        """State of the frame on screen, or None without a scan."""
        return self.state.frame(self.session.frame_index) if self.state is not None else None

    @property
    def mask_layer(self) -> MaskLayer | None:
        """The mask of the frame on screen."""
        return self.editing.layer

    def _on_scan_changed(self, scan: UltrasoundScan | None) -> None:
        new_shape = scan is not None and (self.scan is None or self.scan.shape != scan.shape)
        self.scan = scan
        self.state = state_for_scan(scan, self.states) if scan is not None else None
        if scan is not None and new_shape:
            self.editing.set_brush_radius(default_brush_radius(scan.shape))
        self.class_panel.set_reviewer_class(self.state.reviewer_class if self.state else None)
        self._show_frame()

    def reload_state(self) -> None:
        """Show ``states`` afresh for the scan on screen (its saved review arrived after the scan did)."""
        self._on_scan_changed(self.scan)

    def _on_frame_changed(self, _index: int) -> None:
        self._show_frame()

    def _show_frame(self) -> None:
        state, frame = self.state, self.frame_state
        self.editing.bind(frame, state.shape if state is not None else None)
        calibration = self.scan.calibration if self.scan is not None else None
        if calibration is not None and state is not None:
            self.measuring.bind(state.scan_key, frame, calibration)
        else:
            self.measuring.bind("", None, calibration or self.measuring.calibration)
        self.proposal.show(self.scan, state, self.session.frame_index)
        self.pointing.show(self.scan, state, self.session.frame_index)
        self.birads.bind(self.scan, state, frame)
        if state is not None:
            self.calipers.bind(state.scan_key, self.session.frame_index, self.scan.calibration)
        self._refresh_class_panel()
        self.copy_next_action.setEnabled(self.scan is not None and self.session.frame_index + 1 < self.scan.n_frames)

    def _refresh_class_panel(self) -> None:
        frame, panel, proposal = self.frame_state, self.class_panel, self.proposal
        prediction = frame.prediction if frame is not None else None
        panel.set_probabilities(prediction.probabilities if prediction is not None else None)
        panel.set_uncertainty(frame.uncertainty_score if frame is not None else None)
        panel.set_mask_source(frame.mask_source() if frame is not None else "")
        panel.set_familiarity(*((prediction.familiarity_distance, prediction.familiarity_threshold)
                                if prediction is not None else (None, None)),
                              checked=prediction is None or prediction.familiarity_threshold is not None)
        self.accept_action.setEnabled(prediction is not None)
        self.candidate_action.setEnabled(has_candidate(frame))
        panel.set_remarks(*panel_remarks(frame))
        if self.scan is None:
            panel.set_message("no scan")
        elif prediction is not None:
            panel.set_message(f"AI: {prediction.predicted_class}")
        elif self.locked:
            panel.set_message(LOCKED_AI_NOTE)
        elif proposal.last_error is not None:
            panel.set_message(proposal.last_error)
        else:
            panel.set_message("AI: working…" if proposal.busy else "AI: not run (press R)")

    def _on_model_status(self, text: str) -> None:
        self.window.set_permanent_status("model", text)
        self._refresh_class_panel()

    # ------------------------------------------------------------- reacting
    def _on_prediction(self, frame: FrameState | None) -> None:
        if frame is not None and frame is self.frame_state and frame.prediction is not None:
            self._adopt_ai_mask(frame)
            self.state_changed.emit(self.state)
        self._refresh_class_panel()

    def _adopt_ai_mask(self, frame: FrameState) -> None:
        """Show the new proposal as the mask unless the reader has made the mask their own."""
        assert frame.prediction is not None
        proposal_mask = frame.prediction.mask
        layer = frame.mask
        if layer is None or (
            not layer.edited and not frame.accepted_ai and not layer.can_undo and not layer.can_redo
        ):
            # Nothing of the reader's to keep: start a history-free layer, so undo never removes the proposal.
            self.editing.replace_layer(MaskLayer(proposal_mask.shape, data=proposal_mask))
        elif not frame.reader_owned:
            layer.set_mask(proposal_mask, description="AI proposal", by_person=False)
        else:
            self.window.show_status("Kept your mask; use Accept AI mask to take the new proposal.")

    def _on_history_changed(self) -> None:
        self._refresh_class_panel()
        if self.state is not None:
            self.state_changed.emit(self.state)

    def _update_heat_note(self) -> None:
        outside = self.proposal.peak_outside(self.editing.layer)
        self.layers_panel.set_heat_note(PEAK_OUTSIDE_NOTE if outside else "")
        heat_busy = self.proposal.gradcam_jobs.pending > 0
        self.layers_panel.heat_status.setText("computing…" if heat_busy else "")

    # ------------------------------------------------------------- locking
    @property
    def locked(self) -> bool:
        """True when the case on screen is approved: edits, class changes and AI runs are refused."""
        return self.state is not None and self.state.locked

    def refuses_edit(self) -> bool:
        """True (and the status bar says why) when the case on screen may not change now."""
        return self.editing.refuses_edit()

    def set_locked(self, locked: bool) -> None:
        """Lock the case on screen (approved) or unlock it (reopened); a reopened case gets an AI proposal."""
        if self.state is None:
            return
        self.state.locked = locked
        if not locked and self.frame_state is not None and self.frame_state.prediction is None:
            self.proposal.run()
        self._refresh_class_panel()

    # ------------------------------------------------------------- commands
    def run_ai(self) -> None:
        """Re-run the AI on the frame on screen (R)."""
        if self.refuses_edit():
            return
        if not self.proposal.run(force=True):
            if self.scan is not None:
                self.window.show_status("No model weights: train or install a model to get AI proposals.")
        self._refresh_class_panel()

    def accept_ai_mask(self) -> None:
        """Make the AI proposal the reader's mask (one undo step when pixels change)."""
        frame = self.frame_state
        if frame is None or frame.prediction is None or self.editing.layer is None or self.refuses_edit():
            return
        self.editing.finish_gestures()
        frame.accepted_ai = True
        if self.state is not None:  # accepting is reviewing: a cine export holds this frame
            self.state.key_frames.add(frame.frame_index)
        # With the candidate on screen (C), accepting takes what the reader sees, not the empty outline.
        accepted = frame.mask.data if frame.candidate_shown and frame.mask is not None else frame.prediction.mask
        self.editing.layer.set_mask(accepted, description="accept AI mask", by_person=True)
        self.editing.overlay.set_reader_owned(True)
        self._on_history_changed()

    def show_candidate(self) -> None:
        """Show the AI's strongest withheld candidate as a proposal (C): one undo step."""
        self.editing.finish_gestures()
        if not self.refuses_edit() and show_candidate(self.frame_state):
            self.window.show_status("Showing the AI's strongest candidate: A accepts it, Ctrl+Z takes it back.")

    def copy_mask_to_next_frame(self) -> None:
        """Start the next frame's mask from this one (one undo step there) and show that frame."""
        state, frame = self.state, self.frame_state
        if state is None or frame is None or frame.mask is None or frame.frame_index + 1 >= state.n_frames:
            return
        if self.refuses_edit():
            return
        self.editing.finish_gestures()
        following = state.frame(frame.frame_index + 1)
        following.ensure_mask(state.shape).set_mask(
            frame.mask.data, description=f"copy mask from frame {frame.frame_index + 1}", by_person=True
        )
        self.session.set_frame(frame.frame_index + 1)

    def set_reviewer_class(self, name: str | None) -> None:
        """Record the reader's own class for the scan on screen."""
        if self.state is None:
            return
        if self.refuses_edit():
            self.class_panel.set_reviewer_class(self.state.reviewer_class)  # the buttons show what is kept
            return
        self.state.set_reviewer_class(name)
        self.class_panel.set_reviewer_class(name)
        self.state_changed.emit(self.state)

    def select_caliper(self) -> None:
        """Install the caliper tool (M): draw manual calipers, drag axis end points."""
        self.editing.finish_gestures()
        self.canvas.set_tool(self.calipers.tool)
        self.calipers.action.setChecked(True)

    def set_weights(self, weights: Path) -> None:
        """Use other weights (e.g. a fine-tuned model) and re-run the frame on screen (not an approved one)."""
        self.proposal.set_weights(weights)
        if self.locked:
            self.window.show_status("The new model runs on this approved case once it is reopened (Ctrl+Shift+E).", 5000)

    def shortcut_actions(self) -> list[QAction]:
        """Every review action that has a keyboard shortcut."""
        actions = [self.run_action, self.accept_action, self.candidate_action, self.copy_next_action, self.toggle_mask_action,
                   self.toggle_heat_action, self.toggle_doubt_action, *self.editing.actions,
                   self.calipers.action, *self.birads.actions]  # fmt: skip
        return [action for action in actions if not action.shortcut().isEmpty()]

    def wait_idle(self, timeout_ms: int = -1) -> bool:
        """Block until all background work is done (shutdown, tests and benchmarks)."""
        return (self.proposal.wait(timeout_ms) and self.pointing.wait(timeout_ms) and self.measuring.jobs.wait(timeout_ms)
                and self.birads.wait(timeout_ms))
