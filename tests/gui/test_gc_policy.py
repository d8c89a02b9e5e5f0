"""Garbage collection happens on the GUI thread only: a worker that allocates never destroys Qt objects."""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

from busviewer.gui.gc_policy import StartupSettler, collect_due, collect_on_gui_thread


class _CycleWithQtObject:
    """Garbage only the cyclic collector can free, holding a Qt object; records the thread that freed it."""

    freed_on: list[str] = []

    def __init__(self) -> None:
        self.qt_object = QObject()
        self.myself = self

    def __del__(self) -> None:
        _CycleWithQtObject.freed_on.append(threading.current_thread().name)


def test_a_busy_worker_never_collects_qt_garbage_the_gui_thread_does(qtbot: QtBot) -> None:
    collect_on_gui_thread()
    assert not gc.isenabled()
    _CycleWithQtObject.freed_on.clear()
    _CycleWithQtObject()  # unreachable at once, but only a collection frees it

    def allocate() -> None:
        # Far past the gen-0 threshold: with automatic collection on, this thread would collect the cycle.
        keep = [[index] for index in range(200_000)]
        del keep

    worker = threading.Thread(target=allocate, name="busy-worker")
    worker.start()
    worker.join()
    assert _CycleWithQtObject.freed_on == []
    qtbot.waitUntil(lambda: _CycleWithQtObject.freed_on != [], timeout=5000)
    assert _CycleWithQtObject.freed_on == [threading.main_thread().name]


def test_each_tick_frees_young_garbage_and_promotes_by_the_thresholds() -> None:
    collect_on_gui_thread()
    gc.collect()
    _CycleWithQtObject.freed_on.clear()
    _CycleWithQtObject()
    assert collect_due() >= 1 and _CycleWithQtObject.freed_on == [threading.main_thread().name]
    for _ in range(gc.get_threshold()[1] + 1):
        collect_due()
    assert gc.get_count()[1] == 0  # the middle generation was collected once its threshold passed


def test_the_startup_settler_warms_on_a_worker_pauses_collection_and_then_freezes(qtbot: QtBot) -> None:
    collector = collect_on_gui_thread()
    ran_on: list[str] = []
    release = threading.Event()

    def warm_up() -> None:
        ran_on.append(threading.current_thread().name)
        release.wait(5)

    settler = StartupSettler(warm_up)
    gc.unfreeze()
    settler.start()
    qtbot.waitUntil(lambda: ran_on != [], timeout=5000)
    # While the imports run, nothing walks them: the collector's timer is stopped.
    assert not collector._timer.isActive() and not settler.is_settled
    release.set()
    with qtbot.waitSignal(settler.settled, timeout=5000):
        pass
    assert ran_on != [threading.main_thread().name]
    assert gc.get_freeze_count() > 0 and collector._timer.isActive()
    gc.unfreeze()


def test_a_failing_warm_up_still_freezes_and_resumes_collection(qtbot: QtBot) -> None:
    collector = collect_on_gui_thread()

    def broken() -> None:
        raise RuntimeError("no scipy")

    settler = StartupSettler(broken)
    gc.unfreeze()
    with qtbot.waitSignal(settler.settled, timeout=5000):
        settler.start()
    assert gc.get_freeze_count() > 0 and collector._timer.isActive()
    gc.unfreeze()
