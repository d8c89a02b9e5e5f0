"""The case list side panel: the scans of an opened folder (or file selection) with a status column.

Later work adds columns (class, risk) through :meth:`CaseListPanel.set_column`. Clicking a column header
sorts the list by that column (click again to reverse); next/previous case follow the order on screen.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QHeaderView, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from busviewer.gui import theme

_PATH_ROLE = Qt.ItemDataRole.UserRole
#: Per cell: the value the column sorts by when it is not the text (e.g. a number behind "73 %").
_SORT_ROLE = Qt.ItemDataRole.UserRole + 1
#: Status words shown in a colour that draws the eye.
_ALERT_STATUSES = {"unreadable"}
_DIGITS = re.compile(r"(\d+)")
#: The scan name never narrows below this (about 20 characters): with more columns than the panel holds,
#: the other columns scroll sideways instead of squeezing the names to "…ng".
MIN_NAME_WIDTH = 150


def _natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that puts "benign (9)" before "benign (10)"."""
    return tuple((0, int(part)) if part.isdigit() else (1, part.lower()) for part in _DIGITS.split(text) if part)


class _CaseItem(QTreeWidgetItem):
    """A row that sorts by each cell's sort value (when set), else by its text in natural order."""

    def __lt__(self, other: QTreeWidgetItem) -> bool:
        tree = self.treeWidget()
        column = tree.sortColumn() if tree is not None else 0
        mine, theirs = self.data(column, _SORT_ROLE), other.data(column, _SORT_ROLE)
        if mine is not None and theirs is not None:
            if mine != theirs:
                return bool(mine < theirs)
        elif mine is not None or theirs is not None:
            # Cells without a value go last in either order (a descending sort calls this the other way round).
            ascending = tree is None or tree.header().sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
            return theirs is None if ascending else mine is None
        elif self.text(column) != other.text(column):
            return _natural_key(self.text(column)) < _natural_key(other.text(column))
        # Ties keep the listing order, so a sort is stable and predictable.
        return _natural_key(self.text(0)) < _natural_key(other.text(0))


class CaseListPanel(QWidget):
    """A list of scan files with a "Status" column and room for more.

    Signals
    -------
    sig_case_activated(object)
        The user picked a case (click, arrow keys or Enter); carries its ``Path``.
    sig_order_changed()
        The rows were sorted: :meth:`paths` has a new order.
    """

    sig_case_activated = Signal(object)
    sig_order_changed = Signal()

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
        # A narrow panel cuts names at the front: "…benign (12).png" still tells the cases apart.
        self.tree.setTextElideMode(Qt.TextElideMode.ElideLeft)
        self.tree.setHeaderLabels(["Scan", "Status"])
        self.tree.header().setStretchLastSection(False)
        # Stretched by hand (:meth:`fit_name_column`): Qt's Stretch mode shrinks it to nothing.
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.tree.header().sectionResized.connect(self._on_section_resized)
        self.tree.viewport().installEventFilter(self)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        # Sorting happens on a header click only, never on its own: a row must not jump away while the
        # reader works on it (e.g. when approving changes its status).
        self.tree.header().setSectionsClickable(True)
        self.tree.header().setSortIndicatorShown(False)
        self.tree.header().sectionClicked.connect(self._on_header_clicked)
        self.tree.currentItemChanged.connect(self._on_current_changed)
        self.tree.itemActivated.connect(self._on_activated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._header)
        layout.addWidget(self.tree)
        self._items: dict[Path, QTreeWidgetItem] = {}
        self._programmatic = False
        self._sorted: tuple[int, Qt.SortOrder] | None = None

    def fit_name_column(self) -> None:
        """Give the scan names what the other columns leave of the list's width, at least :data:`MIN_NAME_WIDTH`."""
        header = self.tree.header()
        others = sum(header.sectionSize(i) for i in range(1, header.count()) if not header.isSectionHidden(i))
        header.resizeSection(0, max(MIN_NAME_WIDTH, self.tree.viewport().width() - others))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Resize and watched is self.tree.viewport():
            self.fit_name_column()
        return False

    @Slot(int, int, int)
    def _on_section_resized(self, index: int, _old: int, _new: int) -> None:
        if index != 0:
            self.fit_name_column()

    # ----------------------------------------------------------------- content
    def set_cases(self, paths: list[Path], root: Path | None = None) -> None:
        """Show ``paths`` (names relative to ``root`` when given); clears statuses and extra columns' text."""
        self._programmatic = True
        try:
            self.tree.clear()
            self._items.clear()
            for path in paths:
                item = _CaseItem([_display_name(path, root), ""])
                item.setData(0, _PATH_ROLE, str(path))
                item.setToolTip(0, str(path))
                self.tree.addTopLevelItem(item)
                self._items[path] = item
        finally:
            self._programmatic = False
        self.tree.header().setSortIndicatorShown(False)
        self._sorted = None
        count = f"{len(paths)} scan" + ("" if len(paths) == 1 else "s")
        self._header.setText(f"{root.name}  ·  {count}" if root is not None else count)

    def paths(self) -> list[Path]:
        """The cases in display order (as sorted on screen)."""
        return [Path(self.tree.topLevelItem(i).data(0, _PATH_ROLE)) for i in range(self.tree.topLevelItemCount())]

    def sort_by(self, column_name: str, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the rows by ``column_name`` (as a header click does) and report the new order."""
        names = self.column_names()
        if column_name not in names:
            return
        column = names.index(column_name)
        header = self.tree.header()
        header.setSortIndicatorShown(True)
        header.setSortIndicator(column, order)
        current = self.current_path()
        self._sorted = (column, order)
        self.tree.sortItems(column, order)
        self.set_current(current)
        self.sig_order_changed.emit()

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

    def set_column(
        self, path: Path, column_name: str, text: str, sort_key: float | None = None, colour: str | None = None
    ) -> None:
        """Set cell ``column_name`` of ``path``, adding the column on first use.

        ``sort_key`` is what the column sorts by (else the text, in natural order; cells with a key sort
        before cells without one); ``colour`` is the text colour (else the theme's, red for "unreadable").
        """
        item = self._items.get(path)
        if item is None:
            return
        column = self._column_index(column_name)
        item.setText(column, text)
        item.setData(column, _SORT_ROLE, sort_key)
        if colour is None and text in _ALERT_STATUSES:
            colour = theme.ERROR
        if colour is not None:
            item.setForeground(column, QBrush(QColor(colour)))
        else:
            item.setData(column, Qt.ItemDataRole.ForegroundRole, None)

    def set_tooltip(self, path: Path, column_name: str, text: str) -> None:
        """The tooltip of cell ``column_name`` of ``path`` (empty removes it)."""
        item = self._items.get(path)
        if item is not None:
            item.setToolTip(self._column_index(column_name), text)

    def tooltip(self, path: Path, column_name: str) -> str:
        """The tooltip of cell ``column_name`` of ``path`` ("" when either is unknown)."""
        item = self._items.get(path)
        names = self.column_names()
        return item.toolTip(names.index(column_name)) if item is not None and column_name in names else ""

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
    @Slot(int)
    def _on_header_clicked(self, column: int) -> None:
        # Qt flips its own indicator before this slot runs; the order is decided here instead, so a newly
        # clicked column always starts ascending and a second click reverses it.
        ascending, descending = Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder
        order = descending if self._sorted == (column, ascending) else ascending
        self.sort_by(self.column_names()[column], order)
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
