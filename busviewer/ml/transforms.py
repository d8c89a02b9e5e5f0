"""Pre-processing shared by training and inference, and ultrasound-style augmentation for training."""

from __future__ import annotations

import cv2
import numpy as np

from busviewer.core.constants import INPUT_SIZE


def resize_image(image: np.ndarray, size: int = INPUT_SIZE) -> np.ndarray:
    """Resize a uint8 grey image to ``size`` x ``size`` (area filter when shrinking)."""
    shrinking = image.shape[0] > size or image.shape[1] > size
    interp = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    return cv2.resize(image, (size, size), interpolation=interp)


def resize_mask(mask: np.ndarray, size: int = INPUT_SIZE) -> np.ndarray:
    """Resize a bool mask to ``size`` x ``size`` as a float32 coverage map in [0, 1]."""
    return cv2.resize(mask.astype(np.float32), (size, size), interpolation=cv2.INTER_AREA)


def normalise(image: np.ndarray) -> np.ndarray:
    """Per-image z-score: robust to the gain and dynamic range each scanner picks."""
    data = image.astype(np.float32)
    return (data - data.mean()) / (data.std() + 1e-3)


def preprocess(image: np.ndarray, size: int = INPUT_SIZE) -> np.ndarray:
    """uint8 grey (H, W) at source size -> float32 (1, size, size) network input."""
    return normalise(resize_image(image, size))[np.newaxis]


def augment(
    image: np.ndarray, mask: np.ndarray, rng: np.random.Generator, mirror_probability: float = 0.5
) -> tuple[np.ndarray, np.ndarray]:
    """Randomly flip, warp, re-gain and add speckle to a (uint8 image, float mask) pair of equal size.

    The changes mimic what differs between scanners and operators: probe angle and position,
    zoom, time-gain and contrast curves, speckle size and noise.
    """
    size = image.shape[0]
    img = image.astype(np.float32) / 255.0
    msk = mask.astype(np.float32)
    if rng.random() < mirror_probability:
        img, msk = img[:, ::-1], msk[:, ::-1]
    if rng.random() < 0.8:
        angle = rng.uniform(-12, 12)
        scale = rng.uniform(0.85, 1.2)
        matrix = cv2.getRotationMatrix2D((size / 2, size / 2), angle, scale)
        matrix[:, 2] += rng.uniform(-0.08, 0.08, size=2) * size
        img = cv2.warpAffine(img, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        msk = cv2.warpAffine(msk, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    if rng.random() < 0.8:
        img = np.clip(img, 0, 1) ** rng.uniform(0.7, 1.5)
        img = img * rng.uniform(0.8, 1.25) + rng.uniform(-0.08, 0.08)
    if rng.random() < 0.3:
        # A depth-dependent gain ramp, as a different time-gain-compensation setting gives.
        ramp = np.linspace(rng.uniform(0.75, 1.1), rng.uniform(0.75, 1.25), size, dtype=np.float32)
        img = img * ramp[:, np.newaxis]
    if rng.random() < 0.3:
        sigma = rng.uniform(0.4, 1.2)
        img = cv2.GaussianBlur(img, (0, 0), sigma)
    if rng.random() < 0.4:
        grain = rng.normal(0.0, rng.uniform(0.05, 0.2), size=(size, size)).astype(np.float32)
        if rng.random() < 0.5:
            grain = cv2.GaussianBlur(grain, (0, 0), rng.uniform(0.5, 1.5))
        img = img * (1.0 + grain)
    img = np.clip(img, 0, 1)
    return np.ascontiguousarray(img * 255.0), np.ascontiguousarray(msk)
