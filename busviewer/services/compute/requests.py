"""The typed requests that cross the pipe to the compute process (plain dataclasses, pickled).

One dataclass per kind of work instead of a task name and positional arguments: the task table maps each
request type to its handler, so a renamed field or a missing argument fails where the request is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from busviewer.core.mask_region import MaskRegion
from busviewer.core.prompt_merge import Gesture
from busviewer.core.prompts import Prompt
from busviewer.core.training_case import LabelledCase


@dataclass(frozen=True)
class ModelSpec:
    """Which network a request runs: a weights file and a device (``auto``, ``cpu``, ``cuda``, ``mps``)."""

    weights: Path
    device: str = "auto"


@dataclass(frozen=True)
class PredictFrameRequest:
    """The AI proposal for one uint8 grey frame; answered with a ``ProposalResult``."""

    model: ModelSpec
    grey: np.ndarray
    frame_index: int


@dataclass(frozen=True)
class PromptRequest:
    """The outline of one uint8 grey frame given every click and box prompt of the frame so far.

    ``frame_key`` names the frame (scan, frame index and a fingerprint of its pixels): the compute process
    keeps the frame under it, so later clicks send ``grey`` None and the answer is a ``FrameNeeded`` when
    the frame is no longer kept. With ``current_mask`` (the reader's mask, as a region) and ``gestures``
    (the gestures made since that mask: new prompts, or prompts taken away) the compute process also merges
    the outline into the mask (``busviewer.core.prompt_merge``) and answers with only the rectangle the
    gestures rewrite: a ``PromptResult``.
    """

    model: ModelSpec
    grey: np.ndarray | None
    prompts: tuple[Prompt, ...]
    frame_index: int = 0
    current_mask: MaskRegion | None = None
    gestures: tuple[Gesture, ...] = ()
    frame_key: str = ""


@dataclass(frozen=True)
class ExplainRequest:
    """Grad-CAM of ``target`` (a class name or ``lesion``) on one uint8 grey frame.

    ``for_display`` True answers with a ``HeatMap`` reduced for the screen; False with the float map at
    the frame's size (what a PDF report prints).
    """

    model: ModelSpec
    grey: np.ndarray
    target: str
    for_display: bool = True


@dataclass(frozen=True)
class FineTuneRequest:
    """Train a candidate from ``base_weights`` on ``cases`` and register it in ``registry_root`` (not active).

    Streams ``JobPhase``/``JobStep``/``JobEpoch`` records and answers with a ``FineTuneOutcome``.
    ``config`` is a ``busviewer.ml.finetune.FineTuneConfig`` or None for its defaults; it is typed loosely
    here because its class lives in ``busviewer.ml``, which the GUI process never imports.
    """

    base_weights: Path
    registry_root: Path
    cases: list[LabelledCase]
    skipped_summary: str
    config: Any | None
    device: str = "auto"


@dataclass(frozen=True)
class DescribeRequest:
    """Who answers: a dict with the child's ``pid``, ``torch_loaded`` and ``qt_loaded``."""
