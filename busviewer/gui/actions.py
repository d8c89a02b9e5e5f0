"""The one way the window's menus, toolbars and panels make a QAction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu


def make_action(
    parent: QObject,
    text: str,
    slot: Callable[..., Any],
    *keys: str | QKeySequence.StandardKey,
    checkable: bool = False,
    menu: QMenu | None = None,
) -> QAction:
    """An action with shortcuts that work wherever the focus is inside the window.

    Parameters
    ----------
    parent
        Owner of the action.
    text
        Menu text (``&`` marks the mnemonic).
    slot
        Called with no argument when triggered; with the checked state when ``checkable``.
    keys
        Shortcuts, the first one shown in menus.
    checkable
        A toggle (its ``toggled`` signal drives ``slot``).
    menu
        Added to this menu when given.
    """
    action = QAction(text, parent)
    action.setShortcuts([QKeySequence(key) for key in keys])
    # Window-wide: the shortcut works on the canvas, the case list and the cine bar alike.
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.setCheckable(checkable)
    if checkable:
        action.toggled.connect(slot)
    else:
        action.triggered.connect(lambda _checked=False: slot())
    if menu is not None:
        menu.addAction(action)
    return action
