"""Keeps the BI-RADS panel in step with the lesion on screen: the rules run on a worker after each settled
edit (they follow the reader's corrections), the reader's choices go into the review state for autosave.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence

from busviewer.core.birads import BiradsAssessment, assess_lesion
from busviewer.core.birads_finding import BiradsFinding, check_reader_value
from busviewer.core.measurements import LesionMeasurements
from busviewer.core.review_state import FrameState, ReviewState
from busviewer.core.scan import UltrasoundScan
from busviewer.gui.jobs import Generation, JobRunner
from busviewer.gui.review.birads_panel import KEYS, BiradsPanel

#: Quiet time after a change before the rules run again, in milliseconds.
DEBOUNCE_MS = 150


class BiradsController(QObject):
    """Runs the descriptor rules for the frame on screen and records the reader's choices.

    Signals
    -------
    changed()
        The reader changed a choice or the comment (the review state needs saving).
    assessed(object)
        New AI descriptors (a :class:`BiradsAssessment`, or None without a lesion) for the frame on screen.
    """

    changed = Signal()
    assessed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.panel = BiradsPanel()
        self.jobs = JobRunner("birads", parent=self)
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self.assess_now)
        self._versions = itertools.count(1)
        self._wanted: Generation | None = None
        self.scan: UltrasoundScan | None = None
        self.state: ReviewState | None = None
        self.frame: FrameState | None = None
        self.assessment: BiradsAssessment | None = None
        self.measurements: LesionMeasurements | None = None
        #: True (after saying why) when the case on screen may not change (set by the review: approved cases).
        self.refuses_change: Callable[[], bool] = lambda: False
        self.panel.choice_made.connect(self.set_choice)
        self.panel.comment_changed.connect(self.set_comment)
        self.actions = [self._key_action(name, word, key) for (name, word), key in KEYS.items()]

    def _key_action(self, name: str, word: str, key: str) -> QAction:
        action = QAction(f"BI-RADS {name.replace('_', ' ')}: {word}", self)
        action.setShortcut(QKeySequence(key))
        action.triggered.connect(lambda _checked=False: self.set_choice(name, word))
        return action

    # ----------------------------------------------------------------- binding
    def bind(self, scan: UltrasoundScan | None, state: ReviewState | None, frame: FrameState | None) -> None:
        """Follow ``frame`` of ``state``; shows the saved choices at once and the AI's once assessed."""
        self.panel.flush_comment()
        same_frame = frame is self.frame and state is self.state
        self.scan, self.state, self.frame = scan, state, frame
        if not same_frame:
            self.assessment = None
            self.measurements = frame.measurements if frame is not None else None
        self.panel.show_comment(state.comment if state is not None else "")
        self._show()
        self.schedule()

    def schedule(self) -> None:
        """The mask or the proposal changed: assess once things have been quiet for ``DEBOUNCE_MS``."""
        self._wanted = None
        self._timer.start()

    def set_measurements(self, measurements: LesionMeasurements | None) -> None:
        """New measurements of the mask on screen: the size shown, and a reason to assess again."""
        self.measurements = measurements
        self._show()
        self.schedule()

    @property
    def pending(self) -> bool:
        return self._timer.isActive() or self.jobs.pending > 0

    def assess_now(self) -> None:
        """Start the rules on the worker for the mask on screen (None without a lesion)."""
        self._timer.stop()
        scan, state, frame = self.scan, self.state, self.frame
        mask = frame.mask.data if frame is not None and frame.mask is not None else None
        if scan is None or state is None or frame is None or mask is None or not mask.any():
            self._apply(None, frame, None)
            return
        generation = Generation(state.scan_key, frame.frame_index, next(self._versions), "birads")
        self._wanted = generation
        rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
        # The reader may keep painting while the worker reads, so it gets a copy of the region the rules
        # look at (within one lesion extent of it, as lesion_features crops), not the live mask.
        reach = max(rows[-1] - rows[0], cols[-1] - cols[0]) + 8
        window = (slice(max(0, rows[0] - reach), rows[-1] + reach + 1),
                  slice(max(0, cols[0] - reach), cols[-1] + reach + 1))
        crop = np.array(mask[window])
        index = frame.frame_index
        probabilities = frame.prediction.probabilities if frame.prediction is not None else None

        def job() -> BiradsAssessment | None:
            return assess_lesion(scan.grey_frame(index)[window], crop, probabilities)

        self.jobs.submit(job, on_result=lambda result: self._apply(generation, frame, result))

    def _apply(self, generation: Generation | None, frame: FrameState | None, result: BiradsAssessment | None) -> None:
        if generation is not None and generation != self._wanted:
            return
        if frame is not self.frame:
            return
        self.assessment = result
        self._show()
        self.assessed.emit(result)

    def finding(self) -> BiradsFinding:
        """The lesion on screen as it would be reported now."""
        reader = self.state.birads_reader if self.state is not None else {}
        measured = self.measurements
        calibrated = measured is not None and measured.calibrated
        long_axis = short_axis = None
        if measured is not None:
            long_axis = measured.long_axis_mm if calibrated else measured.long_axis_px
            short_axis = measured.short_axis_mm if calibrated else measured.short_axis_px
        return BiradsFinding(
            ai=self.assessment, reader=dict(reader),
            image_laterality=self.scan.laterality if self.scan is not None else None,
            long_axis=long_axis, short_axis=short_axis, unit="mm" if calibrated else "px",
        )

    def _show(self) -> None:
        calibrated = self.measurements is not None and self.measurements.calibrated
        self.panel.show_finding(self.finding() if self.state is not None else None, calibrated)

    # ----------------------------------------------------------------- choices
    def set_choice(self, name: str, value: str | None) -> None:
        """Record the reader's ``value`` for field ``name`` (None: back to the AI's word)."""
        if self.state is None:
            return
        if self.refuses_change():
            self._show()  # the panel shows the kept choice again
            return
        checked = check_reader_value(name, value)
        if checked is None:
            if self.state.birads_reader.pop(name, None) is None:
                self._show()
                return
        elif self.state.birads_reader.get(name) == checked:
            return
        else:
            self.state.birads_reader[name] = checked
        self._show()
        self.changed.emit()

    def set_comment(self, text: str) -> None:
        """Record the reader's comment on the case."""
        if self.state is None or self.state.comment == text.strip() or self.refuses_change():
            return
        self.state.comment = text.strip()
        self.changed.emit()

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until the worker is idle (shutdown and tests)."""
        return self.jobs.wait(timeout_ms)
