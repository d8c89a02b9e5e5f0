"""Fixtures for the fine-tune GUI: a tiny model registry, reviewed case records and a review stand-in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from busviewer.core.case import CaseRecord, ReviewStatus
from busviewer.io.model_registry import ModelRegistry
from tests.core.finetune_helpers import ImageShelf, reviewed_record
from tests.ml.test_finetune import save_tiny_weights, synthetic_cases


@pytest.fixture(autouse=True)
def one_torch_thread() -> Iterator[None]:
    """Tiny networks run fastest on one thread, and the machine is shared with other work."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture
def fast_config() -> object:
    from busviewer.ml.finetune import FineTuneConfig

    return FineTuneConfig(epochs=2, batch_size=4, learning_rate=1e-2, anchor_weight=0.0, patience=2)


@pytest.fixture
def registry(tmp_path: Path) -> ModelRegistry:
    return ModelRegistry(save_tiny_weights(tmp_path / "shipped.safetensors"), root=tmp_path / "models")


@pytest.fixture
def shelf() -> ImageShelf:
    return ImageShelf()


@pytest.fixture
def reviewed_records(shelf: ImageShelf) -> list[CaseRecord]:
    """Ten corrected or approved synthetic cases, their images on the shelf."""
    records = []
    for i, case in enumerate(synthetic_cases(10)):
        name = f"{case.case_id}.png"
        shelf.images[name] = case.image
        status = ReviewStatus.APPROVED if i % 3 == 0 else ReviewStatus.CORRECTED
        records.append(reviewed_record(case.case_id, name, case.mask, case.label, status))
    return records


class ReviewStandIn:
    """Records the weights the fine-tune controller hands to the review workspace."""

    def __init__(self) -> None:
        self.weights: list[Path] = []

    def set_weights(self, path: Path) -> None:
        self.weights.append(Path(path))
