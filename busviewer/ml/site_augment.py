"""Augmentation for what differs between hospitals, applied to the imaging area before it is resized.

Each step mimics one thing a scanner, its settings or its operator changes: field of view and depth
(crop, zoom out), probe angle, gain and time-gain compensation, dynamic range, speckle size, blur and
lateral resolution, JPEG compression, and text and calipers burned into the image. The calipers and
text land on lesions and on plain tissue alike, so the network cannot learn to look for them.
"""

from __future__ import annotations

import cv2
import numpy as np

_GLYPHS = "0123456789ABCDEFGHKLMNPRSTUVXYZ.:/-%"
_FONTS = (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_PLAIN, cv2.FONT_HERSHEY_DUPLEX)


def _field_of_view(img: np.ndarray, msk: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Crop to a smaller window that keeps the lesion's centre, or pad to look deeper and wider."""
    rows, cols = img.shape
    if rng.random() < 0.25:
        pad_bottom = int(rows * rng.uniform(0.0, 0.4))
        pad_side = int(cols * rng.uniform(0.0, 0.2))
        img = cv2.copyMakeBorder(img, 0, pad_bottom, pad_side, pad_side, cv2.BORDER_CONSTANT, value=0.0)
        msk = cv2.copyMakeBorder(msk, 0, pad_bottom, pad_side, pad_side, cv2.BORDER_CONSTANT, value=0.0)
        return img, msk
    height = int(rows * rng.uniform(0.6, 1.0))
    width = int(cols * rng.uniform(0.6, 1.0))
    lesion_rows, lesion_cols = np.nonzero(msk > 0.5)
    if lesion_rows.size:
        cy, cx = float(lesion_rows.mean()), float(lesion_cols.mean())
        top_range = (max(int(cy) - height + 1, 0), min(int(cy), rows - height))
        left_range = (max(int(cx) - width + 1, 0), min(int(cx), cols - width))
    else:
        top_range, left_range = (0, rows - height), (0, cols - width)
    top = int(rng.integers(top_range[0], max(top_range[1], top_range[0]) + 1))
    left = int(rng.integers(left_range[0], max(left_range[1], left_range[0]) + 1))
    return img[top : top + height, left : left + width], msk[top : top + height, left : left + width]


def _rotate(img: np.ndarray, msk: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = img.shape
    matrix = cv2.getRotationMatrix2D((cols / 2, rows / 2), rng.uniform(-10, 10), rng.uniform(0.95, 1.1))
    img = cv2.warpAffine(img, matrix, (cols, rows), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    msk = cv2.warpAffine(msk, matrix, (cols, rows), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    return img, msk


def _gain(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Overall gain, a smooth depth-dependent TGC curve and the dynamic-range (gamma) setting."""
    if rng.random() < 0.6:
        knots = rng.uniform(0.6, 1.4, size=4).astype(np.float32)
        curve = np.interp(np.linspace(0, 3, img.shape[0]), np.arange(4), knots).astype(np.float32)
        img = img * curve[:, np.newaxis]
    if rng.random() < 0.8:
        img = np.clip(img, 0, 1) ** rng.uniform(0.55, 1.7)
        img = img * rng.uniform(0.75, 1.3) + rng.uniform(-0.08, 0.08)
    return img


def _texture(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Speckle of another size, blur, and coarser lateral/axial resolution."""
    rows, cols = img.shape
    if rng.random() < 0.4:
        grain = rng.normal(0.0, rng.uniform(0.05, 0.25), size=(rows, cols)).astype(np.float32)
        grain = cv2.GaussianBlur(grain, (0, 0), rng.uniform(0.5, 2.5))
        img = img * (1.0 + grain * 2.0)
    if rng.random() < 0.3:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.3, 1.8))
    if rng.random() < 0.3:
        factor_x, factor_y = rng.uniform(1.3, 3.0), rng.uniform(1.0, 2.0)
        small = cv2.resize(img, (max(int(cols / factor_x), 8), max(int(rows / factor_y), 8)), interpolation=cv2.INTER_AREA)
        img = cv2.resize(small, (cols, rows), interpolation=cv2.INTER_LINEAR)
    return img


def _jpeg(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    encoded = np.clip(img * 255.0, 0, 255).astype(np.uint8)
    ok, data = cv2.imencode(".jpg", encoded, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(15, 70))])
    if not ok:
        return img
    return cv2.imdecode(data, cv2.IMREAD_GRAYSCALE).astype(np.float32) / 255.0


def _random_point(msk: np.ndarray, rng: np.random.Generator, on_lesion: bool) -> tuple[int, int]:
    rows, cols = msk.shape
    edge = np.nonzero(cv2.morphologyEx((msk > 0.5).astype(np.uint8), cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)))
    if on_lesion and edge[0].size:
        i = int(rng.integers(edge[0].size))
        return int(edge[1][i]), int(edge[0][i])
    return int(rng.integers(cols)), int(rng.integers(rows))


def _burn_in(img: np.ndarray, msk: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Text in corners and on the image, calipers ('+' / 'x' marks and dotted lines) on lesion edges and tissue."""
    rows, cols = img.shape
    scale = max(rows, cols) / 400.0
    ink = np.zeros((rows, cols), np.uint8)  # OpenCV draws text on 8-bit images only
    if rng.random() < 0.45:
        for _ in range(int(rng.integers(1, 4))):
            text = "".join(rng.choice(list(_GLYPHS), size=int(rng.integers(2, 9))))
            org = (int(rng.integers(0, max(cols - 40, 1))), int(rng.integers(12, max(rows, 13))))
            cv2.putText(ink, text, org, _FONTS[int(rng.integers(len(_FONTS)))], rng.uniform(0.3, 0.8) * scale,
                        int(rng.integers(180, 256)), max(int(round(scale)), 1), cv2.LINE_AA)
    if rng.random() < 0.35:
        on_lesion = bool(msk.max() > 0.5) and rng.random() < 0.5
        level = int(rng.integers(180, 256))
        arm = max(int(4 * scale), 2)
        points = [_random_point(msk, rng, on_lesion) for _ in range(int(rng.integers(2, 5)))]
        for x, y in points:
            marker = cv2.MARKER_CROSS if rng.random() < 0.5 else cv2.MARKER_TILTED_CROSS
            cv2.drawMarker(ink, (x, y), level, marker, 2 * arm, 1)
        if len(points) >= 2 and rng.random() < 0.5:
            (x0, y0), (x1, y1) = points[0], points[1]
            for t in np.linspace(0, 1, 12):
                cv2.circle(ink, (int(x0 + t * (x1 - x0)), int(y0 + t * (y1 - y0))), 1, level, -1)
    if not ink.any():
        return img
    return np.maximum(img, ink.astype(np.float32) / 255.0)


def augment_imaging_area(
    image: np.ndarray, mask: np.ndarray, rng: np.random.Generator, mirror_probability: float = 0.5
) -> tuple[np.ndarray, np.ndarray]:
    """Augment a (uint8 imaging area, float mask) pair; returns (float32 image in 0-255, float32 mask)."""
    img = image.astype(np.float32) / 255.0
    msk = mask.astype(np.float32)
    if rng.random() < 0.7:
        img, msk = _field_of_view(img, msk, rng)
    if rng.random() < mirror_probability:
        img, msk = img[:, ::-1], msk[:, ::-1]
    if rng.random() < 0.5:
        img, msk = _rotate(np.ascontiguousarray(img), np.ascontiguousarray(msk), rng)
    img = _texture(_gain(np.ascontiguousarray(img), rng), rng)
    img = np.clip(img, 0, 1)
    img = _burn_in(img, msk, rng)
    if rng.random() < 0.3:
        img = _jpeg(img, rng)
    return np.ascontiguousarray(np.clip(img, 0, 1) * 255.0), np.ascontiguousarray(msk)
