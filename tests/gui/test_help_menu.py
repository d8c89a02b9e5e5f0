"""Help > Keyboard Shortcuts is generated from the actions themselves; Help > About says what the tool is."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QAction, QKeySequence

from busviewer import __version__
from busviewer.gui import dialogs
from busviewer.gui.about import AboutDialog
from busviewer.gui.main_window import MainWindow
from tests.gui.conftest import find_action


def test_a_new_action_appears_in_the_shortcuts_without_editing_the_help(
    main_window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    action = QAction("Toggle &Rulers", main_window)
    action.setShortcut(QKeySequence("Ctrl+Shift+R"))
    main_window.tools_menu.addAction(action)
    shown: list[dialogs.KeysDialog] = []
    monkeypatch.setattr(dialogs.KeysDialog, "exec", lambda self: shown.append(self) or 0)
    find_action(main_window, "Keyboard Shortcuts").trigger()
    rows = {name: key.strip() for key, name in shown[0].rows()}
    assert rows["Toggle Rulers"] == QKeySequence("Ctrl+Shift+R").toString(QKeySequence.SequenceFormat.NativeText)
    assert rows["Keyboard Shortcuts"] == "F1"


def test_about_names_version_model_licence_data_and_intended_use(main_window: MainWindow) -> None:
    main_window.set_permanent_status("model", "model: busviewer-attn-unet-e81ad2ea (shipped)")
    dialog = AboutDialog(main_window, main_window.permanent_status("model"))
    text = dialog.about.text()
    assert f"busviewer {__version__}" in text
    assert "busviewer-attn-unet-e81ad2ea" in text
    assert "not diagnosis" in text
    assert "Apache-2.0" in text
    assert "Al-Dhabyani" in text and "Gómez-Flores" in text and "Pawłowska" in text
    assert "Model card" in dialog.card.toPlainText() or "model card" in dialog.card.toPlainText().lower()
    dialog.close()


def test_about_opens_from_the_menu(main_window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[AboutDialog] = []
    monkeypatch.setattr(AboutDialog, "exec", lambda self: shown.append(self) or 0)
    find_action(main_window, "About busviewer").trigger()
    assert shown and shown[0].tabs.count() == 2
