"""Merging a prompted outline: only the lesion the gesture touches is redrawn; undo restores outline and prompts."""

from __future__ import annotations

import numpy as np

from busviewer.core.mask import MaskLayer
from busviewer.core.prompt_merge import Gesture, merge_gestures, merge_prompted_outline
from busviewer.core.prompts import Prompt


def _disc(shape: tuple[int, int], row: int, col: int, radius: int) -> np.ndarray:
    rr, cc = np.ogrid[: shape[0], : shape[1]]
    return (rr - row) ** 2 + (cc - col) ** 2 <= radius**2


def _apply(current: np.ndarray, merged) -> np.ndarray:  # MergedOutline
    out = current.copy()
    if merged.box is not None:
        r0, r1, c0, c1 = merged.box
        out[r0:r1, c0:c1] = merged.pixels
    return out


SHAPE = (80, 100)


def test_positive_click_adds_the_missed_lesion_and_keeps_brush_work_elsewhere() -> None:
    brushed = _disc(SHAPE, 15, 15, 5)  # the reader's own stroke far away
    outline = _disc(SHAPE, 50, 60, 10) | _disc(SHAPE, 15, 15, 9)  # the model also redraws the stroke, larger
    merged = merge_prompted_outline(brushed, outline, Prompt("positive", 50, 60))
    result = _apply(brushed, merged)
    assert result[50, 60] and result[42, 60]
    np.testing.assert_array_equal(result[:30, :30], brushed[:30, :30])
    assert merged.added_pixels == int(_disc(SHAPE, 50, 60, 10).sum()) and merged.replaced_pixels == 0


def test_positive_click_on_an_undersized_lesion_takes_the_models_outline_there() -> None:
    current = _disc(SHAPE, 40, 50, 4)
    outline = _disc(SHAPE, 40, 50, 12)
    result = _apply(current, merge_prompted_outline(current, outline, Prompt("positive", 40, 50)))
    np.testing.assert_array_equal(result, outline)


def test_negative_click_removes_the_false_region_even_when_the_model_keeps_it() -> None:
    lesion, false = _disc(SHAPE, 40, 70, 8), _disc(SHAPE, 20, 20, 6)
    current = lesion | false
    for outline in (lesion, current):  # the model agreed, or it did not
        result = _apply(current, merge_prompted_outline(current, outline, Prompt("negative", 20, 20)))
        np.testing.assert_array_equal(result, lesion)


def test_box_gives_a_mask_inside_the_box_only() -> None:
    current = np.zeros(SHAPE, bool)
    outline = np.ones(SHAPE, bool)  # a model that outlines everything
    merged = merge_prompted_outline(current, outline, Prompt("box", 30, 40, 50, 70))
    result = _apply(current, merged)
    assert result[30:51, 40:71].all() and result.sum() == 21 * 31


def test_click_on_empty_background_changes_nothing() -> None:
    current = _disc(SHAPE, 40, 50, 5)
    merged = merge_prompted_outline(current, current, Prompt("positive", 5, 5))
    assert merged.box is None and merged.summary() == "the outline did not change"


def test_coalesced_gestures_rewrite_each_region() -> None:
    current = _disc(SHAPE, 20, 20, 6)
    outline = _disc(SHAPE, 60, 80, 8)
    merged = merge_gestures(current, outline, [Gesture(Prompt("negative", 20, 20)), Gesture(Prompt("positive", 60, 80))])
    np.testing.assert_array_equal(_apply(current, merged), outline)


def test_a_prompt_step_undoes_outline_and_prompts_together() -> None:
    layer = MaskLayer(SHAPE, data=_disc(SHAPE, 20, 20, 6))
    click = Prompt("positive", 60, 80)
    pixels = _disc(SHAPE, 60, 80, 8)[50:71, 70:91]
    layer.apply_prompts((click,), (50, 71, 70, 91), pixels, "point: lesion here")
    assert layer.prompts == (click,) and layer.data[60, 80] and layer.edited
    assert layer.history.undo_description == "point: lesion here"
    assert layer.undo()
    assert layer.prompts == () and not layer.data[60, 80] and layer.data[20, 20] and not layer.edited
    assert layer.redo()
    assert layer.prompts == (click,) and layer.data[60, 80]


def test_a_click_that_changes_no_pixel_is_still_one_undo_step() -> None:
    layer = MaskLayer(SHAPE)
    seen: list[str] = []
    layer.prompts_changed.connect(lambda: seen.append("prompts"))
    layer.changed.connect(lambda box: seen.append("pixels"))
    layer.apply_prompts((Prompt("negative", 5, 5),), None, None, "point: not lesion")
    assert layer.can_undo and layer.edited and seen == ["prompts"]
    layer.undo()
    assert layer.prompts == () and seen == ["prompts", "prompts"]


def test_brush_undo_leaves_prompts_alone() -> None:
    layer = MaskLayer(SHAPE)
    layer.apply_prompts((Prompt("positive", 10, 10),), None, None, "point: lesion here")
    layer.paint_disk(40, 40, 3, True)
    layer.undo()
    assert layer.prompts == (Prompt("positive", 10, 10),)
