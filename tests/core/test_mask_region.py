"""Masks as regions: they cross the pipe bit-packed, and merging them gives what merging full masks gives."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from busviewer.core.mask_region import MaskRegion
from busviewer.core.prompt_merge import Gesture, merge_gestures, merge_regions
from busviewer.core.prompts import Prompt


def _blobs(rng: np.random.Generator, shape: tuple[int, int], count: int) -> np.ndarray:
    mask = np.zeros(shape, bool)
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    for _ in range(count):
        r, c = rng.uniform(0, shape[0]), rng.uniform(0, shape[1])
        radius = rng.uniform(3, min(shape) / 4)
        mask |= (yy - r) ** 2 + (xx - c) ** 2 < radius**2
    return mask


def test_a_region_survives_pickling_packed_and_crops_like_the_full_mask() -> None:
    mask = _blobs(np.random.default_rng(0), (300, 400), 3)
    region = MaskRegion.from_dense(mask)
    data = pickle.dumps(region)
    assert len(data) < mask.size / 8 + 500, "sent bit-packed, the rectangle only"
    back = pickle.loads(data)
    assert np.array_equal(back.to_dense(), mask)
    assert np.array_equal(back.crop((10, 290, 5, 395)), mask[10:290, 5:395])
    empty = pickle.loads(pickle.dumps(MaskRegion.from_dense(np.zeros((5, 6), bool))))
    assert empty.box is None and not empty.to_dense().any() and empty.to_dense().shape == (5, 6)


def _prompt(rng: np.random.Generator, shape: tuple[int, int], kind: str) -> Prompt:
    row, col = rng.uniform(-2, shape[0] + 1), rng.uniform(-2, shape[1] + 1)
    if rng.random() < 0.3:
        row, col = np.floor(row) + 0.5, np.floor(col) + 0.5  # halves: rounding must not depend on the crop
    if kind == "box":
        return Prompt("box", row, col, rng.uniform(-2, shape[0] + 1), rng.uniform(-2, shape[1] + 1))
    return Prompt(kind, row, col)  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", range(40))
def test_merging_regions_gives_the_full_mask_merge(seed: int) -> None:
    rng = np.random.default_rng(seed)
    shape = (120, 160)
    current, outline = _blobs(rng, shape, int(rng.integers(0, 4))), _blobs(rng, shape, int(rng.integers(0, 4)))
    gestures = [Gesture(_prompt(rng, shape, str(rng.choice(["positive", "negative", "box"]))), bool(rng.random() < 0.2))
                for _ in range(int(rng.integers(1, 4)))]  # fmt: skip
    full = merge_gestures(current, outline, gestures)
    regions = merge_regions(MaskRegion.from_dense(current), MaskRegion.from_dense(outline), gestures)
    assert regions.box == full.box
    assert (regions.pixels is None) == (full.pixels is None)
    if full.pixels is not None:
        assert np.array_equal(regions.pixels, full.pixels)
    assert (regions.replaced_pixels, regions.added_pixels) == (full.replaced_pixels, full.added_pixels)
