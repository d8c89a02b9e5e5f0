"""Autosave into the case store and restore on reopening: masks, classes and statuses come back exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from busviewer.core.case import ReviewStatus
from busviewer.gui.workspace.case_columns import SCORE_COLUMN
from busviewer.io.store import CaseStore, has_store
from busviewer.io.workspace_locations import workspaces_root
from tests.gui.review.conftest import drag
from tests.gui.workspace.conftest import WindowFactory, open_folder, saved_to_store, workspace_of


def test_edit_class_and_approval_survive_closing_the_window(
    qtbot: QtBot, make_window: WindowFactory, scan_folder: Path
) -> None:
    window = make_window()
    open_folder(qtbot, window, scan_folder, "case (1).png")
    review = window.review
    # The untrained tiny network proposes a mask over the whole image, so the edit erases a stroke.
    qtbot.keyClick(window, Qt.Key.Key_E)
    drag(window, [(5.0, 5.0), (5.0, 30.0), (12.0, 30.0)])
    edited = np.array(review.mask_layer.data)
    assert not edited[5, 10] and edited[40, 40] and review.mask_layer.edited
    qtbot.mouseClick(review.class_panel.class_buttons.button(2), Qt.MouseButton.LeftButton)  # benign
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    saved_to_store(qtbot, window)
    first = scan_folder / "case (1).png"
    assert window.case_list.text(first, "Status") == "approved"
    window.close()

    reopened = make_window()
    reopened.open_paths([scan_folder])
    # An approved case comes back locked, and the AI is not run on it again (it would change what was approved).
    qtbot.waitUntil(lambda: reopened.review.state is not None and reopened.review.state.locked, timeout=15_000)
    assert reopened.review.frame_state.prediction is None
    layer = reopened.review.mask_layer
    np.testing.assert_array_equal(layer.data, edited)
    assert layer.edited and not layer.can_undo  # the reader's mask, with no undo into a state never seen
    assert reopened.review.class_panel.class_buttons.checkedId() == 2
    assert reopened.case_list.text(first, "Status") == "approved"
    assert reopened.case_list.text(first, "Class") == "Benign"


def test_ai_proposal_is_saved_and_listed_without_any_reader_action(
    qtbot: QtBot, make_window: WindowFactory, scan_folder: Path
) -> None:
    window = make_window()
    open_folder(qtbot, window, scan_folder, "case (1).png")
    prediction = window.review.frame_state.prediction
    qtbot.waitUntil(lambda: window.case_list.text(scan_folder / "case (1).png", "Status") == "AI proposed")
    saved_to_store(qtbot, window)
    record = workspace_of(window).worker.call(lambda store: store.get_case("case (1).png"))
    assert record is not None and record.status == ReviewStatus.AI_PROPOSED
    np.testing.assert_array_equal(record.frames[0].ai_mask, prediction.mask)
    assert record.frames[0].ai_model_id == prediction.model_id
    np.testing.assert_allclose(record.frames[0].ai_probabilities, prediction.probabilities, rtol=1e-6)
    assert window.case_list.text(scan_folder / "case (1).png", SCORE_COLUMN).endswith("%")
    # Cases only listed, never shown, are not written.
    window.close()
    with CaseStore(scan_folder) as store:
        assert [r.case_id for r in store.list_cases(with_masks=False)] == ["case (1).png"]


def test_a_folder_that_cannot_hold_the_review_says_so_once(
    qtbot: QtBot, make_window: WindowFactory, scan_folder: Path, monkeypatch
) -> None:
    workspaces_root().write_text("not a folder")  # the user's data folder cannot hold workspaces
    window = make_window()
    sentences: list[str] = []
    monkeypatch.setattr(window, "show_error", sentences.append)
    window.open_paths([scan_folder])
    qtbot.waitUntil(lambda: window.session.scan is not None, timeout=15_000)
    assert len(sentences) == 1 and sentences[0].endswith(".") and "\n" not in sentences[0]
    assert workspace_of(window).worker is None
    assert not has_store(scan_folder)


class FineTuneStandIn:
    """Records the case source the workspace hands to the fine-tune panel."""

    def __init__(self) -> None:
        self.source = None
        self.refreshed = 0

    def set_case_source(self, source, counter=None, prepare=None) -> None:  # type: ignore[no-untyped-def]
        self.source, self.counter, self.prepare = source, counter, prepare

    def refresh_cases(self) -> int:
        self.refreshed += 1
        return 0


def test_fine_tune_reads_the_reviewed_cases_of_the_open_workspace(
    qtbot: QtBot, make_window: WindowFactory, scan_folder: Path
) -> None:
    window = make_window()
    window.finetune = FineTuneStandIn()
    open_folder(qtbot, window, scan_folder, "case (1).png")
    assert window.finetune.source is not None
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    window.finetune.prepare()  # on the GUI thread: send what is pending
    records = window.finetune.source()  # on the job's thread in the app: it reads masks
    assert [(r.case_id, r.status) for r in records] == [("case (1).png", ReviewStatus.APPROVED)]
    assert records[0].frames[0].current_mask is not None  # reviewed cases come with their masks
    qtbot.waitUntil(lambda: window.finetune.refreshed > 0, timeout=10_000)  # the panel recounts after a decision


def test_files_opened_one_by_one_are_kept_in_the_chosen_workspace_location(
    qtbot: QtBot, make_window: WindowFactory, scan_folder: Path, tmp_path: Path
) -> None:
    window = make_window()
    window.open_paths([scan_folder / "case (2).png", scan_folder / "case (3).png"])
    qtbot.waitUntil(lambda: window.session.scan is not None, timeout=15_000)
    assert workspace_of(window).workspace_dir == scan_folder  # default: the first file's folder
    elsewhere = tmp_path / "reviews"
    elsewhere.mkdir()
    assert workspace_of(window).set_workspace_location(elsewhere)
    review = window.review
    qtbot.waitUntil(lambda: review.frame_state is not None and review.frame_state.prediction is not None,
                    timeout=30_000)  # fmt: skip
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    window.close()
    with CaseStore(elsewhere) as store:
        (record,) = store.list_cases(with_masks=False)
    assert record.status == ReviewStatus.APPROVED
    assert record.source_path == (scan_folder / "case (2).png").resolve()


def test_the_demo_scan_is_never_saved_into_an_open_folder(
    qtbot: QtBot, make_window: WindowFactory, scan_folder: Path
) -> None:
    window = make_window()
    open_folder(qtbot, window, scan_folder, "case (1).png")
    window.open_demo()
    qtbot.waitUntil(lambda: window.session.scan is not None and window.session.scan.name != "case (1).png",
                    timeout=15_000)  # fmt: skip
    review = window.review
    qtbot.waitUntil(lambda: review.frame_state is not None and review.frame_state.prediction is not None,
                    timeout=30_000)  # fmt: skip
    assert not workspace_of(window).approve_action.isEnabled()  # the demo is no case of this workspace
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    saved_to_store(qtbot, window)
    records = workspace_of(window).worker.call(lambda store: store.list_cases(with_masks=False))
    assert [record.case_id for record in records] == ["case (1).png"]
