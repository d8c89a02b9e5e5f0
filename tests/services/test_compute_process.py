"""The compute process: the GUI process never loads torch, errors come back as themselves, a dead child
is reported in one sentence and replaced on the next request."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from busviewer.core.errors import UserFacingError, WeightsError
from busviewer.core.generators import GeneratorRun
from busviewer.core.review_state import HeatMap
from busviewer.services.compute.client import ComputeProcess, ComputeProcessError
from busviewer.services.compute.requests import (
    DescribeRequest,
    ExplainRequest,
    FineTuneRequest,
    ModelSpec,
    PredictFrameRequest,
)
from busviewer.services.compute_tasks import BACKGROUND_NICENESS, TASKS
from busviewer.services.results import ProposalResult
from tests.services.task_table import TEST_TASKS, CountRequest

GREY = np.random.default_rng(0).integers(0, 255, size=(80, 100), dtype=np.uint8)


@pytest.fixture
def compute() -> Iterator[ComputeProcess]:
    process = ComputeProcess(task_table=TEST_TASKS)
    yield process
    process.close()


def test_the_app_shows_a_proposal_without_importing_torch(tiny_weights: Path, tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        import os, sys
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        os.environ["BUSVIEWER_HOME"] = {str(tmp_path)!r}
        import numpy as np
        from PySide6.QtWidgets import QApplication
        from busviewer.core.scan import UltrasoundScan
        from busviewer.gui.main_window import MainWindow
        from busviewer.gui.review import install_review
        from busviewer.services.compute.client import compute_process
        from busviewer.services.compute.requests import DescribeRequest
        from pathlib import Path

        app = QApplication([])
        window = MainWindow()
        review = install_review(window, weights=Path({str(tiny_weights)!r}), device="cpu")
        window.review = review
        window.show()
        frames = np.random.default_rng(1).integers(0, 255, size=(1, 90, 120), dtype=np.uint8)
        window.session.set_scan(UltrasoundScan(frames=frames, source_path=Path("/nonexistent/a.png")))
        review.wait_idle(120_000)
        app.processEvents()
        frame = review.proposal.current_frame
        assert frame.prediction is not None, review.proposal.last_error
        child = compute_process().call("predictor", DescribeRequest())
        print("torch in gui process:", "torch" in sys.modules)
        print("torch in compute process:", child["torch_loaded"], child["pid"] != os.getpid())
        print("qt in compute process:", child["qt_loaded"])
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "torch in gui process: False" in result.stdout
    assert "torch in compute process: True True" in result.stdout
    # The child unpickles every result type without Qt (a result type under gui/ once pulled in QtGui).
    assert "qt in compute process: []" in result.stdout


def test_results_and_errors_come_back_as_themselves(compute: ComputeProcess, tiny_weights: Path, tmp_path: Path) -> None:
    result = compute.call("predictor", PredictFrameRequest(ModelSpec(tiny_weights, "cpu"), GREY, 0))
    assert isinstance(result, ProposalResult)
    assert result.prediction.mask.shape == GREY.shape
    # Only display-size maps cross the pipe: full-size float maps of a huge frame would stall the GUI.
    assert result.prediction.lesion_probability is None and result.prediction.uncertainty is None
    assert result.uncertainty.display.dtype == np.uint8
    with pytest.raises(WeightsError):
        compute.call("predictor", PredictFrameRequest(ModelSpec(tmp_path / "missing.safetensors", "cpu"), GREY, 0))
    heat = compute.call("gradcam", ExplainRequest(ModelSpec(tiny_weights, "cpu"), GREY, "lesion"))
    assert isinstance(heat, HeatMap) and heat.display.dtype == np.uint8
    full = compute.call("gradcam", ExplainRequest(ModelSpec(tiny_weights, "cpu"), GREY, "lesion", for_display=False))
    assert full.shape == GREY.shape and full.dtype.kind == "f"


def test_a_request_the_table_does_not_know_is_refused_in_one_sentence(compute: ComputeProcess) -> None:
    with pytest.raises(TypeError, match="cannot answer a HeatMap"):
        compute.call("predictor", HeatMap(display=np.zeros((2, 2), np.uint8)))


def test_the_production_table_holds_no_test_tasks() -> None:
    assert CountRequest not in TASKS
    assert all(t.__module__ == "busviewer.services.compute.requests" for t in TASKS)


def test_a_killed_child_fails_the_waiting_request_and_is_replaced(compute: ComputeProcess, tiny_weights: Path) -> None:
    first_pid = compute.call("predictor", DescribeRequest())["pid"]
    failure: list[BaseException] = []

    def wait_for_a_long_job() -> None:
        try:
            # A fine-tune with no cases would fail at once; a generator that never ends is what we want,
            # so use many inferences in a row on the same lane and kill the child meanwhile.
            for _ in range(10_000):
                compute.call("predictor", PredictFrameRequest(ModelSpec(tiny_weights, "cpu"), GREY, 0))
        except ComputeProcessError as exc:
            failure.append(exc)

    waiter = threading.Thread(target=wait_for_a_long_job)
    waiter.start()
    time.sleep(1.0)
    os.kill(first_pid, signal.SIGKILL)
    waiter.join(60)
    assert not waiter.is_alive()
    assert failure and "stopped unexpectedly" in str(failure[0])
    second_pid = compute.call("predictor", DescribeRequest())["pid"]
    assert second_pid != first_pid


def test_a_child_that_dies_while_a_large_frame_is_sent_is_one_sentence() -> None:
    # A 12-megapixel frame goes down the pipe in several writes; the reply reader closing the pipe
    # between two of them once surfaced as a bare TypeError instead of the sentence.
    large = PredictFrameRequest(ModelSpec(Path("unused.safetensors"), "cpu"), np.zeros((3000, 4000), np.uint8), 0)
    for _ in range(8):
        doomed = ComputeProcess(task_table="busviewer.no_such_task_table")  # the child fails at start
        try:
            with pytest.raises(ComputeProcessError, match="stopped unexpectedly"):
                doomed.call("predictor", large)
        finally:
            doomed.close()


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads thread niceness from Linux /proc")
def test_background_training_runs_nicer_than_inference(tiny_weights: Path, tmp_path: Path) -> None:
    process = ComputeProcess()
    try:
        pid = process.call("predictor", DescribeRequest())["pid"]
        process.call("predictor", PredictFrameRequest(ModelSpec(tiny_weights, "cpu"), GREY, 0))
        # No cases: the job fails at once, but on the fine-tune lane, which has said how nice it runs.
        with pytest.raises(UserFacingError):
            process.call("fine-tune", FineTuneRequest(tiny_weights, tmp_path / "models", [], "", None, "cpu"))
        niceness = {_thread_niceness(stat) for stat in Path(f"/proc/{pid}/task").glob("*/stat")}
        base = _thread_niceness(Path(f"/proc/{pid}/stat"))  # the main thread's (CI may run us niced already)
    finally:
        process.close()
    assert base in niceness  # the main thread and the predictor lane
    assert min(base + BACKGROUND_NICENESS, 19) in niceness  # the fine-tune lane


def _thread_niceness(stat: Path) -> int:
    # Field 19 of /proc/.../stat; the command name (field 2, in parentheses) may hold spaces.
    return int(stat.read_text().rsplit(")", 1)[1].split()[16])


def test_the_child_leaves_when_its_gui_process_dies(tiny_weights: Path) -> None:
    script = textwrap.dedent("""
        from busviewer.services.compute.client import ComputeProcess
        from busviewer.services.compute.requests import DescribeRequest
        process = ComputeProcess()
        print(process.call("predictor", DescribeRequest())["pid"], flush=True)
        import os, signal
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    child_pid = int(result.stdout.split()[0])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _alive(child_pid):
        time.sleep(0.2)
    assert not _alive(child_pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "zombie" in status.read_text())


def test_a_stream_is_cancelled_even_while_records_keep_coming(compute: ComputeProcess) -> None:
    # "count" yields without pausing until its should_stop says so; the cancel must still get through.
    seen: list[int] = []
    run = GeneratorRun(compute.stream("counter", CountRequest(1_000_000), should_stop=lambda: len(seen) >= 3))
    seen.extend(run)
    stopped_at = run.returned
    assert len(seen) == 3
    assert stopped_at < 1_000_000
