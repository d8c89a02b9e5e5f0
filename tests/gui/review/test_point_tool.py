"""The Point tool through real mouse and key events on the canvas: clicks and boxes redraw the outline in
the compute process, one undo step per gesture, coalesced when faster than the model, stale results dropped."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from busviewer.core.prompts import GRABCUT_METHOD, GUIDED_METHOD, Prompt
from busviewer.gui.main_window import MainWindow
from busviewer.gui.review.controller import ReviewController
from busviewer.services.remote_model import RemoteModel
from tests.gui.review.conftest import drag, make_review_window, make_scan, show_scan

Window = tuple[MainWindow, ReviewController]
SIZE = (96, 128)
CENTRE = (48, 64)
LESION_RADIUS = min(SIZE) / 5


def _save_tiny(path: Path, in_channels: int, mask_bias: float | None) -> Path:
    import torch

    from busviewer.ml.checkpoint import save_weights
    from busviewer.ml.network import build_network

    torch.manual_seed(0)
    network = build_network(channels=(4, 8, 16), in_channels=in_channels, norm="instance")
    if mask_bias is not None:
        with torch.no_grad():
            network.mask_head.conv.bias.fill_(mask_bias)
    save_weights(network, path, metadata={"preprocessing": "imaging-area-letterbox"})
    return path


@pytest.fixture(scope="module")
def missing_weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Weights without guidance inputs whose outline misses every lesion (lesion probability ~0)."""
    return _save_tiny(tmp_path_factory.mktemp("point") / "misses.safetensors", 1, -8.0)


