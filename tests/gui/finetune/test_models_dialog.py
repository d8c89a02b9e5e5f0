"""The model versions dialog: listing, activating a selected version and rolling back, persisted."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from busviewer.core.case import utc_now_iso as now_iso
from busviewer.gui.finetune import install_finetune
from busviewer.gui.finetune.controller import FineTuneController
from busviewer.gui.finetune.models_dialog import COLUMNS
from busviewer.gui.main_window import MainWindow
from busviewer.io.model_registry import BASE_VERSION, ModelRegistry, ModelVersion
from tests.gui.finetune.conftest import ReviewStandIn


def add_version(registry: ModelRegistry, parent: str, accepted: bool, dice: tuple[float, float],
                **counts: object) -> ModelVersion:
    version_id, path = registry.new_weights_path()
    path.write_bytes(registry.base_weights.read_bytes())
    return registry.register(
        ModelVersion(version_id, path.name, parent, now_iso(), "reader", case_ids=["a", "b", "c"], validation_ids=["d"],
                     metrics_before={"dice": dice[0]}, metrics_after={"dice": dice[1]}, accepted_by_gate=accepted,
                     **counts),
        activate=False,
    )


@pytest.fixture
def setup(main_window: MainWindow, registry: ModelRegistry, monkeypatch: pytest.MonkeyPatch
          ) -> tuple[FineTuneController, ModelVersion, ModelVersion, list[str]]:
    errors: list[str] = []
    monkeypatch.setattr(main_window, "show_error", errors.append)
    main_window.review = ReviewStandIn()
    first = add_version(registry, BASE_VERSION, True, (0.5, 0.6), gate_reason="lesion Dice 0.500 -> 0.600 (+0.100) "
                        "on 5 scans of 2 held-out patients", held_out_patients=2, held_out_lesion_scans=5,
                        held_out_normal_scans=1)
    second = add_version(registry, first.version_id, False, (0.6, 0.4))
    return install_finetune(main_window, registry, confirm_override=OverrideAnswers()), first, second, errors


class OverrideAnswers:
    """Stands in for the override question: records what was asked and answers from a list (default no)."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.answers: list[bool] = []

    def __call__(self, version: ModelVersion) -> bool:
        self.asked.append(version.gate_objection() or "")
        return self.answers.pop(0) if self.answers else False


def cell(dialog: object, row: int, column: str) -> str:
    return dialog.table.item(row, COLUMNS.index(column)).text()  # type: ignore[attr-defined]


def test_the_dialog_lists_every_version_with_its_scores(
    qtbot: QtBot, setup: tuple[FineTuneController, ModelVersion, ModelVersion, list[str]]
) -> None:
    controller, first, second, _ = setup
    dialog = controller.open_models_dialog()
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 3
    assert [cell(dialog, r, "Version") for r in range(3)] == [BASE_VERSION, first.version_id, second.version_id]
    assert [cell(dialog, r, "") for r in range(3)] == ["●", "", ""]
    assert cell(dialog, 2, "Parent") == first.version_id
    assert (cell(dialog, 2, "Dice before"), cell(dialog, 2, "Dice after")) == ("0.600", "0.400")
    assert (cell(dialog, 1, "Gate"), cell(dialog, 2, "Gate"), cell(dialog, 0, "Gate")) == ("accepted", "refused", "–")
    assert cell(dialog, 1, "Cases") == "4"
    assert cell(dialog, 1, "Held out") == "2 pat · 5 lesion · 1 normal"
    assert cell(dialog, 2, "Held out") == "not recorded"
    tip = dialog.table.item(1, COLUMNS.index("Gate")).toolTip()
    assert tip == ("lesion Dice 0.500 -> 0.600 (+0.100) on 5 scans of 2 held-out patients "
                   "(2 patients, 5 lesion scans, 1 normal scan held out).\nHeld-out cases: d")
    dialog.select_version(first.version_id)
    assert dialog.detail_label.text() == f"{first.version_id}: {tip}"
    assert not dialog.rollback_button.isEnabled()


def test_an_accept_without_recorded_counts_says_so(qtbot: QtBot, main_window: MainWindow,
                                                   registry: ModelRegistry) -> None:
    main_window.review = ReviewStandIn()
    add_version(registry, BASE_VERSION, True, (0.5, 0.6))  # registered before the gate recorded its counts
    dialog = install_finetune(main_window, registry).open_models_dialog()
    qtbot.addWidget(dialog)
    assert cell(dialog, 1, "Gate") == "accepted (counts not recorded)"
    assert cell(dialog, 1, "Held out") == "not recorded"


