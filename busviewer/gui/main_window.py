"""The main window: lays out the canvas, cine bar, case list, menus and status bar, and wires them together.

It holds no scan data and makes no decisions: the session says what is on screen, the case navigator
loads files in the background, and the widgets draw.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QMenu,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from busviewer.core.scan import UltrasoundScan
from busviewer.gui import dialogs, window_layout
from busviewer.gui.about import AboutDialog
from busviewer.gui.actions import make_action
from busviewer.gui.canvas import ScanCanvas
from busviewer.gui.case_list import CaseListPanel
from busviewer.gui.cine_bar import CineBar
from busviewer.gui.docks import FoldingDock
from busviewer.gui.empty_page import empty_page
from busviewer.gui.first_run import FirstRunHint
from busviewer.gui.recent_files import RecentFiles, app_settings
from busviewer.gui.recent_menu import RecentMenu
from busviewer.gui.session import (
    CaseNavigator,
    ViewerSession,
    calibration_text,
    levels_text,
    pixel_readout_text,
    scan_summary_text,
)
from busviewer.gui.status_fields import StatusFields
from busviewer.gui.toolbar import add_toolbar_shown_when_filled

log = logging.getLogger(__name__)

_EMPTY_PAGE, _VIEWER_PAGE = 0, 1
#: Width the cursor readout keeps while the mouse is off the image, so the other fields do not jump.
_CURSOR_FIELD_WIDTH = 300


class MainWindow(QMainWindow):
    """The busviewer window.

    Attributes
    ----------
    canvas, session, case_list, cine_bar, navigator
        The image view, what is on screen, the case list panel, the cine bar and the background loader.
    tools_menu, view_menu, review_toolbar
        Where the review workspace adds its actions.
    file_menu, quit_action
        The File menu and its last entry (add-ons insert their file actions before it).

    Signals
    -------
    sig_scan_arriving(object, object)
        A loaded scan is about to be shown: its path (None for the demo scan) and the scan. Emitted before
        ``session.scan_changed``, so saved review state can be put in place before anything draws it.
    sig_closing()
        The window is closing: save what needs saving now.
    """

    sig_scan_arriving = Signal(object, object)
    sig_closing = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Owned by the window, so a refit asked for just before it closes dies with it. Zero delay: after the
        # pending layout pass, once for a burst of changes.
        self._refit_timer = QTimer(self)
        self._refit_timer.setSingleShot(True)
        self._refit_timer.setInterval(0)
        self._refit_timer.timeout.connect(self._fit_column_heights)
        self.setWindowTitle("busviewer")
        self.setAcceptDrops(True)
        self.settings = app_settings()
        self.recent_files = RecentFiles(self.settings)
        self.session = ViewerSession(self)
        self.navigator = CaseNavigator(self)
        self.canvas = ScanCanvas()
        self.cine_bar = CineBar()
        self.case_list = CaseListPanel()
        #: The review workspace's controller, attached by ``app.py`` (kept alive here).
        self.review: object | None = None
        #: The case store and export controller, attached by ``app.py`` (kept alive here).
        self.workspace: object | None = None
        self._cursor = (math.nan, math.nan)
        self._workspace_name = ""
        self._status = StatusFields(self.statusBar())
        self._build_central()
        self.case_dock = self.add_side_panel("Cases", self.case_list, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._build_status_bar()
        self._build_menus()
        self._connect()
        self.resize(window_layout.first_start_size(self))
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
            window_layout.fit_to_screen(self)  # saved on a larger screen, or a screen since unplugged

    # ------------------------------------------------------------ public API
    def add_side_panel(
        self,
        title: str,
        widget: QWidget,
        area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea,
        tab_with: str | None = None,
    ) -> QDockWidget:
        """Dock ``widget`` under ``title``; its show/hide toggle goes into the View menu.

        ``tab_with`` names an existing panel to share a tabbed place with (that panel stays in front), so
        the right-hand column fits a 1000-pixel-high screen.
        """
        dock = FoldingDock(title, widget, self)
        folded_key = f"panels/folded/{dock.objectName()}"
        dock.set_folded(self.settings.value(folded_key, False, type=bool))
        dock.folded_changed.connect(lambda folded: self.settings.setValue(folded_key, folded))
        dock.content_cut.connect(self._refit_timer.start)
        self.addDockWidget(area, dock)
        partner = next((d for d in self.findChildren(QDockWidget) if d.windowTitle() == tab_with), None)
        if partner is not None and partner is not dock:
            self.tabifyDockWidget(partner, dock)
            partner.raise_()
        if hasattr(self, "panels_menu"):
            self.panels_menu.addAction(dock.toggleViewAction())
        return dock

    def show_status(self, text: str, timeout_ms: int = 4000) -> None:
        """Show a passing message at the left of the status bar (0 = until the next one)."""
        self.statusBar().showMessage(text, timeout_ms)

    def set_permanent_status(self, key: str, text: str) -> None:
        """Show ``text`` in the status-bar field ``key`` (created on first use; empty text hides it; a text
        too long for its share of the bar is elided, with the whole text as its tooltip)."""
        self._status.set(key, text)

    def permanent_status(self, key: str) -> str:
        """The full text of status-bar field ``key`` ("" when unknown)."""
        return self._status.text(key)

    def set_workspace_name(self, text: str) -> None:
        """Name the open workspace (and where its review is kept) in the title bar; empty text: no workspace."""
        self._workspace_name = text
        self._update_title()

    def _update_title(self) -> None:
        scan = self.session.scan
        self.setWindowTitle(" — ".join(part for part in (scan.name if scan else "", self._workspace_name, "busviewer")
                                       if part))  # fmt: skip

    def show_error(self, sentence: str) -> None:
        """Tell the user, in one sentence, what went wrong; the window stays usable."""
        log.info("error shown to the user: %s", sentence)
        dialogs.show_error(self, sentence)

    def open_paths(self, paths: list[Path]) -> None:
        """Open files and/or folders: they become the case list and the first one is shown."""
        self.recent.remember([Path(p) for p in paths])
        self.navigator.open_paths([Path(p) for p in paths])

    def open_demo(self) -> None:
        """Show the synthetic demo scan."""
        self.show_status("Opening the demo scan…", 0)
        self.navigator.open_demo()

    def next_case(self) -> None:
        if not self.navigator.step(1):
            self.show_status("This is the last case.", 2000)

    def previous_case(self) -> None:
        if not self.navigator.step(-1):
            self.show_status("This is the first case.", 2000)

    # --------------------------------------------------------------- layout
    def _build_central(self) -> None:
        viewer = QWidget()
        viewer_layout = QVBoxLayout(viewer)
        viewer_layout.setContentsMargins(0, 0, 0, 0)
        viewer_layout.setSpacing(0)
        viewer_layout.addWidget(self.canvas, stretch=1)
        viewer_layout.addWidget(self.cine_bar)
        self._pages = QStackedWidget()
        self._pages.addWidget(empty_page())
        self._pages.addWidget(viewer)
        self.first_run_hint = FirstRunHint(self.settings)
        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(0, 0, 0, 0)
        centre_layout.setSpacing(0)
        centre_layout.addWidget(self.first_run_hint)
        centre_layout.addWidget(self._pages, stretch=1)
        self.setCentralWidget(centre)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)
        for key, role in (("cursor", ""), ("levels", ""), ("scan", "strong"), ("calibration", "")):
            label = self._status.set(key, "")
            if role:
                label.setProperty("role", role)
        self._status.reserve("cursor", _CURSOR_FIELD_WIDTH)

    def _build_menus(self) -> None:
        menu_bar = self.menuBar()
        file_menu = self.file_menu = menu_bar.addMenu("&File")
        self._action(file_menu, "&Open…", self._ask_open_files, "Ctrl+O")
        self._action(file_menu, "Open &Folder…", self._ask_open_folder, "Ctrl+Shift+O")
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent = RecentMenu(self.recent_menu, self.recent_files, self.open_paths)
        self._action(file_menu, "Open &Demo Scan", self.open_demo)
        file_menu.addSeparator()
        self.quit_action = self._action(file_menu, "&Quit", self.close, "Ctrl+Q")

        self.view_menu = menu_bar.addMenu("&View")
        self._action(self.view_menu, "&Fit to Window", self.canvas.fit_to_window, "F")
        self._action(self.view_menu, "&Reset Window/Level", self.canvas.reset_levels, "W")
        self.view_menu.addSeparator()
        self._action(self.view_menu, "&Play/Pause", self.cine_bar.toggle_play, "Space")
        self._action(self.view_menu, "Next Frame", lambda: self.cine_bar.step(1), "Right")
        self._action(self.view_menu, "Previous Frame", lambda: self.cine_bar.step(-1), "Left")
        self._action(self.view_menu, "First Frame", lambda: self.cine_bar.go_to(0), "Home")
        self._action(self.view_menu, "Last Frame", lambda: self.cine_bar.go_to(-1), "End")
        self.view_menu.addSeparator()
        # Page keys only, as a pair: the letter P is the review's Point tool.
        self._action(self.view_menu, "&Next Case", self.next_case, "PgDown")
        self._action(self.view_menu, "Pre&vious Case", self.previous_case, "PgUp")
        self.view_menu.addSeparator()
        self._action(self.view_menu, "F&ull Screen", self._toggle_full_screen, "F11")
        self.panels_menu = self.view_menu.addMenu("&Panels")
        self.panels_menu.addAction(self.case_dock.toggleViewAction())

        self.tools_menu = menu_bar.addMenu("&Tools")
        self.review_toolbar = add_toolbar_shown_when_filled(self, "Review", "review_toolbar")

        help_menu = menu_bar.addMenu("&Help")
        self._action(help_menu, "&Keyboard Shortcuts…", self.show_keys, "F1")
        self._action(help_menu, "&About busviewer", self.show_about)

    def _action(self, menu: QMenu, text: str, slot: Callable[[], object], *keys: str) -> QAction:
        return make_action(self, text, slot, *keys, menu=menu)

    def _connect(self) -> None:
        self.session.scan_changed.connect(self._on_scan_changed)
        self.session.frame_changed.connect(self._on_frame_changed)
        self.canvas.sig_cursor_moved.connect(self._on_cursor_moved)
        self.canvas.sig_levels_changed.connect(
            lambda low, high: self.set_permanent_status("levels", levels_text((low, high)))
        )
        self.cine_bar.sig_frame_requested.connect(self.session.set_frame)
        self.case_list.sig_case_activated.connect(self._on_case_picked)
        self.case_list.sig_order_changed.connect(self._on_case_order_changed)
        self.navigator.sig_cases_listed.connect(self._on_cases_listed)
        self.navigator.sig_loading.connect(lambda path: self.show_status(f"Opening {path.name}…", 0))
        self.navigator.sig_loaded.connect(self._on_scan_loaded)
        self.navigator.sig_failed.connect(self._on_load_failed)

    # ------------------------------------------------------------- handlers
    @Slot(list, object)
    def _on_cases_listed(self, cases: list[Path], root: Path | None) -> None:
        self.case_list.set_cases(cases, root)
        if len(cases) > 1:
            self.case_dock.show()
            # After the layout pass that fits the filled list, which may widen its dock.
            QTimer.singleShot(0, self._keep_image_wide)

    @Slot()
    def _on_case_order_changed(self) -> None:
        # Next/previous case follow the rows as sorted on screen.
        queue = self.navigator.queue
        queue.set_paths(self.case_list.paths(), queue.current)

    @Slot(object)
    def _on_case_picked(self, path: Path) -> None:
        if path != self.navigator.shown_path or self.navigator.is_busy:
            self.navigator.open_file(path)

    @Slot(object, object)
    def _on_scan_loaded(self, path: Path | None, scan: UltrasoundScan) -> None:
        self.sig_scan_arriving.emit(path, scan)
        self.session.set_scan(scan)
        self.show_status(f"Opened {scan.name}", 2500)
        if path is not None:
            self.case_list.set_current(path)
            if not self.case_list.text(path, "Status"):
                self.case_list.set_status(path, "viewed")

    @Slot(object, str)
    def _on_load_failed(self, path: Path | None, sentence: str) -> None:
        self.statusBar().clearMessage()
        if path is not None:
            self.case_list.set_status(path, "unreadable")
            self.recent.forget(path)
        self.show_error(sentence)

    @Slot(object)
    def _on_scan_changed(self, scan: UltrasoundScan | None) -> None:
        if scan is None:
            self.canvas.clear()
            self.cine_bar.set_frame_count(1)
            self._pages.setCurrentIndex(_EMPTY_PAGE)
        else:
            self._pages.setCurrentIndex(_VIEWER_PAGE)
            self.canvas.set_pixel_spacing(scan.calibration.spacing_mm)
            self.canvas.set_frame(scan.frame(self.session.frame_index), reset=True)
            self.cine_bar.set_frame_count(scan.n_frames, scan.frame_rate)
            self.cine_bar.set_frame(self.session.frame_index)
        self._update_title()
        self.set_permanent_status("scan", scan_summary_text(scan) if scan is not None else "")
        calibration = calibration_text(scan)
        label = self._status.labels["calibration"]
        label.setProperty("role", "caution" if calibration == "uncalibrated" else "")
        label.style().polish(label)
        self.set_permanent_status("calibration", calibration)
        self._update_cursor_readout()

    @Slot(int)
    def _on_frame_changed(self, index: int) -> None:
        frame = self.session.current_frame()
        if frame is not None:
            self.canvas.set_frame(frame)
        self.cine_bar.set_frame(index)
        self._update_cursor_readout()

    @Slot(float, float)
    def _on_cursor_moved(self, row: float, col: float) -> None:
        self._cursor = (row, col)
        self._update_cursor_readout()

    def _update_cursor_readout(self) -> None:
        text = pixel_readout_text(self.session.scan, self.session.frame_index, *self._cursor)
        self._status.set("cursor", text)

    # ---------------------------------------------------------- file actions
    def _ask_open_files(self) -> None:
        paths = dialogs.ask_open_files(self, self.recent.last_folder())
        if paths:
            self.open_paths(paths)

    def _ask_open_folder(self) -> None:
        folder = dialogs.ask_open_folder(self, self.recent.last_folder())
        if folder is not None:
            self.open_paths([folder])

    def show_keys(self) -> None:
        """Help > Keyboard Shortcuts: every shortcut, read from the actions themselves, plus the mouse gestures."""
        menus = [(a.text(), a.menu().actions()) for a in self.menuBar().actions() if a.menu() is not None]
        menus += [("Review toolbar", self.review_toolbar.actions())]
        dialogs.KeysDialog(self, menus).exec()

    def show_about(self) -> None:
        """Help > About: version, model in use and its card, licence, data citations, intended use."""
        AboutDialog(self, self.permanent_status("model")).exec()

    def _toggle_full_screen(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    # -------------------------------------------------------------- Qt events
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        # Escape is not an action so that tools (e.g. a lasso in progress) can claim it first.
        if event.key() == Qt.Key.Key_Escape:
            if self.cine_bar.is_playing:
                self.cine_bar.pause()
            elif self.isFullScreen():
                self.showNormal()
            event.accept()
            return
        super().keyPressEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        QTimer.singleShot(0, self._keep_image_wide)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.open_paths(paths)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.cine_bar.pause()
        self.sig_closing.emit()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.sync()
        self.navigator.shutdown()
        super().closeEvent(event)

    def restore_layout(self) -> None:
        """Put docks and toolbars where the user left them (call after every panel has been added).

        On a first start the right-hand panels get a fixed share of the window, so the image keeps most of it
        whatever width the panels' contents would like.
        """
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        else:
            # After the pending layout pass: a resize asked for before it is overridden by the size hints.
            QTimer.singleShot(0, self._size_side_panels)

    def _keep_image_wide(self) -> None:
        window_layout.keep_image_wide(self)

    def _fit_column_heights(self) -> None:
        window_layout.fit_column_heights(self)

    def _size_side_panels(self) -> None:
        several = len(self.case_list.paths()) > 1
        window_layout.size_side_panels(self, self.case_dock, several)
