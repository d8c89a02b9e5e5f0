"""A model fine-tuned in the app carries its parent's familiarity reference, so its scans are still checked."""

from __future__ import annotations

import numpy as np
from pytestqt.qtbot import QtBot

from busviewer.core.case import CaseRecord
from busviewer.gui.finetune.worker import FineTuneWorker
from busviewer.io.model_registry import ModelRegistry
from tests.gui.finetune.conftest import ImageShelf
from tests.gui.finetune.test_worker import RUN_TIMEOUT_MS


def test_a_fine_tuned_version_is_checked_against_its_parents_training_scans(
    qtbot: QtBot, registry: ModelRegistry, reviewed_records: list[CaseRecord], shelf: ImageShelf, fast_config: object
) -> None:
    from busviewer.ml.checkpoint import load_weights
    from busviewer.ml.familiarity import fit_reference, load_reference, reference_path, save_reference

    parent_weights = registry.weights_path(registry.active())
    parent_id = load_weights(parent_weights).model_id
    features = np.random.default_rng(0).normal(size=(40, 16))  # the tiny network pools 16 bottleneck channels
    save_reference(fit_reference(features, parent_id), reference_path(parent_weights))
    worker = FineTuneWorker(registry, reviewed_records, fast_config, device="cpu", load_frame=shelf)
    with qtbot.waitSignal(worker.sig_done, timeout=RUN_TIMEOUT_MS) as done:
        worker.start()
    outcome = done.args[0]
    assert outcome.version is not None and outcome.model_id != parent_id
    carried = load_reference(registry.weights_path(outcome.version), outcome.model_id)
    assert carried is not None, "the fine-tuned version would not be checked at all"
    assert carried.carried_from == parent_id and carried.n_scans == 40
    assert worker.wait(10)
