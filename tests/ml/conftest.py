"""Tiny networks and a tiny BUSI-layout folder for ML tests."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

TINY_CHANNELS = (4, 8, 16)


def write_busi_folder(root: Path, per_class: int = 4, shape: tuple[int, int] = (72, 88), seed: int = 0) -> Path:
    """Class folders of synthetic scans: a dark ellipse on speckle, with its mask; normal cases have none."""
    rng = np.random.default_rng(seed)
    for cls in ("benign", "malignant", "normal"):
        folder = root / cls
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            image = (rng.random(shape) * 90 + 90).astype(np.uint8)
            mask = np.zeros(shape, np.uint8)
            if cls != "normal":
                centre = (int(rng.integers(30, 58)), int(rng.integers(26, 46)))
                axes = (14, 9) if cls == "benign" else (10, 15)
                cv2.ellipse(mask, centre, axes, 0, 0, 360, 255, -1)
                image[mask > 0] = (image[mask > 0] // 4).astype(np.uint8)
            cv2.imwrite(str(folder / f"{cls} ({i + 1}).png"), image)
            cv2.imwrite(str(folder / f"{cls} ({i + 1})_mask.png"), mask)
    return root


@pytest.fixture
def busi_folder(tmp_path: Path) -> Path:
    return write_busi_folder(tmp_path / "busi")


@pytest.fixture
def tiny_weights(tmp_path: Path) -> Path:
    import torch

    from busviewer.ml.checkpoint import save_weights
    from busviewer.ml.network import build_network

    torch.manual_seed(0)
    path = tmp_path / "tiny.safetensors"
    save_weights(build_network(channels=TINY_CHANNELS), path)
    return path
