"""Garbage collection in the GUI process: only on the GUI thread, and never long enough to freeze the window.

Python's cyclic collector runs in whichever thread happens to cross an allocation threshold. When that is
a worker (an export, a loader) and the garbage holds a Qt object caught in a reference cycle, the Qt
destructor runs on the worker: it takes Qt's locks there and then waits for the GIL, while the GUI thread,
holding the GIL, waits for those locks. The window and the worker then hang for good. So automatic
collection is switched off and :class:`GuiThreadCollector` collects from a timer on the GUI thread, by the
same thresholds Python would use (the approach of calibre and pyqtgraph).

A full collection walks every tracked object while holding the GIL: with Qt, pyqtgraph and our modules
that is about 100,000 objects and 30-60 ms on a 2-core machine, enough to stall painting. The objects
alive once start-up is done live as long as the app, so they are moved to the permanent generation, which
collections skip (:func:`freeze_startup_objects`). Before that, :class:`StartupSettler` runs the per-edit
computations once on a worker (their lazy imports would otherwise land in the first brush stroke) with
collection paused, so the imported objects are frozen too instead of being walked.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from busviewer.gui.jobs import JobRunner

log = logging.getLogger(__name__)

#: How often the GUI thread collects. Python's own gen-0 threshold (700 allocations) is crossed many
#: times a second while painting; a tick every 100 ms keeps garbage from piling up, and a young
#: collection costs well under a millisecond.
CHECK_INTERVAL_MS = 100


def freeze_startup_objects() -> None:
    """Exclude every object alive now from future collections (call once start-up has finished)."""
    gc.freeze()
    if log.isEnabledFor(logging.DEBUG):  # counting walks every frozen object: ~10 ms on the GUI thread
        log.debug("%d start-up objects excluded from garbage collection", gc.get_freeze_count())


def collect_due() -> int:
    """One tick's collection: the oldest generation whose count has crossed its threshold, else the
    youngest; the number of unreachable objects found.

    The youngest is collected on every tick because a worker's burst of allocations (which would have
    made the interpreter collect) is usually freed again before the tick, leaving the count low while
    young cyclic garbage waits; a young collection costs microseconds.
    """
    counts, thresholds = gc.get_count(), gc.get_threshold()
    for generation in (2, 1):
        if thresholds[generation] and counts[generation] > thresholds[generation]:
            return gc.collect(generation)
    return gc.collect(0)


class GuiThreadCollector(QObject):
    """Switches Python's automatic collection off and collects from a timer of the thread it lives on.

    Create it on the GUI thread.
    """

    def __init__(self, interval_ms: int = CHECK_INTERVAL_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_due)
        self._was_enabled = gc.isenabled()

    def start(self) -> None:
        """Stop automatic collection and start the timer."""
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        """Stop the timer, collect once here, and give automatic collection back as it was."""
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()

    def collect_due(self) -> int:
        return collect_due()

    def pause(self) -> None:
        """Stop collecting until :meth:`resume` (automatic collection stays off)."""
        self._timer.stop()

    def resume(self) -> None:
        self._timer.start()


_collector: GuiThreadCollector | None = None


def collect_on_gui_thread() -> GuiThreadCollector:
    """Make sure collections happen only on the GUI thread from now on (idempotent; call on the GUI thread
    once the QApplication exists)."""
    global _collector
    if _collector is None:
        _collector = GuiThreadCollector()
        _collector.start()
        log.debug("garbage collection moved to the GUI thread")
    return _collector


class StartupSettler(QObject):
    """Warms the lazily imported computations on a worker, then freezes the start-up objects.

    Signals
    -------
    settled()
        Emitted on the GUI thread once the start-up objects are frozen (also after a failed warm-up).
    """

    settled = Signal()

    def __init__(self, warm_up: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._warm_up = warm_up
        self._runner = JobRunner("start-up warm-up", parent=self)
        self.is_settled = False

    def start(self) -> None:
        """Pause collection and start the warm-up; the freeze follows on the GUI thread."""
        collect_on_gui_thread().pause()
        self._runner.submit(self._warm_up, lambda _result: self._finish(), self._failed)

    def _failed(self, error: BaseException) -> None:
        # Only the first stroke gets slower; the app works the same.
        log.warning("start-up warm-up failed: %s", error)
        self._finish()

    def _finish(self) -> None:
        freeze_startup_objects()
        collect_on_gui_thread().resume()
        self.is_settled = True
        self.settled.emit()
