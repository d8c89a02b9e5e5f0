"""The outline computed only around the lesion is the outline the whole-frame path gives."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from busviewer.ml import region_outline as region_module
from busviewer.ml.imaging_area import ImagingArea
from busviewer.ml.letterbox import Letterbox
from busviewer.ml.postprocess import probability_to_mask
from busviewer.ml.region_outline import dense_outline, region_outline

#: (frame shape, input side): upsampled a little and a lot, shrunk (a frame smaller than the input).
CASES = [((471, 562), 64), ((1500, 2000), 64), ((200, 180), 256), ((600, 300), 64)]


def _lesion_map(rng: np.random.Generator, side: int) -> np.ndarray:
    """Smooth random blobs: lesions, weak echoes beside them, speckle, holes."""
    noise = cv2.GaussianBlur(rng.normal(size=(side, side)).astype(np.float32), (0, 0), rng.uniform(1.0, 4.0))
    return (1.0 / (1.0 + np.exp(-(noise * rng.uniform(5, 40) - rng.uniform(0, 3))))).astype(np.float32)


@pytest.mark.parametrize(("shape", "side"), CASES)
@pytest.mark.parametrize("keep_aspect", [True, False])
def test_region_path_gives_exactly_the_whole_frame_outline(shape: tuple[int, int], side: int, keep_aspect: bool) -> None:
    rng = np.random.default_rng(shape[0] + side + keep_aspect)
    rows, cols = shape
    for _ in range(6):
        area = ImagingArea(int(rng.integers(0, rows // 8)), rows - int(rng.integers(0, rows // 8)),
                           int(rng.integers(0, cols // 8)), cols - int(rng.integers(0, cols // 8)))  # fmt: skip
        box = Letterbox(shape, area, side, keep_aspect=keep_aspect)
        lesion = _lesion_map(rng, side)
        region = region_outline(lesion, box)
        dense = dense_outline(lesion, box)
        assert np.array_equal(region.to_dense(), dense)
        # And the whole-frame path is the proposal's own (OpenCV's resize), to the last pixel but rounding.
        reference = probability_to_mask(box.to_source(lesion))
        assert np.count_nonzero(dense != reference) <= 1e-4 * max(int(reference.sum()), 1)


def test_only_the_lesion_is_upsampled_and_an_empty_map_gives_none(monkeypatch: pytest.MonkeyPatch) -> None:
    shape, side = (3000, 4000), 64
    box = Letterbox(shape, ImagingArea.whole(shape), side)
    lesion = np.full((side, side), 0.01, np.float32)
    yy, xx = np.mgrid[:side, :side]
    lesion[(yy - 30) ** 2 + (xx - 20) ** 2 < 16] = 0.97
    upsampled: list[int] = []
    original = region_module._upsample

    def counting(*args: object) -> np.ndarray:
        out = original(*args)  # type: ignore[arg-type]
        upsampled.append(out.size)
        return out

    monkeypatch.setattr(region_module, "_upsample", counting)
    region = region_outline(lesion, box)
    assert region.box is not None and np.array_equal(region.to_dense(), probability_to_mask(box.to_source(lesion)))
    assert 0 < sum(upsampled) < 0.03 * shape[0] * shape[1], "a 12-megapixel frame is upsampled only around the lesion"
    assert region_outline(np.full((side, side), 0.01, np.float32), box).box is None
