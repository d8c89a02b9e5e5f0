"""Every key of the assembled window (shell, review, fine-tune, workspace, PACS) does one thing.

Two actions with one shortcut make Qt ignore the key ("ambiguous shortcut"), so a clash disables both.
"""

from __future__ import annotations

import logging
from collections import defaultdict

import pytest
from PySide6.QtGui import QAction
from pytestqt.qtbot import QtBot

from busviewer.app import _install_addons
from busviewer.gui.main_window import MainWindow


def test_no_two_actions_share_a_shortcut_and_none_had_to_be_taken_away(qtbot: QtBot, caplog: pytest.LogCaptureFixture) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    with caplog.at_level(logging.WARNING):
        _install_addons(window)  # as the app assembles it
    assert not [r for r in caplog.records if "is taken by" in r.getMessage()], "an add-on took a key another action had"
    owners: dict[str, set[str]] = defaultdict(set)
    for action in window.findChildren(QAction):
        for key in action.shortcuts():
            if not key.isEmpty():
                owners[key.toString()].add(action.text().replace("&", ""))
    shared = {key: names for key, names in owners.items() if len(names) > 1}
    assert not shared, f"keys with more than one action: {shared}"
    assert owners["P"] == {"Point"}
    assert owners["PgDown"] == {"Next Case"} and owners["PgUp"] == {"Previous Case"}
    window.review.wait_idle(20_000)
    window.navigator.shutdown()
