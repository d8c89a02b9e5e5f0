"""The cine bar under the canvas: play/pause, a frame slider and the frame counter of a multi-frame scan.

Playback is a QTimer on the GUI thread: each tick only asks for the next frame, which is already decoded.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap, QPolygonF
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSlider, QToolButton, QWidget

from busviewer.gui import theme

#: Playback speed when the file does not say (DICOM Cine Rate / Frame Time absent).
DEFAULT_FPS = 20.0


class CineBar(QFrame):
    """Frame slider with play/pause for cine loops; it only *requests* frames, the session decides.

    Signals
    -------
    sig_frame_requested(int)
        The user (slider) or the playback timer wants this frame shown.
    sig_playing_changed(bool)
        Playback started (True) or stopped (False).
    """

    sig_frame_requested = Signal(int)
    sig_playing_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cineBar")
        self.play_button = QToolButton()
        self.play_button.setAutoRaise(True)
        self.play_button.setIconSize(QSize(16, 16))
        self._icons = {playing: _media_icon(playing) for playing in (False, True)}
        self.play_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.play_button.clicked.connect(self.toggle_play)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.slider.setMinimum(0)
        self.slider.valueChanged.connect(self._on_slider_moved)
        self.frame_label = QLabel()
        self.frame_label.setMinimumWidth(90)
        self.frame_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.rate_label = QLabel()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 12, 4)
        layout.setSpacing(10)
        layout.addWidget(self.play_button)
        layout.addWidget(self.slider, stretch=1)
        layout.addWidget(self.frame_label)
        layout.addWidget(self.rate_label)
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._advance)
        self._count = 1
        self._index = 0
        self.fps = DEFAULT_FPS
        self._update_button()
        self.set_frame_count(1)

    @property
    def frame_count(self) -> int:
        return self._count

    @property
    def frame_index(self) -> int:
        return self._index

    @property
    def is_playing(self) -> bool:
        return self._timer.isActive()

    def set_frame_count(self, count: int, fps: float | None = None) -> None:
        """Prepare for a scan of ``count`` frames played at ``fps`` (default :data:`DEFAULT_FPS`); stops playback."""
        self.pause()
        self._count = max(int(count), 1)
        self.fps = fps if fps and fps > 0 else DEFAULT_FPS
        self._timer.setInterval(max(int(round(1000.0 / self.fps)), 1))
        self.slider.blockSignals(True)
        self.slider.setMaximum(self._count - 1)
        self.slider.blockSignals(False)
        self.rate_label.setText(f"{round(self.fps, 1):g} fps")
        self.setVisible(self._count > 1)
        self.set_frame(0)

    def set_frame(self, index: int) -> None:
        """Show that frame ``index`` is on screen (does not emit ``sig_frame_requested``)."""
        self._index = max(0, min(int(index), self._count - 1))
        self.slider.blockSignals(True)
        self.slider.setValue(self._index)
        self.slider.blockSignals(False)
        self.frame_label.setText(f"{self._index + 1} / {self._count}")

    @Slot()
    def play(self) -> None:
        """Start looping through the frames (nothing happens for a single frame)."""
        if self._count > 1 and not self.is_playing:
            self._timer.start()
            self._update_button()
            self.sig_playing_changed.emit(True)

    @Slot()
    def pause(self) -> None:
        """Stop playback on the frame on screen."""
        if self.is_playing:
            self._timer.stop()
            self._update_button()
            self.sig_playing_changed.emit(False)

    @Slot()
    def toggle_play(self) -> None:
        """Play when paused, pause when playing."""
        if self.is_playing:
            self.pause()
        else:
            self.play()

    def step(self, offset: int) -> None:
        """Ask for the frame ``offset`` away from the current one (stops at either end), pausing playback."""
        self.pause()
        target = max(0, min(self._index + offset, self._count - 1))
        if target != self._index:
            self.sig_frame_requested.emit(target)

    def go_to(self, index: int) -> None:
        """Ask for frame ``index`` (negative counts from the end), pausing playback."""
        self.pause()
        target = index % self._count
        if target != self._index:
            self.sig_frame_requested.emit(target)

    @Slot()
    def _advance(self) -> None:
        self.sig_frame_requested.emit((self._index + 1) % self._count)

    @Slot(int)
    def _on_slider_moved(self, value: int) -> None:
        if value != self._index:
            self.sig_frame_requested.emit(value)

    def _update_button(self) -> None:
        playing = self.is_playing
        self.play_button.setIcon(self._icons[playing])
        self.play_button.setToolTip("Pause (Space)" if playing else "Play (Space)")


def _media_icon(playing: bool) -> QIcon:
    """A pause (two bars) or play (triangle) glyph in the text colour; the style's own icons vanish on dark."""
    pixmap = QPixmap(32, 32)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(theme.TEXT))
    if playing:
        painter.drawRoundedRect(QRectF(7, 5, 6, 22), 1.5, 1.5)
        painter.drawRoundedRect(QRectF(19, 5, 6, 22), 1.5, 1.5)
    else:
        painter.drawPolygon(QPolygonF([QPointF(8, 4), QPointF(27, 16), QPointF(8, 28)]))
    painter.end()
    return QIcon(pixmap)
