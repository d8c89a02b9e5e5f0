"""Plain review state per scan and frame: AI proposal, the reader's mask, heat maps and the reader's class.

Nothing here knows about Qt, so a store can persist it and tests can build it without a QApplication.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from busviewer.core.constants import CLASS_NAMES
from busviewer.core.mask import MaskLayer
from busviewer.core.measurements import LesionMeasurements
from busviewer.core.prediction import Prediction
from busviewer.core.scan import UltrasoundScan


@dataclass
class HeatMap:
    """A Grad-CAM or uncertainty map reduced for display.

    Attributes
    ----------
    display
        uint8 (h, w) map, 0..255, at most ``DISPLAY_SIDE`` pixels on its long side; stretched over the frame.
    peak
        (row, col) of the maximum at the frame's source size, or None when the map is all zero.
    """

    display: np.ndarray
    peak: tuple[int, int] | None = None


@dataclass
class FrameState:
    """What the review knows about one frame.

    Attributes
    ----------
    frame_index
        Zero-based frame number.
    prediction
        The latest AI proposal, or None before one arrived.
    mask
        The editable mask (the AI proposal until a person edits it), or None before anything exists.
    uncertainty
        Display form of ``prediction.uncertainty``.
    uncertainty_score
        ``prediction.uncertainty_score``, kept so the GUI never recomputes it over a large map.
    heatmaps
        Grad-CAM maps by target (a class name or ``lesion``), for the model that made ``prediction``.
    measurements
        Latest measurements of ``mask`` (None when the mask is empty or not yet measured).
    accepted_ai
        The reader accepted the AI proposal (with "accept AI mask"); a new proposal then no longer
        replaces the mask.
    """

    frame_index: int
    prediction: Prediction | None = None
    mask: MaskLayer | None = None
    uncertainty: HeatMap | None = None
    uncertainty_score: float | None = None
    heatmaps: dict[str, HeatMap] = field(default_factory=dict)
    measurements: LesionMeasurements | None = None
    accepted_ai: bool = False
    # Per question ("ai", "candidate"): the layer, its revision and the array it was compared with, and the
    # answer. Comparing two 12-megapixel masks costs milliseconds, and the panels ask after every edit.
    _equal_cache: dict[str, tuple[MaskLayer, int, np.ndarray, bool]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def mask_equals(self, other: np.ndarray, question: str) -> bool:
        """Whether the mask's pixels equal ``other``; remembered until the mask changes."""
        mask = self.mask
        if mask is None:
            return False
        cached = self._equal_cache.get(question)
        if cached is not None and cached[0] is mask and cached[1] == mask.revision and cached[2] is other:
            return cached[3]
        equal = bool(np.array_equal(mask.data, other))
        self._equal_cache[question] = (mask, mask.revision, other, equal)
        return equal

    def ensure_mask(self, shape: tuple[int, int]) -> MaskLayer:
        """The frame's mask layer, created empty on first use."""
        if self.mask is None:
            self.mask = MaskLayer(shape)
        return self.mask

    @property
    def reader_owned(self) -> bool:
        """True when a person edited or accepted the mask; the AI may then no longer replace it."""
        return self.mask is not None and (self.mask.edited or self.accepted_ai)

    @property
    def candidate_shown(self) -> bool:
        """True when the mask is the AI's strongest withheld candidate (the reader asked to see it)."""
        candidate = self.prediction.candidate_mask if self.prediction is not None else None
        return (candidate is not None and self.mask is not None and self.mask_equals(candidate, "candidate")
                and bool(candidate.any()))

    def mask_source(self) -> str:
        """Where the mask on screen came from, in words for the panel."""
        if self.candidate_shown:
            return ("Mask: the AI's strongest candidate, accepted by you" if self.reader_owned
                    else "Mask: the AI's strongest candidate, shown on request, not yet reviewed")
        if self.prediction is not None and self.prediction.withheld_lesion_pixels and not self.reader_owned:
            return (
                f"Mask: AI calls this scan normal, so its {self.prediction.withheld_lesion_pixels} px "
                "lesion outline is withheld (see the uncertainty layer)"
            )
        if self.mask is None or (self.prediction is None and not self.mask.edited):
            return "Mask: none drawn yet"
        if self.prediction is not None and self.mask_equals(self.prediction.mask, "ai"):
            return "Mask: AI proposal, accepted by you" if self.reader_owned else "Mask: AI proposal, not yet reviewed"
        return "Mask: edited by you"


