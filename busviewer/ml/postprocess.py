"""Turn network-resolution outputs into a source-size mask: resize, threshold, drop specks."""

from __future__ import annotations

import cv2
import numpy as np

from busviewer.core.constants import MASK_THRESHOLD, MIN_LESION_FRACTION


def resize_probability(prob: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Bilinear resize of a float map to (rows, cols)."""
    return cv2.resize(prob.astype(np.float32), (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)


def probability_to_mask(prob: np.ndarray, threshold: float = MASK_THRESHOLD) -> np.ndarray:
    """Threshold and remove connected components smaller than ``MIN_LESION_FRACTION`` of the image."""
    binary = (prob > threshold).astype(np.uint8)
    if not binary.any():
        return binary.astype(bool)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    min_area = MIN_LESION_FRACTION * binary.size
    keep = np.zeros(count, dtype=bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= min_area
    return keep[labels]


def binary_entropy(prob: np.ndarray) -> np.ndarray:
    """Entropy in bits of a Bernoulli probability map, in [0, 1]."""
    p = np.clip(prob, 1e-6, 1 - 1e-6)
    return (-(p * np.log2(p) + (1 - p) * np.log2(1 - p))).astype(np.float32)
