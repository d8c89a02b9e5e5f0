"""What the network proposed for one frame: class probabilities, lesion mask, uncertainty and provenance."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from busviewer.core.constants import CLASS_NAMES


@dataclass
class Prediction:
    """The AI proposal for one frame, at the frame's source size.

    Attributes
    ----------
    probabilities
        Class probabilities in ``CLASS_NAMES`` order, summing to 1.
    lesion_probability
        float32 (H, W) per-pixel lesion probability; None in a copy made by :meth:`without_maps`.
    mask
        bool (H, W) lesion mask after thresholding and removing specks.
    uncertainty
        float32 (H, W) in [0, 1]: binary entropy of the lesion probability (plus the flip disagreement when
        flip test-time augmentation is on), high on doubtful borders; None in a copy made by :meth:`without_maps`.
    model_id
        Which weights made it (name + short hash).
    device
        Where it ran (``cpu``, ``cuda``, ...).
    withheld_lesion_pixels
        Size of a proposal withheld because the class head called the scan normal (0 when none was).
    """

    probabilities: np.ndarray
    lesion_probability: np.ndarray | None
    mask: np.ndarray
    uncertainty: np.ndarray | None
    model_id: str
    device: str
    frame_index: int = 0
    #: Lesion pixels the network proposed but withheld because the class head called the scan normal.
    withheld_lesion_pixels: int = 0
    #: The uncertainty score of the maps a :meth:`without_maps` copy no longer has.
    kept_uncertainty_score: float | None = None
    #: Distance of the scan's network features from the training scans', and the distance beyond which
    #: the scan counts as unlike them; None when the weights have no familiarity reference.
    familiarity_distance: float | None = None
    familiarity_threshold: float | None = None
    #: When no outline is shown: the region around the lesion map's peak, for the reader to reveal with
    #: one key, and the peak's probability; None when an outline is shown or the map is empty.
    candidate_mask: np.ndarray | None = None
    candidate_probability: float | None = None

    def without_maps(self) -> Prediction:
        """A copy without the two float maps (about 100 MB for a 4000 x 3000 frame) for holders that keep
        display-size forms of their own, such as the review; mask, class and uncertainty score stay."""
        return replace(self, lesion_probability=None, uncertainty=None, kept_uncertainty_score=self.uncertainty_score)

    @property
    def unfamiliar(self) -> bool:
        """True when the scan looks unlike anything the model was trained on: treat the proposal with care."""
        if self.familiarity_distance is None or self.familiarity_threshold is None:
            return False
        return self.familiarity_distance > self.familiarity_threshold

    @property
    def predicted_class(self) -> str:
        return CLASS_NAMES[int(np.argmax(self.probabilities))]

    @property
    def probability_dict(self) -> dict[str, float]:
        return {name: float(p) for name, p in zip(CLASS_NAMES, self.probabilities, strict=True)}

    @property
    def uncertainty_score(self) -> float:
        """Mean uncertainty where the model is in doubt (pixels above 0.1), 0 when it is sure everywhere."""
        if self.uncertainty is None:
            assert self.kept_uncertainty_score is not None, "a Prediction without maps keeps their score"
            return self.kept_uncertainty_score
        doubtful = self.uncertainty > 0.1
        return float(self.uncertainty[doubtful].mean()) if doubtful.any() else 0.0
