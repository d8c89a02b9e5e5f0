"""The right-hand column on a 1600x1000 first start: the AI's verdict and the measurements show whole, without
scrolling, even with every warning they can show."""

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


def test_the_measurements_show_whole_with_both_warnings(
    qtbot: QtBot, make_window: WindowFactory, scan_folder: Path
) -> None:
    window = make_window()
    window.resize(1600, 1000)
    window.restore_layout()
    window.open_paths([scan_folder])
    wait_for_case(qtbot, window, "case (1).png")
    review = window.review
    review.mask_layer.clear()  # the untrained network's proposal
    review.mask_layer.fill_polygon([(5, 35), (5, 44), (60, 44), (60, 35)])  # 56 rows x 10 cols: taller than wide
    panel = review.measurement_panel
    qtbot.waitUntil(lambda: panel.shape_flag.isVisible() and panel.uncalibrated_warning.isVisible(), timeout=10_000)
    QApplication.processEvents()
    qtbot.wait(100)
    dock = next(d for d in window.findChildren(FoldingDock) if d.windowTitle() == "Measurements")
    scroll = dock.findChild(QScrollArea, "dockScroll")
    assert scroll.verticalScrollBar().maximum() == 0, "the axes checkbox is scrolled out of sight"
    assert panel.calipers.isVisible()

