"""Tests for lesion measurements against shapes whose sizes are known by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from busviewer.core.measurements import measure_mask
from busviewer.core.scan import Calibration


def ellipse(
    shape: tuple[int, int], centre: tuple[float, float], semi_major: float, semi_minor: float, angle_deg: float = 0.0
) -> np.ndarray:
    """Pixels inside an ellipse whose major axis rises ``angle_deg`` above the horizontal on screen."""
    rows, cols = np.indices(shape, dtype=np.float64)
    d_row, d_col = rows - centre[0], cols - centre[1]
    theta = math.radians(angle_deg)
    along = d_col * math.cos(theta) - d_row * math.sin(theta)
    across = d_col * math.sin(theta) + d_row * math.cos(theta)
    return (along / semi_major) ** 2 + (across / semi_minor) ** 2 <= 1.0


def rectangle(shape: tuple[int, int], rows: slice, cols: slice) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    mask[rows, cols] = True
    return mask


def test_empty_mask_gives_none() -> None:
    assert measure_mask(np.zeros((10, 10), bool)) is None


def test_mask_must_be_two_dimensional() -> None:
    with pytest.raises(ValueError):
        measure_mask(np.ones((2, 3, 3), bool))


@pytest.mark.parametrize("radius", [10, 40])
def test_disk(radius: int) -> None:
    result = measure_mask(ellipse((120, 120), (60, 60), radius, radius))
    assert result is not None
    assert result.area_px == pytest.approx(math.pi * radius**2, rel=0.02)
    assert result.long_axis_px == pytest.approx(2 * radius, abs=2.0)
    assert result.short_axis_px == pytest.approx(2 * radius, abs=2.0)
    assert result.perimeter_px == pytest.approx(2 * math.pi * radius, rel=0.03)
    assert result.circularity == pytest.approx(1.0, abs=0.03)
    assert result.depth_width_ratio == pytest.approx(1.0)
    assert not result.calibrated and result.area_mm2 is None and result.long_axis_mm is None
    assert result.n_components == 1


@pytest.mark.parametrize("angle", [0.0, 30.0, -45.0, 90.0])
def test_rotated_ellipse_axes_and_orientation(angle: float) -> None:
    result = measure_mask(ellipse((160, 160), (80, 80), 50, 20, angle))
    assert result is not None
    assert result.area_px == pytest.approx(math.pi * 50 * 20, rel=0.02)
    assert result.long_axis_px == pytest.approx(100, abs=2.0)
    assert result.short_axis_px == pytest.approx(40, abs=2.0)
    assert result.orientation_deg == pytest.approx(angle, abs=2.0)
    assert -90.0 < result.orientation_deg <= 90.0
    assert result.circularity < 0.9


def test_axis_endpoints_lie_along_the_axes() -> None:
    result = measure_mask(ellipse((160, 160), (80, 70), 50, 20, 30.0))
    assert result is not None
    (r0, c0), (r1, c1) = result.long_axis_endpoints
    assert math.hypot(r1 - r0, c1 - c0) == pytest.approx(result.long_axis_px)
    assert ((r0 + r1) / 2, (c0 + c1) / 2) == pytest.approx((80, 70), abs=1.5)
    (s0, t0), (s1, t1) = result.short_axis_endpoints
    assert math.hypot(s1 - s0, t1 - t0) == pytest.approx(result.short_axis_px)
    dot = (r1 - r0) * (s1 - s0) + (c1 - c0) * (t1 - t0)
    assert dot == pytest.approx(0.0, abs=1e-6 * result.long_axis_px * result.short_axis_px)
    drawn_angle = math.degrees(math.atan2(-(r1 - r0), c1 - c0))
    assert (drawn_angle - result.orientation_deg + 90.0) % 180.0 - 90.0 == pytest.approx(0.0, abs=5.0)


def test_tall_rectangle_extents_are_exact_and_taller_than_wide() -> None:
    result = measure_mask(rectangle((60, 50), slice(5, 45), slice(10, 25)))
    assert result is not None
    assert result.area_px == 40 * 15
    assert (result.depth_px, result.width_px) == (40, 15)
    assert result.depth_width_ratio == pytest.approx(40 / 15)
    assert result.taller_than_wide
    assert result.long_axis_px == pytest.approx(math.hypot(40, 15), abs=1.0)


def test_wide_rectangle_is_not_taller_than_wide() -> None:
    result = measure_mask(rectangle((60, 80), slice(20, 30), slice(5, 65)))
    assert result is not None
    assert (result.depth_px, result.width_px) == (10, 60)
    assert not result.taller_than_wide
    assert result.depth_width_ratio == pytest.approx(1 / 6)


def test_anisotropic_calibration_uses_physical_units() -> None:
    # 40 rows x 20 cols at 0.1 mm x 0.2 mm per pixel is a 4 mm x 4 mm square: taller in pixels, not in mm.
    mask = rectangle((60, 40), slice(10, 50), slice(10, 30))
    calibration = Calibration(spacing_mm=(0.1, 0.2), source="pixel-spacing")
    result = measure_mask(mask, calibration)
    assert result is not None
    assert result.calibrated
    assert result.area_mm2 == pytest.approx(800 * 0.02)
    assert (result.depth_mm, result.width_mm) == pytest.approx((4.0, 4.0))
    assert result.depth_width_ratio == pytest.approx(1.0)
    assert not result.taller_than_wide
    assert result.long_axis_mm == pytest.approx(4 * math.sqrt(2), abs=0.2)
    assert result.perimeter_mm == pytest.approx(16.0, rel=0.06)
    assert result.circularity == pytest.approx(math.pi / 4, abs=0.06)

    uncalibrated = measure_mask(mask)
    assert uncalibrated is not None
    assert uncalibrated.taller_than_wide and uncalibrated.depth_width_ratio == pytest.approx(2.0)


def test_anisotropic_ellipse_that_is_a_circle_in_millimetres() -> None:
    # Semi-axes 40 px (rows, 0.1 mm) and 20 px (cols, 0.2 mm) are both 4 mm: a circle of 8 mm diameter.
    mask = ellipse((100, 60), (50, 30), 20, 40, 0.0)
    result = measure_mask(mask, Calibration(spacing_mm=(0.1, 0.2), source="pixel-spacing"))
    assert result is not None
    # Outlines run along pixel edges, so a diameter can gain up to one coarse (0.2 mm) pixel.
    assert result.long_axis_mm == pytest.approx(8.0, abs=0.3)
    assert result.short_axis_mm == pytest.approx(8.0, abs=0.3)
    assert result.area_mm2 == pytest.approx(math.pi * 16, rel=0.02)
    assert result.circularity == pytest.approx(1.0, abs=0.04)
    assert result.long_axis_px >= 39.0  # the same segment in pixels is longer along the fine rows


def test_largest_component_is_measured_and_components_counted() -> None:
    mask = rectangle((50, 50), slice(5, 25), slice(5, 25))
    mask[40:43, 40:43] = True
    mask[45, 5] = True
    result = measure_mask(mask)
    assert result is not None
    assert result.n_components == 3
    assert result.area_px == 400
    assert any("3 separate regions" in line for line in result.summary_lines())


def test_summary_lines_show_units() -> None:
    mask = rectangle((30, 30), slice(5, 15), slice(5, 25))
    plain = measure_mask(mask)
    calibrated = measure_mask(mask, Calibration(spacing_mm=(0.1, 0.1), source="us-region"))
    assert plain is not None and calibrated is not None
    assert plain.summary_lines()[0] == "Area 200 px (uncalibrated)"
    assert calibrated.summary_lines()[0] == "Area 2.0 mm²"
    assert any(line.startswith("Long axis") and line.endswith(" mm") for line in calibrated.summary_lines())
    assert any("wider than tall" in line for line in plain.summary_lines())


def test_as_dict_has_every_field() -> None:
    result = measure_mask(rectangle((20, 20), slice(2, 8), slice(2, 12)))
    assert result is not None
    values = result.as_dict()
    assert values["area_px"] == 60
    assert values["calibrated"] is False
    assert set(values) >= {"long_axis_endpoints", "short_axis_endpoints", "circularity", "n_components"}


def test_single_pixel_and_thin_line_are_measured() -> None:
    dot = np.zeros((5, 5), bool)
    dot[2, 2] = True
    result = measure_mask(dot)
    assert result is not None
    assert result.area_px == 1 and result.long_axis_px == pytest.approx(1.0)
    assert 0.0 < result.circularity <= 1.0

    line = rectangle((5, 30), slice(2, 3), slice(3, 23))
    result = measure_mask(line)
    assert result is not None
    assert result.long_axis_px == pytest.approx(20.0, abs=1.0)
    assert result.orientation_deg == pytest.approx(0.0, abs=3.0)
    assert result.perimeter_px > 38


def test_orientation_is_measured_in_millimetres_on_anisotropic_pixels() -> None:
    # An ellipse drawn at 30 degrees in millimetre space on 0.1 mm x 0.2 mm pixels looks steeper in pixels.
    spacing = (0.1, 0.2)
    rows, cols = np.indices((200, 120), dtype=np.float64)
    y, x = (rows - 100) * spacing[0], (cols - 60) * spacing[1]
    theta = math.radians(30.0)
    along = x * math.cos(theta) - y * math.sin(theta)
    across = x * math.sin(theta) + y * math.cos(theta)
    mask = (along / 8.0) ** 2 + (across / 3.0) ** 2 <= 1.0
    calibrated = measure_mask(mask, Calibration(spacing_mm=spacing, source="pixel-spacing"))
    plain = measure_mask(mask)
    assert calibrated is not None and plain is not None
    assert calibrated.orientation_deg == pytest.approx(30.0, abs=2.0)
    assert calibrated.long_axis_mm == pytest.approx(16.0, abs=0.4)
    assert calibrated.short_axis_mm == pytest.approx(6.0, abs=0.4)
    assert plain.orientation_deg > 40.0


def test_a_lesion_filling_a_huge_scan_is_traced_coarsely_but_measured_as_precisely(monkeypatch) -> None:
    # 3000 x 4000 with a tilted ellipse of 1500 x 900 px semi-axes: traced on 3 x 3 blocks.
    mask = ellipse((3000, 4000), (1480.3, 2010.7), 1500, 900, 20.0)
    result = measure_mask(mask)
    assert result is not None
    assert result.area_px == float(mask.sum())  # area counts every pixel
    assert result.long_axis_px == pytest.approx(3000, rel=0.002)
    assert result.short_axis_px == pytest.approx(1800, rel=0.002)
    assert result.orientation_deg == pytest.approx(20.0, abs=0.2)
    h = ((1500 - 900) / (1500 + 900)) ** 2
    ramanujan = math.pi * (1500 + 900) * (1 + 3 * h / (10 + math.sqrt(4 - 3 * h)))
    assert result.perimeter_px == pytest.approx(ramanujan, rel=0.003)
    monkeypatch.setattr("busviewer.core.measurements.CONTOUR_MAX_PIXELS", mask.size)  # trace every pixel
    every_pixel = measure_mask(mask)
    assert every_pixel is not None
    # The long axis drawn on screen lands within two blocks of where a full trace puts it. (Where the short
    # axis crosses is not unique on an ellipse's flat middle, so only its length is compared.)
    drawn, exact = np.array(result.long_axis_endpoints), np.array(every_pixel.long_axis_endpoints)
    assert np.abs(drawn - exact).max() <= 6.0
    assert result.short_axis_px == pytest.approx(every_pixel.short_axis_px, rel=0.001)
