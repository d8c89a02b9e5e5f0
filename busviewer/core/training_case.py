"""A labelled example for training and fine-tuning: plain arrays, so it crosses process boundaries cheaply."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LabelledCase:
    """One training case as arrays: uint8 grey image and bool mask at source size, class index, id."""

    image: np.ndarray
    mask: np.ndarray
    label: int
    case_id: str
