"""The click simulator: where the click lands, its sign, the NoC cap, the box jitter."""

from __future__ import annotations

import numpy as np

from busviewer.core.click_simulation import NOC_CAP, clicks_to_reach, next_click, simulated_box


def _disc(shape: tuple[int, int], centre: tuple[int, int], radius: int) -> np.ndarray:
    rr, cc = np.mgrid[: shape[0], : shape[1]]
    return (rr - centre[0]) ** 2 + (cc - centre[1]) ** 2 <= radius**2


def test_a_missed_lesion_gets_a_positive_click_at_its_centre() -> None:
    truth = _disc((100, 100), (40, 60), 15)
    click = next_click(np.zeros_like(truth), truth)
    assert click is not None and click.kind == "positive"
    assert abs(click.row - 40) <= 1 and abs(click.col - 60) <= 1


def test_a_false_region_larger_than_the_miss_gets_a_negative_click() -> None:
    truth = _disc((100, 100), (30, 30), 10)
    mask = truth.copy()
    mask[20:26, 20:26] = False  # a small miss
    false = _disc((100, 100), (75, 70), 14)
    click = next_click(mask | false, truth)
    assert click is not None and click.kind == "negative"
    assert abs(click.row - 75) <= 1 and abs(click.col - 70) <= 1


def test_no_click_when_mask_is_right_and_edge_regions_click_inside() -> None:
    truth = _disc((50, 50), (25, 25), 8)
    assert next_click(truth, truth) is None
    edge = np.zeros((50, 50), bool)
    edge[:, :10] = True
    click = next_click(np.zeros_like(edge), edge)
    assert click is not None and 3 <= click.col <= 6  # deepest inside, not on the image border


def test_noc_is_capped_and_counts_from_one() -> None:
    assert clicks_to_reach([0.7, 0.86, 0.91], 0.85) == 2
    assert clicks_to_reach([0.7, 0.8], 0.9) == NOC_CAP
    assert clicks_to_reach([0.95], 0.9, start_dice=0.92) == 0


def test_simulated_box_moves_each_side_by_at_most_ten_percent() -> None:
    truth = np.zeros((200, 200), bool)
    truth[50:150, 60:100] = True
    rng = np.random.default_rng(0)
    for _ in range(50):
        box = simulated_box(truth, rng)
        assert abs(box.row - 50) <= 10.1 and abs(box.row2 - 149) <= 10.1
        assert abs(box.col - 60) <= 4.1 and abs(box.col2 - 99) <= 4.1
