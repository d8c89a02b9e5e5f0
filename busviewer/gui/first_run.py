"""A short hint over the centre of the window on the first start: how to open a scan, run the AI and find the keys."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSettings, Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

#: Settings key that records the hint was dismissed, so it shows once per user.
SEEN_KEY = "hints/first_run_seen"
HINT_TEXT = (
    "<b>Welcome to busviewer.</b> Open scans with File ▸ Open (Ctrl+O) or drop files and folders here. "
    "Press R to run the AI: it proposes a lesion outline and a class, and you decide. "
    "F1 lists every key; Help ▸ About describes the model."
)
#: Widest the hint grows, and its distance from the top of the centre.
_MAX_WIDTH, _TOP = 640, 16


class FirstRunHint(QFrame):
    """A dismissible banner floating at the top of ``host``; shows only until the user has dismissed it once."""

    def __init__(self, host: QWidget, settings: QSettings) -> None:
        super().__init__(host)
        self.setObjectName("firstRunHint")
        self._settings = settings
        text = QLabel(HINT_TEXT)
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.RichText)
        button = QPushButton("Got it")
        button.setObjectName("firstRunDismiss")
        button.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 10, 10, 10)
        layout.addWidget(text, 1)
        layout.addWidget(button, 0, Qt.AlignmentFlag.AlignVCenter)
        host.installEventFilter(self)
        self.setVisible(not settings.value(SEEN_KEY, False, type=bool))
        self._place()

    def dismiss(self) -> None:
        """Hide the hint for good (remembered in the settings)."""
        self._settings.setValue(SEEN_KEY, True)
        self._settings.sync()
        self.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.parent() and event.type() == QEvent.Type.Resize:
            self._place()
        return False

    def _place(self) -> None:
        host = self.parentWidget()
        width = min(_MAX_WIDTH, host.width() - 2 * _TOP)
        height = self.heightForWidth(width) if self.hasHeightForWidth() else self.sizeHint().height()
        self.setGeometry((host.width() - width) // 2, _TOP, width, max(height, self.minimumSizeHint().height()))
        self.raise_()