def test_activate_selected_and_roll_back_change_the_persisted_choice(
    qtbot: QtBot, setup: tuple[FineTuneController, ModelVersion, ModelVersion, list[str]],
    main_window: MainWindow, registry: ModelRegistry,
) -> None:
    controller, first, second, errors = setup
    review = main_window.review
    assert isinstance(review, ReviewStandIn)
    dialog = controller.open_models_dialog()
    qtbot.addWidget(dialog)
    qtbot.waitExposed(dialog)

    dialog.select_version(first.version_id)
    qtbot.mouseClick(dialog.activate_button, Qt.MouseButton.LeftButton)
    assert registry.active_id == first.version_id
    assert ModelRegistry(registry.base_weights, root=registry.root).active_id == first.version_id
    assert review.weights[-1] == registry.weights_path(first)
    assert main_window.permanent_status("model") == f"model: {first.version_id} (fine-tuned)"
    assert cell(dialog, 1, "") == "●" and dialog.rollback_button.isEnabled()

    qtbot.mouseClick(dialog.rollback_button, Qt.MouseButton.LeftButton)
    assert registry.active_id == BASE_VERSION
    assert review.weights[-1] == registry.base_weights
    assert main_window.permanent_status("model") == "model: base (shipped)"
    assert not dialog.rollback_button.isEnabled()
    assert errors == []


def test_the_dialog_refuses_a_version_the_gate_refused_unless_the_override_is_confirmed(
    qtbot: QtBot, setup: tuple[FineTuneController, ModelVersion, ModelVersion, list[str]],
    main_window: MainWindow, registry: ModelRegistry,
) -> None:
    controller, first, second, errors = setup
    answers = controller._confirm_override
    assert isinstance(answers, OverrideAnswers)
    dialog = controller.open_models_dialog()
    qtbot.addWidget(dialog)
    qtbot.waitExposed(dialog)
    dialog.select_version(second.version_id)

    qtbot.mouseClick(dialog.activate_button, Qt.MouseButton.LeftButton)  # the reader answers "No"
    assert answers.asked == [f"The gate refused version {second.version_id}: on its held-out cases "
                             "Dice 0.600 -> 0.400 (-0.200)."]
    assert registry.active_id == BASE_VERSION and main_window.review.weights == []  # type: ignore[union-attr]
    assert registry.get(second.version_id).overrides == []

    answers.answers.append(True)  # now "Yes": active, and the override is on record
    qtbot.mouseClick(dialog.activate_button, Qt.MouseButton.LeftButton)
    assert registry.active_id == second.version_id
    (override,) = ModelRegistry(registry.base_weights, root=registry.root).get(second.version_id).overrides
    assert "Dice 0.600 -> 0.400" in override["reason"] and override["by"] and override["at"]
    assert cell(dialog, 2, "Gate") == "refused, overridden"
    assert errors == []


def test_a_version_whose_weights_vanished_is_not_activated(
    qtbot: QtBot, setup: tuple[FineTuneController, ModelVersion, ModelVersion, list[str]],
    main_window: MainWindow, registry: ModelRegistry,
) -> None:
    controller, first, _, errors = setup
    registry.weights_path(first).unlink()
    assert controller.activate(first.version_id) is False
    assert registry.active_id == BASE_VERSION
    assert len(errors) == 1 and "missing" in errors[0]
    assert main_window.review.weights == []  # type: ignore[union-attr]


def test_a_review_that_refuses_the_weights_reverts_the_choice(
    setup: tuple[FineTuneController, ModelVersion, ModelVersion, list[str]], main_window: MainWindow,
    registry: ModelRegistry,
) -> None:
    from busviewer.core.errors import WeightsError

    controller, first, _, errors = setup

    class RefusingReview:
        def set_weights(self, path: object) -> None:
            raise WeightsError("ft.safetensors does not hold busviewer Attention U-Net weights.")

    main_window.review = RefusingReview()
    assert controller.activate(first.version_id) is False
    assert registry.active_id == BASE_VERSION
    assert errors == ["ft.safetensors does not hold busviewer Attention U-Net weights."]
