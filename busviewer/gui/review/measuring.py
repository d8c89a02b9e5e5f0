"""Live lesion measurements: debounced after each edit, computed on a worker thread, drawn as calipers.

Measuring a large mask (contours, convex hull) can take longer than a frame, so it never runs on the
GUI thread; a version counter drops results for masks that changed since.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import replace

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from busviewer.core.measurements import LesionMeasurements, measure_mask
from busviewer.core.review_state import FrameState
from busviewer.core.scan import Calibration
from busviewer.gui.canvas import ScanCanvas
from busviewer.gui.jobs import Generation, JobRunner
from busviewer.gui.review.measurement_panel import MeasurementPanel
from busviewer.gui.review.overlays import CaliperOverlay

#: Quiet time after the last edit before measuring, in milliseconds.
DEBOUNCE_MS = 100


class MeasurementController(QObject):
    """Keeps the measurement panel and the calipers in step with the mask on screen.

    Signals
    -------
    measured(object)
        New measurements (or None for an empty mask) for the frame on screen.
    """

    measured = Signal(object)

    def __init__(
        self,
        canvas: ScanCanvas,
        panel: MeasurementPanel,
        is_editing: Callable[[], bool] = lambda: False,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.panel = panel
        self._is_editing = is_editing
        self.calipers = CaliperOverlay()
        canvas.add_overlay(self.calipers, 30)
        self.jobs = JobRunner("measurements", parent=self)
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self.measure_now)
        self._versions = itertools.count(1)
        self._wanted: Generation | None = None
        self.frame: FrameState | None = None
        self.scan_key = ""
        self.calibration = Calibration()
        panel.calipers_visible_changed.connect(self.calipers.set_wanted_visible)

    def bind(self, scan_key: str, frame: FrameState | None, calibration: Calibration) -> None:
        """Measure ``frame``'s mask from now on; shows its last measurements at once."""
        self.scan_key, self.frame, self.calibration = scan_key, frame, calibration
        self._wanted = None
        self._show(frame.measurements if frame is not None else None)
        self.schedule()

    def schedule(self) -> None:
        """The mask changed: measure once it has been quiet for ``DEBOUNCE_MS``."""
        # A newer mask makes any measurement under way stale even before the timer fires.
        self._wanted = None
        self._timer.start()

    @property
    def pending(self) -> bool:
        return self._timer.isActive() or self.jobs.pending > 0

    def measure_now(self) -> None:
        """Start measuring the current mask on the worker thread."""
        self._timer.stop()
        frame = self.frame
        if frame is None or frame.mask is None:
            self._show(None)
            return
        if self._is_editing():
            # Mid-stroke: measuring now would compete with painting for the interpreter; wait for release.
            self._timer.start()
            return
        generation = Generation(self.scan_key, frame.frame_index, next(self._versions))
        self._wanted = generation
        data = frame.mask.data
        rows = np.flatnonzero(data.any(axis=1))
        if rows.size == 0:
            self._apply(generation, frame, None)
            return
        cols = np.flatnonzero(data.any(axis=0))
        top, left = int(rows[0]), int(cols[0])
        # Only the lesion's box is copied (the reader may keep painting while the worker measures).
        crop = np.array(data[top : int(rows[-1]) + 1, left : int(cols[-1]) + 1])
        calibration = self.calibration
        self.jobs.submit(
            lambda: _shifted(measure_mask(crop, calibration), top, left),
            on_result=lambda result: self._apply(generation, frame, result),
        )

    def show_adjusted(self, measurements: LesionMeasurements) -> None:
        """Show measurements whose axes the reader moved; they hold until the mask is measured again."""
        if self.frame is not None:
            self.frame.measurements = measurements
        self._show(measurements)

    def _apply(self, generation: Generation, frame: FrameState, result: LesionMeasurements | None) -> None:
        if generation != self._wanted:
            return
        frame.measurements = result
        self._show(result)

    def _show(self, measurements: LesionMeasurements | None) -> None:
        self.panel.show_measurements(measurements, self.calibration.is_calibrated)
        if measurements is None:
            self.calipers.show_measurements(None)
        else:
            long_text = _short_length(measurements.long_axis_mm, measurements.long_axis_px)
            short_text = _short_length(measurements.short_axis_mm, measurements.short_axis_px)
            self.calipers.show_measurements(measurements, f"L {long_text}", f"S {short_text}")
        self.measured.emit(measurements)


def _shifted(measurements: LesionMeasurements | None, top: int, left: int) -> LesionMeasurements | None:
    """Measurements of a crop moved back to image coordinates."""
    if measurements is None:
        return None

    def move(ends: tuple[tuple[float, float], tuple[float, float]]) -> tuple[tuple[float, float], tuple[float, float]]:
        return (ends[0][0] + top, ends[0][1] + left), (ends[1][0] + top, ends[1][1] + left)

    return replace(
        measurements,
        long_axis_endpoints=move(measurements.long_axis_endpoints),
        short_axis_endpoints=move(measurements.short_axis_endpoints),
    )


def _short_length(value_mm: float | None, value_px: float) -> str:
    return f"{value_mm:.1f} mm" if value_mm is not None else f"{value_px:.0f} px"
