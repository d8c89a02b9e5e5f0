"""Tests for the editable mask layer: brush, fills, clean-ups, undo/redo, signals and the edited flag."""

from __future__ import annotations

import numpy as np
import pytest

from busviewer.core.history import EditHistory
from busviewer.core.mask import MaskLayer

Box = tuple[int, int, int, int]


def disk(shape: tuple[int, int], row: float, col: float, radius: float) -> np.ndarray:
    rows, cols = np.indices(shape)
    return (rows - row) ** 2 + (cols - col) ** 2 <= radius**2


def record_boxes(layer: MaskLayer) -> list[Box]:
    boxes: list[Box] = []
    layer.changed.connect(boxes.append)
    return boxes


def covered(boxes: list[Box], shape: tuple[int, int]) -> np.ndarray:
    area = np.zeros(shape, dtype=bool)
    for row0, row1, col0, col1 in boxes:
        area[row0:row1, col0:col1] = True
    return area


def test_new_layer_is_empty_pristine_and_read_only() -> None:
    layer = MaskLayer((20, 30))
    assert layer.shape == (20, 30)
    assert layer.data.dtype == bool and not layer.data.any()
    assert not layer.data.flags.writeable
    assert not layer.edited and not layer.can_undo and not layer.can_redo


def test_starting_data_is_copied_and_shape_checked() -> None:
    start = np.zeros((5, 5), dtype=np.uint8)
    start[2, 2] = 255
    layer = MaskLayer((5, 5), data=start)
    start[0, 0] = 1
    assert layer.data.sum() == 1 and layer.data[2, 2]
    with pytest.raises(ValueError):
        MaskLayer((5, 6), data=start)


def test_paint_disk_paints_the_disk_and_erase_removes_it() -> None:
    layer = MaskLayer((40, 40))
    layer.paint_disk(20, 20, 5, True)
    np.testing.assert_array_equal(layer.data, disk((40, 40), 20, 20, 5))
    assert layer.edited and layer.can_undo
    layer.paint_disk(20, 20, 2, False)
    np.testing.assert_array_equal(layer.data, disk((40, 40), 20, 20, 5) & ~disk((40, 40), 20, 20, 2))


def test_stroke_paints_a_capsule_and_is_one_undo_step() -> None:
    layer = MaskLayer((40, 60))
    layer.begin_stroke(True)
    for col in (10, 20, 30, 40):
        layer.stroke_to(20, col, 3)
    layer.end_stroke()
    assert layer.data[20, 10:41].all()
    assert layer.data[17:24, 25].all() and not layer.data[16, 25] and not layer.data[24, 25]
    assert not layer.data[20, 6] and not layer.data[20, 44]

    assert layer.undo()
    assert not layer.data.any()
    assert not layer.can_undo


def test_fast_stroke_leaves_no_gaps_between_far_apart_points() -> None:
    layer = MaskLayer((50, 50))
    layer.begin_stroke(True)
    layer.stroke_to(5, 5, 1)
    layer.stroke_to(45, 45, 1)
    layer.end_stroke()
    assert all(layer.data[i, i] for i in range(5, 46))


def test_undo_redo_restore_exact_arrays_through_a_long_stroke_over_painted_pixels() -> None:
    rng = np.random.default_rng(0)
    start = rng.random((150, 200)) > 0.5
    layer = MaskLayer(start.shape, data=start)
    layer.begin_stroke(False)
    for row, col in [(10, 10), (140, 190), (20, 180), (75, 5), (70, 100)]:
        layer.stroke_to(row, col, 9)
    layer.end_stroke()
    after = layer.data.copy()
    assert not np.array_equal(after, start)

    assert layer.undo()
    np.testing.assert_array_equal(layer.data, start)
    assert layer.redo()
    np.testing.assert_array_equal(layer.data, after)


def test_stroke_atom_box_is_the_union_of_changed_pixels() -> None:
    layer = MaskLayer((100, 100))
    layer.begin_stroke(True)
    layer.stroke_to(10, 10, 2)
    layer.stroke_to(10, 30, 2)
    layer.end_stroke()
    atom = layer.history.pop_undo()
    assert atom is not None
    assert (atom.row0, atom.row1, atom.col0, atom.col1) == (8, 13, 8, 33)
    assert atom.description == "paint stroke"