@pytest.fixture(scope="module")
def guided_weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Untrained weights with guidance channels (grey + 3), as the guided network is saved, that outline
    everything: only the merge keeps the outline inside a box."""
    return _save_tiny(tmp_path_factory.mktemp("point") / "guided.safetensors", 4, 8.0)


def _window(qtbot: QtBot, weights: Path) -> Iterator[Window]:
    window, review = make_review_window(qtbot, weights)
    show_scan(qtbot, window, make_scan("point.png", size=SIZE))
    # Generous: the first proposal loads torch and the network in the compute process on a busy machine.
    qtbot.waitUntil(lambda: review.frame_state.prediction is not None, timeout=180_000)
    qtbot.keyClick(window, Qt.Key.Key_P)
    yield window, review
    review.wait_idle(20_000)
    window.navigator.shutdown()


@pytest.fixture
def fallback(qtbot: QtBot, missing_weights: Path) -> Iterator[Window]:
    yield from _window(qtbot, missing_weights)


@pytest.fixture
def guided(qtbot: QtBot, guided_weights: Path) -> Iterator[Window]:
    yield from _window(qtbot, guided_weights)


def _click(window: MainWindow, row: float, col: float, button: Qt.MouseButton = Qt.MouseButton.LeftButton,
           modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:  # fmt: skip
    drag(window, [(row + 0.5, col + 0.5)], button, modifiers)


def _redrawn(qtbot: QtBot, review: ReviewController) -> None:
    qtbot.waitUntil(lambda: not review.pointing.pending and not review.pointing.jobs.pending, timeout=120_000)


def _lesion() -> np.ndarray:
    rr, cc = np.ogrid[: SIZE[0], : SIZE[1]]
    return (rr - SIZE[0] / 2) ** 2 + (cc - SIZE[1] / 2) ** 2 < LESION_RADIUS**2


def test_point_tool_is_on_key_p_and_the_panel_names_the_fallback(fallback: Window) -> None:
    window, review = fallback
    assert window.canvas.tool is review.pointing.tool
    assert GRABCUT_METHOD in review.pointing.panel.method.text()
    assert not review.mask_layer.data.any(), "these weights miss the lesion"


def test_positive_click_adds_the_missed_lesion(qtbot: QtBot, fallback: Window) -> None:
    window, review = fallback
    _click(window, *CENTRE)
    _redrawn(qtbot, review)
    mask, lesion = review.mask_layer.data, _lesion()
    assert mask[CENTRE]
    # The weight-free fallback from one click: most of the lesion, little else.
    assert (mask & lesion).sum() / lesion.sum() > 0.5 and (mask & ~lesion).sum() < 0.3 * lesion.sum()
    assert review.mask_layer.prompts == (Prompt("positive", *CENTRE),)
    assert review.mask_layer.edited and review.frame_state.reader_owned
    assert review.mask_layer.history.undo_description == "point: lesion here"
    assert "1. lesion here at row 48, column 64" == review.pointing.panel.prompt_list.item(0).text()
    assert review.pointing.markers.shown == ((Prompt("positive", *CENTRE),), ())


def test_negative_click_and_shift_click_remove_false_regions_and_keep_the_rest(qtbot: QtBot, fallback: Window) -> None:
    window, review = fallback
    layer = review.mask_layer
    layer.fill_polygon([(40, 54), (40, 74), (56, 74), (56, 54)])  # the reader's lesion
    layer.fill_polygon([(5, 5), (5, 20), (15, 20), (15, 5)])  # a false region
    layer.fill_polygon([(80, 100), (80, 120), (90, 120), (90, 100)])  # another one
    kept = layer.data[40:57, 54:75].copy()
    _click(window, 10, 12, Qt.MouseButton.RightButton)
    _redrawn(qtbot, review)
    assert not layer.data[5:16, 5:21].any() and layer.data[85, 110]
    _click(window, 85, 110, modifiers=Qt.KeyboardModifier.ShiftModifier)
    _redrawn(qtbot, review)
    assert not layer.data[80:91, 100:121].any()
    np.testing.assert_array_equal(layer.data[40:57, 54:75], kept)
    assert [p.kind for p in layer.prompts] == ["negative", "negative"]


def test_box_with_the_guided_network_gives_a_mask_inside_the_box(qtbot: QtBot, guided: Window) -> None:
    window, review = guided
    assert GUIDED_METHOD in review.pointing.panel.method.text()
    review.editing.clear()
    drag(window, [(30.5, 40.5), (45.5, 60.5), (66.5, 88.5)])
    _redrawn(qtbot, review)
    mask = review.mask_layer.data
    (box,) = review.mask_layer.prompts
    assert box.kind == "box" and (box.row, box.col, box.row2, box.col2) == (30, 40, 66, 88)
    assert mask.any() and not mask[:30].any() and not mask[67:].any()
    assert not mask[:, :40].any() and not mask[:, 89:].any()
    assert GUIDED_METHOD in review.pointing.panel.method.text()


def test_undo_and_redo_restore_outline_and_prompts(qtbot: QtBot, fallback: Window) -> None:
    window, review = fallback
    before = review.mask_layer.data.copy()
    _click(window, *CENTRE)
    _redrawn(qtbot, review)
    after = review.mask_layer.data.copy()
    assert after[CENTRE]
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    np.testing.assert_array_equal(review.mask_layer.data, before)
    assert review.mask_layer.prompts == () and review.pointing.markers.shown == ((), ())
    assert review.pointing.panel.prompt_list.count() == 0
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    np.testing.assert_array_equal(review.mask_layer.data, after)
    assert review.mask_layer.prompts == (Prompt("positive", *CENTRE),)


def test_removing_a_prompt_from_the_panel_redraws_its_region(qtbot: QtBot, fallback: Window) -> None:
    window, review = fallback
    _click(window, *CENTRE)
    _redrawn(qtbot, review)
    panel = review.pointing.panel
    panel.prompt_list.setCurrentRow(0)
    qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)
    _redrawn(qtbot, review)
    # These weights see no lesion on their own, so without the click the lesion goes again.
    assert review.mask_layer.prompts == () and not review.mask_layer.data[CENTRE]
    assert review.mask_layer.history.undo_description == "remove point: lesion here"


def test_rapid_clicks_coalesce_and_the_newest_prompt_set_wins(
    qtbot: QtBot, fallback: Window, monkeypatch: pytest.MonkeyPatch
) -> None:
    window, review = fallback
    computed: list[int] = []
    original = RemoteModel.outline_from_prompts

    def counting(self: RemoteModel, grey: np.ndarray, prompts: tuple[Prompt, ...], *args: object, **kwargs: object):
        computed.append(len(prompts))
        return original(self, grey, prompts, *args, **kwargs)

    monkeypatch.setattr(RemoteModel, "outline_from_prompts", counting)
    clicks = [(10, 10), (10, 110), (85, 10), (85, 110), CENTRE]
    for row, col in clicks:
        _click(window, row, col, Qt.MouseButton.RightButton if (row, col) != CENTRE else Qt.MouseButton.LeftButton)
    _redrawn(qtbot, review)
    layer = review.mask_layer
    assert len(layer.prompts) == 5 and layer.prompts[-1] == Prompt("positive", *CENTRE)
    assert computed[-1] == 5 and len(computed) < 5, "queued prompt sets that were overtaken must not be computed"
    assert layer.data[CENTRE]
    undo_steps = layer.history.n_steps
    assert 1 <= undo_steps <= len(computed)
    while layer.can_undo:
        layer.undo()
    assert layer.prompts == ()


def test_clicks_faster_than_the_model_share_one_copy_of_the_mask_until_it_changes(
    qtbot: QtBot, fallback: Window
) -> None:
    window, review = fallback
    pointing = review.pointing
    _click(window, 10, 10, Qt.MouseButton.RightButton)
    first = pointing._pending
    _click(window, 10, 110, Qt.MouseButton.RightButton)
    second = pointing._pending
    assert first is not None and second is not None and second is not first
    assert second.snapshot is first.snapshot  # the mask did not change between the clicks: no second copy
    review.mask_layer.paint_disk(5, 5, 2, True)  # the reader paints while the model works
    _click(window, *CENTRE)
    third = pointing._pending
    assert third is not None and third.snapshot is not first.snapshot and third.snapshot[5, 5]
    _redrawn(qtbot, review)
    assert review.mask_layer.prompts[-1] == Prompt("positive", *CENTRE)


def test_a_result_for_a_frame_no_longer_on_screen_is_dropped(qtbot: QtBot, fallback: Window) -> None:
    window, review = fallback
    first = review.mask_layer
    _click(window, *CENTRE)
    assert review.pointing.pending
    show_scan(qtbot, window, make_scan("other.png", size=SIZE, seed=3))
    assert not review.pointing.pending
    review.wait_idle(30_000)
    qtbot.wait(50)
    assert first.prompts == () and not first.data[CENTRE]


def test_undo_while_the_model_works_cancels_the_click(qtbot: QtBot, fallback: Window) -> None:
    window, review = fallback
    _click(window, *CENTRE)
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    review.wait_idle(30_000)
    qtbot.wait(50)
    assert review.mask_layer.prompts == () and not review.mask_layer.data[CENTRE]


def test_without_weights_the_panel_says_so(qtbot: QtBot, no_weights_window: Window) -> None:
    window, review = no_weights_window
    show_scan(qtbot, window, make_scan("none.png", size=SIZE))
    qtbot.keyClick(window, Qt.Key.Key_P)
    _click(window, *CENTRE)
    assert "No model weights" in review.pointing.panel.status.text()
    assert review.mask_layer.prompts == ()
