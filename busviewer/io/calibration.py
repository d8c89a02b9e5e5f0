"""Physical pixel size of a DICOM ultrasound image, taken only from what the file states (never guessed).

The order of trust is: the Sequence of Ultrasound Regions (0018,6011), then Pixel Spacing (0028,0030) or the
Pixel Measures of an enhanced multi-frame object, then Imager Pixel Spacing (0018,1164). Anything odd that the
user should know about (regions that disagree, regions in other units, regions larger than the image) becomes a
plain sentence in ``Calibration.notes``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydicom.dataset import Dataset

from busviewer.core.scan import Calibration

#: PhysicalUnitsX/YDirection code for centimetres (PS3.3 C.8.5.5.1.15).
UNITS_CM = 3
#: RegionDataType code for tissue (B-mode) images.
DATA_TYPE_TISSUE = 1
#: Two scales closer than this relative difference count as the same scale.
SCALE_TOLERANCE = 0.01


@dataclass(frozen=True)
class UltrasoundRegion:
    """One item of the Sequence of Ultrasound Regions, reduced to what calibration needs.

    Coordinates are inclusive pixel indices as stored in the file; deltas are in the file's units.
    """

    min_x: int
    min_y: int
    max_x: int
    max_y: int
    data_type: int | None
    units_x: int | None
    units_y: int | None
    delta_x: float | None
    delta_y: float | None

    @property
    def is_tissue(self) -> bool:
        return self.data_type == DATA_TYPE_TISSUE

    @property
    def is_in_cm(self) -> bool:
        return self.units_x == UNITS_CM and self.units_y == UNITS_CM

    @property
    def has_usable_deltas(self) -> bool:
        return _positive_finite(self.delta_x) and _positive_finite(self.delta_y)

    @property
    def spacing_mm(self) -> tuple[float, float]:
        """(row, column) spacing in millimetres; only meaningful for centimetre regions."""
        return float(self.delta_y or 0.0) * 10.0, float(self.delta_x or 0.0) * 10.0

    def contains(self, x: float, y: float) -> bool:
        return self.min_x <= x <= self.max_x and self.min_y <= y <= self.max_y

    def area_within(self, rows: int, columns: int) -> int:
        """Number of the region's pixels that lie inside a ``rows`` x ``columns`` image."""
        width = min(self.max_x, columns - 1) - max(self.min_x, 0) + 1
        height = min(self.max_y, rows - 1) - max(self.min_y, 0) + 1
        return max(width, 0) * max(height, 0)

    def fits_in(self, rows: int, columns: int) -> bool:
        # Writers differ on whether Max X1/Y1 is inclusive, so one pixel beyond the edge still fits.
        return self.min_x >= 0 and self.min_y >= 0 and self.max_x <= columns and self.max_y <= rows


def calibration_from_dataset(ds: Dataset) -> Calibration:
    """Work out the pixel size of ``ds`` from the attributes it carries.

    Parameters
    ----------
    ds
        A DICOM dataset (pixel data need not be loaded).

    Returns
    -------
    Calibration
        ``source`` is ``us-region`` when a tissue region in centimetres was used, ``pixel-spacing`` when
        Pixel Spacing (or Imager Pixel Spacing) was used, and ``none`` when the file states no usable size.
    """
    rows = _as_int(ds.get("Rows")) or 0
    columns = _as_int(ds.get("Columns")) or 0
    notes: list[str] = []
    regions = read_ultrasound_regions(ds)
    if regions:
        chosen, region_notes = _choose_region(regions, rows, columns)
        notes.extend(region_notes)
        if chosen is not None:
            return Calibration(spacing_mm=chosen.spacing_mm, source="us-region", notes=tuple(notes))
    spacing, spacing_note = _pixel_spacing(ds)
    if spacing is not None:
        if spacing_note:
            notes.append(spacing_note)
        return Calibration(spacing_mm=spacing, source="pixel-spacing", notes=tuple(notes))
    if not regions:
        notes.append("The file states no pixel size, so measurements are in pixels.")
    return Calibration(spacing_mm=None, source="none", notes=tuple(notes))


def imaging_area(regions: Sequence[UltrasoundRegion], rows: int, columns: int) -> tuple[int, int, int, int] | None:
    """(first row, first column, end row, end column) of the union of ``regions`` clipped to the frame,
    or None when there are no regions or they miss the frame altogether."""
    if not regions:
        return None
    row0 = max(0, min(r.min_y for r in regions))
    col0 = max(0, min(r.min_x for r in regions))
    row1 = min(rows, max(r.max_y for r in regions) + 1)  # the file's maxima are inclusive
    col1 = min(columns, max(r.max_x for r in regions) + 1)
    return (row0, col0, row1, col1) if row1 > row0 and col1 > col0 else None


