"""Inference on one frame: pre-process, forward (optionally with a mirrored copy), post-process to source size."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import torch

from busviewer.core.constants import CLASS_NAMES, FLIP_TTA, NORMAL_SUPPRESSES_MASK
from busviewer.core.prediction import Prediction
from busviewer.ml.checkpoint import LoadedModel, default_weights_path, load_weights
from busviewer.ml.device import pick_device
from busviewer.ml.familiarity import FamiliarityReference, load_reference
from busviewer.ml.onnx_runtime import OnnxForward, onnx_forward_for
from busviewer.ml.postprocess import (
    binary_entropy,
    probability_to_mask,
    resize_probability,
    upsample_lesion_probability,
)
from busviewer.ml.transforms import preprocess


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

    @torch.inference_mode()
    def forward(self, grey_image: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Network-resolution outputs: (lesion probability, class probabilities, flip disagreement,
        pooled bottleneck features of the unflipped scan)."""
        with self._lock:
            network, size, onnx = self._loaded.network, self._loaded.input_size, self._onnx
        batch = torch.from_numpy(preprocess(grey_image, size)[np.newaxis])
        if self.flip_tta:
            batch = torch.cat((batch, torch.flip(batch, dims=(3,))))
        if onnx is not None:
            mask_logits, class_logits, features = (torch.from_numpy(out) for out in onnx(batch.numpy()))
        else:
            batch = batch.to(self.device)
            if self.device.type == "cpu":
                batch = batch.contiguous(memory_format=torch.channels_last)
            mask_logits, class_logits, features = network.forward_with_features(batch)
        probs = torch.sigmoid(mask_logits[:, 0]).float().cpu().numpy()
        classes = torch.softmax(class_logits.float(), dim=1).cpu().numpy()
        scan_features = features[0].float().cpu().numpy()
        if self.flip_tta:
            probs[1] = probs[1][:, ::-1]
            disagreement = np.abs(probs[0] - probs[1])
            return probs.mean(axis=0), classes.mean(axis=0), disagreement, scan_features
        return probs[0], classes[0], np.zeros_like(probs[0]), scan_features

    def predict(self, grey_image: np.ndarray, frame_index: int = 0) -> Prediction:
        """Predict on a uint8 grey frame (H, W); every output map is at (H, W)."""
        lesion, classes, disagreement, features = self.forward(grey_image)
        reference = self._reference
        shape = grey_image.shape[:2]
        lesion_full = upsample_lesion_probability(lesion, shape)
        uncertainty = np.clip(binary_entropy(lesion) + disagreement, 0.0, 1.0)
        mask = probability_to_mask(lesion_full)
        withheld = 0
        if classes[CLASS_NAMES.index("normal")] > NORMAL_SUPPRESSES_MASK and mask.any():
            # The joint model calls the scan normal: a lesion outline would contradict its own call.
            withheld = int(mask.sum())
            mask = np.zeros_like(mask)
        return Prediction(
            probabilities=classes.astype(np.float64),
            lesion_probability=lesion_full,
            mask=mask,
            withheld_lesion_pixels=withheld,
            uncertainty=resize_probability(uncertainty, shape),
            model_id=self.model_id,
            device=self.device.type,
            frame_index=frame_index,
            familiarity_distance=None if reference is None else reference.distance(features),
            familiarity_threshold=None if reference is None else reference.threshold,
        )
