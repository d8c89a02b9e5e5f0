"""Fixtures for the review workspace: a main window with the review installed on tiny weights, and real
mouse events on the canvas viewport."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from busviewer.core.scan import Calibration, UltrasoundScan
from busviewer.gui.main_window import MainWindow
from busviewer.gui.review import install_review
from busviewer.gui.review.controller import ReviewController


def make_review_window(qtbot: QtBot, weights: Path) -> tuple[MainWindow, ReviewController]:
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1200, 800)
    review = install_review(window, weights=weights, device="cpu")
    window.review = review
    window.show()
    qtbot.waitExposed(window)
    return window, review


@pytest.fixture
def review_window(qtbot: QtBot, tiny_weights: Path) -> Iterator[tuple[MainWindow, ReviewController]]:
    """A shown main window with the review on tiny weights."""
    window, review = make_review_window(qtbot, tiny_weights)
    yield window, review
    review.wait_idle(20_000)
    window.navigator.shutdown()


@pytest.fixture
def no_weights_window(qtbot: QtBot, tmp_path: Path) -> Iterator[tuple[MainWindow, ReviewController]]:
    """The review pointed at a weights file that does not exist."""
    window, review = make_review_window(qtbot, tmp_path / "missing.safetensors")
    yield window, review
    review.wait_idle(20_000)
    window.navigator.shutdown()


def make_scan(
    name: str = "scan.png",
    size: tuple[int, int] = (96, 128),
    n_frames: int = 1,
    spacing_mm: tuple[float, float] | None = None,
    seed: int = 0,
) -> UltrasoundScan:
    """A speckled grey scan with a dark round 'lesion' in the middle."""
    rng = np.random.default_rng(seed)
    rows, cols = size
    frames = rng.integers(60, 200, size=(n_frames, rows, cols)).astype(np.uint8)
    rr, cc = np.ogrid[:rows, :cols]
    frames[:, (rr - rows / 2) ** 2 + (cc - cols / 2) ** 2 < (min(size) / 5) ** 2] = 20
    calibration = Calibration(spacing_mm=spacing_mm, source="us-region") if spacing_mm else Calibration()
    return UltrasoundScan(frames=frames, source_path=Path("/nonexistent") / name, calibration=calibration)


def show_scan(qtbot: QtBot, window: MainWindow, scan: UltrasoundScan) -> None:
    window.session.set_scan(scan)
    qtbot.waitUntil(lambda: window.canvas.has_image, timeout=5000)


def wait_for_prediction(qtbot: QtBot, review: ReviewController) -> None:
    qtbot.waitUntil(
        lambda: review.frame_state is not None and review.frame_state.prediction is not None, timeout=30_000
    )


def wait_measured(qtbot: QtBot, review: ReviewController) -> None:
    qtbot.waitUntil(lambda: not review.measuring.pending, timeout=10_000)


# ------------------------------------------------------------------ mouse events on the canvas viewport
def viewport_point(window: MainWindow, row: float, col: float) -> QPoint:
    """Viewport pixel showing canvas position (row, col) (pixel corners at whole numbers)."""
    canvas = window.canvas
    scene = canvas.image_item.mapToScene(QPointF(col, row))
    return canvas.mapFromScene(scene)


def _send(window: MainWindow, kind: QEvent.Type, point: QPoint, button: Qt.MouseButton,
          buttons: Qt.MouseButton, modifiers: Qt.KeyboardModifier) -> None:  # fmt: skip
    viewport = window.canvas.viewport()
    local = QPointF(point)
    event = QMouseEvent(kind, local, QPointF(viewport.mapToGlobal(point)), button, buttons, modifiers)
    QApplication.sendEvent(viewport, event)


def drag(
    window: MainWindow,
    points: list[tuple[float, float]],
    button: Qt.MouseButton = Qt.MouseButton.LeftButton,
    modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
) -> None:
    """Press at the first image point, move through the rest with the button held, release at the last."""
    screen = [viewport_point(window, r, c) for r, c in points]
    no_button = Qt.MouseButton.NoButton
    _send(window, QEvent.Type.MouseButtonPress, screen[0], button, button, modifiers)
    for point in screen[1:]:
        _send(window, QEvent.Type.MouseMove, point, no_button, button, modifiers)
    _send(window, QEvent.Type.MouseButtonRelease, screen[-1], button, no_button, modifiers)


def wheel(window: MainWindow, row: float, col: float, delta: int, modifiers: Qt.KeyboardModifier) -> None:
    viewport = window.canvas.viewport()
    point = QPointF(viewport_point(window, row, col))
    event = QWheelEvent(point, QPointF(viewport.mapToGlobal(point.toPoint())), QPoint(0, 0), QPoint(0, delta),
                        Qt.MouseButton.NoButton, modifiers, Qt.ScrollPhase.NoScrollPhase, False)  # fmt: skip
    QApplication.sendEvent(viewport, event)
