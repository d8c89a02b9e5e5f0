"""Numbers the BI-RADS descriptor rules read: outline geometry, margin, echo and posterior intensities.

Every feature is scale-free (lengths relative to the lesion's size, intensities relative to the tissue
around it), so the rules in :mod:`busviewer.core.birads` hold for any scanner gain and image size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from scipy import ndimage
from skimage.measure import find_contours

_EIGHT_CONNECTED = np.ones((3, 3), dtype=bool)
#: Pixels at or below this grey value outside the lesion are screen background, not tissue.
_BACKGROUND_GREY = 3
#: Angular resolution of the radial outline profile.
_N_ANGLES = 360
#: Outlines are analysed on a copy whose lesion spans at most this many pixels across: the rules are
#: scale-free and a 2000-pixel lesion would only cost time.
_MAX_SPAN = 400


@dataclass(frozen=True)
class LesionFeatures:
    """Scale-free numbers describing one lesion (the largest piece of its mask) in its image.

    Attributes
    ----------
    aspect
        Minor / major axis of the moment-equivalent ellipse (1 for a disk).
    ellipse_iou
        Overlap (IoU) of the lesion with its moment-equivalent ellipse (1 for an ellipse).
    solidity
        Area / convex hull area.
    roughness
        RMS deviation of the outline radius from its own 30-degree smoothing, relative to the mean
        radius: small undulations (microlobulation, spicules) of an otherwise smooth outline.
    spikes
        Narrow outward peaks of the radial profile (over 12 % above the smoothed radius, under
        20 degrees wide): candidate spicules.
    corners
        Sharp convex corners (interior angle under 110 degrees) of the simplified outline: angular margins.
    tilt_deg
        Angle of the long axis from the horizontal (0..90).
    depth_width
        Vertical over horizontal extent.
    edge_contrast
        (outer band mean - inner band mean) / pooled band standard deviation: high for a crisp edge.
    echo_ratio
        Mean grey of the lesion's core (the mask less a border of a tenth of its radius) / mean grey of
        the tissue ring (out to half the lesion's radius) around it.
    inner_spread
        Spread (90th - 10th percentile) of the lightly smoothed core grey, relative to the ring mean.
    dark_fraction
        Share of the core darker than 0.3 of the surrounding tissue mean (fluid-like).
    posterior_ratio
        Mean grey beneath the lesion / mean grey beside it at the same depth (1 when nothing to compare).
    posterior_left, posterior_right
        The same ratio for the left and right halves beneath the lesion.
    """

    aspect: float
    ellipse_iou: float
    solidity: float
    roughness: float
    spikes: int
    corners: int
    tilt_deg: float
    depth_width: float
    edge_contrast: float
    echo_ratio: float
    inner_spread: float
    dark_fraction: float
    posterior_ratio: float
    posterior_left: float
    posterior_right: float

    def as_dict(self) -> dict[str, float]:
        """Every feature by name (JSON, the design notes)."""
        return {item.name: float(getattr(self, item.name)) for item in fields(self)}


def largest_piece(mask: np.ndarray) -> np.ndarray | None:
    """The largest 8-connected piece of ``mask`` as a bool array of the same shape, or None when empty."""
    binary = np.asarray(mask, dtype=bool)
    if not binary.any():
        return None
    labels, count = ndimage.label(binary, structure=_EIGHT_CONNECTED)
    if count == 1:
        return binary
    largest = int(np.argmax(np.bincount(labels.ravel())[1:])) + 1
    return labels == largest


def lesion_features(image: np.ndarray, mask: np.ndarray) -> LesionFeatures | None:
    """Measure the features of the largest lesion piece.

    Parameters
    ----------
    image
        uint8 grey (H, W) frame, as the network reads it.
    mask
        bool (H, W) lesion mask.

    Returns
    -------
    LesionFeatures or None
        None when the mask is empty or too small (< 20 pixels) to describe.
    """
    piece = largest_piece(mask)
    if piece is None or piece.sum() < 20:
        return None
    if image.shape != piece.shape:
        raise ValueError(f"image {image.shape} and mask {piece.shape} differ in size")
    # Every region the rules look at (the tissue ring, the zones beneath and beside) lies within one
    # lesion extent of it, so the rest of a large frame is cut away first: the same numbers, far less work.
    rows, cols = np.flatnonzero(piece.any(axis=1)), np.flatnonzero(piece.any(axis=0))
    reach = max(rows[-1] - rows[0], cols[-1] - cols[0]) + 4
    window = (slice(max(0, rows[0] - reach), rows[-1] + reach + 1), slice(max(0, cols[0] - reach), cols[-1] + reach + 1))
    piece = piece[window]
    grey = np.asarray(image, dtype=np.float32)[window]
    geometry = _geometry(piece)
    # Grey levels are read on a copy where the lesion spans at most _MAX_SPAN pixels too (block means):
    # the features are ratios of region means, which the averaging keeps.
    factor = math.ceil(reach / _MAX_SPAN)
    if factor > 1:
        grey = _block_mean(grey, factor)
        piece = _block_mean(piece.astype(np.float32), factor) > 0.5
    intensity = _intensities(grey, piece)
    # The two parts name LesionFeatures' fields (ints and floats): checked when it is built.
    return LesionFeatures(**geometry, **intensity)


def _block_mean(values: np.ndarray, factor: int) -> np.ndarray:
    """Means of ``factor`` x ``factor`` blocks (a ragged edge is dropped)."""
    rows, cols = values.shape[0] // factor * factor, values.shape[1] // factor * factor
    return values[:rows, :cols].reshape(rows // factor, factor, cols // factor, factor).mean(axis=(1, 3))


def _grown(piece: np.ndarray, steps: int) -> np.ndarray:
    """``piece`` dilated by ``steps`` 4-connected steps (one distance transform, not ``steps`` passes)."""
    return ndimage.distance_transform_cdt(~piece, metric="taxicab") <= steps


def _shrunk(piece: np.ndarray, steps: int) -> np.ndarray:
    """``piece`` eroded by ``steps`` 4-connected steps, the frame's edge counting as outside."""
    padded = np.pad(piece, 1)
    return (ndimage.distance_transform_cdt(padded, metric="taxicab") > steps)[1:-1, 1:-1]


def _geometry(piece: np.ndarray) -> dict[str, Any]:
    rows, cols = np.nonzero(piece)
    r0, r1, c0, c1 = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    crop = piece[r0:r1, c0:c1]
    depth_width = (r1 - r0) / (c1 - c0)
    scale = min(1.0, _MAX_SPAN / max(crop.shape))
    if scale < 1.0:
        crop = ndimage.zoom(crop.astype(np.float32), scale, order=1) > 0.5
    crop = np.pad(crop, 2)
    coords = np.argwhere(crop).astype(np.float64)
    centre = coords.mean(axis=0)
    cov = np.cov((coords - centre).T) + np.eye(2) / 12.0
    values, vectors = np.linalg.eigh(cov)
    minor, major = 2.0 * np.sqrt(values)
    d_row, d_col = vectors[:, 1]
    tilt = abs(math.degrees(math.atan2(d_row, d_col)))
    tilt = 180.0 - tilt if tilt > 90.0 else tilt

    yy, xx = np.indices(crop.shape, dtype=np.float64)
    offset = np.stack([yy - centre[0], xx - centre[1]], axis=-1) @ vectors
    ellipse = (offset[..., 0] / minor) ** 2 + (offset[..., 1] / major) ** 2 <= 1.0
    iou = float((ellipse & crop).sum() / (ellipse | crop).sum())

    outline = max(find_contours(crop.astype(np.float32), 0.5), key=len)
    solidity = float(crop.sum() / _polygon_area(_convex_hull(outline)))
    radius = _radial_profile(outline, centre)
    smooth = _circular_mean(radius, 30)
    roughness = float(np.sqrt(np.mean((radius - smooth) ** 2)) / radius.mean())
    return {
        "aspect": float(minor / major), "ellipse_iou": iou, "solidity": min(solidity, 1.0),
        "roughness": roughness, "spikes": _count_spikes(radius / _circular_mean(radius, 60)),
        "corners": _count_corners(outline), "tilt_deg": tilt, "depth_width": float(depth_width),
    }


def _radial_profile(outline: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """Farthest outline distance from the centre per degree (gaps filled from neighbours)."""
    delta = outline - centre
    angle = np.degrees(np.arctan2(delta[:, 0], delta[:, 1])) % 360.0
    distance = np.hypot(delta[:, 0], delta[:, 1])
    bins = (angle * _N_ANGLES / 360.0).astype(int) % _N_ANGLES
    profile = np.zeros(_N_ANGLES)
    np.maximum.at(profile, bins, distance)
    empty = profile == 0
    if empty.any():
        known = np.flatnonzero(~empty)
        profile[empty] = np.interp(np.flatnonzero(empty), known, profile[known], period=_N_ANGLES)
    return profile


def _circular_mean(values: np.ndarray, width_deg: int) -> np.ndarray:
    size = max(1, int(width_deg * _N_ANGLES / 360))
    return ndimage.uniform_filter1d(values, size, mode="wrap")


def _count_spikes(relative: np.ndarray) -> int:
    """Runs of the radius over 12 % above its 60-degree smoothing that are under 20 degrees wide."""
    above = relative > 1.12
    if above.all() or not above.any():
        return 0
    start = int(np.argmin(above))  # begin the scan outside a run so runs do not wrap
    runs, length = 0, 0
    for value in np.roll(above, -start):
        if value:
            length += 1
        elif length:
            runs += length < 20 * _N_ANGLES / 360
            length = 0
    return runs + (0 < length < 20 * _N_ANGLES / 360)


def _count_corners(outline: np.ndarray) -> int:
    """Convex vertices sharper than 110 degrees on the outline simplified to 4 % of its size."""
    from skimage.measure import approximate_polygon

    extent = float(np.ptp(outline, axis=0).max())
    poly = approximate_polygon(outline, tolerance=0.04 * extent)[:-1]
    if len(poly) < 3:
        return 0
    orientation = np.sign(_signed_area(poly))
    count = 0
    for i in range(len(poly)):
        before, here, after = poly[i - 1], poly[i], poly[(i + 1) % len(poly)]
        a, b = before - here, after - here
        cross = a[0] * b[1] - a[1] * b[0]
        angle = math.degrees(math.acos(np.clip(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-9), -1, 1)))
        # A convex vertex turns the same way as the whole polygon.
        if np.sign(cross) == -orientation and angle < 110.0:
            count += 1
    return count


def _signed_area(poly: np.ndarray) -> float:
    x, y = poly[:, 1], poly[:, 0]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def _polygon_area(poly: np.ndarray) -> float:
    return abs(_signed_area(poly))


def _convex_hull(points: np.ndarray) -> np.ndarray:
    from scipy.spatial import ConvexHull

    unique = np.unique(points, axis=0)
    return unique[ConvexHull(unique).vertices]


def _intensities(grey: np.ndarray, piece: np.ndarray) -> dict[str, Any]:
    area = float(piece.sum())
    radius = math.sqrt(area / math.pi)
    tissue = grey > _BACKGROUND_GREY
    band = max(2, round(0.08 * radius))
    inner = piece & ~_shrunk(piece, band)
    outer = _grown(piece, band) & ~piece & tissue
    ring = _grown(piece, max(3, round(0.5 * radius))) & ~piece & tissue
    ring_mean = max(float(grey[ring].mean()) if ring.any() else float(grey[tissue].mean()), 1.0)
    contrast = 0.0
    if outer.any():
        spread = math.sqrt(0.5 * (grey[inner].var() + grey[outer].var())) + 1.0
        contrast = (float(grey[outer].mean()) - float(grey[inner].mean())) / spread
    # The echo pattern is read from the lesion's core: the border pixels of a hand-drawn or predicted
    # outline mix lesion and tissue.
    core = _shrunk(piece, max(1, round(0.1 * radius)))
    if core.sum() < 10:
        core = piece
    inside = ndimage.uniform_filter(grey, size=max(3, round(0.1 * radius)))[core]
    fluid = ndimage.gaussian_filter(grey, 2.0)[core] < 0.3 * ring_mean
    below, left, right = _posterior(grey, piece, tissue)
    return {
        "edge_contrast": contrast, "echo_ratio": float(inside.mean()) / ring_mean,
        "inner_spread": float(np.percentile(inside, 90) - np.percentile(inside, 10)) / ring_mean,
        "dark_fraction": float(fluid.mean()),
        "posterior_ratio": below, "posterior_left": left, "posterior_right": right,
    }


def _posterior(grey: np.ndarray, piece: np.ndarray, tissue: np.ndarray) -> tuple[float, float, float]:
    """Ratios of the mean grey beneath the lesion to the tissue beside it at the same depths.

    Beneath: the central 80 % of the lesion's columns, from each column's deepest lesion pixel down by
    half the lesion's depth. Beside: columns one half-width to the left and right of the lesion at the
    same rows. Screen background is left out of both.
    """
    rows, cols = np.nonzero(piece)
    top, bottom = rows.min(), rows.max()
    left, right = cols.min(), cols.max()
    width, depth = right - left + 1, bottom - top + 1
    reach = max(3, depth // 2)
    margin = int(0.1 * width)
    lower_edge = np.full(grey.shape[1], -1)
    np.maximum.at(lower_edge, cols, rows)
    below = np.zeros_like(piece)
    for col in range(left + margin, right - margin + 1):
        if lower_edge[col] >= 0:
            below[lower_edge[col] + 1 : lower_edge[col] + 1 + reach, col] = True
    below &= tissue & ~piece
    beside = np.zeros_like(piece)
    side = max(3, width // 2)
    row_slice = slice(bottom + 1 - depth // 2, min(grey.shape[0], bottom + 1 + reach))
    beside[row_slice, max(0, left - side) : max(0, left - 2)] = True
    beside[row_slice, right + 3 : right + 3 + side] = True
    beside &= tissue & ~piece
    if below.sum() < 10 or beside.sum() < 10:
        return 1.0, 1.0, 1.0
    reference = max(float(grey[beside].mean()), 1.0)
    middle = (left + right) // 2
    halves = []
    for part in (slice(0, middle + 1), slice(middle + 1, grey.shape[1])):
        region = np.zeros_like(below)
        region[:, part] = below[:, part]
        halves.append(float(grey[region].mean()) / reference if region.sum() >= 5 else float(grey[below].mean()) / reference)
    return float(grey[below].mean()) / reference, halves[0], halves[1]