def test_stroke_emits_small_boxes_that_cover_the_changed_pixels() -> None:
    layer = MaskLayer((300, 300))
    boxes = record_boxes(layer)
    layer.begin_stroke(True)
    for col in range(20, 280, 10):
        layer.stroke_to(150, col, 4)
    layer.end_stroke()
    assert len(boxes) == 26
    assert all((r1 - r0) * (c1 - c0) <= 9 * 19 for r0, r1, c0, c1 in boxes)
    assert not (layer.data & ~covered(boxes, layer.shape)).any()


def test_no_op_edits_push_nothing_and_emit_nothing() -> None:
    layer = MaskLayer((30, 30))
    boxes = record_boxes(layer)
    layer.paint_disk(10, 10, 3, False)
    layer.clear()
    layer.fill_holes()
    layer.set_mask(np.zeros((30, 30), bool))
    layer.begin_stroke(True)
    layer.end_stroke()
    layer.paint_disk(-50, -50, 3, True)
    assert not layer.can_undo and boxes == [] and not layer.edited


def test_stroke_to_without_begin_is_an_error() -> None:
    with pytest.raises(RuntimeError):
        MaskLayer((10, 10)).stroke_to(1, 1, 1)


def test_new_edit_clears_redo() -> None:
    layer = MaskLayer((30, 30))
    layer.paint_disk(10, 10, 3, True)
    layer.undo()
    assert layer.can_redo
    layer.paint_disk(20, 20, 3, True)
    assert not layer.can_redo
    assert not layer.redo()


def test_undo_during_a_stroke_closes_and_undoes_that_stroke() -> None:
    layer = MaskLayer((30, 30))
    layer.paint_disk(5, 5, 2, True)
    first = layer.data.copy()
    layer.begin_stroke(True)
    layer.stroke_to(20, 20, 2)
    assert layer.undo()
    np.testing.assert_array_equal(layer.data, first)


def test_history_memory_bound_holds_with_many_large_edits() -> None:
    limit = 200_000  # room for two whole-mask steps of 2 x 40000 bytes
    layer = MaskLayer((200, 200), history=EditHistory(limit_bytes=limit))
    for index in range(30):
        mask = np.zeros((200, 200), dtype=bool)
        mask[index % 2 :: 2] = True
        layer.set_mask(mask)
        assert layer.history.nbytes <= limit
    assert layer.history.n_steps == 2
    assert layer.undo() and layer.undo() and not layer.undo()


def test_fill_polygon_fills_and_erases_the_inside() -> None:
    layer = MaskLayer((40, 40))
    layer.fill_polygon([(10, 10), (10, 30), (20, 30), (20, 10)])
    expected = np.zeros((40, 40), bool)
    expected[10:21, 10:31] = True
    np.testing.assert_array_equal(layer.data, expected)
    layer.fill_polygon([(12, 12), (12, 15), (15, 15), (15, 12)], value=False)
    expected[12:16, 12:16] = False
    np.testing.assert_array_equal(layer.data, expected)
    assert layer.undo()
    assert layer.data[12:16, 12:16].all()


def test_fill_polygon_with_too_few_points_does_nothing() -> None:
    layer = MaskLayer((10, 10))
    layer.fill_polygon([(1, 1), (5, 5)])
    assert not layer.data.any() and not layer.can_undo


def test_fill_holes_fills_enclosed_background_only() -> None:
    start = np.zeros((30, 30), bool)
    start[5:20, 5:20] = True
    start[9:12, 9:12] = False  # enclosed hole
    start[5:8, 14:17] = False  # notch open to the outside
    layer = MaskLayer(start.shape, data=start)
    layer.fill_holes()
    assert layer.data[9:12, 9:12].all()
    assert not layer.data[5:8, 14:17].any()
    assert layer.undo()
    np.testing.assert_array_equal(layer.data, start)


