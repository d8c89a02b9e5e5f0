"""What the Point tool shows: prompt markers on the canvas and the panel that lists them and says which
method redraws the outline."""

from __future__ import annotations

from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QPainter, QPen, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QPushButton, QVBoxLayout, QWidget

from busviewer.core.prompt_merge import GESTURE_WORDS
from busviewer.core.prompts import Prompt
from busviewer.gui.elided_label import ElidedLabel

#: Marker colours: lesion here, not lesion, box (distinct from the amber AI and green reader masks).
POSITIVE_RGB, NEGATIVE_RGB, BOX_RGB = "#36d1ff", "#ff5a5a", "#ffd84d"
#: Marker radius in screen pixels, whatever the zoom.
MARKER_SCREEN_PX = 5.0
#: The gestures, one short line each, so the panel never has to wrap (and squeeze) them.
HINT_LINES = ("Click = lesion here · drag = box around it", "Right click or Shift+click = not lesion")


def describe_prompt(prompt: Prompt) -> str:
    """One list line, positions in source pixels (row, column)."""
    if prompt.kind == "box":
        return (f"box around the lesion: rows {prompt.row:.0f}-{prompt.row2:.0f}, "
                f"columns {prompt.col:.0f}-{prompt.col2:.0f}")  # fmt: skip
    return f"{GESTURE_WORDS[prompt.kind]} at row {prompt.row:.0f}, column {prompt.col:.0f}"


def _pen(colour: str, width: float = 1.6, dashed: bool = False) -> QPen:
    pen = QPen(QColor(colour))
    pen.setCosmetic(True)
    pen.setWidthF(width)
    if dashed:
        pen.setStyle(Qt.PenStyle.DashLine)
    return pen


class PromptMarkers(pg.GraphicsObject):
    """Prompts drawn over the scan: a ring with + (lesion here) or − (not lesion), a dashed box; prompts
    still waiting for the model are drawn dashed, and a box being dragged as a rubber band.

    Positions are mask coordinates (pixel centres at whole numbers), as the prompts store them.
    """

    def __init__(self) -> None:
        super().__init__()
        self._committed: tuple[Prompt, ...] = ()
        self._pending: tuple[Prompt, ...] = ()
        self._band: tuple[float, float, float, float] | None = None
        self._rect = QRectF(0, 0, 1, 1)

    @property
    def shown(self) -> tuple[tuple[Prompt, ...], tuple[Prompt, ...]]:
        """(committed, pending) prompts on screen (for tests)."""
        return self._committed, self._pending

    def set_frame_shape(self, shape: tuple[int, int] | None) -> None:
        self.prepareGeometryChange()
        self._rect = QRectF(0, 0, shape[1], shape[0]) if shape else QRectF(0, 0, 1, 1)

    def show_prompts(self, committed: Sequence[Prompt], pending: Sequence[Prompt] = ()) -> None:
        self._committed, self._pending = tuple(committed), tuple(pending)
        self.update()

    def show_band(self, corners: tuple[float, float, float, float] | None) -> None:
        """The box being dragged, (row0, col0, row1, col1) in mask coordinates; None hides it."""
        self._band = corners
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        return self._rect

    def paint(self, painter: QPainter, *args: object) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        # Marker sizes are in screen pixels: one screen pixel is this many image pixels here.
        px = max(self.pixelWidth() or 1.0, 1e-6)
        py = max(self.pixelHeight() or 1.0, 1e-6)
        for prompt, pending in [(p, False) for p in self._committed] + [(p, True) for p in self._pending]:
            self._paint_prompt(painter, prompt, pending, px, py)
        if self._band is not None:
            r0, c0, r1, c1 = self._band
            painter.setPen(_pen(BOX_RGB, 1.4, dashed=True))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(QPointF(min(c0, c1) + 0.5, min(r0, r1) + 0.5),
                                    QPointF(max(c0, c1) + 0.5, max(r0, r1) + 0.5)))  # fmt: skip

    @staticmethod
    def _paint_prompt(painter: QPainter, prompt: Prompt, pending: bool, px: float, py: float) -> None:
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if prompt.kind == "box":
            painter.setPen(_pen(BOX_RGB, 1.6, dashed=True))
            top, bottom = sorted((prompt.row, float(prompt.row2)))  # type: ignore[arg-type]
            left, right = sorted((prompt.col, float(prompt.col2)))  # type: ignore[arg-type]
            painter.drawRect(QRectF(QPointF(left, top), QPointF(right + 1.0, bottom + 1.0)))
            return
        colour = POSITIVE_RGB if prompt.kind == "positive" else NEGATIVE_RGB
        x, y = prompt.col + 0.5, prompt.row + 0.5
        rx, ry = MARKER_SCREEN_PX * px, MARKER_SCREEN_PX * py
        painter.setPen(_pen("#000000", 3.2))  # a dark halo keeps the marker visible on bright tissue
        painter.drawEllipse(QPointF(x, y), rx, ry)
        painter.setPen(_pen(colour, 1.8, dashed=pending))
        painter.drawEllipse(QPointF(x, y), rx, ry)
        painter.setPen(_pen(colour, 1.6))
        painter.drawLine(QPointF(x - 0.6 * rx, y), QPointF(x + 0.6 * rx, y))
        if prompt.kind == "positive":
            painter.drawLine(QPointF(x, y - 0.6 * ry), QPointF(x, y + 0.6 * ry))


