"""The synthetic phantom: deterministic, ultrasound-like, and with an exact lesion mask."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from busviewer.core.phantom import make_phantom


@pytest.fixture(scope="module")
def phantom() -> tuple[np.ndarray, np.ndarray]:
    return make_phantom()


def test_types_and_shape(phantom: tuple[np.ndarray, np.ndarray]) -> None:
    image, mask = phantom
    assert image.shape == (480, 640) and image.dtype == np.uint8
    assert mask.shape == (480, 640) and mask.dtype == bool


def test_same_seed_same_image_other_seed_other_image() -> None:
    first, first_mask = make_phantom((128, 160), seed=3)
    again, again_mask = make_phantom((128, 160), seed=3)
    other, other_mask = make_phantom((128, 160), seed=4)
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(first_mask, again_mask)
    assert not np.array_equal(first, other) and not np.array_equal(first_mask, other_mask)


def test_one_solid_lesion_inside_the_image(phantom: tuple[np.ndarray, np.ndarray]) -> None:
    _, mask = phantom
    labels, count = ndimage.label(mask)
    assert count == 1
    assert np.array_equal(ndimage.binary_fill_holes(mask), mask)
    rows, cols = np.nonzero(mask)
    assert rows.min() > 0 and cols.min() > 0 and rows.max() < 479 and cols.max() < 639
    assert 0.01 < mask.mean() < 0.15  # a lesion, not a speck and not the whole image
    assert np.ptp(cols) > np.ptp(rows)  # wider than tall, like most breast lesions


def test_lesion_is_hypoechoic_and_mask_edge_is_the_dark_edge(phantom: tuple[np.ndarray, np.ndarray]) -> None:
    image, mask = phantom
    ring = ndimage.binary_dilation(mask, iterations=12) & ~ndimage.binary_dilation(mask, iterations=4)
    inside = ndimage.binary_erosion(mask, iterations=4)
    assert image[inside].mean() < 0.4 * image[ring].mean()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_posterior_shadow_below_the_lesion(seed: int) -> None:
    image, mask = make_phantom(seed=seed)
    rows, cols = np.nonzero(mask)
    centre, half_width = int(np.median(cols)), int(np.ptp(cols)) // 2
    band = slice(rows.max() + 40, rows.max() + 100)
    behind = image[band, centre - 20 : centre + 20].mean()
    left = image[band, max(centre - half_width - 90, 0) : centre - half_width - 30].mean()
    right = image[band, centre + half_width + 30 : centre + half_width + 90].mean()
    assert behind < 0.7 * min(left, right)


def test_dark_line_at_top_and_speckle_texture(phantom: tuple[np.ndarray, np.ndarray]) -> None:
    image, mask = phantom
    assert image[:5].mean() < 0.3 * image[20:120].mean()
    tissue = image[150:250][~mask[150:250]].astype(float)
    assert tissue.std() > 15  # speckled, not flat
    # Speckle grains are larger than one pixel: neighbouring pixels correlate.
    patch = image[300:340, 20:120].astype(float)
    horizontal = np.corrcoef(patch[:, :-1].ravel(), patch[:, 1:].ravel())[0, 1]
    assert horizontal > 0.3


def test_other_shapes_work() -> None:
    image, mask = make_phantom((200, 256), seed=1)
    assert image.shape == (200, 256) and mask.any() and image.max() > 150


def test_too_small_shape_is_refused() -> None:
    with pytest.raises(ValueError):
        make_phantom((10, 10))
