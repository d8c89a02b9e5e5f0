"""The fine-tune worker under Qt: progress signals, a registered (inactive) candidate, cancel and failure."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from pytestqt.qtbot import QtBot

from busviewer.core.case import CaseRecord
from busviewer.core.case import utc_now_iso as now_iso
from busviewer.gui.finetune.worker import FineTuneWorker
from busviewer.io.model_registry import BASE_VERSION, ModelRegistry, ModelVersion
from busviewer.services.finetune import FineTuneOutcome, JobEpoch, JobStep, ProgressEstimator
from tests.gui.finetune.conftest import ImageShelf

#: Generous: a tiny network on a shared two-core machine.
RUN_TIMEOUT_MS = 180_000


class SignalLog:
    """Everything a worker emitted, in order."""

    def __init__(self, worker: FineTuneWorker) -> None:
        self.phases: list[str] = []
        self.progress: list[tuple[int, int, float]] = []
        self.epochs: list[JobEpoch] = []
        self.failures: list[str] = []
        worker.sig_phase.connect(self.phases.append)
        worker.sig_progress.connect(lambda done, total, eta: self.progress.append((done, total, eta)))
        worker.sig_epoch.connect(self.epochs.append)
        worker.sig_failed.connect(self.failures.append)


def test_progress_estimator_counts_steps_and_extrapolates_time() -> None:
    now = [100.0]
    estimator = ProgressEstimator(clock=lambda: now[0])
    assert estimator.update(JobStep(1, 4, 1, 5, 1.0)) == (1, 20, None)
    now[0] += 3.0
    done, total, eta = estimator.update(JobStep(1, 4, 4, 5, 1.0))
    assert (done, total) == (4, 20)
    assert eta == 16 * 1.0
    now[0] += 2.0
    assert estimator.update(JobStep(2, 4, 1, 5, 1.0)) == (6, 20, 14 * 1.0)


def test_worker_reports_progress_and_registers_the_candidate_without_activating_it(
    qtbot: QtBot, registry: ModelRegistry, reviewed_records: list[CaseRecord], shelf: ImageShelf, fast_config: object
) -> None:
    from busviewer.ml.checkpoint import read_metadata

    active_bytes = registry.weights_path(registry.active()).read_bytes()
    worker = FineTuneWorker(registry, reviewed_records, fast_config, device="cpu", load_frame=shelf)
    log = SignalLog(worker)
    with qtbot.waitSignal(worker.sig_done, timeout=RUN_TIMEOUT_MS) as done:
        worker.start()
    outcome: FineTuneOutcome = done.args[0]

    assert log.failures == []
    assert log.phases == ["collect", "evaluate-before", "train", "evaluate-after", "save"]
    assert [e.epoch for e in log.epochs] == [1, 2]
    steps_done = [p[0] for p in log.progress]
    assert steps_done == sorted(steps_done) and steps_done[-1] == log.progress[-1][1]
    assert any(eta >= 0 for _, _, eta in log.progress[1:])

    assert not outcome.cancelled and outcome.version is not None
    assert outcome.before["dice"] is not None and outcome.after["dice"] is not None
    assert outcome.accepted == (outcome.after["dice"] > outcome.before["dice"])  # a tie is refused
    version = registry.get(outcome.version.version_id)
    assert registry.active_id == BASE_VERSION
    assert registry.weights_path(registry.active()).read_bytes() == active_bytes
    assert version.parent == BASE_VERSION
    assert sorted(version.case_ids + version.validation_ids) == sorted(r.case_id for r in reviewed_records)
    assert version.metrics_before == outcome.before and version.metrics_after == outcome.after
    assert version.settings["epochs"] == 2 and version.settings["device"] == "cpu"
    assert version.accepted_by_gate == outcome.accepted and version.created_by
    weights = registry.weights_path(version)
    assert weights.parent == registry.root and weights.is_file()
    metadata = read_metadata(weights)
    assert metadata["parent_version"] == BASE_VERSION
    assert metadata["finetune_cases"] == version.case_ids
    assert metadata["metrics_after"]["dice"] == outcome.after["dice"]
    assert worker.wait(10) and not worker.is_running


def test_cancel_leaves_the_registry_and_the_active_weights_untouched(
    qtbot: QtBot, registry: ModelRegistry, reviewed_records: list[CaseRecord], shelf: ImageShelf
) -> None:
    from busviewer.ml.finetune import FineTuneConfig

    files_before = sorted(p.name for p in registry.root.iterdir())
    active_bytes = registry.weights_path(registry.active()).read_bytes()
    worker = FineTuneWorker(registry, reviewed_records, FineTuneConfig(epochs=50, batch_size=2, patience=50),
                            device="cpu", load_frame=shelf)
    log = SignalLog(worker)
    worker.sig_progress.connect(lambda done, total, eta: worker.cancel() if done >= 2 else None)
    with qtbot.waitSignal(worker.sig_done, timeout=RUN_TIMEOUT_MS) as done:
        worker.start()
    outcome: FineTuneOutcome = done.args[0]
    assert outcome.cancelled and outcome.version is None
    assert "save" not in log.phases and log.failures == []
    assert len(log.progress) < 10
    assert [v.version_id for v in registry.versions()] == [BASE_VERSION]
    assert registry.active_id == BASE_VERSION
    assert sorted(p.name for p in registry.root.iterdir()) == files_before
    assert registry.weights_path(registry.active()).read_bytes() == active_bytes


def test_too_few_cases_fails_with_the_sentence(
    qtbot: QtBot, registry: ModelRegistry, reviewed_records: list[CaseRecord], shelf: ImageShelf, fast_config: object
) -> None:
    worker = FineTuneWorker(registry, reviewed_records[:3], fast_config, device="cpu", load_frame=shelf)
    with qtbot.waitSignal(worker.sig_failed, timeout=RUN_TIMEOUT_MS) as failed:
        worker.start()
    assert failed.args[0] == "Fine-tuning needs at least 6 corrected or approved cases; this workspace has 3."
    assert [v.version_id for v in registry.versions()] == [BASE_VERSION]


def test_an_internal_error_becomes_a_sentence_not_silence(
    qtbot: QtBot, registry: ModelRegistry, reviewed_records: list[CaseRecord], tmp_path: Path, fast_config: object
) -> None:
    # A RuntimeError from inside the job would otherwise be swallowed by superqt as "worker deleted".
    def exploding_loader(path: Path, frame_index: int) -> object:
        raise RuntimeError("boom")

    worker = FineTuneWorker(registry, reviewed_records, fast_config, device="cpu", load_frame=exploding_loader)
    with qtbot.waitSignal(worker.sig_failed, timeout=RUN_TIMEOUT_MS) as failed:
        worker.start()
    assert "internal error (RuntimeError)" in failed.args[0]
    assert registry.active_id == BASE_VERSION


def test_the_fine_tune_gui_does_not_import_torch_until_a_run_starts() -> None:
    code = ("import sys, busviewer.gui.finetune.controller, busviewer.core.finetune_cases; "
            "print('torch' in sys.modules, 'busviewer.ml.finetune' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.stdout.split() == ["False", "False"]


KILLED_JOB = """
import sys, torch
from pathlib import Path
torch.set_num_threads(1)
from busviewer.services.finetune import JobStep, finetune_job
from busviewer.io.model_registry import ModelRegistry
from busviewer.ml.finetune import FineTuneConfig
from tests.core.finetune_helpers import ImageShelf, reviewed_record
from tests.ml.test_finetune import synthetic_cases