@dataclass
class ReviewState:
    """Review of one scan: per-frame state plus the reader's own class.

    Attributes
    ----------
    scan_key
        Stable key of the scan: its resolved source path, or a per-object key for generated scans.
    source_path
        The file, or None for generated scans.
    shape
        (rows, cols) of every frame.
    n_frames
        Number of frames.
    reviewer_class
        The reader's class (one of ``CLASS_NAMES``) or None when not given.
    birads_reader, comment
        The reader's BI-RADS choices (``busviewer.core.birads_finding.READER_FIELDS``) and free-text comment.
    key_frames
        Frames the reader marked as reviewed key frames (K).
    locked
        The reader approved the case: its masks, class and choices are refused changes and the AI is not run
        again until the case is reopened (an approval always describes what is saved).
    frames
        Per-frame state keyed by frame index, created on first visit.
    """

    scan_key: str
    source_path: Path | None
    shape: tuple[int, int]
    n_frames: int = 1
    reviewer_class: str | None = None
    frames: dict[int, FrameState] = field(default_factory=dict)
    birads_reader: dict[str, str] = field(default_factory=dict)
    comment: str = ""
    key_frames: set[int] = field(default_factory=set)
    locked: bool = False
    #: Per frame, what autosave last took (``review_records.frame_mark``): unchanged frames are not re-sent.
    saved_marks: dict[int, tuple[object, ...]] = field(default_factory=dict, repr=False, compare=False)
    # A generated scan is keyed by its id(); holding it keeps that id from being reused by another scan.
    scan_anchor: object = field(default=None, repr=False, compare=False)

    def frame(self, index: int) -> FrameState:
        """State of frame ``index``, created on first use."""
        if not 0 <= index < self.n_frames:
            raise IndexError(f"frame {index} is outside 0..{self.n_frames - 1}")
        if index not in self.frames:
            self.frames[index] = FrameState(frame_index=index)
        return self.frames[index]

    def set_reviewer_class(self, name: str | None) -> None:
        """Record the reader's class; None clears it."""
        if name is not None and name not in CLASS_NAMES:
            raise ValueError(f"reviewer class must be one of {CLASS_NAMES} or None, got {name!r}")
        self.reviewer_class = name

    @property
    def ai_class(self) -> str | None:
        """The AI's class for the first frame that has a prediction (frame 0 first)."""
        for index in sorted(self.frames):
            prediction = self.frames[index].prediction
            if prediction is not None:
                return prediction.predicted_class
        return None

    @property
    def is_edited(self) -> bool:
        """True when a person changed any frame's mask."""
        return any(frame.mask is not None and frame.mask.edited for frame in self.frames.values())

    def fits(self, scan: UltrasoundScan) -> bool:
        """True when this state still describes ``scan`` (same frame size and count)."""
        return self.shape == scan.shape and self.n_frames == scan.n_frames


def scan_key_for(scan: UltrasoundScan) -> str:
    """The key review state is kept under: the resolved file path, or the object's identity for generated scans."""
    if scan.source_path is not None:
        return str(Path(scan.source_path).resolve())
    return f"memory:{id(scan)}"


def state_for_scan(scan: UltrasoundScan, states: dict[str, ReviewState]) -> ReviewState:
    """Find the state of ``scan`` in ``states``, or start a fresh one when it is new or its file changed shape."""
    key = scan_key_for(scan)
    state = states.get(key)
    if state is None or not state.fits(scan):
        state = ReviewState(
            scan_key=key,
            source_path=scan.source_path,
            shape=scan.shape,
            n_frames=scan.n_frames,
            scan_anchor=scan if scan.source_path is None else None,
        )
        states[key] = state
    return state
