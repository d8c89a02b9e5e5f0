"""Fixtures for the fine-tune GUI: a tiny model registry, reviewed case records and a review stand-in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from busviewer.core.case import CaseRecord, FrameReview, ReviewStatus
from busviewer.core.constants import CLASS_NAMES
from busviewer.io.model_registry import ModelRegistry
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


class ImageShelf:
    """Grey frames by file name, standing in for ``load_scan(path).grey_frame(index)``."""

    def __init__(self) -> None:
        self.images: dict[str, np.ndarray] = {}
        self.calls = 0

    def __call__(self, path: Path, frame_index: int) -> np.ndarray:
        self.calls += 1
        return self.images[Path(path).name]


@pytest.fixture
def shelf() -> ImageShelf:
    return ImageShelf()


def reviewed_record(case_id: str, image_name: str, mask: np.ndarray, label: int,
                    status: ReviewStatus = ReviewStatus.CORRECTED) -> CaseRecord:
    """A reviewed case whose reader drew ``mask`` over an empty AI proposal and chose class ``label``."""
    frame = FrameReview(0, ai_mask=np.zeros_like(mask), current_mask=mask, ai_probabilities=(0.2, 0.5, 0.3))
    return CaseRecord(case_id, Path("/workspace") / image_name, status=status,
                      reviewer_class=CLASS_NAMES[label], frames={0: frame})


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
