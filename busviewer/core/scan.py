"""The ultrasound scan as the rest of the program sees it: pixels, frames, calibration and hidden identifiers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

CalibrationSource = Literal["us-region", "pixel-spacing", "none"]


@dataclass(frozen=True)
class Calibration:
    """Physical pixel size of a scan.

    Attributes
    ----------
    spacing_mm
        (row, column) pixel size in millimetres, or None when the scan is uncalibrated.
    source
        Where the spacing came from: ``us-region``, ``pixel-spacing`` or ``none``.
    notes
        Plain-language remarks, e.g. that ultrasound regions disagree or use other units.
    """

    spacing_mm: tuple[float, float] | None = None
    source: CalibrationSource = "none"
    notes: tuple[str, ...] = ()

    @property
    def is_calibrated(self) -> bool:
        return self.spacing_mm is not None

    @property
    def pixel_area_mm2(self) -> float | None:
        if self.spacing_mm is None:
            return None
        return self.spacing_mm[0] * self.spacing_mm[1]

    @property
    def spacing_text(self) -> str:
        """The pixel size as every output prints it, in (row, column) order: ``0.100 mm/px`` when square,
        ``0.100 × 0.120 mm/px (row × column)`` when not, ``uncalibrated`` without one."""
        if self.spacing_mm is None:
            return "uncalibrated"
        row_mm, col_mm = self.spacing_mm
        if abs(row_mm - col_mm) <= 1e-3 * max(row_mm, col_mm):
            return f"{row_mm:.3f} mm/px"
        return f"{row_mm:.3f} × {col_mm:.3f} mm/px (row × column)"


@dataclass(frozen=True)
class PatientInfo:
    """Patient identifiers; kept out of ``repr`` so they never reach a log by accident."""

    name: str = field(default="", repr=False)
    patient_id: str = field(default="", repr=False)
    birth_date: str = field(default="", repr=False)


@dataclass
class UltrasoundScan:
    """A decoded ultrasound image or cine loop.

    Attributes
    ----------
    frames
        Pixel data, shape (F, H, W) for grey or (F, H, W, 3) for colour, uint8 or uint16.
    source_path
        The file it came from, or None for generated scans.
    file_format
        ``png``, ``jpeg``, ``bmp``, ``tiff``, ``dicom`` or ``synthetic``.
    imaging_area
        (first row, first column, end row, end column) of the part the scanner marks as image data (the
        union of its ultrasound regions, clipped to the frame), or None when the file does not say.
        Pixels outside it are the scanner's screen furniture, where burned-in text such as the patient's
        name usually sits.
    burned_in_annotation
        True when the file states that identifying text is burned into the pixels, False when it states
        that none is, None when it does not say.
    """

    frames: np.ndarray
    source_path: Path | None = None
    file_format: str = "synthetic"
    photometric: str = "MONOCHROME2"
    bits: int = 8
    transfer_syntax: str | None = None
    modality: str | None = None
    manufacturer: str | None = None
    frame_rate: float | None = None
    calibration: Calibration = field(default_factory=Calibration)
    patient: PatientInfo = field(default_factory=PatientInfo)
    study_instance_uid: str | None = None
    sop_instance_uid: str | None = None
    sop_class_uid: str | None = None
    imaging_area: tuple[int, int, int, int] | None = None
    burned_in_annotation: bool | None = None
    #: ``right`` or ``left`` from the DICOM ImageLaterality (else Laterality); None when the file does not say.
    laterality: str | None = None

    def __post_init__(self) -> None:
        if self.frames.ndim not in (3, 4) or self.frames.shape[0] < 1:
            raise ValueError("frames must have shape (F, H, W) or (F, H, W, 3)")

    @property
    def n_frames(self) -> int:
        return int(self.frames.shape[0])

    @property
    def rows(self) -> int:
        return int(self.frames.shape[1])

    @property
    def columns(self) -> int:
        return int(self.frames.shape[2])

    @property
    def shape(self) -> tuple[int, int]:
        return self.rows, self.columns

    @property
    def is_colour(self) -> bool:
        return self.frames.ndim == 4

    @property
    def name(self) -> str:
        return self.source_path.name if self.source_path else "demo scan"

    def frame(self, index: int) -> np.ndarray:
        """Return frame ``index`` as stored (grey or RGB)."""
        return self.frames[index]

    def grey_frame(self, index: int) -> np.ndarray:
        """Return frame ``index`` as a uint8 grey image, the form the network reads."""
        return to_grey_uint8(self.frames[index])


def to_grey_uint8(image: np.ndarray) -> np.ndarray:
    """Convert a grey or RGB(A) image of any integer depth to uint8 grey (ITU-R 601 luma)."""
    data = np.asarray(image)
    if data.ndim == 3:
        rgb = data[..., :3].astype(np.float32)
        grey = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    else:
        grey = data.astype(np.float32)
    if data.dtype != np.uint8:
        top = float(grey.max()) if grey.size else 0.0
        if np.issubdtype(data.dtype, np.floating):
            scale = 255.0 if top <= 1.0 else 255.0 / max(top, 1e-6)
        else:
            scale = 255.0 / max(top, 1.0)
        grey = grey * scale
    return np.clip(np.rint(grey), 0, 255).astype(np.uint8)
