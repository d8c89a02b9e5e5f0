"""The fine-tune side panel: case count, start/cancel, progress with ETA, live curves, before/after and the gate.

The panel only displays and forwards clicks; the controller owns the worker and the registry.
"""

from __future__ import annotations

import math
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from busviewer.io.model_registry import held_out_text
from busviewer.services.finetune import PHASE_MESSAGES, FineTuneOutcome, JobEpoch

LOSS_COLOUR = "#e0a040"
DICE_COLOUR = "#40b0e0"
ACCEPTED_COLOUR = "#3fa34d"
REFUSED_COLOUR = "#d0453a"


def format_eta(seconds: float | None) -> str:
    """``about 2 min left`` / ``about 40 s left``; empty while unknown."""
    if seconds is None or seconds < 0 or not math.isfinite(seconds):
        return ""
    if seconds >= 90:
        return f"about {round(seconds / 60)} min left"
    return f"about {max(5, int(round(seconds / 5)) * 5)} s left"


def format_score(value: Any) -> str:
    return "–" if value is None else f"{float(value):.3f}"


#: Held-out case names listed in the panel before "and N more" (all of them are in the tooltip).
LISTED_CASES = 8


def gate_verdict(outcome: FineTuneOutcome) -> str:
    """The gate's decision as a plain sentence, always with the held-out counts it rests on and its reason."""
    gate = outcome.gate
    if gate is None:  # a run without the gate's record: say what is known, never a bare "Accepted"
        before, after = format_score(outcome.before.get("dice")), format_score(outcome.after.get("dice"))
        counts = held_out_text(None, None, None)
        reason = f"Dice {before} -> {after} on {outcome.n_validation} held-out cases"
    else:
        counts = held_out_text(gate.held_out_patients, gate.held_out_lesion_scans, gate.held_out_normal_scans)
        reason = gate.reason
    if outcome.accepted:
        return f"Accepted ({counts}): {reason}. Activate it to use it for new predictions."
    return f"Refused ({counts}): {reason}; the current model stays active."


def held_out_cases_text(case_ids: list[str]) -> str:
    """``Held-out cases: a.png, b.png and 3 more``; empty without cases."""
    if not case_ids:
        return ""
    shown = ", ".join(case_ids[:LISTED_CASES])
    more = len(case_ids) - LISTED_CASES
    return f"Held-out cases: {shown}" + (f" and {more} more" if more > 0 else "")