def read_ultrasound_regions(ds: Dataset) -> list[UltrasoundRegion]:
    """Return the items of the Sequence of Ultrasound Regions (empty when absent)."""
    regions = []
    for item in ds.get("SequenceOfUltrasoundRegions", None) or []:
        regions.append(
            UltrasoundRegion(
                min_x=_as_int(item.get("RegionLocationMinX0")) or 0,
                min_y=_as_int(item.get("RegionLocationMinY0")) or 0,
                max_x=_as_int(item.get("RegionLocationMaxX1")) or 0,
                max_y=_as_int(item.get("RegionLocationMaxY1")) or 0,
                data_type=_as_int(item.get("RegionDataType")),
                units_x=_as_int(item.get("PhysicalUnitsXDirection")),
                units_y=_as_int(item.get("PhysicalUnitsYDirection")),
                delta_x=_as_float(item.get("PhysicalDeltaX")),
                delta_y=_as_float(item.get("PhysicalDeltaY")),
            )
        )
    return regions


def _choose_region(
    regions: Sequence[UltrasoundRegion], rows: int, columns: int
) -> tuple[UltrasoundRegion | None, list[str]]:
    """Pick the tissue region in centimetres that holds the image content, and say what was odd."""
    notes: list[str] = []
    tissue = [r for r in regions if r.is_tissue]
    usable = [r for r in tissue if r.is_in_cm and r.has_usable_deltas]
    other_units = [r for r in regions if not r.is_in_cm]
    broken = [r for r in tissue if r.is_in_cm and not r.has_usable_deltas]

    if other_units:
        notes.append(
            f"{_count(len(other_units), 'ultrasound region')} of {len(regions)} "
            f"{'uses' if len(other_units) == 1 else 'use'} units other than centimetres and "
            f"{'was' if len(other_units) == 1 else 'were'} not used for calibration."
        )
    if broken:
        notes.append(f"{_count(len(broken), 'tissue region')} in centimetres had a missing or zero pixel size.")
    if not usable:
        notes.append("No tissue ultrasound region is calibrated in centimetres.")
        return None, notes

    chosen = _region_holding_image(usable, rows, columns)
    if _scales_differ(usable):
        row_mm, col_mm = chosen.spacing_mm
        notes.append(
            f"The {len(usable)} tissue regions use different scales; the one holding the image centre "
            f"({row_mm:.4f} x {col_mm:.4f} mm per pixel) was used."
        )
    if rows and columns and not chosen.fits_in(rows, columns):
        notes.append(
            "The calibrated region reaches beyond the image, so the image may have been cropped or resized "
            "after it was calibrated; check measurements against the scanner's scale."
        )
    return chosen, notes


def _region_holding_image(regions: Sequence[UltrasoundRegion], rows: int, columns: int) -> UltrasoundRegion:
    """The region containing the image centre, the largest on ties; the largest overall when none contains it."""
    centre_x, centre_y = (columns - 1) / 2.0, (rows - 1) / 2.0

    def size(region: UltrasoundRegion) -> int:
        if rows and columns:
            return region.area_within(rows, columns)
        return (region.max_x - region.min_x + 1) * (region.max_y - region.min_y + 1)

    at_centre = [r for r in regions if r.contains(centre_x, centre_y)]
    return max(at_centre or regions, key=size)


def _scales_differ(regions: Sequence[UltrasoundRegion]) -> bool:
    """True when any two regions' row or column spacings differ by more than SCALE_TOLERANCE."""
    for axis in (0, 1):
        values = [r.spacing_mm[axis] for r in regions]
        if max(values) > min(values) * (1.0 + SCALE_TOLERANCE):
            return True
    return False


def _pixel_spacing(ds: Dataset) -> tuple[tuple[float, float] | None, str | None]:
    """(row, column) spacing in mm from Pixel Spacing, Pixel Measures or Imager Pixel Spacing."""
    spacing = _spacing_pair(ds.get("PixelSpacing"))
    if spacing is not None:
        return spacing, None
    for group_name in ("SharedFunctionalGroupsSequence", "PerFrameFunctionalGroupsSequence"):
        groups = ds.get(group_name, None) or []
        if groups:
            measures = groups[0].get("PixelMeasuresSequence", None) or []
            if measures:
                spacing = _spacing_pair(measures[0].get("PixelSpacing"))
                if spacing is not None:
                    return spacing, None
    spacing = _spacing_pair(ds.get("ImagerPixelSpacing"))
    if spacing is not None:
        return spacing, "The pixel size comes from Imager Pixel Spacing, measured at the detector."
    return None, None


def _spacing_pair(value: Any) -> tuple[float, float] | None:
    if value is None:
        return None
    try:
        row, col = (float(v) for v in value)
    except (TypeError, ValueError):
        return None
    if _positive_finite(row) and _positive_finite(col):
        return row, col
    return None


def _count(n: int, noun: str) -> str:
    words = {1: "One", 2: "Two", 3: "Three", 4: "Four"}
    return f"{words.get(n, str(n))} {noun}{'' if n == 1 else 's'}"


def _positive_finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value) and value > 0


def _as_int(value: Any) -> int | None:
    try:
        return None if value is None or value == "" else int(value)
    except (TypeError, ValueError):
        return None


def _as_float(value: Any) -> float | None:
    try:
        return None if value is None or value == "" else float(value)
    except (TypeError, ValueError):
        return None