def test_remove_small_islands_keeps_big_pieces() -> None:
    start = np.zeros((40, 40), bool)
    start[5:15, 5:15] = True  # 100 px
    start[30:32, 30:32] = True  # 4 px
    start[20, 20] = start[21, 21] = True  # 2 px, joined diagonally
    layer = MaskLayer(start.shape, data=start)
    layer.remove_small_islands(5)
    expected = np.zeros_like(start)
    expected[5:15, 5:15] = True
    np.testing.assert_array_equal(layer.data, expected)
    layer.undo()
    np.testing.assert_array_equal(layer.data, start)


def test_clear_is_undoable() -> None:
    layer = MaskLayer((20, 20))
    layer.paint_disk(10, 10, 4, True)
    painted = layer.data.copy()
    layer.clear()
    assert not layer.data.any()
    layer.undo()
    np.testing.assert_array_equal(layer.data, painted)


def test_set_mask_is_undoable_and_checks_shape() -> None:
    layer = MaskLayer((20, 20))
    proposal = disk((20, 20), 8, 12, 5)
    layer.set_mask(proposal)
    np.testing.assert_array_equal(layer.data, proposal)
    assert layer.history.undo_description == "accept AI mask"
    layer.undo()
    assert not layer.data.any()
    layer.redo()
    np.testing.assert_array_equal(layer.data, proposal)
    with pytest.raises(ValueError):
        layer.set_mask(np.zeros((20, 21), bool))


def test_edited_flag_follows_person_edits_through_undo_and_redo() -> None:
    layer = MaskLayer((20, 20))
    layer.set_mask(disk((20, 20), 10, 10, 5), by_person=False)
    assert not layer.edited
    layer.paint_disk(2, 2, 1, True)
    assert layer.edited
    layer.undo()
    assert not layer.edited
    layer.redo()
    assert layer.edited
    layer.set_mask(disk((20, 20), 5, 5, 3), by_person=False)
    assert not layer.edited
    layer.set_mask(disk((20, 20), 5, 5, 4))
    assert layer.edited


def test_changed_boxes_cover_every_changed_pixel_for_each_kind_of_edit() -> None:
    layer = MaskLayer((50, 50))
    previous = layer.data.copy()
    edits = [
        lambda: layer.paint_disk(10, 10, 4, True),
        lambda: layer.fill_polygon([(30, 30), (30, 45), (45, 38)]),
        lambda: layer.set_mask(disk((50, 50), 25, 25, 10)),
        lambda: layer.paint_disk(25, 25, 2, False),
        layer.fill_holes,
        lambda: layer.remove_small_islands(1000),
        layer.undo,
        layer.redo,
    ]
    for edit in edits:
        boxes = record_boxes(layer)
        edit()
        difference = layer.data != previous
        assert difference.any()
        assert not (difference & ~covered(boxes, layer.shape)).any()
        layer.changed.disconnect(boxes.append)
        previous = layer.data.copy()


def test_history_changed_is_emitted_on_edit_undo_and_redo() -> None:
    layer = MaskLayer((20, 20))
    calls: list[bool] = []
    layer.history_changed.connect(lambda: calls.append(layer.can_undo))
    layer.paint_disk(5, 5, 2, True)
    layer.undo()
    layer.redo()
    assert calls == [True, False, True]


def test_large_mask_stroke_atom_stays_small() -> None:
    layer = MaskLayer((3000, 4000))
    layer.begin_stroke(True)
    for col in range(1000, 1100, 5):
        layer.stroke_to(1500, col, 10)
    layer.end_stroke()
    assert layer.history.nbytes <= 2 * 21 * 121
    layer.undo()
    assert not layer.data.any()


def test_stroke_through_a_point_outside_the_image_lifts_the_brush() -> None:
    layer = MaskLayer((30, 30))
    layer.begin_stroke(True)
    layer.stroke_to(5, 5, 1)
    layer.stroke_to(float("nan"), float("nan"), 1)
    layer.stroke_to(5, 25, 1)
    layer.end_stroke()
    assert layer.data[5, 5] and layer.data[5, 25]
    assert not layer.data[5, 15]
    assert layer.undo() and not layer.data.any()
