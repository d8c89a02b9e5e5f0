"""The fixed fields at the right of the status bar (cursor, levels, scan, calibration, model, ...), kept to a
share of its width so passing messages at the left always have room; a field that does not fit is elided
and shows its whole text as a tooltip.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QStatusBar

from busviewer.gui.elided_label import ElidedLabel

#: Share of the status bar the fixed fields may take together; the rest is for messages.
FIELDS_SHARE = 0.6


class StatusFields(QObject):
    """Creates, fills and fits the permanent fields of ``bar``.

    Parameters
    ----------
    bar
        The window's status bar; fields are added to it in the order they are first used.
    """

    def __init__(self, bar: QStatusBar) -> None:
        super().__init__(bar)
        self._bar = bar
        self.labels: dict[str, ElidedLabel] = {}
        #: Width a field keeps even when empty, so the others do not jump (e.g. the cursor readout).
        self._reserved: dict[str, int] = {}
        bar.installEventFilter(self)

    def set(self, key: str, text: str) -> ElidedLabel:
        """Show ``text`` in field ``key`` (created on first use; empty text hides it unless reserved)."""
        label = self.labels.get(key)
        if label is None:
            label = ElidedLabel()
            label.setObjectName(f"status_{key}")
            self._bar.addPermanentWidget(label)
            self.labels[key] = label
        label.setText(text)
        label.setVisible(bool(text) or key in self._reserved)
        self.fit()
        return label

    def text(self, key: str) -> str:
        """The full text of field ``key`` ("" when unknown)."""
        label = self.labels.get(key)
        return label.full_text() if label is not None else ""

    def reserve(self, key: str, width: int) -> None:
        """Keep field ``key`` visible and about ``width`` pixels wide even while it is empty."""
        self._reserved[key] = width
        self.set(key, self.text(key))

    def fit(self) -> None:
        """Cap each visible field's width so that together they take at most :data:`FIELDS_SHARE` of the bar."""
        shown = {key: label for key, label in self.labels.items() if not label.isHidden()}
        if not shown:
            return
        natural = {
            key: max(label.fontMetrics().horizontalAdvance(label.full_text()) + 20, self._reserved.get(key, 0))
            for key, label in shown.items()
        }
        # Fair shares, smallest first: short fields (levels, calibration) keep their whole text and only
        # the long ones (file name, model id) are elided to what is left.
        remaining = int(self._bar.width() * FIELDS_SHARE)
        widths: dict[str, int] = {}
        for left, key in enumerate(sorted(natural, key=natural.__getitem__)):
            widths[key] = min(natural[key], remaining // (len(natural) - left))
            remaining -= widths[key]
        for key, label in shown.items():
            width = max(label.minimumSizeHint().width(), widths[key])
            label.setMaximumWidth(width)
            label.setMinimumWidth(width if key in self._reserved else label.minimumSizeHint().width())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self._bar and event.type() == QEvent.Type.Resize:
            self.fit()
        return False
