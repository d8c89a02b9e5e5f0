"""Grad-CAM (Selvaraju et al. 2017) for the class output and the lesion output, on a network copy of its own."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from busviewer.core.constants import CLASS_NAMES
from busviewer.core.explanation import LESION_TARGET
from busviewer.ml.checkpoint import LoadedModel, default_weights_path, load_weights
from busviewer.ml.device import pick_device
from busviewer.ml.ensemble import members_of
from busviewer.ml.network_input import prepare_input


def _layers(network: torch.nn.Module, target: str) -> list[torch.nn.Module]:
    # The class head reads the bottleneck; one level finer keeps the map readable yet class-driven.
    # The lesion output is explained at the second-finest decoder level. An ensemble explains
    # through every member at that level.
    if target == LESION_TARGET:
        return [member.decoders[-2] for member in members_of(network)]
    return [member.encoders[-2] for member in members_of(network)]


def grad_cam(network: torch.nn.Module, batch: torch.Tensor, target: str) -> np.ndarray:
    """Grad-CAM map in [0, 1] at the network's input size for one image ``batch`` [1, 1, S, S].

    For a class target the score is that class's logit; for ``lesion`` it is the summed mask logit
    over pixels the network calls lesion (all pixels' probabilities when none is called). For an
    ensemble the members' maps of the ensemble's score are summed before scaling.
    """
    store: list[torch.Tensor] = []

    def keep(_module: torch.nn.Module, _inp: object, out: torch.Tensor) -> None:
        out.retain_grad()
        store.append(out)

    handles = [layer.register_forward_hook(keep) for layer in _layers(network, target)]
    try:
        network.zero_grad(set_to_none=True)
        with torch.enable_grad():
            mask_logits, class_logits = network(batch)
            if target == LESION_TARGET:
                lesion = mask_logits > 0
                score = (mask_logits * lesion).sum() if lesion.any() else torch.sigmoid(mask_logits).sum()
            else:
                score = class_logits[0, CLASS_NAMES.index(target)]
            score.backward()
    finally:
        for handle in handles:
            handle.remove()
    cam = sum(_layer_cam(act, batch.shape[-2:]) for act in store)
    cam = cam.detach().float().cpu().numpy()
    top = float(cam.max())
    return (cam / top).astype(np.float32) if top > 0 else np.zeros_like(cam, dtype=np.float32)


def _layer_cam(act: torch.Tensor, size: torch.Size) -> torch.Tensor:
    """Gradient-weighted activation of one layer, rectified and resized to ``size``."""
    grad = act.grad if act.grad is not None else torch.zeros_like(act)
    weights = grad.mean(dim=(2, 3), keepdim=True)
    cam = F.relu((weights * act).sum(dim=1, keepdim=True))
    return F.interpolate(cam, size=size, mode="bilinear", align_corners=False)[0, 0]


class GradCamExplainer:
    """Grad-CAM on a private network copy, so hooks and backward passes never touch inference or training."""

    def __init__(self, weights: Path | None = None, device: str = "auto") -> None:
        self.device = pick_device(device)
        self._lock = threading.Lock()
        self._loaded = self._prepare(load_weights(weights or default_weights_path()))

    def _prepare(self, loaded: LoadedModel) -> LoadedModel:
        loaded.network.to(self.device).eval()
        for parameter in loaded.network.parameters():
            parameter.requires_grad_(False)
        return loaded

    @property
    def model_id(self) -> str:
        return self._loaded.model_id

    def swap_weights(self, weights: Path) -> None:
        fresh = self._prepare(load_weights(weights))
        with self._lock:
            self._loaded = fresh

    def explain(self, grey_image: np.ndarray, target: str) -> np.ndarray:
        """Heat map in [0, 1] at the frame's source size for ``target`` (a class name or ``lesion``)."""
        if target != LESION_TARGET and target not in CLASS_NAMES:
            raise ValueError(f"unknown Grad-CAM target {target!r}")
        with self._lock:  # hooks on one network: one explanation at a time
            loaded = self._loaded
            prepared = prepare_input(grey_image, loaded.input_size, loaded.in_channels, (), loaded.preprocessing)
            batch = torch.from_numpy(prepared.array[np.newaxis]).to(self.device).requires_grad_(True)
            cam = grad_cam(loaded.network, batch, target)
        return np.clip(prepared.letterbox.to_source_linear(cam), 0.0, 1.0)


def peak_outside_mask(cam: np.ndarray, mask: np.ndarray) -> bool:
    """True when the heat's peak lies outside the lesion mask (worth a note to the reader)."""
    if not mask.any() or cam.max() <= 0:
        return False
    row, col = np.unravel_index(int(np.argmax(cam)), cam.shape)
    return not bool(mask[row, col])
