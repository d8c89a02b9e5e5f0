"""The mirror chance of training augmentation is what the run asked for, and the rest of the draw is unchanged."""

from __future__ import annotations

import numpy as np

from busviewer.ml.site_augment import augment_imaging_area as augment


def _half_marked() -> tuple[np.ndarray, np.ndarray]:
    mask = np.zeros((32, 32), np.float32)
    mask[:, :8] = 1.0   # a lesion band on the left edge: a mirror moves it to the right
    return np.full((32, 32), 128, np.uint8), mask


def _mirrored_share(probability: float, draws: int = 200) -> float:
    image, mask = _half_marked()
    rng = np.random.default_rng(0)
    mirrored = 0
    for _ in range(draws):
        _, out = augment(image, mask, rng, probability)
        middle = out.shape[1] // 2  # field-of-view crops change the width
        mirrored += int(out[:, middle:].sum() > out[:, :middle].sum())
    return mirrored / draws


def test_mirror_chance_follows_the_setting() -> None:
    assert _mirrored_share(0.0) == 0.0
    assert _mirrored_share(1.0) == 1.0
    assert 0.35 < _mirrored_share(0.5) < 0.65


def test_without_mirroring_the_other_augmentations_draw_the_same() -> None:
    image, mask = _half_marked()
    a = augment(image, mask, np.random.default_rng(5), 0.0)
    b = augment(image, mask, np.random.default_rng(5), 0.0)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
