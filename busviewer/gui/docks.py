"""Side panels that fit a laptop screen: each scrolls instead of forcing the window taller, and folds to its title.

At 1280x720 the review panels together want more height than the screen has; inside a dock without a
scroll area Qt grows the window past the screen (or squeezes a warning to half a line). Here every panel
keeps its natural height inside a scroll area, and a click on the title's arrow folds the panel to its
title bar so the others get the room.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QWidget,
)

#: Narrowest a side panel may be made: its labels elide and its rows wrap below their natural width.
PANEL_MIN_WIDTH = 220
#: Qt's QWIDGETSIZE_MAX: no maximum.
_UNLIMITED = 16_777_215


class _TitleBar(QWidget):
    """Fold arrow, title and close button; double-click also folds."""

    sig_fold_clicked = Signal()

    def __init__(self, dock: QDockWidget) -> None:
        super().__init__(dock)
        self.setObjectName("dockTitle")
        self.arrow = QToolButton(self)
        self.arrow.setObjectName("dockFold")
        self.arrow.setAutoRaise(True)
        self.arrow.setArrowType(Qt.ArrowType.DownArrow)
        self.arrow.setToolTip(f"Fold or unfold {dock.windowTitle()}")
        self.arrow.clicked.connect(self.sig_fold_clicked)
        self.title = QLabel(dock.windowTitle(), self)
        close = QToolButton(self)
        close.setAutoRaise(True)
        close.setText("×")
        close.setToolTip(f"Hide {dock.windowTitle()} (View ▸ Panels shows it again)")
        close.clicked.connect(dock.close)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(4)
        layout.addWidget(self.arrow)
        layout.addWidget(self.title, 1)
        layout.addWidget(close)

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802, ANN001 - Qt override
        self.sig_fold_clicked.emit()
        event.accept()


class FoldingDock(QDockWidget):
    """A dock whose content scrolls and which folds to its title bar.

    Signals
    -------
    folded_changed(bool)
        The panel was folded (True) or unfolded (False).
    content_cut()
        The content's layout changed and its lines no longer fit the panel (e.g. a warning appeared).
    """

    folded_changed = Signal(bool)
    content_cut = Signal()

    def __init__(self, title: str, content: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.setObjectName(f"dock_{title.lower().replace(' ', '_')}")
        self.content = content
        scroll = QScrollArea()
        scroll.setObjectName("dockScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(content)
        # Never narrower than the content can be: with the horizontal bar off, a narrower column would clip it.
        bar = scroll.verticalScrollBar().sizeHint().width()
        scroll.setMinimumWidth(max(PANEL_MIN_WIDTH, content.minimumSizeHint().width() + bar))
        scroll.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self._scroll = scroll
        self._folded = False
        self.setWidget(scroll)
        self._title_bar = _TitleBar(self)
        self._title_bar.sig_fold_clicked.connect(lambda: self.set_folded(not self.is_folded))
        self.setTitleBarWidget(self._title_bar)
        content.installEventFilter(self)
        self.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable | QDockWidget.DockWidgetFeature.DockWidgetMovable
        )

    @property
    def is_cut(self) -> bool:
        """Whether part of the (unfolded) content is scrolled out of view."""
        return not self.is_folded and self._scroll.viewport().height() < self.content.sizeHint().height()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.content and event.type() == QEvent.Type.LayoutRequest and self.is_cut:
            self.content_cut.emit()
        return False

    @property
    def is_folded(self) -> bool:
        """Whether only the title bar shows."""
        return self._folded

    def set_folded(self, folded: bool) -> None:
        """Fold the panel to its title (True) or show its content again (False)."""
        if folded == self.is_folded:
            return
        self._folded = folded
        # The content is squeezed to no height rather than hidden: a hidden widget would drop its minimum
        # width too, and the dock column would collapse to the title's width. The dock's own cap stops the
        # dock area from sharing its spare height out to the folded panel.
        self._scroll.setMaximumHeight(0 if folded else _UNLIMITED)
        self.setMaximumHeight(self._title_bar.sizeHint().height() + 2 if folded else _UNLIMITED)
        self._title_bar.arrow.setArrowType(Qt.ArrowType.RightArrow if folded else Qt.ArrowType.DownArrow)
        self.folded_changed.emit(folded)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        # The natural width of the content, not the scroll area's default guess.
        hint = super().sizeHint()
        width = max(PANEL_MIN_WIDTH, min(hint.width(), self.content.sizeHint().width() + 16))
        if self.is_folded:
            return QSize(width, hint.height())
        # The whole content's height: QScrollArea's own hint is capped, and a dock sized by it scrolls its
        # last lines out of view although the column has room.
        frame = 2 * self._scroll.frameWidth() + 4
        height = self._title_bar.sizeHint().height() + self.content.sizeHint().height() + frame
        return QSize(width, max(hint.height(), height))
