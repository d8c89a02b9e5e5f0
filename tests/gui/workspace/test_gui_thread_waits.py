"""Nothing on the GUI thread waits for the case store: restoring a scan, counting the fine-tune cases after a
decision and opening the export dialog used to block on the store thread (masks decoded just to count)."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from busviewer.core.case import CaseRecord, ReviewStatus
from busviewer.gui.workspace.store_worker import StoreWorker
from busviewer.io.store import CaseStore
from tests.gui.workspace.conftest import WindowFactory, open_folder, saved_to_store, wait_for_case, workspace_of


class Counting:
    """Stands in for the fine-tune panel: recounts the usable cases the way it does, with the counter."""

    def __init__(self) -> None:
        self.counts: list[tuple[int, dict[str, int]]] = []
        self.counter = None

    def set_case_source(self, source, counter=None, prepare=None) -> None:  # type: ignore[no-untyped-def]
        self.counter = counter

    def refresh_cases(self) -> int:
        self.counts.append(self.counter())
        return self.counts[-1][0]


def watch_gui_thread_waits(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of blocking store calls made on the GUI (main) thread from now on."""
    waits: list[str] = []
    on_gui = lambda: threading.current_thread() is threading.main_thread()  # noqa: E731
    real_call, real_idle, real_result = StoreWorker.call, StoreWorker.wait_idle, Future.result

    def call(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if on_gui():
            waits.append("StoreWorker.call")
        return real_call(self, *args, **kwargs)

    def wait_idle(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if on_gui():
            waits.append("StoreWorker.wait_idle")
        return real_idle(self, *args, **kwargs)

    def result(self, timeout=None):  # type: ignore[no-untyped-def]
        if on_gui() and not self.done():
            waits.append("Future.result")
        return real_result(self, timeout)

    monkeypatch.setattr(StoreWorker, "call", call)
    monkeypatch.setattr(StoreWorker, "wait_idle", wait_idle)
    monkeypatch.setattr(Future, "result", result)
    return waits


def test_review_decisions_and_export_never_wait_on_the_store(
    qtbot: QtBot, make_window: WindowFactory, scan_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with CaseStore(scan_folder) as store:  # a saved review to restore when the second case opens
        store.upsert_case(CaseRecord("case (2).png", scan_folder / "case (2).png", reviewer_class="benign"))
    window = make_window()
    window.finetune = Counting()
    open_folder(qtbot, window, scan_folder, "case (1).png")
    monkeypatch.setattr(window, "show_error", lambda sentence: None)
    waits = watch_gui_thread_waits(monkeypatch)  # opening the workspace itself still waits: see the note

    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # approve: saved, recounted
    qtbot.waitUntil(lambda: bool(window.finetune.counts) and window.finetune.counts[-1][0] == 1, timeout=15_000)
    window.navigator.open_file(scan_folder / "case (2).png")  # restore of a saved review
    wait_for_case(qtbot, window, "case (2).png")
    qtbot.waitUntil(lambda: window.review.state.reviewer_class == "benign", timeout=15_000)
    workspace_of(window).show_export_dialog()
    workspace_of(window).export_dialog.close()
    assert waits == []
    saved_to_store(qtbot, window)
    (approved,) = [r for r in workspace_of(window).reviewed_records() if r.status == ReviewStatus.APPROVED]
    assert approved.frames[0].current_mask is not None  # the fine-tune itself still gets the masks
