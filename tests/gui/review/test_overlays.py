"""The mask overlay re-colours only the changed box, and the result equals a full redraw."""

from __future__ import annotations

import numpy as np
from pytestqt.qtbot import QtBot

from busviewer.core.mask import MaskLayer
from busviewer.gui.review.overlays import AI_MASK_RGB, FILL_ALPHA, READER_MASK_RGB, MaskOverlay


def _overlay_following(layer: MaskLayer, style: str, outline: int) -> MaskOverlay:
    overlay = MaskOverlay()
    overlay.set_style(style)
    overlay.set_outline_px(outline)
    overlay.show_layer(layer, reader_owned=True)
    layer.changed.connect(overlay.redraw_box)
    return overlay


def test_box_updates_equal_a_full_redraw(qtbot: QtBot) -> None:
    for style, outline in (("filled", 1), ("contour", 3)):
        layer = MaskLayer((60, 80))
        overlay = _overlay_following(layer, style, outline)
        layer.begin_stroke(True)
        for col in range(10, 60, 3):
            layer.stroke_to(30, col, 6)
        layer.end_stroke()
        layer.paint_disk(30, 30, 3, False)
        layer.fill_polygon([(0, 60), (0, 79), (20, 79)])
        layer.undo()
        incremental = overlay.rgba.copy()
        overlay.redraw_all()
        np.testing.assert_array_equal(incremental, overlay.rgba, err_msg=style)


def test_filled_style_has_translucent_inside_and_opaque_outline(qtbot: QtBot) -> None:
    layer = MaskLayer((40, 40))
    layer.fill_polygon([(10, 10), (10, 29), (29, 29), (29, 10)])
    overlay = _overlay_following(layer, "filled", 1)
    assert tuple(overlay.rgba[20, 20]) == (*READER_MASK_RGB, FILL_ALPHA)
    assert overlay.rgba[10, 20, 3] == 255
    assert overlay.rgba[5, 5, 3] == 0
    overlay.set_style("contour")
    assert overlay.rgba[20, 20, 3] == 0 and overlay.rgba[10, 20, 3] == 255
    overlay.set_reader_owned(False)
    assert tuple(overlay.rgba[10, 20, :3]) == AI_MASK_RGB


def test_a_large_redraw_is_done_in_bands_and_ends_equal(qtbot: QtBot, monkeypatch) -> None:
    from busviewer.gui.review import overlays

    monkeypatch.setattr(overlays, "REDRAW_BAND_PIXELS", 80 * 10)
    layer = MaskLayer((60, 80))
    layer.fill_polygon([(5, 5), (5, 70), (55, 70), (55, 5)])
    overlay = _overlay_following(layer, "filled", 2)
    assert overlay.drawing, "a mask of several bands is not drawn in one go"
    layer.paint_disk(50, 10, 4, False)  # an edit while the bands are still being drawn
    qtbot.waitUntil(lambda: not overlay.drawing, timeout=2000)
    banded = overlay.rgba.copy()
    monkeypatch.setattr(overlays, "REDRAW_BAND_PIXELS", 10**9)
    overlay.redraw_all()
    np.testing.assert_array_equal(banded, overlay.rgba)


def test_a_large_edit_is_drawn_in_bands_too(qtbot: QtBot, monkeypatch) -> None:
    from busviewer.gui.review import overlays

    monkeypatch.setattr(overlays, "REDRAW_BAND_PIXELS", 80 * 10)
    layer = MaskLayer((60, 80))
    overlay = _overlay_following(layer, "contour", 1)
    layer.fill_polygon([(5, 5), (5, 70), (55, 70), (55, 5)])
    assert overlay.drawing
    qtbot.waitUntil(lambda: not overlay.drawing, timeout=2000)
    bottom = int(np.flatnonzero(layer.data[:, 30])[-1])
    assert overlay.rgba[5, 30, 3] == 255 and overlay.rgba[bottom, 30, 3] == 255
    assert overlay.rgba[30, 30, 3] == 0


def test_a_colour_style_or_outline_change_repaints_only_the_mask_box_and_equals_a_fresh_drawing(qtbot: QtBot) -> None:
    layer = MaskLayer((300, 400))
    layer.fill_polygon([(100, 150), (100, 250), (180, 250), (180, 150)])
    layer.paint_disk(40, 40, 6, True)
    overlay = _overlay_following(layer, "filled", 1)
    painted: list[tuple[int, int, int, int]] = []
    original = overlay._paint
    overlay._paint = lambda box: (painted.append(box), original(box))  # type: ignore[method-assign]
    for change in (lambda: overlay.set_reader_owned(False), lambda: overlay.set_style("contour"),
                   lambda: overlay.set_outline_px(3)):  # fmt: skip
        painted.clear()
        change()
        qtbot.waitUntil(lambda: not overlay.drawing, timeout=2000)
        rows = sum(box[1] - box[0] for box in painted)
        assert painted and all(box[2] >= 34 and box[3] <= 251 for box in painted), "columns outside the mask are left alone"
        assert rows <= 181 - 34, "rows outside the mask are left alone"
        fresh = MaskOverlay()
        fresh.set_style(overlay.style)
        fresh.set_outline_px(overlay.outline_px)
        fresh.show_layer(layer, reader_owned=False)
        qtbot.waitUntil(lambda fresh=fresh: not fresh.drawing, timeout=2000)
        np.testing.assert_array_equal(overlay.rgba, fresh.rgba)