class FineTunePanel(QWidget):
    """Dock panel for one-click fine-tuning.

    Signals
    -------
    sig_start_requested()
        The user pressed "Fine-tune".
    sig_cancel_requested()
        The user pressed "Cancel".
    sig_activate_requested(bool)
        The user pressed "Activate"; True when the gate was overridden with "force".
    sig_models_requested()
        The user pressed "Models…".
    sig_refresh_requested()
        The user asked to recount the usable cases.
    """

    sig_start_requested = Signal()
    sig_cancel_requested = Signal()
    sig_activate_requested = Signal(bool)
    sig_models_requested = Signal()
    sig_refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("FineTunePanel")
        self._accepted = False
        self._has_candidate = False
        self._running = False
        self._usable = 0
        self._epochs: list[int] = []
        self._losses: list[float] = []
        self._dices: list[float] = []

        self.case_label = QLabel("No reviewed cases yet.")
        self.case_label.setWordWrap(True)
        refresh = QToolButton()
        refresh.setText("↻")
        refresh.setToolTip("Count the corrected and approved cases again")
        refresh.clicked.connect(self.sig_refresh_requested)
        self.start_button = QPushButton("Fine-tune")
        self.start_button.setToolTip("Fine-tune a copy of the active model on the corrected and approved cases")
        self.start_button.clicked.connect(self.sig_start_requested)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self._on_cancel)

        self.phase_label = QLabel("")
        self.phase_label.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.progress.setFormat("%p%")

        self.eta_label = QLabel("")
        self.eta_label.setObjectName("finetuneEta")

        # Loss and Dice live on different scales, so each gets its own plot; the epochs line up.
        self.plots = pg.GraphicsLayoutWidget()
        self.plots.setMinimumHeight(220)
        self.loss_plot = self.plots.addPlot(row=0, col=0)
        self.dice_plot = self.plots.addPlot(row=1, col=0)
        self.dice_plot.setXLink(self.loss_plot)
        for plot, title in ((self.loss_plot, "training loss"), (self.dice_plot, "validation Dice")):
            plot.setTitle(title, size="9pt")
            plot.showGrid(x=True, y=True, alpha=0.2)
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
            plot.getAxis("left").setWidth(36)
        self.dice_plot.setLabel("bottom", "epoch")
        self.dice_plot.setYRange(0.0, 1.0, padding=0.05)
        self.loss_plot.getAxis("bottom").setStyle(showValues=False)
        self.loss_curve = self.loss_plot.plot([], [], pen=pg.mkPen(LOSS_COLOUR, width=2), symbol="o", symbolSize=5,
                                              symbolBrush=LOSS_COLOUR)
        self.dice_curve = self.dice_plot.plot([], [], pen=pg.mkPen(DICE_COLOUR, width=2), symbol="s", symbolSize=5,
                                              symbolBrush=DICE_COLOUR)

        self.dice_label = QLabel("–")
        self.accuracy_label = QLabel("–")
        self.verdict_label = QLabel("")
        self.verdict_label.setWordWrap(True)
        self.verdict_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.held_out_label = QLabel("")
        self.held_out_label.setWordWrap(True)
        self.held_out_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.force_box = QCheckBox("Activate even though the gate refused it")
        self.force_box.setEnabled(False)
        self.force_box.toggled.connect(self._update_activate)
        self.activate_button = QPushButton("Activate")
        self.activate_button.setEnabled(False)
        self.activate_button.clicked.connect(lambda: self.sig_activate_requested.emit(self.force_box.isChecked()))
        self.models_button = QPushButton("Models…")
        self.models_button.clicked.connect(self.sig_models_requested)

        cases_row = QHBoxLayout()
        cases_row.addWidget(self.case_label, 1)
        cases_row.addWidget(refresh)
        run_row = QHBoxLayout()
        run_row.addWidget(self.start_button)
        run_row.addWidget(self.cancel_button)
        result_box = QGroupBox("Held-out cases: before → after")
        form = QFormLayout(result_box)
        form.addRow("Dice", self.dice_label)
        form.addRow("Accuracy", self.accuracy_label)
        form.addRow(self.verdict_label)
        form.addRow(self.held_out_label)
        form.addRow(self.force_box)
        model_row = QHBoxLayout()
        model_row.addWidget(self.activate_button)
        model_row.addWidget(self.models_button)

        layout = QVBoxLayout(self)
        layout.addLayout(cases_row)
        layout.addLayout(run_row)
        layout.addWidget(self.phase_label)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.eta_label)
        layout.addLayout(progress_row)
        layout.addWidget(self.plots, 1)
        layout.addWidget(result_box)
        layout.addLayout(model_row)

    # ------------------------------------------------------------------ state shown

    def set_case_count(self, usable: int, skipped_summary: str = "") -> None:
        """Show how many reviewed cases a fine-tune would use, and how many were skipped and why."""
        text = f"{usable} corrected or approved case{'s' if usable != 1 else ''} ready"
        self.case_label.setText(f"{text} ({skipped_summary})." if skipped_summary else f"{text}.")
        self._usable = usable
        self.start_button.setEnabled(usable > 0 and not self._running)

    def set_running(self, running: bool) -> None:
        """Switch between the idle and the running layout; a new run clears the previous one."""
        self._running = running
        self.start_button.setEnabled(self._usable > 0 and not running)
        self.cancel_button.setEnabled(running)
        self.cancel_button.setText("Cancel")
        if running:
            self._has_candidate = False
            self._accepted = False
            self._epochs.clear()
            self._losses.clear()
            self._dices.clear()
            self.loss_curve.setData([], [])
            self.dice_curve.setData([], [])
            self.dice_label.setText("–")
            self.accuracy_label.setText("–")
            self._set_verdict("", None)
            self._set_held_out([])
            self.force_box.setChecked(False)
            self.progress.setRange(0, 1)
            self.progress.setValue(0)
            self.eta_label.setText("")
        self._update_activate()

    def show_phase(self, name: str) -> None:
        """Say what the job is doing; measuring phases show a busy bar."""
        self.phase_label.setText(PHASE_MESSAGES.get(name, name))
        if name in ("collect", "evaluate-before", "evaluate-after", "save"):
            self.progress.setRange(0, 0)

    def show_progress(self, done: int, total: int, eta_seconds: float) -> None:
        """Training steps done of ``total``, with the estimated time left (negative: unknown)."""
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, total))
        eta = format_eta(eta_seconds if eta_seconds >= 0 else None)
        self.eta_label.setText(f"step {done} of {total}" + (f" · {eta}" if eta else ""))

    def add_epoch(self, epoch: JobEpoch) -> None:
        """Append one epoch to the live curves."""
        self._epochs.append(epoch.epoch)
        self._losses.append(epoch.train_loss)
        self._dices.append(epoch.val_dice)
        self.loss_curve.setData(self._epochs, self._losses)
        self.dice_curve.setData(self._epochs, self._dices)
        if len(self._epochs) == 1:
            # The whole run's span from the start, so the curves grow into a fixed frame.
            self.loss_plot.setXRange(0.5, epoch.epochs + 0.5, padding=0)
            step = max(1, math.ceil(epoch.epochs / 8))
            for plot in (self.loss_plot, self.dice_plot):
                plot.getAxis("bottom").setTickSpacing(step, step)
        self.phase_label.setText(f"Training: epoch {epoch.epoch} of {epoch.epochs} done "
                                 f"(validation Dice {epoch.val_dice:.3f}).")

    def show_outcome(self, outcome: FineTuneOutcome) -> None:
        """Before/after scores and the gate's verdict of a finished run."""
        self.set_running(False)
        self._finish_progress()
        if outcome.cancelled:
            self.progress.setValue(0)
            self.phase_label.setText("Cancelled; nothing was saved and the active model is unchanged.")
            return
        before, after = outcome.before, outcome.after
        self.dice_label.setText(f"{format_score(before.get('dice'))} → {format_score(after.get('dice'))}")
        self.accuracy_label.setText(f"{format_score(before.get('accuracy'))} → {format_score(after.get('accuracy'))}")
        self._has_candidate = outcome.version is not None
        self._accepted = outcome.accepted
        # Green only for a verdict whose held-out counts are known; an accept without them is no evidence.
        self._set_verdict(gate_verdict(outcome), outcome.accepted if outcome.gate is not None else None)
        self._set_held_out(list(outcome.version.validation_ids) if outcome.version else [])
        version = outcome.version.version_id if outcome.version else "?"
        self.phase_label.setText(f"Finished in {outcome.seconds:.0f} s on {outcome.n_train} training cases; "
                                 f"candidate {version} saved, not active yet.")
        self._update_activate()

    def show_failed(self, sentence: str) -> None:
        """A failed run: the reason, and the idle layout."""
        self.set_running(False)
        self._finish_progress()
        self.phase_label.setText(sentence)

    def show_cancelling(self) -> None:
        self.cancel_button.setEnabled(False)
        self.cancel_button.setText("Cancelling…")
        self.phase_label.setText("Cancelling after the current step…")

    def set_candidate_activated(self, version_id: str) -> None:
        """The candidate is now the active model; Activate has nothing left to do."""
        self._has_candidate = False
        self._update_activate()
        self.phase_label.setText(f"Model {version_id} is active; new predictions use it.")

    @property
    def gate_accepted(self) -> bool:
        return self._accepted

    # ------------------------------------------------------------------ internals

    def _on_cancel(self) -> None:
        self.show_cancelling()
        self.sig_cancel_requested.emit()

    def _finish_progress(self) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(1 if self._epochs else 0)
        self.eta_label.setText("")

    def _set_verdict(self, text: str, accepted: bool | None) -> None:
        self.verdict_label.setText(text)
        colour = {True: ACCEPTED_COLOUR, False: REFUSED_COLOUR}.get(accepted) if accepted is not None else None
        self.verdict_label.setStyleSheet(f"color: {colour}; font-weight: bold;" if colour else "")

    def _set_held_out(self, case_ids: list[str]) -> None:
        self.held_out_label.setText(held_out_cases_text(case_ids))
        self.held_out_label.setToolTip("\n".join(case_ids))
        self.held_out_label.setVisible(bool(case_ids))

    def _update_activate(self) -> None:
        can_force = self._has_candidate and not self._accepted and not self._running
        self.force_box.setEnabled(can_force)
        enabled = self._has_candidate and not self._running and (self._accepted or self.force_box.isChecked())
        self.activate_button.setEnabled(enabled)
        tip = "" if enabled or not self._has_candidate else "The gate refused this candidate; tick the box to override."
        self.activate_button.setToolTip(tip)
