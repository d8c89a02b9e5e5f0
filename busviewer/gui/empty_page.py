"""What the centre of the window shows before any scan is open: how to open one."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


def empty_page() -> QWidget:
    """A centred title and hint (styled by the theme through the ``emptyTitle`` / ``emptyHint`` names)."""
    page = QWidget()
    title = QLabel("No scan open")
    title.setObjectName("emptyTitle")
    hint = QLabel(
        "Open a scan with File ▸ Open (Ctrl+O) or a folder of scans with File ▸ Open Folder "
        "(Ctrl+Shift+O),<br>or drop files or folders here.  Images and DICOM files are read."
    )
    hint.setObjectName("emptyHint")
    # Wrapped, so the empty page never sets a wide minimum for the centre that squeezes the side panels.
    hint.setWordWrap(True)
    layout = QVBoxLayout(page)
    layout.addStretch(1)
    for label in (title, hint):
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(label)
    layout.addStretch(1)
    return page
