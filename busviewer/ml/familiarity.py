"""Is this scan like the ones the model learned from?

The network's globally pooled bottleneck summarises what a scan looked like to it. Its Mahalanobis
distance to the training scans' features (covariance shrunk towards a scaled identity, so a few hundred
scans suffice for a few hundred dimensions) flags input the model has no business judging: another body
part, a test pattern, a blank frame. The threshold is a high percentile of the training scans' own
distances, so about one training scan in a hundred sits beyond it.

The reference lives beside the weights (``NAME.reference.safetensors``) and names the model it was made
for; weights without a matching reference are not checked (and say so: the flag is unknown, never "familiar").
A fine-tune carries its parent's reference (``carry_reference``): a small fine-tune barely moves the
bottleneck features, and the parent's training scans are still what the model learned from; the reference
notes which model it was fitted for, and ``busviewer reference`` refits it on the new features.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from busviewer.core.atomic import atomic_write_bytes
from busviewer.core.paths import FAMILIARITY_REFERENCE_SUFFIX, familiarity_reference_path

log = logging.getLogger(__name__)

#: Weight of the scaled identity in the shrunk covariance.
SHRINKAGE = 0.3
#: Percentile of the training scans' distances used as the threshold.
THRESHOLD_PERCENTILE = 99.0
REFERENCE_SUFFIX = FAMILIARITY_REFERENCE_SUFFIX


@dataclass(frozen=True)
class FamiliarityReference:
    """Mean and shrunk inverse covariance of the training features, and the distance threshold."""

    model_id: str
    mean: np.ndarray
    precision: np.ndarray
    threshold: float
    n_scans: int
    #: The model whose features the reference was fitted on, when it was carried over from it (a fine-tune's parent).
    carried_from: str | None = None

    def distance(self, features: np.ndarray) -> float:
        """Mahalanobis distance of one feature vector to the training scans."""
        centred = np.asarray(features, dtype=np.float64).ravel() - self.mean
        return float(np.sqrt(max(centred @ self.precision @ centred, 0.0)))


def fit_reference(features: np.ndarray, model_id: str) -> FamiliarityReference:
    """Fit a reference to training features [N, D] (N >= 2)."""
    data = np.asarray(features, dtype=np.float64)
    if data.ndim != 2 or data.shape[0] < 2:
        raise ValueError("a familiarity reference needs at least two feature vectors")
    mean = data.mean(axis=0)
    covariance = np.atleast_2d(np.cov(data, rowvar=False))
    scale = max(float(np.trace(covariance)) / covariance.shape[0], 1e-12)
    shrunk = (1.0 - SHRINKAGE) * covariance + SHRINKAGE * scale * np.eye(covariance.shape[0])
    precision = np.linalg.inv(shrunk)
    partial = FamiliarityReference(model_id, mean, precision, float("inf"), int(data.shape[0]))
    distances = [partial.distance(row) for row in data]
    threshold = float(np.percentile(distances, THRESHOLD_PERCENTILE))
    return FamiliarityReference(model_id, mean, precision, threshold, int(data.shape[0]))


def reference_path(weights: Path) -> Path:
    """Where the reference of ``weights`` lives."""
    return familiarity_reference_path(weights)


def save_reference(reference: FamiliarityReference, path: Path) -> None:
    """Write atomically as safetensors (no pickle)."""
    import torch
    from safetensors.torch import save

    tensors = {
        "mean": torch.from_numpy(reference.mean.astype(np.float32)),
        "precision": torch.from_numpy(reference.precision.astype(np.float32)),
    }
    metadata = {"model_id": reference.model_id, "threshold": repr(reference.threshold),
                "n_scans": str(reference.n_scans), "format": "busviewer-familiarity-1"}
    if reference.carried_from:
        metadata["carried_from"] = reference.carried_from
    atomic_write_bytes(Path(path), save(tensors, metadata=metadata))


def carry_reference(parent_weights: Path, parent_model_id: str, weights: Path, model_id: str) -> FamiliarityReference | None:
    """Give ``weights`` (fine-tuned from ``parent_weights``) the parent's reference, noted as carried; None
    (and the new weights stay unchecked) when the parent has none."""
    parent = load_reference(parent_weights, parent_model_id)
    if parent is None:
        log.info("the parent model has no familiarity reference; the fine-tuned one is not checked either")
        return None
    carried = replace(parent, model_id=model_id, carried_from=parent.carried_from or parent.model_id)
    save_reference(carried, reference_path(weights))
    return carried


def load_reference(weights: Path | None, model_id: str) -> FamiliarityReference | None:
    """The reference beside ``weights`` made for ``model_id``; None when absent, unreadable or foreign."""
    if weights is None:
        return None
    path = reference_path(weights)
    if not path.is_file():
        return None
    try:
        from safetensors import safe_open

        with safe_open(str(path), framework="np") as handle:
            meta = handle.metadata() or {}
            mean, precision = handle.get_tensor("mean"), handle.get_tensor("precision")
        if meta.get("format") != "busviewer-familiarity-1" or precision.shape != (mean.size, mean.size):
            raise ValueError("not a familiarity reference")
        threshold, n_scans, carried_from = float(meta["threshold"]), int(meta["n_scans"]), meta.get("carried_from")
    except Exception:  # a damaged reference only turns the check off
        log.warning("familiarity reference %s is unreadable; the check is off", path.name, exc_info=True)
        return None
    if meta.get("model_id") != model_id:
        log.info("familiarity reference %s belongs to another model; the check is off", path.name)
        return None
    return FamiliarityReference(model_id, mean.astype(np.float64), precision.astype(np.float64), threshold, n_scans,
                                carried_from)  # fmt: skip
