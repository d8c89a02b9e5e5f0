"""A short hint above the image on the first start: how to open a scan, run the AI and find the keys."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

#: Settings key that records the hint was dismissed, so it shows once per user.
SEEN_KEY = "hints/first_run_seen"
HINT_TEXT = (
    "<b>Welcome to busviewer.</b> Open scans with File ▸ Open (Ctrl+O) or drop files and folders here. "
    "Press R to run the AI: it proposes a lesion outline and a class, and you decide. "
    "F1 lists every key; Help ▸ About describes the model."
)
#: Widest the hint grows.
_MAX_WIDTH = 640


class FirstRunHint(QWidget):
    """The strip above the image holding a dismissible banner; shown only until the user has dismissed it once.

    It takes its own room in the layout rather than floating over the centre: floating, it covered the top
    of every scan that fills the height (where the skin line and shallow lesions are). Hidden, the strip
    takes no room at all.
    """

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        banner = QFrame()
        banner.setObjectName("firstRunHint")
        banner.setMaximumWidth(_MAX_WIDTH)
        text = QLabel(HINT_TEXT)
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.RichText)
        button = QPushButton("Got it")
        button.setObjectName("firstRunDismiss")
        button.clicked.connect(self.dismiss)
        inside = QHBoxLayout(banner)
        inside.setContentsMargins(14, 10, 10, 10)
        inside.addWidget(text, 1)
        inside.addWidget(button, 0, Qt.AlignmentFlag.AlignVCenter)
        strip = QHBoxLayout(self)
        strip.setContentsMargins(8, 8, 8, 8)
        strip.addWidget(banner)
        self.setVisible(not settings.value(SEEN_KEY, False, type=bool))

    def dismiss(self) -> None:
        """Hide the hint for good (remembered in the settings)."""
        self._settings.setValue(SEEN_KEY, True)
        self._settings.sync()
        self.hide()
