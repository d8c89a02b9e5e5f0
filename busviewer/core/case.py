"""The review state of one case: its frames' AI proposals, the reader's masks, class and review status."""

from __future__ import annotations

import getpass
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import numpy as np

from busviewer.core.constants import CLASS_NAMES
from busviewer.core.metrics import dice_score

if TYPE_CHECKING:
    from busviewer.core.prediction import Prediction
from busviewer.core.prompts import Prompt
from busviewer.core.sends import SendRecord

log = logging.getLogger(__name__)


class ReviewStatus(str, Enum):
    """Where a case stands in review; the value is what the store and the exports write."""

    UNREVIEWED = "unreviewed"
    AI_PROPOSED = "ai_proposed"
    CORRECTED = "corrected"
    APPROVED = "approved"
    FLAGGED = "flagged"


def current_user() -> str:
    """The operating-system login name, or ``unknown`` when the platform cannot tell."""
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - getpass raises several kinds when no login name is set
        return "unknown"


def utc_now_iso() -> str:
    """Now, as an ISO 8601 UTC time with seconds, e.g. ``2025-01-31T14:02:11+00:00``."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def case_id_for(workspace_dir: Path, source_path: Path) -> str:
    """The stable case id of ``source_path``: its POSIX path relative to the workspace (absolute if outside).

    A relative id keeps review state valid when the whole workspace folder is moved or shared.
    """
    source = Path(source_path).resolve()
    try:
        relative = source.relative_to(Path(workspace_dir).resolve())
    except ValueError:
        return source.as_posix()
    return PurePosixPath(*relative.parts).as_posix()


def familiarity_flag(prediction: Prediction) -> bool | None:
    """``prediction.unfamiliar``, or None when its weights have no familiarity reference to tell by."""
    return None if prediction.familiarity_threshold is None else prediction.unfamiliar


@dataclass
class FrameReview:
    """AI proposal and current mask for one frame of a case.

    Attributes
    ----------
    frame_index
        Zero-based frame number in the source.
    ai_mask
        bool (H, W) mask the network proposed, at source size, or None before prediction.
    ai_model_id
        Which weights made ``ai_mask``.
    ai_probabilities
        Class probabilities in ``CLASS_NAMES`` order.
    current_mask
        bool (H, W) mask as it stands now (the AI mask until somebody edits it).
    uncertainty_score
        0..1 mean uncertainty near the lesion border, used to sort cases for review.
    mask_keys
        The store's content keys of (``ai_mask``, ``current_mask``), set when the record was read from a
        store, also when the masks themselves were not read: equal content, equal key, so whether a frame
        has a mask and whether a person changed it is known without opening a mask file.
    ai_unfamiliar
        True when the AI flagged the frame as unlike its training scans (``Prediction.unfamiliar``), False
        when it did not, None when its weights cannot tell (no familiarity reference).
    prompts
        The reader's Point-tool prompts (clicks and boxes, source pixels) that shaped ``current_mask``;
        a prompted mask counts as edited (DICOM SEG ``SEMIAUTOMATIC``) even where it equals the AI's.
    """

    frame_index: int
    ai_mask: np.ndarray | None = None
    ai_model_id: str | None = None
    ai_probabilities: tuple[float, float, float] | None = None
    current_mask: np.ndarray | None = None
    uncertainty_score: float | None = None
    mask_keys: tuple[str | None, str | None] | None = None
    ai_unfamiliar: bool | None = None
    prompts: tuple[Prompt, ...] = ()

    def __post_init__(self) -> None:
        self.frame_index = int(self.frame_index)
        self.prompts = tuple(self.prompts)
        if self.ai_mask is not None:
            self.ai_mask = np.asarray(self.ai_mask, dtype=bool)
        if self.current_mask is not None:
            self.current_mask = np.asarray(self.current_mask, dtype=bool)
        if self.ai_probabilities is not None:
            values = tuple(float(p) for p in self.ai_probabilities)
            if len(values) != len(CLASS_NAMES):
                raise ValueError(f"ai_probabilities needs {len(CLASS_NAMES)} values, got {len(values)}")
            self.ai_probabilities = values  # type: ignore[assignment]

    @classmethod
    def from_prediction(cls, prediction: Prediction) -> FrameReview:
        """A frame whose current mask starts as the AI proposal."""
        return cls(
            frame_index=prediction.frame_index,
            ai_mask=prediction.mask.copy(),
            ai_model_id=prediction.model_id,
            ai_probabilities=tuple(float(p) for p in prediction.probabilities),  # type: ignore[arg-type]
            current_mask=prediction.mask.copy(),
            uncertainty_score=prediction.uncertainty_score,
            ai_unfamiliar=familiarity_flag(prediction),
        )

    @property
    def final_mask(self) -> np.ndarray | None:
        """The mask to export: the current one, else the AI proposal."""
        return self.current_mask if self.current_mask is not None else self.ai_mask

    @property
    def has_mask(self) -> bool:
        """True when the frame has a mask (loaded, or known from the store's keys without reading it)."""
        if self.final_mask is not None:
            return True
        return self.mask_keys is not None and any(key is not None for key in self.mask_keys)

    @property
    def is_edited(self) -> bool:
        """True when a person changed the AI mask (or drew one without an AI proposal, or prompted it)."""
        if self.prompts:
            return True
        ai_key, current_key = self.mask_keys or (None, None)
        if self.ai_mask is None and self.current_mask is None:  # masks not read: their keys tell
            return current_key is not None and current_key != ai_key
        if self.ai_mask is None and ai_key is not None and (self.current_mask is None or current_key is not None):
            return current_key is not None and current_key != ai_key  # equal content, equal key
        if self.current_mask is None:
            return False
        if self.ai_mask is None or self.ai_mask.shape != self.current_mask.shape:
            return True
        return bool(np.any(self.ai_mask != self.current_mask))

    def edit_stats(self) -> dict[str, int | float | None]:
        """How much the reader changed the AI mask.

        Returns
        -------
        dict
            ``pixels_changed``: pixels that differ between AI and current mask;
            ``dice_ai_vs_final``: Dice of the two masks (1.0 when both are empty).
            Both are None when either mask is missing or their shapes differ.
        """
        ai, final = self.ai_mask, self.current_mask
        if ai is None or final is None or ai.shape != final.shape:
            return {"pixels_changed": None, "dice_ai_vs_final": None}
        return {
            "pixels_changed": int(np.count_nonzero(ai != final)),
            "dice_ai_vs_final": float(dice_score(ai, final)),
        }


@dataclass
class CaseRecord:
    """Everything the review remembers about one source file.

    Attributes
    ----------
    case_id
        Stable id: the source's path relative to the workspace folder (see ``case_id_for``).
    source_path
        Where the source file is.
    status
        Review status.
    reviewer_class
        The reader's class, one of ``CLASS_NAMES``, or None when not given.
    frames
        Per-frame review state, keyed by frame index.
    updated_by, updated_at
        Login name and ISO UTC time of the last change.
    """

    case_id: str
    source_path: Path
    status: ReviewStatus = ReviewStatus.UNREVIEWED
    reviewer_class: str | None = None
    frames: dict[int, FrameReview] = field(default_factory=dict)
    #: The reader's BI-RADS choices by ``busviewer.core.birads_finding.READER_FIELDS`` name (only those given).
    birads_reader: dict[str, str] = field(default_factory=dict)
    #: The reader's free-text comment on the case.
    comment: str = ""
    #: Frames the reader marked as reviewed key frames (K): exported with edited frames, whatever was played.
    key_frames: frozenset[int] = frozenset()
    #: What was sent to which PACS, oldest first.
    sends: tuple[SendRecord, ...] = ()
    updated_by: str = field(default_factory=current_user)
    updated_at: str = field(default_factory=utc_now_iso)

    def __post_init__(self) -> None:
        self.source_path = Path(self.source_path)
        self.status = ReviewStatus(self.status)
        self.key_frames = frozenset(int(index) for index in self.key_frames)
        if self.reviewer_class is not None and self.reviewer_class not in CLASS_NAMES:
            raise ValueError(f"reviewer_class must be one of {CLASS_NAMES} or None, got {self.reviewer_class!r}")

    def _scored_frame(self) -> FrameReview | None:
        # Frame 0 is the reference; a cine loop scored on another frame only falls back to the first scored one.
        if 0 in self.frames and self.frames[0].ai_probabilities is not None:
            return self.frames[0]
        for index in sorted(self.frames):
            if self.frames[index].ai_probabilities is not None:
                return self.frames[index]
        return None

    @property
    def ai_class(self) -> str | None:
        """The AI's most probable class for the reference frame, or None before prediction."""
        frame = self._scored_frame()
        if frame is None or frame.ai_probabilities is None:
            return None
        return CLASS_NAMES[int(np.argmax(frame.ai_probabilities))]

    @property
    def risk_score(self) -> float | None:
        """Malignant probability of the reference frame (frame 0), or None before prediction."""
        frame = self._scored_frame()
        if frame is None or frame.ai_probabilities is None:
            return None
        return float(frame.ai_probabilities[CLASS_NAMES.index("malignant")])

    @property
    def ai_unfamiliar(self) -> bool:
        """True when the AI flagged any frame as unlike its training scans."""
        return any(frame.ai_unfamiliar for frame in self.frames.values())

    @property
    def model_id(self) -> str | None:
        """The model that scored the reference frame."""
        frame = self._scored_frame()
        return frame.ai_model_id if frame is not None else None

    @property
    def is_edited(self) -> bool:
        """True when any frame's mask was changed by a person."""
        return any(frame.is_edited for frame in self.frames.values())

    def reviewed_by_person(self, index: int) -> bool:
        """True when a person reviewed frame ``index``: edited its mask or marked it as a key frame."""
        frame = self.frames.get(index)
        return index in self.key_frames or (frame is not None and frame.is_edited)
