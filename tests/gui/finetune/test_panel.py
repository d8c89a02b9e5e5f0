"""The fine-tune panel in the main window: a run from the button, before/after, the gate and activation."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from busviewer.core.case import CaseRecord
from busviewer.core.case import utc_now_iso as now_iso
from busviewer.core.gate import gate_decision
from busviewer.gui.finetune import install_finetune
from busviewer.gui.finetune.controller import FineTuneController
from busviewer.gui.finetune.panel import FineTunePanel, format_eta
from busviewer.gui.main_window import MainWindow
from busviewer.io.model_registry import BASE_VERSION, ModelRegistry, ModelVersion
from busviewer.services.finetune import FineTuneOutcome
from tests.gui.finetune.conftest import ImageShelf, ReviewStandIn

RUN_TIMEOUT_MS = 180_000


HELD_OUT = [f"patient{n}/scan{k}.png" for n in (1, 2, 3) for k in (1, 2, 3, 4)]


def outcome(accepted: bool, before: float = 0.61, after: float = 0.66, gated: bool = True) -> FineTuneOutcome:
    reason = gate_decision({"dice": before}, {"dice": after, "n_images": 12, "n_lesion_images": 9}, 3)
    version = ModelVersion("ft-20250101-000000", "ft-20250101-000000.safetensors", BASE_VERSION, now_iso(), "me",
                           validation_ids=HELD_OUT, accepted_by_gate=accepted)
    return FineTuneOutcome(cancelled=False, parent_version=BASE_VERSION, before={"dice": before, "accuracy": 0.5},
                           after={"dice": after, "accuracy": 0.75}, accepted=accepted, seconds=12.0, version=version,
                           n_train=7, n_validation=12, gate=reason if gated else None)


@pytest.fixture
def errors(main_window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(main_window, "show_error", shown.append)
    return shown


@pytest.fixture
def controller(
    main_window: MainWindow, registry: ModelRegistry, reviewed_records: list[CaseRecord], shelf: ImageShelf,
    fast_config: object, errors: list[str],
) -> FineTuneController:
    main_window.review = ReviewStandIn()
    return install_finetune(main_window, registry, case_source=lambda: reviewed_records, config=fast_config,
                            device="cpu", load_frame=shelf)


def test_an_accepted_candidate_can_be_activated(qtbot: QtBot) -> None:
    panel = FineTunePanel()
    qtbot.addWidget(panel)
    panel.set_running(True)
    panel.show_outcome(outcome(accepted=True))
    assert panel.dice_label.text() == "0.610 → 0.660"
    assert panel.accuracy_label.text() == "0.500 → 0.750"
    assert panel.verdict_label.text() == (
        "Accepted (3 patients, 9 lesion scans, 3 normal scans held out): lesion Dice 0.610 -> 0.660 (+0.050) "
        "on 9 scans of 3 held-out patients. Activate it to use it for new predictions.")
    assert "#3fa34d" in panel.verdict_label.styleSheet()  # green, with the counts beside it
    assert panel.held_out_label.text() == (
        "Held-out cases: patient1/scan1.png, patient1/scan2.png, patient1/scan3.png, patient1/scan4.png, "
        "patient2/scan1.png, patient2/scan2.png, patient2/scan3.png, patient2/scan4.png and 4 more")
    assert panel.held_out_label.toolTip().split("\n") == HELD_OUT
    assert panel.activate_button.isEnabled()
    assert not panel.force_box.isEnabled()


def test_an_accept_without_held_out_counts_is_never_shown_green(qtbot: QtBot) -> None:
    panel = FineTunePanel()
    qtbot.addWidget(panel)
    panel.show_outcome(outcome(accepted=True, gated=False))
    assert panel.verdict_label.text().startswith("Accepted (held-out counts not recorded): Dice 0.610 -> 0.660")
    assert "#3fa34d" not in panel.verdict_label.styleSheet()


def test_a_refused_candidate_needs_the_force_box(qtbot: QtBot) -> None:
    panel = FineTunePanel()
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    panel.set_running(True)
    panel.show_outcome(outcome(accepted=False, before=0.70, after=0.55))
    assert panel.verdict_label.text() == (
        "Refused (3 patients, 9 lesion scans, 3 normal scans held out): lesion Dice 0.700 -> 0.550 (-0.150) "
        "did not rise; the current model stays active.")
    assert not panel.activate_button.isEnabled()
    assert panel.force_box.isEnabled()
    qtbot.mouseClick(panel.force_box, Qt.MouseButton.LeftButton)
    assert panel.activate_button.isEnabled()
    with qtbot.waitSignal(panel.sig_activate_requested) as activate:
        qtbot.mouseClick(panel.activate_button, Qt.MouseButton.LeftButton)
    assert activate.args == [True]
    panel.set_running(True)
    assert not panel.force_box.isChecked() and not panel.activate_button.isEnabled()


def test_eta_reads_as_words() -> None:
    assert format_eta(None) == "" and format_eta(-1) == ""
    assert format_eta(42) == "about 40 s left"
    assert format_eta(300) == "about 5 min left"


def test_the_panel_counts_the_usable_cases(controller: FineTuneController, main_window: MainWindow) -> None:
    assert controller.panel.case_label.text() == "10 corrected or approved cases ready."
    assert controller.panel.start_button.isEnabled()
    assert controller.dock.content is controller.panel and controller.dock.windowTitle() == "Fine-tune"
    controller.set_case_source(None)
    assert not controller.panel.start_button.isEnabled()


def test_fine_tune_from_the_button_then_activate(
    qtbot: QtBot, controller: FineTuneController, main_window: MainWindow, registry: ModelRegistry, errors: list[str]
) -> None:
    panel = controller.panel
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert controller.worker is not None
    assert not panel.start_button.isEnabled() and panel.cancel_button.isEnabled()
    with qtbot.waitSignal(controller.worker.sig_done, timeout=RUN_TIMEOUT_MS) as done:
        pass
    result: FineTuneOutcome = done.args[0]
    assert errors == []
    assert panel.dice_label.text() == f"{result.before['dice']:.3f} → {result.after['dice']:.3f}"
    assert panel.verdict_label.text().startswith("Accepted" if result.accepted else "Refused")
    # The verdict, the registry and the models dialog show the same held-out counts and reason.
    assert result.gate is not None and result.version is not None
    stored = registry.get(result.version.version_id)
    assert (stored.held_out_patients, stored.held_out_lesion_scans, stored.held_out_normal_scans) == (
        result.gate.held_out_patients, result.gate.held_out_lesion_scans, result.gate.held_out_normal_scans)
    assert stored.gate_reason == result.gate.reason and stored.gate_reason in panel.verdict_label.text()
    assert stored.held_out_text in panel.verdict_label.text()
    assert panel.held_out_label.text().startswith("Held-out cases: " + stored.validation_ids[0])
    assert panel.activate_button.isEnabled() == result.accepted
    assert panel.loss_curve.getData()[0].tolist() == [1.0, 2.0]
    assert registry.active_id == BASE_VERSION  # nothing changes until the user activates

    if not result.accepted:
        qtbot.mouseClick(panel.force_box, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.activate_button, Qt.MouseButton.LeftButton)
    assert result.version is not None
    assert registry.active_id == result.version.version_id
    # Ticking the box is an override, and it is on record (who, when, the Dice change).
    assert len(registry.get(result.version.version_id).overrides) == (0 if result.accepted else 1)
    review = main_window.review
    assert isinstance(review, ReviewStandIn)
    assert review.weights == [registry.weights_path(result.version)]
    assert result.version.version_id in main_window.permanent_status("model")
    assert not panel.activate_button.isEnabled()


def test_a_refused_candidate_is_not_activated_without_the_override(
    qtbot: QtBot, main_window: MainWindow, registry: ModelRegistry, errors: list[str]
) -> None:
    # A tie is a refusal: the gate asks for a rise in Dice, not merely no drop.
    asked: list[str] = []
    main_window.review = ReviewStandIn()
    controller = install_finetune(main_window, registry, confirm_override=lambda v: asked.append(v.version_id) or False)
    version_id, path = registry.new_weights_path()
    path.write_bytes(registry.base_weights.read_bytes())
    version = registry.register(ModelVersion(version_id, path.name, BASE_VERSION, now_iso(), "me",
                                             metrics_before={"dice": 0.6}, metrics_after={"dice": 0.6}), activate=False)
    controller.candidate = outcome(accepted=False, before=0.6, after=0.6)
    controller.candidate.version = version
    assert controller.activate_candidate(force=False) is False
    assert asked == [version_id]
    assert registry.active_id == BASE_VERSION and main_window.review.weights == []
    assert "Dice 0.600 -> 0.600 (+0.000)" in main_window.statusBar().currentMessage()
    assert controller.activate_candidate(force=True) is True
    assert registry.active_id == version_id and len(registry.get(version_id).overrides) == 1
    assert errors == []


def test_cancel_from_the_panel_keeps_the_active_model(
    qtbot: QtBot, controller: FineTuneController, registry: ModelRegistry, fast_config: object
) -> None:
    fast_config.epochs = 40  # type: ignore[attr-defined]
    fast_config.patience = 40  # type: ignore[attr-defined]
    panel = controller.panel
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert controller.worker is not None
    with qtbot.waitSignal(controller.worker.sig_progress, timeout=RUN_TIMEOUT_MS):
        pass
    with qtbot.waitSignal(controller.worker.sig_done, timeout=RUN_TIMEOUT_MS) as done:
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert done.args[0].cancelled
    assert panel.phase_label.text().startswith("Cancelled")
    assert panel.start_button.isEnabled() and not panel.activate_button.isEnabled()
    assert [v.version_id for v in registry.versions()] == [BASE_VERSION]


def test_too_few_cases_shows_the_sentence(
    qtbot: QtBot, controller: FineTuneController, reviewed_records: list[CaseRecord], errors: list[str]
) -> None:
    del reviewed_records[4:]
    controller.refresh_cases()
    qtbot.mouseClick(controller.panel.start_button, Qt.MouseButton.LeftButton)
    assert controller.worker is not None
    with qtbot.waitSignal(controller.worker.sig_failed, timeout=RUN_TIMEOUT_MS):
        pass
    expected = "Fine-tuning needs at least 6 corrected or approved cases; this workspace has 4."
    assert errors == [expected]
    assert controller.panel.phase_label.text() == expected
    assert controller.panel.start_button.isEnabled()


def test_a_fine_tuned_active_version_is_handed_to_the_review_at_start(
    main_window: MainWindow, registry: ModelRegistry, errors: list[str]
) -> None:
    version_id, path = registry.new_weights_path()
    path.write_bytes(registry.base_weights.read_bytes())
    registry.register(ModelVersion(version_id, path.name, BASE_VERSION, now_iso(), "me", accepted_by_gate=True),
                      activate=True)
    restarted = ModelRegistry(registry.base_weights, root=registry.root)
    main_window.review = ReviewStandIn()
    install_finetune(main_window, restarted)
    assert main_window.review.weights == [path]
    assert main_window.permanent_status("model") == f"model: {version_id} (fine-tuned)"
    assert errors == []


def test_without_a_workspace_the_button_is_off(main_window: MainWindow, registry: ModelRegistry) -> None:
    controller = install_finetune(main_window, registry)
    assert not controller.panel.start_button.isEnabled()
    assert "Open a workspace" in controller.panel.case_label.text()
    assert Path(registry.base_weights).is_file()


def test_the_default_registry_lives_in_the_users_folder_and_starts_on_the_base(main_window: MainWindow) -> None:
    from busviewer.core.paths import shipped_weights_path, user_data_dir

    controller = install_finetune(main_window)
    assert controller.registry.root == user_data_dir() / "models"
    assert controller.registry.base_weights == shipped_weights_path()
    assert controller.registry.active_id == BASE_VERSION