class PromptPanel(QWidget):
    """The prompts of the frame on screen, which method turns them into an outline, and what the last
    gesture replaced.

    Signals
    -------
    remove_requested(int)
        The reader asked to remove the prompt at this list position (Remove button or Delete key).
    """

    remove_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # One-line labels of fixed height: a docked panel short of height shrinks the list, never the words
        # (wrapped labels were squeezed to a clipped line); what does not fit the width is in the tooltip.
        self.method = ElidedLabel()
        self.hints = [ElidedLabel(line) for line in HINT_LINES]
        for hint in self.hints:
            hint.setStyleSheet("color: palette(placeholder-text);")
        self.status = ElidedLabel()
        self.prompt_list = QListWidget()
        rows = self.prompt_list.fontMetrics().height()
        self.prompt_list.setMinimumHeight(3 * rows)
        self.prompt_list.setMaximumHeight(4 * rows)
        self.prompt_list.setToolTip("Prompts of this frame, oldest first; removing one redraws its region")
        self.remove_button = QPushButton("Remove point")
        self.remove_button.setToolTip("Remove the selected prompt (Delete); the model redraws its region")
        self.remove_button.clicked.connect(self._remove_selected)
        delete = QShortcut(QKeySequence(Qt.Key.Key_Delete), self.prompt_list)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(self._remove_selected)
        self.prompt_list.currentRowChanged.connect(lambda _row: self._update_enabled())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        for widget in (self.method, *self.hints, self.prompt_list):
            layout.addWidget(widget)
        row = QHBoxLayout()
        row.addWidget(self.remove_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.status)
        self.set_method(None)
        self._update_enabled()

    def set_method(self, method: str | None) -> None:
        """Say what draws the outline from the prompts (None: no usable weights)."""
        self.method.setText(f"Method: {method}" if method else "Method: none (no model weights)")

    def set_prompts(self, prompts: Sequence[Prompt], pending: Sequence[Prompt] = ()) -> None:
        row = self.prompt_list.currentRow()
        self.prompt_list.clear()
        for index, prompt in enumerate(prompts, start=1):
            self.prompt_list.addItem(f"{index}. {describe_prompt(prompt)}")
        for prompt in pending:
            self.prompt_list.addItem(f"…  {describe_prompt(prompt)} (redrawing)")
        if 0 <= row < len(prompts):
            self.prompt_list.setCurrentRow(row)
        self._update_enabled(len(prompts))

    def set_status(self, text: str) -> None:
        self.status.setText(text)

    def _committed_count(self) -> int:
        return sum(1 for i in range(self.prompt_list.count()) if not self.prompt_list.item(i).text().startswith("…"))

    def _update_enabled(self, committed: int | None = None) -> None:
        count = self._committed_count() if committed is None else committed
        self.remove_button.setEnabled(0 <= self.prompt_list.currentRow() < count)

    def _remove_selected(self) -> None:
        row = self.prompt_list.currentRow()
        if 0 <= row < self._committed_count():
            self.remove_requested.emit(row)
