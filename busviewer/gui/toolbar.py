"""A toolbar that stays hidden until something adds an action to it, so an empty bar never shows."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QMainWindow, QToolBar


class _ShowWhenFilled(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.ActionAdded and isinstance(watched, QToolBar):
            watched.setVisible(True)
        return False


def add_toolbar_shown_when_filled(window: QMainWindow, title: str, object_name: str) -> QToolBar:
    """A fixed top toolbar of ``window`` with text beside icons, hidden while it has no actions."""
    toolbar = QToolBar(title, window)
    toolbar.setObjectName(object_name)
    toolbar.setMovable(False)
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
    toolbar.hide()
    toolbar.installEventFilter(_ShowWhenFilled(toolbar))
    return toolbar
