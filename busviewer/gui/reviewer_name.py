"""Tools > Reviewer Name…: the name written into DICOM SR (Person Observer Name) and SEG (Content Creator).

Empty means the operating-system login is used. The name is kept in the settings file (``io/reviewer.py``).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QLineEdit

from busviewer.core.errors import UserFacingError
from busviewer.io.reviewer import entered_reviewer_name, set_reviewer_name


def ask_reviewer_name(window: Any) -> None:
    """Ask for the reviewer's name and keep it; a settings file that cannot be written is one sentence."""
    name, accepted = QInputDialog.getText(
        window, "Reviewer Name", "Your name as it should appear in DICOM reports (e.g. Jane Doe);\n"
        "leave empty to use your login name:", QLineEdit.EchoMode.Normal, entered_reviewer_name())
    if not accepted:
        return
    try:
        set_reviewer_name(name)
    except UserFacingError as exc:
        window.show_error(str(exc))


def install_reviewer_name(window: Any) -> QAction:
    """Add Tools > Reviewer Name… to ``window``."""
    action = window.tools_menu.addAction("Reviewer &Name…")
    action.triggered.connect(lambda: ask_reviewer_name(window))
    return action
