"""Size and shape of a lesion mask: area, long and short axis, depth/width, orientation, perimeter, circularity.

Lengths are found in physical units when the scan is calibrated, so anisotropic pixels (e.g. 0.1 mm x
0.2 mm) give the right axes and angles. The outline used for lengths is the marching-squares contour at
half height, which runs along pixel edges: a 30-pixel-wide run measures 30 pixels, not 29.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np
from scipy import ndimage
from scipy.spatial import ConvexHull
from skimage.measure import find_contours

from busviewer.core.scan import Calibration

Point = tuple[float, float]
_EIGHT_CONNECTED = np.ones((3, 3), dtype=bool)
_PERIMETER_BLUR_SIGMA = 1.0
#: Outlines of larger pieces are traced on a block-averaged copy of at most this many pixels. Tracing
#: holds the GIL, and a lesion filling a 4000 x 3000 scan took ~100 ms, long enough to freeze the window
#: while it was measured; the averaged copy keeps the edge to a fraction of a block (well under 0.1 % of
#: such a lesion's axes), and the area and extent still come from every pixel.
CONTOUR_MAX_PIXELS = 1_000_000


@dataclass(frozen=True)
class LesionMeasurements:
    """Measurements of the largest connected piece of a lesion mask.

    Pixel values are always present; ``*_mm`` values are None when the scan is uncalibrated.
    Endpoints are (row, col) image coordinates (pixel centres at integers), for drawing calipers.
    The long axis is the maximum Feret diameter, the short axis the longest chord perpendicular to it
    that lies inside the outline (it never ends outside a concave lesion).
    ``orientation_deg`` is the angle of the lesion's long (principal) axis from the horizontal as
    shown on screen, positive when it rises to the right, in (-90, 90]; it comes from the second
    moments, which agree with the drawn long axis within a few degrees for elongated lesions.
    """

    area_px: float
    area_mm2: float | None
    long_axis_px: float
    long_axis_mm: float | None
    short_axis_px: float
    short_axis_mm: float | None
    depth_px: float
    width_px: float
    depth_mm: float | None
    width_mm: float | None
    depth_width_ratio: float
    taller_than_wide: bool
    orientation_deg: float
    perimeter_px: float
    perimeter_mm: float | None
    circularity: float
    calibrated: bool
    n_components: int
    long_axis_endpoints: tuple[Point, Point]
    short_axis_endpoints: tuple[Point, Point]

    def as_dict(self) -> dict[str, object]:
        """Every field by name, for CSV rows, JSON and structured reports."""
        return {item.name: getattr(self, item.name) for item in fields(self)}

    def summary_lines(self) -> list[str]:
        """Lines for a person, with units, e.g. ``"Area 123.4 mm²"`` or ``"Area 5120 px (uncalibrated)"``."""
        if self.calibrated:
            lines = [
                f"Area {self.area_mm2:.1f} mm²",
                f"Long axis {self.long_axis_mm:.1f} mm",
                f"Short axis {self.short_axis_mm:.1f} mm",
                f"Depth {self.depth_mm:.1f} mm × width {self.width_mm:.1f} mm",
                f"Perimeter {self.perimeter_mm:.1f} mm",
            ]
        else:
            lines = [
                f"Area {self.area_px:.0f} px (uncalibrated)",
                f"Long axis {self.long_axis_px:.1f} px",
                f"Short axis {self.short_axis_px:.1f} px",
                f"Depth {self.depth_px:.0f} px × width {self.width_px:.0f} px",
                f"Perimeter {self.perimeter_px:.1f} px",
            ]
        shape_word = "taller than wide" if self.taller_than_wide else "wider than tall"
        lines += [
            f"Depth/width ratio {self.depth_width_ratio:.2f} ({shape_word})",
            f"Orientation {self.orientation_deg:.0f}°",
            f"Circularity {self.circularity:.2f}",
        ]
        if self.n_components > 1:
            lines.append(f"{self.n_components} separate regions; the largest is measured")
        return lines


def measure_mask(mask: np.ndarray, calibration: Calibration | None = None) -> LesionMeasurements | None:
    """Measure the largest connected (8-connected) piece of a lesion mask.

    Parameters
    ----------
    mask
        2-D array; non-zero pixels are lesion.
    calibration
        Pixel spacing of the scan; lengths and areas in mm are None without one.

    Returns
    -------
    LesionMeasurements or None
        None when the mask is empty.
    """
    binary = np.asarray(mask)
    if binary.ndim != 2:
        raise ValueError(f"a lesion mask must be 2-D, got shape {binary.shape}")
    binary = binary.astype(bool, copy=False)
    rows = np.flatnonzero(binary.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(binary.any(axis=0))
    region = binary[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    labels, n_components = ndimage.label(region, structure=_EIGHT_CONNECTED)
    largest = int(np.argmax(np.bincount(labels.ravel())[1:])) + 1
    piece = labels == largest
    piece_rows = np.flatnonzero(piece.any(axis=1))
    piece_cols = np.flatnonzero(piece.any(axis=0))
    piece = piece[piece_rows[0] : piece_rows[-1] + 1, piece_cols[0] : piece_cols[-1] + 1]
    origin = np.array([rows[0] + piece_rows[0], cols[0] + piece_cols[0]], dtype=np.float64)

    spacing_mm = calibration.spacing_mm if calibration is not None else None
    calibrated = spacing_mm is not None
    # Without calibration every length is in pixels, i.e. a spacing of one.
    spacing = np.array(spacing_mm if spacing_mm is not None else (1.0, 1.0), dtype=np.float64)

    coverage, block = _block_averaged(piece)
    # Padding closes every contour; undoing it and the block size and adding the origin gives image
    # coordinates (a block's centre lies (block - 1) / 2 pixels in from its corner).
    to_image = origin + (block - 1) / 2.0
    contours = [(c - 1.0) * block + to_image for c in find_contours(np.pad(coverage, 1), 0.5)]
    outline = np.concatenate(contours)
    hull = _hull_points(outline * spacing)

    long_ends = _farthest_pair(hull)
    short_ends = _longest_inside_chord([c * spacing for c in contours], long_ends)
    long_px = _pixel_ends(long_ends, spacing)
    short_px = _pixel_ends(short_ends, spacing)
    orientation = _principal_orientation(piece, spacing)

    area_px = float(piece.sum())
    depth_px, width_px = float(piece.shape[0]), float(piece.shape[1])
    boundary = [c * block + (block - 1) / 2.0 for c in _smooth_contours(coverage)] or contours
    perimeter_px = sum(_polyline_length(c, np.ones(2)) for c in boundary)
    perimeter_phys = sum(_polyline_length(c, spacing) for c in boundary)
    area_phys = area_px * float(spacing[0] * spacing[1])
    depth_phys, width_phys = depth_px * float(spacing[0]), width_px * float(spacing[1])
    ratio = depth_phys / width_phys

    def in_mm(value: float) -> float | None:
        return value if calibrated else None

    return LesionMeasurements(
        area_px=area_px,
        area_mm2=in_mm(area_phys),
        long_axis_px=_length(long_px),
        long_axis_mm=in_mm(_length(long_ends)),
        short_axis_px=_length(short_px),
        short_axis_mm=in_mm(_length(short_ends)),
        depth_px=depth_px,
        width_px=width_px,
        depth_mm=in_mm(depth_phys),
        width_mm=in_mm(width_phys),
        depth_width_ratio=ratio,
        taller_than_wide=ratio > 1.0,
        orientation_deg=orientation,
        perimeter_px=perimeter_px,
        perimeter_mm=in_mm(perimeter_phys),
        # The estimate can pass 1 for shapes of a few pixels; a disk is the most circular shape there is.
        circularity=min(4.0 * math.pi * area_phys / perimeter_phys**2, 1.0) if perimeter_phys > 0 else 0.0,
        calibrated=calibrated,
        n_components=int(n_components),
        long_axis_endpoints=_as_points(long_px),
        short_axis_endpoints=_as_points(short_px),
    )


def _block_averaged(piece: np.ndarray) -> tuple[np.ndarray, int]:
    """The piece as float coverage, block-averaged to at most ``CONTOUR_MAX_PIXELS``; and the block size."""
    block = max(1, math.ceil(math.sqrt(piece.size / CONTOUR_MAX_PIXELS)))
    if block == 1:
        return piece.astype(np.float32), 1
    rows, cols = -(-piece.shape[0] // block) * block, -(-piece.shape[1] // block) * block
    padded = np.zeros((rows, cols), dtype=np.float32)
    padded[: piece.shape[0], : piece.shape[1]] = piece
    return padded.reshape(rows // block, block, cols // block, block).mean(axis=(1, 3)), block


def _smooth_contours(piece: np.ndarray) -> list[np.ndarray]:
    """Half-height contours of the lightly blurred mask: a perimeter free of the pixel staircase.

    The staircase of a pixel outline makes a disk's perimeter about 6 % too long (circularity 0.89);
    blurring by one pixel first brings the estimate within about 1 %. Shapes only a pixel or two
    thick vanish under the blur and give an empty list, and the caller falls back to the pixel outline.
    """
    pad = 2 + math.ceil(4 * _PERIMETER_BLUR_SIGMA)
    blurred = ndimage.gaussian_filter(np.pad(piece.astype(np.float32), pad), _PERIMETER_BLUR_SIGMA)
    return [c - pad for c in find_contours(blurred, 0.5)]


def _principal_orientation(piece: np.ndarray, spacing: np.ndarray) -> float:
    """Angle of the major axis of the lesion's second moments, in screen degrees within (-90, 90].

    The farthest pair of outline points fixes the long axis length well but its direction poorly:
    near the tips the width of an elongated shape hardly changes with angle, so pixel steps swing
    the farthest pair by several degrees. The moment axis uses every pixel and does not.
    """
    coords = np.argwhere(piece) * spacing
    centred = coords - coords.mean(axis=0)
    _, vectors = np.linalg.eigh(centred.T @ centred)
    d_row, d_col = vectors[:, -1]
    # Rows grow downwards on screen, so a rise to the right is a negative row step.
    angle = math.degrees(math.atan2(-d_row, d_col))
    if angle <= -90.0:
        angle += 180.0
    elif angle > 90.0:
        angle -= 180.0
    return angle


def _hull_points(points: np.ndarray) -> np.ndarray:
    """Vertices of the convex hull, in order.

    The half-height contour of even a single pixel is a diamond, so there are always enough
    non-collinear points for a hull.
    """
    unique = np.unique(points, axis=0)
    return unique[ConvexHull(unique).vertices]


def _farthest_pair(hull: np.ndarray) -> np.ndarray:
    """The two hull vertices farthest apart (maximum Feret diameter), shape (2, 2)."""
    gaps = hull[:, None, :] - hull[None, :, :]
    first, second = np.unravel_index(np.argmax(np.einsum("ijk,ijk->ij", gaps, gaps)), gaps.shape[:2])
    return np.stack([hull[first], hull[second]])


def _longest_inside_chord(outlines: list[np.ndarray], long_ends: np.ndarray, samples: int = 512) -> np.ndarray:
    """The longest segment perpendicular to the long axis that lies inside the outline, shape (2, 2).

    A chord of the convex hull can leave a concave (e.g. kidney-shaped) lesion and end in tissue; this one
    is cut by the outline itself (even-odd rule, so holes count as outside), at ``samples`` positions along
    the long axis.
    """
    axis = long_ends[1] - long_ends[0]
    along = axis / np.linalg.norm(axis)
    across = np.array([-along[1], along[0]])
    starts = np.concatenate([c for c in outlines])
    ends = np.concatenate([np.roll(c, -1, axis=0) for c in outlines])
    t_start, t_end = starts @ along, ends @ along
    low, high = float(min(t_start.min(), t_end.min())), float(max(t_start.max(), t_end.max()))
    positions = np.linspace(low, high, samples + 2)[1:-1]
    best_length, best = -1.0, np.stack([long_ends[0], long_ends[0]])
    for t in positions:
        # Half-open crossing test: a vertex exactly on the line is counted once.
        crossing = (t_start <= t) != (t_end <= t)
        if crossing.sum() < 2:
            continue
        a, b = starts[crossing], ends[crossing]
        frac = (t - t_start[crossing]) / (t_end[crossing] - t_start[crossing])
        points = a + frac[:, None] * (b - a)
        order = np.argsort(points @ across)
        points = points[order]
        inside = points[: len(points) // 2 * 2].reshape(-1, 2, 2)
        lengths = np.linalg.norm(inside[:, 1] - inside[:, 0], axis=1)
        k = int(np.argmax(lengths))
        if lengths[k] > best_length:
            best_length, best = float(lengths[k]), inside[k]
    return best


def _pixel_ends(ends: np.ndarray, spacing: np.ndarray) -> np.ndarray:
    return ends / spacing


def _length(ends: np.ndarray) -> float:
    return float(np.linalg.norm(ends[1] - ends[0]))


def _as_points(ends: np.ndarray) -> tuple[Point, Point]:
    return (float(ends[0, 0]), float(ends[0, 1])), (float(ends[1, 0]), float(ends[1, 1]))


def _polyline_length(points: np.ndarray, spacing: np.ndarray) -> float:
    return float(np.linalg.norm(np.diff(points, axis=0) * spacing, axis=1).sum())
