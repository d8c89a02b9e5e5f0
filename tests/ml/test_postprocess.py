"""Mask clean-up after the network: logit-space resize, weak components, holes."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from busviewer.core.constants import MIN_COMPONENT_MASS_SHARE
from busviewer.ml.postprocess import fill_holes, probability_to_mask, upsample_lesion_probability


def _blob(shape: tuple[int, int], box: tuple[int, int, int, int], value: float) -> np.ndarray:
    prob = np.full(shape, 0.01, dtype=np.float32)
    r0, r1, c0, c1 = box
    prob[r0:r1, c0:c1] = value
    return prob


def test_a_weak_echo_beside_the_lesion_is_dropped() -> None:
    prob = _blob((200, 200), (40, 120, 40, 120), 0.95)  # 6400 px, mass ~6080
    prob[150:170, 150:170] = 0.6  # 400 px, mass 240: under a tenth of the lesion's
    mask = probability_to_mask(prob)
    assert mask[80, 80] and not mask[160, 160]
    assert 240 < MIN_COMPONENT_MASS_SHARE * 6080


def test_two_strong_lesions_both_stay() -> None:
    prob = _blob((200, 200), (20, 80, 20, 80), 0.9)
    prob[120:180, 120:170] = 0.8
    mask = probability_to_mask(prob)
    assert mask[50, 50] and mask[150, 150]


def test_speckle_is_dropped_even_when_it_is_the_only_component() -> None:
    prob = _blob((200, 200), (10, 13, 10, 13), 0.99)  # 9 px of 40000: under MIN_LESION_FRACTION
    assert not probability_to_mask(prob).any()


def test_holes_inside_a_lesion_are_filled_but_open_notches_are_not() -> None:
    prob = _blob((100, 100), (20, 80, 20, 80), 0.9)
    prob[40:60, 40:60] = 0.2  # enclosed hole
    prob[20:30, 45:55] = 0.2  # notch open to the outside
    mask = probability_to_mask(prob)
    assert mask[50, 50]
    assert not mask[22, 50]


@pytest.mark.parametrize("seed", range(5))
def test_fill_holes_matches_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    mask = ndimage.binary_opening(rng.random((70, 90)) < 0.6)
    np.testing.assert_array_equal(fill_holes(mask), ndimage.binary_fill_holes(mask))


def test_logit_upsampling_keeps_probabilities_and_puts_the_edge_between_pixels() -> None:
    low = np.array([[0.02, 0.98]], dtype=np.float32).repeat(2, axis=0)
    up = upsample_lesion_probability(low, (2, 8))
    assert up.shape == (2, 8) and up.dtype == np.float32
    assert 0.0 < up.min() < 0.05 and 0.95 < up.max() < 1.0
    # Symmetric logits: the 0.5 crossing sits at the midpoint, as with a probability resize.
    assert (up[0, :4] < 0.5).all() and (up[0, 4:] > 0.5).all()
    # Logit interpolation is steeper than probability interpolation next to the crossing.
    assert up[0, 4] > 0.5 + 0.1
