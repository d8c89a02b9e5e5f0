"""Background jobs: work runs off the GUI thread, its result or error comes back on the GUI thread, stale
outcomes are dropped, and a failed export reaches the user as one sentence."""

from __future__ import annotations

import threading
import warnings
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from busviewer.core.errors import UserFacingError
from busviewer.gui.jobs import JobRunner
from busviewer.gui.loader_worker import BackgroundRunner
from busviewer.gui.workspace.export_job import ExportJob, ExportRequest


def _on_gui_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def test_a_result_is_computed_off_the_gui_thread_and_delivered_on_it(qtbot: QtBot) -> None:
    runner = JobRunner("test")
    busy: list[bool] = []
    runner.busy_changed.connect(busy.append)
    delivered: list[tuple[bool, bool]] = []
    runner.submit(_on_gui_thread, on_result=lambda ran_on_gui: delivered.append((ran_on_gui, _on_gui_thread())))
    assert runner.pending == 1
    qtbot.waitUntil(lambda: bool(delivered), timeout=10_000)
    assert delivered == [(False, True)]
    assert runner.pending == 0 and busy == [True, False]


def test_an_error_in_a_job_reaches_its_handler_on_the_gui_thread(qtbot: QtBot) -> None:
    runner = JobRunner("test")
    errors: list[tuple[str, bool]] = []

    def fails() -> None:
        raise UserFacingError("case (1).png is not an ultrasound image.")

    runner.submit(fails, on_result=lambda _r: pytest.fail("no result expected"),
                  on_error=lambda exc: errors.append((str(exc), _on_gui_thread())))  # fmt: skip
    qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
    assert errors == [("case (1).png is not an ultrasound image.", True)]


def test_a_warning_inside_a_job_is_issued_again_on_the_gui_thread(qtbot: QtBot) -> None:
    runner = JobRunner("test")
    done: list[object] = []

    def warns() -> int:
        warnings.warn("spacing tag disagrees with the calibration", UserWarning, stacklevel=1)
        return 1

    with pytest.warns(UserWarning, match="spacing tag disagrees"):
        runner.submit(warns, on_result=done.append)
        qtbot.waitUntil(lambda: bool(done), timeout=10_000)


def test_only_the_newest_job_of_a_loader_is_reported(qtbot: QtBot) -> None:
    runner = BackgroundRunner()
    reported: list[tuple[int, object]] = []
    runner.sig_succeeded.connect(lambda generation, value: reported.append((generation, value)))
    ran: list[str] = []
    release = threading.Event()

    def slow() -> str:
        ran.append("slow")
        release.wait(10.0)
        return "old scan"

    def skipped() -> str:
        ran.append("skipped")
        return "never"

    runner.submit(slow)
    qtbot.waitUntil(lambda: ran == ["slow"], timeout=10_000)  # running, and now stale
    runner.submit(skipped)  # stale before it starts: it never runs
    newest = runner.submit(lambda: "new scan")
    release.set()
    qtbot.waitUntil(lambda: bool(reported), timeout=10_000)
    assert runner.wait_until_idle(10_000)
    qtbot.wait(50)
    assert reported == [(newest, "new scan")]
    assert ran == ["slow"]
    assert not runner.is_busy


def test_a_cancelled_loader_reports_nothing(qtbot: QtBot) -> None:
    runner = BackgroundRunner()
    outcomes: list[object] = []
    runner.sig_succeeded.connect(lambda _g, value: outcomes.append(value))
    runner.sig_failed.connect(lambda _g, error: outcomes.append(error))
    runner.submit(lambda: 1 / 0)
    runner.cancel()
    qtbot.waitUntil(lambda: not runner.is_busy, timeout=10_000)
    assert outcomes == []


@pytest.mark.parametrize(
    ("error", "sentence"),
    [
        (UserFacingError("The export folder is full."), "The export folder is full."),
        (KeyError("frames"), "The export stopped because of an unexpected error (KeyError)."),
    ],
)
def test_a_failed_export_is_one_sentence(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception, sentence: str
) -> None:
    def export_that_fails(*_args: object) -> None:
        raise error

    monkeypatch.setattr("busviewer.gui.workspace.export_job.export_workspace", export_that_fails)
    job = ExportJob(ExportRequest(tmp_path, tmp_path / "out", frozenset({"png"})))
    finished: list[object] = []
    job.finished.connect(finished.append)
    with qtbot.waitSignal(job.failed, timeout=10_000) as failed:
        job.start()
        assert job.running
    assert failed.args == [sentence]
    assert not job.running and finished == []
    assert job.wait(5.0)
