"""Stratified train/validation split with a fixed seed."""

from __future__ import annotations

import numpy as np


def stratified_split(
    labels: list[int], fraction: float, seed: int
) -> tuple[list[int], list[int]]:
    """Split indices into (train, validation), taking ``fraction`` of each class for validation."""
    rng = np.random.default_rng(seed)
    train: list[int] = []
    val: list[int] = []
    for label in sorted(set(labels)):
        idx = [i for i, lab in enumerate(labels) if lab == label]
        rng.shuffle(idx)
        n_val = int(round(len(idx) * fraction))
        if len(idx) >= 2:
            n_val = min(max(n_val, 1), len(idx) - 1)
        else:
            n_val = 0
        val.extend(idx[:n_val])
        train.extend(idx[n_val:])
    return sorted(train), sorted(val)
