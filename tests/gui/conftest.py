"""Fixtures for window tests: a shown MainWindow and tiny synthetic scans written by the tests themselves."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PIL import Image
from PySide6.QtGui import QAction
from pytestqt.qtbot import QtBot

from busviewer.core.scan import Calibration, UltrasoundScan
from busviewer.gui.gc_policy import collect_on_gui_thread
from busviewer.gui.main_window import MainWindow

pg.setConfigOptions(imageAxisOrder="row-major")


@pytest.fixture(autouse=True)
def _collect_on_the_gui_thread(qapp) -> None:
    """As the app does: garbage holding Qt objects is collected on the GUI thread only, never by a worker
    (which deadlocks against the GUI thread)."""
    collect_on_gui_thread()


@pytest.fixture
def main_window(qtbot: QtBot) -> Iterator[MainWindow]:
    """A shown main window without the review workspace (tests of the shell alone)."""
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1000, 700)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.navigator.shutdown()


def write_png(path: Path, value: int = 100, size: tuple[int, int] = (24, 32)) -> Path:
    """Write a small grey PNG whose pixel (r, c) is ``value + c`` (so readouts are checkable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows, cols = size
    image = (value + np.arange(cols)[None, :].repeat(rows, axis=0)).clip(0, 255).astype(np.uint8)
    Image.fromarray(image).save(path)
    return path


def make_scan(
    n_frames: int = 1,
    size: tuple[int, int] = (24, 32),
    spacing_mm: tuple[float, float] | None = None,
    frame_rate: float | None = None,
    name: str = "synthetic.dcm",
) -> UltrasoundScan:
    """A grey scan whose frame ``i`` holds the value ``10 * i + column`` (frames and columns tell apart)."""
    rows, cols = size
    base = np.arange(cols)[None, :].repeat(rows, axis=0)
    frames = np.stack([(10 * i + base) for i in range(n_frames)]).astype(np.uint8)
    calibration = Calibration(spacing_mm=spacing_mm, source="us-region") if spacing_mm else Calibration()
    return UltrasoundScan(
        frames=frames,
        source_path=Path("/nonexistent") / name,
        file_format="dicom",
        frame_rate=frame_rate,
        calibration=calibration,
    )


def wait_for_scan(qtbot: QtBot, window: MainWindow, name: str) -> None:
    """Block until the scan called ``name`` is on screen."""
    qtbot.waitUntil(lambda: window.session.scan is not None and window.session.scan.name == name, timeout=10_000)


def find_action(window: MainWindow, text: str) -> QAction:
    """The menu action whose text (without '&' and dots) is ``text``."""
    for menu_action in window.menuBar().actions():
        menu = menu_action.menu()
        if menu is None:
            continue
        for action in menu.actions():
            if action.text().replace("&", "").rstrip(".…") == text:
                return action
    raise LookupError(text)
