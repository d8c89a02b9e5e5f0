"""GUI composition root: builds the QApplication and the window, shows it, then attaches the review workspace.

Nothing here imports torch: the window is painted first, and the AI parts load their heavy modules later,
inside workers. With ``BUSVIEWER_STARTUP_PROBE=1`` the app writes one JSON line to stdout when the window is
first painted and another when the first scan is on screen, then quits (``benchmarks/startup_time.py``).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QWidget

from busviewer.core.paths import resource_path
from busviewer.core.warm_up import warm_up_lesion_computations
from busviewer.gui import theme
from busviewer.gui.gc_policy import StartupSettler, collect_on_gui_thread
from busviewer.gui.jobs import wait_for_jobs
from busviewer.gui.main_window import MainWindow

log = logging.getLogger(__name__)

#: If no paint event arrives (e.g. the window starts minimised), carry on after this long anyway.
_FIRST_PAINT_FALLBACK_MS = 1500
#: How long quitting waits for background jobs (an export or a PACS transfer ending) before it goes anyway.
_QUIT_WAIT_MS = 10_000
#: A startup probe that sees no scan within this time gives up, so a benchmark never hangs.
_PROBE_TIMEOUT_MS = 60_000


def run_app(argv: list[str]) -> int:
    """Run the desktop app; ``argv`` are the files or folders to open (none: the demo scan).

    Returns
    -------
    int
        The exit status of the Qt event loop.
    """
    started = time.perf_counter()
    pg.setConfigOptions(imageAxisOrder="row-major")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    collect_on_gui_thread()  # before any worker thread exists
    app.setApplicationName("busviewer")
    app.setOrganizationName("busviewer")
    # The desktop entry's name and icon, so docks and task bars group the window under them.
    app.setDesktopFileName("busviewer")
    app.setWindowIcon(QIcon(str(resource_path("busviewer.png"))))
    theme.apply_theme(app)

    window = MainWindow()
    paths = [Path(arg) for arg in argv if not arg.startswith("-")]
    for ignored in (arg for arg in argv if arg.startswith("-")):
        log.warning("ignoring unknown option %s", ignored)
    probe = _StartupProbe(app, window, started) if os.environ.get("BUSVIEWER_STARTUP_PROBE") == "1" else None

    def finish_startup() -> None:
        if probe is not None:
            probe.report("first_paint")
        _install_addons(window)
        window.restore_layout()
        settler = StartupSettler(warm_up_lesion_computations, parent=window)
        settler.start()
        if paths:
            window.open_paths(paths)
        else:
            window.open_demo()

    watcher = _FirstPaintWatcher(app, window, finish_startup)
    window.show()
    watcher.arm()
    status = int(app.exec())
    _shut_down(window)
    return status


def _shut_down(window: MainWindow) -> None:
    """End the background work while every object it reports to still exists: the AI engine first (its
    requests then end at once), then wait for the job threads (an export finishing its atomic write)."""
    # Imported here: at module level the client (and the SciPy it pulls in) would delay the first paint.
    from busviewer.services.compute.client import close_compute_process

    close_compute_process()
    wait_for_jobs(window, _QUIT_WAIT_MS)


def _install_addons(window: MainWindow) -> None:
    """Attach review, fine-tune and case store in that order; a failing one leaves the others working."""
    from busviewer.gui.finetune import install_finetune
    from busviewer.gui.pacs_dialog import install_pacs
    from busviewer.gui.review import install_review
    from busviewer.gui.reviewer_name import install_reviewer_name
    from busviewer.gui.settings_dialog import install_settings
    from busviewer.gui.workspace import install_workspace

    addons = (
        ("review", install_review, "The review tools could not be started"),
        ("finetune", install_finetune, "The fine-tune tools could not be started"),
        ("workspace", install_workspace, "Saving the review could not be started"),
        ("pacs", install_pacs, "Opening from PACS could not be started"),
        ("reviewer_name", install_reviewer_name, "The reviewer name setting could not be started"),
        ("settings_action", install_settings, "The settings could not be started"),
    )
    for attribute, install, failure in addons:
        try:
            setattr(window, attribute, install(window))
        except Exception:  # a broken add-on must not take the viewer down with it
            log.error("%s could not be installed", attribute, exc_info=True)
            window.show_error(f"{failure}; details are in the log file.")


class _FirstPaintWatcher(QObject):
    """Calls ``then`` once, right after the first paint of any widget of ``window``."""

    def __init__(self, app: QApplication, window: QWidget, then: Callable[[], None]) -> None:
        super().__init__(app)
        self._app = app
        self._window = window
        self._then = then
        self._done = False

    def arm(self) -> None:
        """Start watching (call right after ``window.show()``)."""
        self._app.installEventFilter(self)
        QTimer.singleShot(_FIRST_PAINT_FALLBACK_MS, self._fire)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if (
            not self._done
            and event.type() == QEvent.Type.Paint
            and isinstance(watched, QWidget)
            and watched.window() is self._window
        ):
            # Let this paint finish and reach the screen before the slower start-up work runs.
            QTimer.singleShot(0, self._fire)
        return False

    def _fire(self) -> None:
        if self._done:
            return
        self._done = True
        self._app.removeEventFilter(self)
        self._then()


class _StartupProbe:
    """Writes start-up milestones as JSON lines on stdout for the start-up benchmark, then quits the app."""

    def __init__(self, app: QApplication, window: MainWindow, started: float) -> None:
        self._app = app
        self._started = started
        window.session.scan_changed.connect(lambda _scan: self._finish("scan_shown"))
        window.navigator.sig_failed.connect(lambda _path, _sentence: self._finish("scan_failed"))
        QTimer.singleShot(_PROBE_TIMEOUT_MS, lambda: self._finish("timeout"))

    def report(self, event: str) -> None:
        record = {
            "event": event,
            "since_run_app_s": round(time.perf_counter() - self._started, 4),
            "torch_imported": "torch" in sys.modules,
        }
        sys.stdout.write(json.dumps(record) + "\n")
        sys.stdout.flush()

    def _finish(self, event: str) -> None:
        self.report(event)
        self._app.quit()
