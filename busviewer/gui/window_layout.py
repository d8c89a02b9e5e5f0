"""Sizing of the main window and its side panels so the image keeps at least half the width, from 1280x720 up.

The window never opens larger than the screen's free area; on a first start the right-hand panels get a
share of the width and the case list is folded away on narrow screens when only one scan is open.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow

#: Size of a first start on a large screen.
PREFERRED_SIZE = QSize(1600, 1000)
#: Share of the window the right-hand panels get on a first start.
RIGHT_PANEL_SHARE = 0.3
#: Share of the window the case list gets on a first start.
LEFT_PANEL_SHARE = 0.16
#: Share of the window the image keeps at least (docks are narrowed, then the case list hidden).
IMAGE_MIN_SHARE = 0.5
#: Below this window width a lone scan does not need the case list beside it.
NARROW_WIDTH = 1500


def fit_to_screen(window: QMainWindow) -> None:
    """Shrink ``window`` (e.g. after restoring a geometry saved on a larger screen) to the screen's free area."""
    screen = window.screen()
    if screen is None:
        return
    free = screen.availableGeometry()
    width, height = min(window.width(), free.width()), min(window.height(), free.height())
    if (width, height) != (window.width(), window.height()):
        window.resize(width, height)
    if not free.contains(window.frameGeometry().topLeft()):
        window.move(free.topLeft())


def first_start_size(window: QMainWindow) -> QSize:
    """:data:`PREFERRED_SIZE`, or the screen's free area when that is smaller."""
    screen = window.screen()
    if screen is None:
        return PREFERRED_SIZE
    return PREFERRED_SIZE.boundedTo(screen.availableGeometry().size())


def docks_in(window: QMainWindow, area: Qt.DockWidgetArea) -> list[QDockWidget]:
    """The visible docks of ``window`` in ``area``."""
    return [
        dock for dock in window.findChildren(QDockWidget)
        if window.dockWidgetArea(dock) == area and not dock.isHidden() and not dock.isFloating()
    ]  # fmt: skip


def size_side_panels(window: QMainWindow, case_dock: QDockWidget, several_cases: bool) -> None:
    """Give the right-hand panels their share and keep the image at least :data:`IMAGE_MIN_SHARE` wide."""
    width = window.width()
    if width < NARROW_WIDTH and not several_cases and not case_dock.isHidden():
        case_dock.hide()
    right = docks_in(window, Qt.DockWidgetArea.RightDockWidgetArea)
    left = docks_in(window, Qt.DockWidgetArea.LeftDockWidgetArea)
    room = int(width * (1.0 - IMAGE_MIN_SHARE))
    right_width = min(int(width * RIGHT_PANEL_SHARE), room)
    if right:
        window.resizeDocks(right, [right_width] * len(right), Qt.Orientation.Horizontal)
        fit_column_heights(window)
    if left:
        left_width = max(160, min(int(width * LEFT_PANEL_SHARE), room - right_width))
        window.resizeDocks(left, [left_width] * len(left), Qt.Orientation.Horizontal)


def fit_column_heights(window: QMainWindow) -> None:
    """Each right-hand panel its natural height where the column has room, so no panel scrolls while another
    idles (called at first start and when a panel's content no longer fits, e.g. a warning appeared)."""
    right = docks_in(window, Qt.DockWidgetArea.RightDockWidgetArea)
    # Of tabbed panels only the one in front takes part: the others share its place.
    stacked = [dock for dock in right if not window.tabifiedDockWidgets(dock) or not dock.visibleRegion().isEmpty()]
    if stacked:
        window.resizeDocks(stacked, [dock.sizeHint().height() for dock in stacked], Qt.Orientation.Vertical)


def keep_image_wide(window: QMainWindow) -> None:
    """Narrow the side panels (case list first) until the centre has :data:`IMAGE_MIN_SHARE` of the width.

    Called when the window is resized and when a folder fills the case list, never while the user drags a
    separator, so a deliberate wide panel stays until the window changes.
    """
    centre = window.centralWidget()
    if centre is None:
        return
    deficit = int(window.width() * IMAGE_MIN_SHARE) - centre.width()
    for area in (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea):
        docks = docks_in(window, area)
        if deficit <= 0 or not docks:
            continue
        current = max(dock.width() for dock in docks)
        target = max(max(dock.minimumSizeHint().width() for dock in docks), current - deficit)
        if target < current:
            window.resizeDocks(docks, [target] * len(docks), Qt.Orientation.Horizontal)
            deficit -= current - target
