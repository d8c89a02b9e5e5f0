"""Fixtures for the service layer: a tiny weights file (same format as the real model, fast on CPU)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny_weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An untrained network with a few channels."""
    import torch

    from busviewer.ml.checkpoint import save_weights
    from busviewer.ml.network import build_network

    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("weights") / "tiny.safetensors"
    save_weights(build_network(channels=(4, 8, 16)), path)
    return path
