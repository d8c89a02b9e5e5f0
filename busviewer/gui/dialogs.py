"""Small dialogs of the main window: errors in one sentence, file pickers, and the keyboard-shortcuts help."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QMessageBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

#: Mouse gestures of the canvas and keys handled outside actions, for the help dialog.
MOUSE_AND_OTHER_KEYS: tuple[tuple[str, str], ...] = (
    ("Wheel", "Zoom at the mouse"),
    ("Left or middle drag", "Pan"),
    ("Right drag", "Window (left/right) and level (up/down)"),
    ("Escape", "Stop playback; leave full screen"),
)


def show_error(parent: QWidget, sentence: str) -> QMessageBox:
    """Show ``sentence`` in a warning box that does not block the window, and return the box."""
    box = QMessageBox(QMessageBox.Icon.Warning, "busviewer", sentence, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorBox")
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.show()
    return box


def ask_open_files(parent: QWidget, start_dir: Path | None = None) -> list[Path]:
    """Let the user pick scan files; an empty list when cancelled."""
    # Imported here because the loader pulls in pydicom, which the window does not need to appear.
    from busviewer.io.scan_loader import file_dialog_filter

    names, _ = QFileDialog.getOpenFileNames(parent, "Open scans", str(start_dir or Path.home()), file_dialog_filter())
    return [Path(name) for name in names]


def ask_open_folder(parent: QWidget, start_dir: Path | None = None) -> Path | None:
    """Let the user pick a folder of scans; None when cancelled."""
    name = QFileDialog.getExistingDirectory(parent, "Open folder of scans", str(start_dir or Path.home()))
    return Path(name) if name else None


class KeysDialog(QDialog):
    """Every shortcut of the window's menus (read from the actions themselves) plus the mouse gestures."""

    def __init__(self, parent: QWidget, menus: Iterable[tuple[str, Iterable[QAction]]]) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(520, 680)
        self.table = QTreeWidget()
        self.table.setHeaderLabels(["Key", "Action"])
        self.table.setRootIsDecorated(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        listed: set[QAction] = set()
        for title, actions in menus:
            keyed = [a for a in actions if _shortcut_text(a) and a not in listed]
            listed.update(keyed)
            if keyed:
                self._add_section(_plain_text(title), [(_shortcut_text(a), _plain_text(a.text())) for a in keyed])
        self._add_section("Mouse and other keys", MOUSE_AND_OTHER_KEYS)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)

    def rows(self) -> list[tuple[str, str]]:
        """(key, action) pairs shown, section titles excluded."""
        out = []
        for i in range(self.table.topLevelItemCount()):
            item = self.table.topLevelItem(i)
            if item.text(1):
                out.append((item.text(0), item.text(1)))
        return out

    def _add_section(self, title: str, rows: Iterable[tuple[str, str]]) -> None:
        heading = QTreeWidgetItem([title, ""])
        font = heading.font(0)
        font.setBold(True)
        heading.setFont(0, font)
        heading.setFirstColumnSpanned(False)
        self.table.addTopLevelItem(heading)
        for key, action in rows:
            self.table.addTopLevelItem(QTreeWidgetItem([f"    {key}", action]))


def _shortcut_text(action: QAction) -> str:
    keys = (s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts())
    return ",  ".join(k for k in keys if k)


def _plain_text(menu_text: str) -> str:
    """Menu text without mnemonics ("&Open…" -> "Open", "Pan && zoom" -> "Pan & zoom")."""
    return menu_text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip(".…")
