"""Fixtures for the workspace: a window with review (tiny weights) and workspace installed, and small scan folders."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pytestqt.qtbot import QtBot

from busviewer.gui.main_window import MainWindow
from busviewer.gui.review import install_review
from busviewer.gui.workspace import install_workspace
from busviewer.gui.workspace.controller import WorkspaceController

SCAN_SHAPE = (64, 80)


def write_scan_png(path: Path, seed: int = 0, shape: tuple[int, int] = SCAN_SHAPE) -> Path:
    """A speckled grey image with a dark round 'lesion', like a small BUSI image."""
    rng = np.random.default_rng(seed)
    rows, cols = shape
    image = rng.integers(60, 200, size=shape).astype(np.uint8)
    rr, cc = np.ogrid[:rows, :cols]
    image[(rr - rows / 2) ** 2 + (cc - cols / 2) ** 2 < (min(shape) / 5) ** 2] = 20
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(image).save(path)
    return path


@pytest.fixture
def scan_folder(tmp_path: Path) -> Path:
    """Three small PNG scans in ``tmp/scans``."""
    folder = tmp_path / "scans"
    for index in range(3):
        write_scan_png(folder / f"case ({index + 1}).png", seed=index)
    return folder


WindowFactory = Callable[..., MainWindow]


@pytest.fixture
def make_window(qtbot: QtBot, tiny_weights: Path) -> Iterator[WindowFactory]:
    """Builds shown windows with review and workspace (autosave after 50 ms); closes them all at the end."""
    windows: list[MainWindow] = []

    def build(weights: Path | None = None) -> MainWindow:
        """A window whose AI runs ``weights`` (default: the tiny network; a missing file: no AI)."""
        window = MainWindow()
        qtbot.addWidget(window)
        window.resize(1200, 800)
        window.review = install_review(window, weights=weights or tiny_weights, device="cpu")
        window.workspace = install_workspace(window, autosave_delay_ms=50)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield build
    for window in windows:
        window.review.wait_idle(20_000)
        window.close()
        window.navigator.shutdown()


def workspace_of(window: MainWindow) -> WorkspaceController:
    assert isinstance(window.workspace, WorkspaceController)
    return window.workspace


def open_folder(qtbot: QtBot, window: MainWindow, folder: Path, first: str) -> None:
    """Open ``folder`` and wait until its first scan is on screen with an AI proposal."""
    window.open_paths([folder])
    wait_for_case(qtbot, window, first)


def wait_for_case(qtbot: QtBot, window: MainWindow, name: str) -> None:
    """Wait until scan ``name`` is on screen and the AI has proposed for it."""
    review = window.review
    qtbot.waitUntil(lambda: window.session.scan is not None and window.session.scan.name == name, timeout=15_000)
    qtbot.waitUntil(
        lambda: review.frame_state is not None and review.frame_state.prediction is not None, timeout=30_000
    )


def saved_to_store(qtbot: QtBot, window: MainWindow) -> None:
    """Flush autosave, wait for the store thread, then for its rows to reach the list."""
    workspace = workspace_of(window)
    workspace.flush(wait=True)
    qtbot.wait(50)  # let the queued "row saved" signals arrive
