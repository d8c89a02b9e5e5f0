"""A label that shortens its text with an ellipsis when it is narrower than the text, and shows it whole as a tooltip."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    """One line of plain text, elided at the right when space is short (the tooltip holds the full text).

    Parameters
    ----------
    max_width
        Widest the label asks to be (0: as wide as its text), so one long value cannot take a whole bar.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None, max_width: int = 0) -> None:
        super().__init__(parent)
        self._full = ""
        self._max_width = max_width
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt override
        self._full = text
        super().setText(text)
        self.setToolTip(text if self.is_elided() else "")
        self.updateGeometry()

    def full_text(self) -> str:
        """The text as set, never shortened."""
        return self._full

    def shown_text(self) -> str:
        """The text as drawn at the current width."""
        return self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, self._text_width())

    def is_elided(self) -> bool:
        """Whether the current width cuts the text."""
        return self.shown_text() != self._full

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        hint = super().sizeHint()
        if self._max_width:
            hint.setWidth(min(hint.width(), self._max_width))
        return hint

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        # Room for a few letters and the ellipsis: the layout may shrink the label that far.
        margins = self.contentsMargins()
        width = self.fontMetrics().horizontalAdvance("Mmm…") + margins.left() + margins.right()
        return QSize(min(width, super().sizeHint().width()), super().minimumSizeHint().height())

    def resizeEvent(self, event) -> None:  # noqa: N802, ANN001 - Qt override
        super().resizeEvent(event)
        self.setToolTip(self._full if self.is_elided() else "")

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        rect = self.contentsRect()
        indent = self.indent() if self.indent() > 0 else 0
        rect.adjust(indent, 0, 0, 0)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(rect, int(self.alignment() | Qt.AlignmentFlag.AlignVCenter), self.shown_text())

    def _text_width(self) -> int:
        rect = self.contentsRect()
        return max(0, rect.width() - (self.indent() if self.indent() > 0 else 0))
