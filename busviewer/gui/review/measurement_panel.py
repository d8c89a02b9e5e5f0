"""The review's measurement panel: size and shape of the lesion mask, in mm when the scan is calibrated."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from busviewer.core.measurements import LesionMeasurements
from busviewer.gui.review.panel_parts import caution_label, compact, dim_label


def _length(value_mm: float | None, value_px: float) -> str:
    return f"{value_mm:.1f} mm" if value_mm is not None else f"{value_px:.1f} px"


class MeasurementPanel(QWidget):
    """Size and shape of the lesion mask, in mm when the scan is calibrated, in pixels with a warning otherwise.

    Signals
    -------
    calipers_visible_changed(bool)
        Show or hide the long and short axes on the image.
    """

    calipers_visible_changed = Signal(bool)

    ROWS = (
        "area",
        "perimeter",
        "long axis",
        "short axis",
        "depth × width",
        "depth/width",
        "orientation",
        "circularity",
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        compact(layout)
        self.uncalibrated_warning = caution_label("Uncalibrated scan: sizes are in pixels, not millimetres.")
        layout.addWidget(self.uncalibrated_warning)
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(2)
        self.values: dict[str, QLabel] = {}
        # Two name/value pairs per row keep the panel short.
        for index, name in enumerate(self.ROWS):
            value = QLabel("–")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            row, pair = divmod(index, 2)
            grid.addWidget(dim_label(name), row, 2 * pair)
            grid.addWidget(value, row, 2 * pair + 1)
            self.values[name] = value
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        layout.addLayout(grid)
        self.note = dim_label()
        self.note.setWordWrap(True)
        self.note.setVisible(False)
        layout.addWidget(self.note)
        # The shape flag shares the checkbox's line: the right-hand column has no row to spare.
        self.shape_flag = caution_label()
        self.calipers = QCheckBox("long/short axes")
        self.calipers.setToolTip("Show the long and short axis on the image")
        self.calipers.setChecked(True)
        self.calipers.toggled.connect(self.calipers_visible_changed)
        last_line = QHBoxLayout()
        last_line.addWidget(self.shape_flag, stretch=1)
        last_line.addWidget(self.calipers, alignment=Qt.AlignmentFlag.AlignRight)
        layout.addLayout(last_line)
        layout.addStretch(1)

    def show_measurements(self, measurements: LesionMeasurements | None, calibrated: bool) -> None:
        """Fill the rows from ``measurements``; None means there is no lesion drawn."""
        self.uncalibrated_warning.setVisible(not calibrated)
        if measurements is None:
            for value in self.values.values():
                value.setText("–")
            self.shape_flag.setVisible(False)
            self._set_note("No lesion in the mask.")
            return
        m = measurements
        area = f"{m.area_mm2:.1f} mm²" if m.area_mm2 is not None else f"{m.area_px:.0f} px²"
        if m.depth_mm is not None and m.width_mm is not None:
            depth_width = f"{m.depth_mm:.1f} × {m.width_mm:.1f} mm"
        else:
            depth_width = f"{m.depth_px:.0f} × {m.width_px:.0f} px"
        texts = {
            "area": area,
            "long axis": _length(m.long_axis_mm, m.long_axis_px),
            "short axis": _length(m.short_axis_mm, m.short_axis_px),
            "depth × width": depth_width,
            "depth/width": f"{m.depth_width_ratio:.2f}",
            "orientation": f"{round(m.orientation_deg)}°",  # an int, so never "-0°"
            "perimeter": _length(m.perimeter_mm, m.perimeter_px),
            "circularity": f"{m.circularity:.2f}",
        }
        for name, text in texts.items():
            self.values[name].setText(text)
        self.shape_flag.setText("Taller than wide (depth/width > 1)")
        self.shape_flag.setVisible(m.taller_than_wide)
        self._set_note(f"{m.n_components} separate regions; the largest is measured." if m.n_components > 1 else "")

    def _set_note(self, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))
