"""The Point panel reads whole at the window's first-start size: no label squeezed or cut."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from busviewer.app import _install_addons
from busviewer.gui.elided_label import ElidedLabel
from busviewer.gui.main_window import MainWindow


def test_point_panel_labels_are_neither_squeezed_nor_cut_at_the_default_size(qtbot: QtBot, tmp_path: Path) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    _install_addons(window)  # as the app assembles it, every side panel in its place
    window.restore_layout()  # a first start: the default size and panel widths
    qtbot.waitExposed(window)
    qtbot.wait(200)
    panel = window.review.pointing.panel
    panel.set_status("Point: lesion here: 4,621 px added.")
    qtbot.wait(50)
    assert panel.isVisible()
    labels = [label for label in panel.findChildren(QLabel) if label.text()]
    assert len(labels) >= 3
    for label in labels:
        needed = label.heightForWidth(label.width()) if label.wordWrap() else label.sizeHint().height()
        assert label.height() >= needed, f"{label.text()!r} is squeezed to {label.height()} px of {needed}"
        if isinstance(label, ElidedLabel) and label is not panel.status:
            assert not label.is_elided(), f"{label.text()!r} is cut at {label.width()} px"
    window.review.wait_idle(20_000)
    window.navigator.shutdown()
