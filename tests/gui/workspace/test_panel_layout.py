"""The right-hand column on a 1600x1000 first start: the AI's verdict panel shows whole, without scrolling."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication, QScrollArea
from pytestqt.qtbot import QtBot

from busviewer.gui.docks import FoldingDock
from tests.gui.workspace.conftest import WindowFactory, wait_for_case


def test_the_ai_proposal_panel_is_not_cut_off_beside_the_other_panels(
    qtbot: QtBot, make_window: WindowFactory, scan_folder: Path
) -> None:
    window = make_window()
    window.resize(1600, 1000)
    window.restore_layout()
    window.open_paths([scan_folder])
    wait_for_case(qtbot, window, "case (1).png")
    QApplication.processEvents()
    qtbot.wait(100)
    dock = next(d for d in window.findChildren(FoldingDock) if d.windowTitle() == "AI proposal")
    scroll = dock.findChild(QScrollArea, "dockScroll")
    # Every line of the verdict is on screen: probabilities, border uncertainty and the mask's review state.
    assert scroll.verticalScrollBar().maximum() == 0
    assert not dock.is_cut or scroll.viewport().height() >= dock.content.minimumSizeHint().height()
