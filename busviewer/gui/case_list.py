"""The case list side panel: the scans of an opened folder (or file selection) with a status column.

Later work adds columns (class, risk) through :meth:`CaseListPanel.set_column`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QHeaderView, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from busviewer.gui import theme

_PATH_ROLE = Qt.ItemDataRole.UserRole
#: Status words shown in a colour that draws the eye.
_ALERT_STATUSES = {"unreadable"}


class CaseListPanel(QWidget):
    """A list of scan files with a "Status" column and room for more.

    Signals
    -------
    sig_case_activated(object)
        The user picked a case (click, arrow keys or Enter); carries its ``Path``.
    """

    sig_case_activated = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._header = QLabel("No folder open.\nFile ▸ Open Folder (Ctrl+Shift+O) lists its scans here.")
        self._header.setWordWrap(True)
        self._header.setObjectName("caseListHeader")
        self._header.setContentsMargins(8, 6, 8, 6)
        self._header.setStyleSheet(f"color: {theme.TEXT_DIM};")
        self.tree = QTreeWidget()
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setHeaderLabels(["Scan", "Status"])
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.currentItemChanged.connect(self._on_current_changed)
        self.tree.itemActivated.connect(self._on_activated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._header)
        layout.addWidget(self.tree)
        self._items: dict[Path, QTreeWidgetItem] = {}
        self._programmatic = False

    # ----------------------------------------------------------------- content
    def set_cases(self, paths: list[Path], root: Path | None = None) -> None:
        """Show ``paths`` (names relative to ``root`` when given); clears statuses and extra columns' text."""
        self._programmatic = True
        try:
            self.tree.clear()
            self._items.clear()
            for path in paths:
                item = QTreeWidgetItem([_display_name(path, root), ""])
                item.setData(0, _PATH_ROLE, str(path))
                item.setToolTip(0, str(path))
                self.tree.addTopLevelItem(item)
                self._items[path] = item
        finally:
            self._programmatic = False
        count = f"{len(paths)} scan" + ("" if len(paths) == 1 else "s")
        self._header.setText(f"{root.name}  ·  {count}" if root is not None else count)

    def paths(self) -> list[Path]:
        """The cases in display order."""
        return list(self._items)

    def set_current(self, path: Path | None) -> None:
        """Highlight ``path`` without reporting it as picked."""
        item = self._items.get(path) if path is not None else None
        self._programmatic = True
        try:
            self.tree.setCurrentItem(item)
            if item is not None:
                self.tree.scrollToItem(item)
        finally:
            self._programmatic = False

    def current_path(self) -> Path | None:
        item = self.tree.currentItem()
        return None if item is None else Path(item.data(0, _PATH_ROLE))

    def set_status(self, path: Path, text: str) -> None:
        """Set the "Status" cell of ``path`` (ignored when it is not listed)."""
        self.set_column(path, "Status", text)

    def set_column(self, path: Path, column_name: str, text: str) -> None:
        """Set cell ``column_name`` of ``path``, adding the column on first use."""
        item = self._items.get(path)
        if item is None:
            return
        column = self._column_index(column_name)
        item.setText(column, text)
        if text in _ALERT_STATUSES:
            item.setForeground(column, QBrush(QColor(theme.ERROR)))
        else:
            item.setData(column, Qt.ItemDataRole.ForegroundRole, None)

    def text(self, path: Path, column_name: str) -> str:
        """The text in cell ``column_name`` of ``path`` ("" when either is unknown)."""
        item = self._items.get(path)
        names = self.column_names()
        if item is None or column_name not in names:
            return ""
        return item.text(names.index(column_name))

    def column_names(self) -> list[str]:
        header = self.tree.headerItem()
        return [header.text(i) for i in range(self.tree.columnCount())]

    def _column_index(self, column_name: str) -> int:
        names = self.column_names()
        if column_name in names:
            return names.index(column_name)
        self.tree.setColumnCount(len(names) + 1)
        self.tree.headerItem().setText(len(names), column_name)
        self.tree.header().setSectionResizeMode(len(names), QHeaderView.ResizeMode.ResizeToContents)
        return len(names)

    # ----------------------------------------------------------------- events
    @Slot(QTreeWidgetItem, QTreeWidgetItem)
    def _on_current_changed(self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        if current is not None and not self._programmatic:
            self.sig_case_activated.emit(Path(current.data(0, _PATH_ROLE)))

    @Slot(QTreeWidgetItem, int)
    def _on_activated(self, item: QTreeWidgetItem, _column: int) -> None:
        self.sig_case_activated.emit(Path(item.data(0, _PATH_ROLE)))


def _display_name(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            pass
    return path.name
