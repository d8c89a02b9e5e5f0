"""BI-RADS descriptor rules on synthetic lesions with known answers, and the atlas category bands."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from busviewer.core.birads import (
    CATEGORIES,
    DESCRIPTORS,
    MANAGEMENT,
    assess_lesion,
    category_for_probability,
    malignancy_probability,
)

SIZE = (240, 320)


def _tissue(seed: int = 0, mean: float = 120.0) -> np.ndarray:
    """Speckle-like tissue: grey noise smoothed a little, as B-mode parenchyma looks."""
    rng = np.random.default_rng(seed)
    noise = rng.normal(mean, 25.0, SIZE).astype(np.float32)
    return cv2.GaussianBlur(noise, (0, 0), 1.2)


def _ellipse(centre: tuple[int, int] = (160, 100), axes: tuple[int, int] = (50, 28), angle: float = 0) -> np.ndarray:
    mask = np.zeros(SIZE, np.uint8)
    cv2.ellipse(mask, centre, axes, angle, 0, 360, 1, -1)
    return mask.astype(bool)


def _star(points: int = 9, inner: float = 18, outer: float = 50, centre: tuple[int, int] = (160, 110)) -> np.ndarray:
    angles = np.linspace(0, 2 * math.pi, 2 * points, endpoint=False)
    radius = np.where(np.arange(2 * points) % 2 == 0, outer, inner)
    poly = np.stack([centre[0] + radius * np.cos(angles), centre[1] + radius * np.sin(angles)], axis=1)
    mask = np.zeros(SIZE, np.uint8)
    cv2.fillPoly(mask, [np.round(poly).astype(np.int32)], 1)
    return mask.astype(bool)


def _scene(mask: np.ndarray, inside: float = 45.0, seed: int = 0, below: float | None = None) -> np.ndarray:
    """Tissue with the lesion at grey ``inside`` and, optionally, the column beneath it at grey ``below``."""
    image = _tissue(seed)
    rows, cols = np.nonzero(mask)
    if below is not None:
        bottom = np.full(SIZE[1], -1)
        np.maximum.at(bottom, cols, rows)
        for col in range(cols.min(), cols.max() + 1):
            if bottom[col] >= 0:
                image[bottom[col] + 1 : bottom[col] + 1 + 70, col] += below - 120.0
    image[mask] = image[mask] - 120.0 + inside
    return np.clip(image, 0, 255).astype(np.uint8)


def test_a_wide_ellipse_is_oval_parallel_circumscribed_and_hypoechoic() -> None:
    mask = _ellipse()
    result = assess_lesion(_scene(mask), mask, (0.05, 0.9, 0.05))
    assert result is not None
    assert result.shape.value == "oval"
    assert result.orientation.value == "parallel"
    assert result.margin.value == "circumscribed"
    assert result.echo_pattern.value == "hypoechoic"
    assert result.posterior_features.value == "none"
    assert all(0.5 <= d.confidence <= 1.0 for d in result.descriptors().values())


def test_a_disk_is_round() -> None:
    mask = _ellipse(axes=(40, 40))
    result = assess_lesion(_scene(mask), mask)
    assert result is not None and result.shape.value == "round"


def test_a_tall_ellipse_is_not_parallel() -> None:
    mask = _ellipse(axes=(22, 48))
    result = assess_lesion(_scene(mask), mask)
    assert result is not None and result.orientation.value == "not parallel"


def test_a_star_is_irregular_and_spiculated_or_angular() -> None:
    mask = _star()
    result = assess_lesion(_scene(mask), mask, (0.0, 0.2, 0.8))
    assert result is not None
    assert result.shape.value == "irregular"
    assert result.margin.value in ("spiculated", "angular")
    assert "not circumscribed" in result.reason


def test_a_dark_lesion_over_a_bright_band_shows_enhancement_and_is_anechoic() -> None:
    mask = _ellipse()
    result = assess_lesion(_scene(mask, inside=4.0, below=190.0), mask, (0.1, 0.89, 0.01))
    assert result is not None
    assert result.echo_pattern.value == "anechoic"
    assert result.posterior_features.value == "enhancement"
    # A simple cyst: anechoic, oval, circumscribed is category 2 whatever the probability says.
    assert result.category == "2"


def test_a_dark_band_beneath_is_shadowing() -> None:
    mask = _ellipse()
    result = assess_lesion(_scene(mask, below=40.0), mask)
    assert result is not None and result.posterior_features.value == "shadowing"


def test_a_lesion_brighter_than_its_surroundings_is_hyperechoic() -> None:
    mask = _ellipse()
    result = assess_lesion(_scene(mask, inside=175.0), mask)
    assert result is not None and result.echo_pattern.value == "hyperechoic"


def test_a_lesion_part_fluid_part_solid_is_complex_cystic_and_solid() -> None:
    mask = _ellipse()
    image = _scene(mask, inside=60.0)
    fluid = mask.copy()
    fluid[:, 166:] = False  # a little over half of the core is fluid-dark
    image[fluid] = 3
    result = assess_lesion(image, mask)
    assert result is not None and result.echo_pattern.value == "complex cystic and solid"


def test_a_lesion_of_bright_and_dark_patches_is_heterogeneous() -> None:
    mask = _ellipse()
    image = _scene(mask, inside=60.0)
    rows, cols = np.indices(SIZE)
    patches = mask & (((rows // 8) + (cols // 8)) % 2 == 0)
    image[patches] = 150
    result = assess_lesion(image, mask)
    assert result is not None and result.echo_pattern.value == "heterogeneous"


def test_descriptors_follow_the_mask_not_the_image() -> None:
    # The same image described with two outlines: the reader's correction changes the shape.
    oval, star = _ellipse(), _star()
    image = _scene(oval)
    assert assess_lesion(image, oval).shape.value == "oval"  # type: ignore[union-attr]
    assert assess_lesion(image, star).shape.value == "irregular"  # type: ignore[union-attr]


def test_an_empty_or_tiny_mask_gives_no_assessment() -> None:
    image = _tissue().astype(np.uint8)
    assert assess_lesion(image, np.zeros(SIZE, bool)) is None
    speck = np.zeros(SIZE, bool)
    speck[10:13, 10:13] = True
    assert assess_lesion(image, speck) is None


def test_json_block_uses_lexicon_words_only() -> None:
    mask = _star()
    block = assess_lesion(_scene(mask), mask, (0.1, 0.3, 0.6)).as_json()  # type: ignore[union-attr]
    for name, words in DESCRIPTORS.items():
        assert block[name] in words
    assert block["category"] in CATEGORIES
    assert block["malignancy_probability"] == pytest.approx(0.6)
    assert block["category_from_probability"] == "4C"
    assert "malignancy 0.60" in block["reason"] and block["reason"].endswith(f"-> {block['category']}")


def test_the_category_is_between_the_descriptors_and_the_probability() -> None:
    mask = _ellipse()
    image = _scene(mask)
    # Benign-looking descriptors (level 3) with a 99 % probability (band 5): halfway, rounded up, is 4B.
    assert assess_lesion(image, mask, (0.0, 0.01, 0.99)).category == "4B"  # type: ignore[union-attr]
    assert assess_lesion(image, mask, (0.5, 0.49, 0.01)).category == "3"  # type: ignore[union-attr]


@pytest.mark.parametrize(("probability", "category"), [
    (0.0, "3"), (0.02, "3"), (0.0201, "4A"), (0.10, "4A"), (0.1001, "4B"), (0.50, "4B"), (0.5001, "4C"),
    (0.9499, "4C"), (0.95, "5"), (1.0, "5"),
])
def test_atlas_bands_at_their_edges(probability: float, category: str) -> None:
    assert category_for_probability(probability) == category


@pytest.mark.parametrize("bad", [-0.01, 1.01, float("nan")])
def test_a_probability_outside_zero_one_is_refused(bad: float) -> None:
    with pytest.raises(ValueError):
        category_for_probability(bad)


def test_every_category_has_management_wording_and_malignancy_is_the_malignant_class() -> None:
    assert set(MANAGEMENT) == set(CATEGORIES)
    assert malignancy_probability((0.2, 0.3, 0.5)) == pytest.approx(0.5)
