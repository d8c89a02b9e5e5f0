"""Inference on one frame: pre-process, forward (optionally with a mirrored copy), post-process to source size."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import torch

from busviewer.core.constants import (
    CANDIDATE_PEAK_SHARE,
    CLASS_NAMES,
    FLIP_TTA,
    NORMAL_SUPPRESSES_MASK,
    STRONG_LESION_MEAN,
)
from busviewer.core.prediction import Prediction
from busviewer.core.prompts import Prompt
from busviewer.ml.checkpoint import LoadedModel, default_weights_path, load_weights
from busviewer.ml.device import pick_device
from busviewer.ml.familiarity import FamiliarityReference, load_reference
from busviewer.ml.letterbox import Letterbox
from busviewer.ml.network_input import NetworkImage, prepare_image, prepare_input
from busviewer.ml.onnx_runtime import OnnxForward, onnx_forward_for
from busviewer.ml.postprocess import binary_entropy, probability_to_mask


class Predictor:
    """Owns one network copy for inference; weights can be swapped atomically while in use.

    Parameters
    ----------
    weights
        safetensors file; the shipped default when None.
    device
        ``auto``, ``cpu``, ``cuda`` or ``mps``.
    flip_tta
        Also run the horizontally flipped image: the average is the probability, the disagreement
        feeds the uncertainty map.
    runtime
        ``auto`` runs the forward pass through ONNX Runtime on CPU when it is installed and agrees
        with torch (faster); ``torch`` always uses torch (no export, for short-lived predictors).
    """

    def __init__(
        self,
        weights: Path | None = None,
        device: str = "auto",
        flip_tta: bool = FLIP_TTA,
        loaded: LoadedModel | None = None,
        runtime: str = "auto",
    ) -> None:
        if runtime not in ("auto", "torch"):
            raise ValueError(f"unknown runtime {runtime!r}")
        self.device = pick_device(device)
        self.flip_tta = flip_tta
        self.runtime = runtime
        self._lock = threading.Lock()
        self._loaded, self._onnx, self._reference = self._prepare(
            loaded or load_weights(weights or default_weights_path()))

    def _prepare(self, loaded: LoadedModel) -> tuple[LoadedModel, OnnxForward | None, FamiliarityReference | None]:
        reference = load_reference(loaded.path, loaded.model_id)
        loaded.network.to(self.device).eval()
        if self.device.type != "cpu":
            return loaded, None, reference
        loaded.network.to(memory_format=torch.channels_last)
        onnx = None
        if self.runtime == "auto":
            onnx = onnx_forward_for(loaded.network, loaded.input_size, loaded.model_id)
        return loaded, onnx, reference

    @property
    def runtime_name(self) -> str:
        """What runs the forward pass: ``onnxruntime`` or ``torch``."""
        return "onnxruntime" if self._onnx is not None else "torch"

    @property
    def model_id(self) -> str:
        return self._loaded.model_id

    @property
    def weights_path(self) -> Path | None:
        return self._loaded.path

    def swap_weights(self, weights: Path) -> None:
        """Load ``weights`` fully, then replace the active network in one step; failures leave the old one."""
        fresh, onnx, reference = self._prepare(load_weights(weights))
        with self._lock:
            self._loaded, self._onnx, self._reference = fresh, onnx, reference

    @property
    def takes_prompts(self) -> bool:
        """True when the network has guidance channels for click and box prompts."""
        return self._loaded.in_channels > 1

    def prepare_image(self, grey_image: np.ndarray) -> NetworkImage:
        """The prompt-free part of the network input for a frame, to pass to :meth:`forward` for every click."""
        with self._lock:
            loaded = self._loaded
        return prepare_image(grey_image, loaded.input_size, loaded.preprocessing)

    @torch.inference_mode()
    def forward(
        self, grey_image: np.ndarray | None, prompts: Sequence[Prompt] = (), image: NetworkImage | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, Letterbox]:
        """Network-resolution outputs: (lesion probability, calibrated class probabilities, flip
        disagreement, pooled bottleneck features of the unflipped scan, where the frame sits in the input).

        ``image`` is the frame's :meth:`prepare_image` (then ``grey_image`` may be None); it must come from
        the weights in use, so callers keep it per model id.
        """
        with self._lock:
            loaded, onnx = self._loaded, self._onnx
        prepared = prepare_input(grey_image, loaded.input_size, loaded.in_channels, prompts, loaded.preprocessing, image)
        batch = torch.from_numpy(prepared.array[np.newaxis])
        if self.flip_tta:
            batch = torch.cat((batch, torch.flip(batch, dims=(3,))))
        if onnx is not None:
            mask_logits, class_logits, features = (torch.from_numpy(out) for out in onnx(batch.numpy()))
        else:
            batch = batch.to(self.device)
            if self.device.type == "cpu":
                batch = batch.contiguous(memory_format=torch.channels_last)
            mask_logits, class_logits, features = loaded.network.forward_with_features(batch)
        probs = torch.sigmoid(mask_logits[:, 0]).float().cpu().numpy()
        classes = torch.softmax(class_logits.float() / loaded.temperature, dim=1).cpu().numpy()
        scan_features = features[0].float().cpu().numpy()
        if self.flip_tta:
            probs[1] = probs[1][:, ::-1]
            disagreement = np.abs(probs[0] - probs[1])
            return probs.mean(axis=0), classes.mean(axis=0), disagreement, scan_features, prepared.letterbox
        return probs[0], classes[0], np.zeros_like(probs[0]), scan_features, prepared.letterbox

    def predict(self, grey_image: np.ndarray, frame_index: int = 0, prompts: Sequence[Prompt] = ()) -> Prediction:
        """Predict on a uint8 grey frame (H, W); every output map is at (H, W).

        ``prompts`` (reader clicks and boxes, source pixels) steer networks with guidance channels; a
        prompted outline is never withheld, since the reader has said where the lesion is.
        """
        lesion, classes, disagreement, features, box = self.forward(grey_image, prompts)
        reference = self._reference
        lesion_full = box.to_source(lesion)
        uncertainty = np.clip(binary_entropy(lesion) + disagreement, 0.0, 1.0)
        mask = probability_to_mask(lesion_full)
        withheld = 0
        if not prompts and withholds_outline(classes, lesion_full, mask):
            withheld = int(mask.sum())
            mask = np.zeros_like(mask)
        candidate = strongest_candidate(lesion_full) if not mask.any() else None
        return Prediction(
            probabilities=classes.astype(np.float64),
            lesion_probability=lesion_full,
            mask=mask,
            withheld_lesion_pixels=withheld,
            uncertainty=box.to_source_linear(uncertainty),
            model_id=self.model_id,
            device=self.device.type,
            frame_index=frame_index,
            familiarity_distance=None if reference is None else reference.distance(features),
            familiarity_threshold=None if reference is None else reference.threshold,
            candidate_mask=None if candidate is None else candidate[0],
            candidate_probability=None if candidate is None else candidate[1],
        )


def withholds_outline(classes: np.ndarray, lesion_probability: np.ndarray, mask: np.ndarray) -> bool:
    """The rule that hides an outline: the class head says normal *and* the lesion map is weak.

    A confident lesion (mean probability inside the outline at least ``STRONG_LESION_MEAN``) is always
    shown, whatever the class head says: hiding it is how the old rule missed real lesions off-site.
    """
    if not mask.any() or classes[CLASS_NAMES.index("normal")] <= NORMAL_SUPPRESSES_MASK:
        return False
    return float(lesion_probability[mask].mean()) < STRONG_LESION_MEAN


def strongest_candidate(lesion_probability: np.ndarray) -> tuple[np.ndarray, float] | None:
    """The region around the lesion map's peak (above ``CANDIDATE_PEAK_SHARE`` of it) and the peak's
    probability, for the reader to reveal when the AI shows nothing; None on an empty map."""
    peak = float(lesion_probability.max()) if lesion_probability.size else 0.0
    if peak <= 0.05:
        return None
    region = (lesion_probability >= CANDIDATE_PEAK_SHARE * peak).astype(np.uint8)
    _, labels = cv2.connectedComponents(region, connectivity=8)
    row, col = np.unravel_index(int(np.argmax(lesion_probability)), lesion_probability.shape)
    return labels == labels[row, col], peak
