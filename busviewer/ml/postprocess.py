"""Turn network-resolution outputs into a source-size mask: resize, threshold, clean up.

The clean-up steps (logit-space resize, weak-component removal, hole filling) were chosen on the
training split; each raised lesion Dice there and on the validation split (model card).
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy import ndimage

from busviewer.core.constants import MASK_THRESHOLD, MIN_COMPONENT_MASS_SHARE, MIN_LESION_FRACTION

_EPS = 1e-6


def resize_probability(prob: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Bilinear resize of a float map to (rows, cols)."""
    return cv2.resize(prob.astype(np.float32), (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)


def upsample_lesion_probability(prob: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Resize a lesion probability map to (rows, cols) by interpolating its logits.

    The 0.5 contour is the zero level of the logit, which varies far more linearly between pixels than
    the saturated probability does, so the upsampled outline follows the network's boundary more closely.
    """
    p = np.clip(prob.astype(np.float32), _EPS, 1.0 - _EPS)
    logits = np.log(p) - np.log1p(-p)
    resized = cv2.resize(logits, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)
    return (1.0 / (1.0 + np.exp(-resized))).astype(np.float32)


def probability_to_mask(prob: np.ndarray, threshold: float = MASK_THRESHOLD) -> np.ndarray:
    """Threshold, then keep the lesion-like components and fill their holes.

    A component is dropped when it covers less than ``MIN_LESION_FRACTION`` of the image (speckle) or
    when its summed probability is under ``MIN_COMPONENT_MASS_SHARE`` of the strongest component's (a
    weak echo beside the lesion). Several strong components all stay: scans can hold several lesions.
    """
    binary = (prob > threshold).astype(np.uint8)
    if not binary.any():
        return binary.astype(bool)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    keep = np.zeros(count, dtype=bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= MIN_LESION_FRACTION * binary.size
    if keep.sum() > 1:
        mass = np.asarray(ndimage.sum_labels(prob, labels, index=np.arange(count)), dtype=np.float64)
        keep &= mass >= MIN_COMPONENT_MASS_SHARE * mass[keep].max()
    return fill_holes(keep[labels])


def fill_holes(mask: np.ndarray) -> np.ndarray:
    """``ndimage.binary_fill_holes`` (4-connected background) in one labelling pass, ~10x faster."""
    background = np.pad(~mask, 1, constant_values=True).astype(np.uint8)
    _, labels = cv2.connectedComponents(background, connectivity=4)
    # The padding joins every border-touching background region into the label at the corner.
    return labels[1:-1, 1:-1] != labels[0, 0]


def binary_entropy(prob: np.ndarray) -> np.ndarray:
    """Entropy in bits of a Bernoulli probability map, in [0, 1]."""
    p = np.clip(prob, 1e-6, 1 - 1e-6)
    return (-(p * np.log2(p) + (1 - p) * np.log2(1 - p))).astype(np.float32)
