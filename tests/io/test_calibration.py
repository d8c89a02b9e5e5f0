"""Pixel size from DICOM attributes: ultrasound regions, pixel spacing, and honest 'none'."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydicom.dataset import Dataset

from busviewer.io.calibration import calibration_from_dataset, imaging_area, read_ultrasound_regions

TISSUE, DOPPLER_WAVEFORM = 1, 10
CM, SECONDS, NO_UNITS = 3, 4, 0


def region(
    box: tuple[int, int, int, int],
    delta: tuple[float, float] = (0.02, 0.03),
    units: tuple[int, int] = (CM, CM),
    data_type: int = TISSUE,
) -> Dataset:
    """A region item; ``box`` is (min_x, min_y, max_x, max_y), ``delta`` is (x, y) per pixel in its units."""
    item = Dataset()
    item.RegionSpatialFormat = 1
    item.RegionDataType = data_type
    item.RegionLocationMinX0, item.RegionLocationMinY0, item.RegionLocationMaxX1, item.RegionLocationMaxY1 = box
    item.PhysicalUnitsXDirection, item.PhysicalUnitsYDirection = units
    item.PhysicalDeltaX, item.PhysicalDeltaY = delta
    return item


def image_dataset(rows: int = 400, columns: int = 600) -> Dataset:
    ds = Dataset()
    ds.Rows, ds.Columns = rows, columns
    return ds


def test_region_in_cm_gives_row_col_spacing_in_mm() -> None:
    ds = image_dataset()
    ds.SequenceOfUltrasoundRegions = [region((50, 20, 550, 380), delta=(0.02, 0.03))]
    calibration = calibration_from_dataset(ds)
    assert calibration.source == "us-region"
    assert calibration.spacing_mm == pytest.approx((0.3, 0.2))  # row = delta Y, column = delta X
    assert calibration.notes == ()


def test_region_in_other_units_is_ignored_and_noted() -> None:
    ds = image_dataset()
    ds.SequenceOfUltrasoundRegions = [
        region((50, 20, 550, 300), delta=(0.02, 0.02)),
        region((50, 310, 550, 390), delta=(0.01, 0.0), units=(SECONDS, NO_UNITS), data_type=DOPPLER_WAVEFORM),
    ]
    calibration = calibration_from_dataset(ds)
    assert calibration.source == "us-region"
    assert calibration.spacing_mm == pytest.approx((0.2, 0.2))
    assert any("other than centimetres" in note for note in calibration.notes)


def test_tissue_region_not_in_cm_falls_back_to_pixel_spacing_with_note() -> None:
    ds = image_dataset()
    ds.SequenceOfUltrasoundRegions = [region((0, 0, 599, 399), units=(NO_UNITS, NO_UNITS))]
    ds.PixelSpacing = [0.15, 0.12]
    calibration = calibration_from_dataset(ds)
    assert calibration.source == "pixel-spacing"
    assert calibration.spacing_mm == pytest.approx((0.15, 0.12))
    assert any("No tissue ultrasound region is calibrated in centimetres" in note for note in calibration.notes)


def test_regions_without_cm_and_without_spacing_give_none() -> None:
    ds = image_dataset()
    ds.SequenceOfUltrasoundRegions = [region((0, 0, 599, 399), units=(NO_UNITS, NO_UNITS))]
    calibration = calibration_from_dataset(ds)
    assert calibration.source == "none" and calibration.spacing_mm is None
    assert calibration.notes  # the user is told why there is no calibration


def test_several_scales_choose_region_at_image_centre_and_note_it() -> None:
    ds = image_dataset(rows=400, columns=600)
    ds.SequenceOfUltrasoundRegions = [
        region((0, 0, 120, 100), delta=(0.05, 0.05)),  # a small inset (e.g. a zoom box) in a corner
        region((150, 40, 580, 390), delta=(0.02, 0.02)),  # the main image, holding the centre
    ]
    calibration = calibration_from_dataset(ds)
    assert calibration.source == "us-region"
    assert calibration.spacing_mm == pytest.approx((0.2, 0.2))
    assert any("different scales" in note for note in calibration.notes)


def test_largest_region_wins_when_none_holds_the_centre() -> None:
    ds = image_dataset(rows=400, columns=600)
    ds.SequenceOfUltrasoundRegions = [
        region((0, 0, 100, 100), delta=(0.05, 0.05)),
        region((400, 0, 599, 190), delta=(0.02, 0.02)),
    ]
    assert calibration_from_dataset(ds).spacing_mm == pytest.approx((0.2, 0.2))


def test_dual_view_regions_with_equal_scale_have_no_disagreement_note() -> None:
    ds = image_dataset(rows=480, columns=640)
    ds.SequenceOfUltrasoundRegions = [
        region((32, 24, 335, 415), delta=(0.038, 0.038)),
        region((336, 24, 639, 415), delta=(0.038, 0.038)),
    ]
    calibration = calibration_from_dataset(ds)
    assert calibration.spacing_mm == pytest.approx((0.38, 0.38))
    assert not any("different scales" in note for note in calibration.notes)


def test_region_reaching_beyond_image_is_used_but_flagged() -> None:
    ds = image_dataset(rows=240, columns=320)
    ds.SequenceOfUltrasoundRegions = [region((84, 31, 595, 414), delta=(0.05, 0.05))]
    calibration = calibration_from_dataset(ds)
    assert calibration.source == "us-region"
    assert any("beyond the image" in note for note in calibration.notes)


def test_zero_delta_region_is_not_used() -> None:
    ds = image_dataset()
    ds.SequenceOfUltrasoundRegions = [region((0, 0, 599, 399), delta=(0.0, 0.0))]
    calibration = calibration_from_dataset(ds)
    assert calibration.source == "none"
    assert any("missing or zero pixel size" in note for note in calibration.notes)


def test_pixel_spacing_without_regions() -> None:
    ds = image_dataset()
    ds.PixelSpacing = [0.1, 0.25]
    calibration = calibration_from_dataset(ds)
    assert calibration.source == "pixel-spacing" and calibration.spacing_mm == pytest.approx((0.1, 0.25))


def test_imager_pixel_spacing_is_used_last_and_noted() -> None:
    ds = image_dataset()
    ds.ImagerPixelSpacing = [0.2, 0.2]
    calibration = calibration_from_dataset(ds)
    assert calibration.source == "pixel-spacing" and calibration.spacing_mm == pytest.approx((0.2, 0.2))
    assert any("Imager Pixel Spacing" in note for note in calibration.notes)


def test_enhanced_pixel_measures_are_read() -> None:
    ds = image_dataset()
    measures = Dataset()
    measures.PixelSpacing = [0.3, 0.3]
    group = Dataset()
    group.PixelMeasuresSequence = [measures]
    ds.SharedFunctionalGroupsSequence = [group]
    assert calibration_from_dataset(ds).spacing_mm == pytest.approx((0.3, 0.3))


def test_no_calibration_at_all_is_none_never_guessed() -> None:
    calibration = calibration_from_dataset(image_dataset())
    assert calibration.source == "none" and calibration.spacing_mm is None and not calibration.is_calibrated
    assert all(note.endswith(".") for note in calibration.notes)


def test_imaging_area_is_the_union_of_all_regions_clipped_to_the_frame() -> None:
    ds = image_dataset(rows=400, columns=600)
    ds.SequenceOfUltrasoundRegions = [
        region((120, 60, 640, 318)),  # reaches past the right edge
        region((176, 322, 543, 376), data_type=3),  # a spectral strip below the B-mode image
    ]
    assert imaging_area(read_ultrasound_regions(ds), 400, 600) == (60, 120, 377, 600)
    assert imaging_area([], 400, 600) is None
    ds.SequenceOfUltrasoundRegions = [region((700, 500, 800, 600))]  # wholly outside the frame
    assert imaging_area(read_ultrasound_regions(ds), 400, 600) is None


def test_shared_dicom_gets_its_imaging_area_and_burned_in_flag(shared_dicom_dir: Path) -> None:
    from busviewer.io.dicom_reader import read_dicom

    scan = read_dicom(shared_dicom_dir / "OBXXXX1A.dcm")  # regions x 120-800 and y 60-576 on 800 x 600
    assert scan.imaging_area == (60, 120, 577, 800)
    assert read_dicom(shared_dicom_dir / "YBR_422.dcm").burned_in_annotation is False
    assert read_dicom(shared_dicom_dir / "US1_UNCR.dcm").imaging_area is None  # no regions: nothing stated
