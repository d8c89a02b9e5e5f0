"""A labelled example for training and fine-tuning: plain arrays, so it crosses process boundaries cheaply."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from busviewer.core.prompts import Prompt

#: The class of a case whose reader set none: it trains the mask only, never the class head (the AI's
#: own class is never used as a label).
UNKNOWN_LABEL = -1


@dataclass(frozen=True)
class LabelledCase:
    """One training case as arrays: uint8 grey image and bool mask at source size, class index, id.

    ``label`` is ``UNKNOWN_LABEL`` when no reader set a class; ``patient`` groups a patient's scans so
    they never straddle a split (None when unknown: near-identical scans are grouped instead).
    ``prompts`` are the reader's Point-tool prompts that produced the mask (source pixels), replayed as
    guidance when fine-tuning a network with guidance inputs.
    """

    image: np.ndarray
    mask: np.ndarray
    label: int
    case_id: str
    patient: str | None = None
    prompts: tuple[Prompt, ...] = ()