registry = ModelRegistry(Path(sys.argv[1]), root=Path(sys.argv[2]))
shelf = ImageShelf()
records = []
for case in synthetic_cases(10):
    shelf.images[case.case_id + ".png"] = case.image
    records.append(reviewed_record(case.case_id, case.case_id + ".png", case.mask, case.label))
for record in finetune_job(registry, records, FineTuneConfig(epochs=500, batch_size=2), "cpu", load_frame=shelf):
    if isinstance(record, JobStep):
        print("training", flush=True)
"""


def test_killing_the_app_mid_run_leaves_the_active_model(registry: ModelRegistry, tmp_path: Path) -> None:
    # A version chosen earlier is active; the killed run must leave that choice and every file as they were.
    version_id, path = registry.new_weights_path()
    path.write_bytes(registry.base_weights.read_bytes())
    registry.register(ModelVersion(version_id, path.name, BASE_VERSION, now_iso(), "me", accepted_by_gate=True),
                      activate=True)
    snapshot = {p.name: p.read_bytes() for p in registry.root.iterdir()}
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    job = subprocess.Popen([sys.executable, "-c", KILLED_JOB, str(registry.base_weights), str(registry.root)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert job.stdout is not None
        first_line = job.stdout.readline()
        assert first_line.strip() == "training", job.stderr.read() if job.stderr else ""
    finally:
        job.send_signal(signal.SIGKILL)
        job.communicate(timeout=60)
    assert job.returncode == -signal.SIGKILL
    assert {p.name: p.read_bytes() for p in registry.root.iterdir()} == snapshot
    reopened = ModelRegistry(registry.base_weights, root=registry.root)
    assert reopened.active_id == version_id
