"""Site-independent input: the imaging area is found inside screen furniture, letterboxing keeps the
aspect, and a mask mapped into the input and back lands on the same source pixels."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from busviewer.ml.imaging_area import ImagingArea, find_imaging_area
from busviewer.ml.letterbox import Letterbox, normalise_content
from busviewer.ml.network_input import SQUASH, prepare_input


def _screen_with_furniture(rng: np.random.Generator) -> tuple[np.ndarray, ImagingArea]:
    """A 600 x 800 black screen: speckled B-mode rectangle, text, a ruler, a colour bar and calipers."""
    screen = np.zeros((600, 800), np.uint8)
    area = ImagingArea(90, 520, 140, 660)
    speckle = rng.gamma(2.0, 40.0, size=(area.rows, area.columns)).clip(0, 255).astype(np.uint8)
    screen[area.top : area.bottom, area.left : area.right] = cv2.GaussianBlur(speckle, (3, 3), 0)
    cv2.putText(screen, "LT BREAST 10:00 4CM", (10, 40), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 255, 2)
    cv2.putText(screen, "GAIN 54 DR 60", (600, 580), cv2.FONT_HERSHEY_SIMPLEX, 0.6, 255, 1)
    for y in range(100, 520, 20):
        cv2.line(screen, (110, y), (120, y), 255, 1)  # depth ruler ticks
    screen[100:400, 720:735] = np.linspace(0, 255, 300, dtype=np.uint8)[:, None]  # grey bar
    cv2.drawMarker(screen, (300, 300), 255, cv2.MARKER_CROSS, 12, 1)
    return screen, area


def test_imaging_area_is_found_inside_screen_furniture() -> None:
    screen, truth = _screen_with_furniture(np.random.default_rng(0))
    found = find_imaging_area(screen)
    assert abs(found.top - truth.top) < 25 and abs(found.bottom - truth.bottom) < 25
    assert abs(found.left - truth.left) < 25 and abs(found.right - truth.right) < 25
    # The text in the corner and the grey bar at the side are left out.
    assert found.top > 45 and found.right < 720


def test_an_already_cropped_scan_is_all_imaging_area() -> None:
    scan = np.random.default_rng(1).gamma(2.0, 40.0, size=(300, 420)).clip(0, 255).astype(np.uint8)
    found = find_imaging_area(scan)
    assert (found.top, found.left) == (0, 0) and (found.bottom, found.right) == (300, 420)


def test_a_black_frame_falls_back_to_the_whole_frame() -> None:
    assert find_imaging_area(np.zeros((50, 70), np.uint8)) == ImagingArea.whole((50, 70))


def test_letterbox_keeps_the_aspect_of_a_round_lesion() -> None:
    frame = np.zeros((300, 600), np.float32)
    cv2.circle(frame, (300, 150), 60, 1.0, -1)
    box = Letterbox(frame.shape, ImagingArea.whole(frame.shape), 96)
    square = box.to_input(frame) > 0.5
    rows, cols = np.nonzero(square)
    assert abs((rows.max() - rows.min()) - (cols.max() - cols.min())) <= 1  # still round, not squashed
    assert box.content_shape == (48, 96) and box.offset == (24, 0)
    squashed = Letterbox(frame.shape, ImagingArea.whole(frame.shape), 96, keep_aspect=False).to_input(frame) > 0.5
    rows, cols = np.nonzero(squashed)
    assert (rows.max() - rows.min()) > 1.5 * (cols.max() - cols.min())  # the old squash would stretch it


@pytest.mark.parametrize("size", [64, 192])
def test_a_mask_maps_back_to_the_same_source_pixels(size: int) -> None:
    rng = np.random.default_rng(2)
    area = ImagingArea(37, 437, 51, 611)
    truth = np.zeros((480, 640), np.float32)
    cv2.ellipse(truth, (330, 230), (120, 70), 20, 0, 360, 1.0, -1)
    box = Letterbox(truth.shape, area, size)
    back = box.to_source(np.clip(box.to_input(truth), 0.001, 0.999)) > 0.5
    inter = np.logical_and(back, truth > 0.5).sum()
    dice = 2 * inter / (back.sum() + (truth > 0.5).sum())
    assert dice > (0.97 if size >= 192 else 0.93)
    assert not back[: area.top].any() and not back[:, area.right :].any()  # nothing outside the area
    assert rng is not None


def test_points_map_into_the_input_where_the_pixels_go() -> None:
    box = Letterbox((400, 800), ImagingArea(0, 400, 0, 800), 100)
    assert box.point_to_input(199.5, 399.5) == pytest.approx((49.5, 49.5))
    frame = np.zeros((400, 800), np.float32)
    frame[300:310, 600:610] = 1.0
    row, col = box.point_to_input(305, 605)
    square = box.to_input(frame)
    peak = np.unravel_index(int(np.argmax(square)), square.shape)
    assert abs(peak[0] - row) <= 1 and abs(peak[1] - col) <= 1


def test_normalisation_uses_the_imaging_area_and_zeroes_the_pad() -> None:
    frame = np.full((50, 100), 200.0, np.float32)
    frame[:, :50] = 100.0
    box = Letterbox(frame.shape, ImagingArea.whole(frame.shape), 64)
    out = normalise_content(box.to_input(frame), box)
    inner = out[box.content_slice()]
    assert abs(float(inner.mean())) < 1e-3 and abs(float(inner.std()) - 1.0) < 0.05
    assert np.all(out[: box.offset[0]] == 0)


def test_prepared_input_has_guidance_channels_only_for_guided_networks() -> None:
    grey = np.random.default_rng(3).integers(0, 255, (120, 160), dtype=np.uint8)
    assert prepare_input(grey, 64, 1).array.shape == (1, 64, 64)
    guided = prepare_input(grey, 64, 4)
    assert guided.array.shape == (4, 64, 64) and not guided.array[1:].any()
    assert prepare_input(grey, 64, 1, preprocessing=SQUASH).letterbox.content_shape == (64, 64)
    with pytest.raises(ValueError):
        prepare_input(grey, 64, 2)
