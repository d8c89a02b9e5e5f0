"""Inference returns source-size maps; a scan the class head calls normal gets no lesion outline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from busviewer.ml.inference import Predictor


def test_prediction_maps_are_at_source_size(tiny_weights: Path) -> None:
    predictor = Predictor(tiny_weights, device="cpu")
    image = (np.random.default_rng(0).random((71, 93)) * 255).astype(np.uint8)
    prediction = predictor.predict(image, frame_index=3)
    for name in ("lesion_probability", "mask", "uncertainty"):
        assert getattr(prediction, name).shape == (71, 93)
    assert prediction.frame_index == 3 and prediction.model_id.startswith("tiny-")
    assert prediction.probabilities.sum() == pytest.approx(1.0, abs=1e-5)
    assert 0.0 <= float(prediction.uncertainty.min()) and float(prediction.uncertainty.max()) <= 1.0


@pytest.mark.parametrize(
    ("normal", "level", "withheld"),
    [(0.9, 0.7, True), (0.2, 0.7, False), (0.9, 0.97, False)],
    ids=["normal-and-weak-withheld", "lesion-call-shown", "confident-lesion-shown-despite-normal"],
)
def test_outline_is_withheld_only_when_normal_and_weak(
    tiny_weights: Path, monkeypatch: pytest.MonkeyPatch, normal: float, level: float, withheld: bool
) -> None:
    from busviewer.ml.imaging_area import ImagingArea
    from busviewer.ml.letterbox import Letterbox

    predictor = Predictor(tiny_weights, device="cpu")
    lesion = np.zeros((32, 32), np.float32)
    lesion[8:24, 8:24] = level
    classes = np.array([normal, (1 - normal) / 2, (1 - normal) / 2], np.float32)
    box = Letterbox((64, 64), ImagingArea.whole((64, 64)), 32)
    monkeypatch.setattr(predictor, "forward",
                        lambda _image, _prompts=(): (lesion, classes, np.zeros_like(lesion), np.zeros(16), box))
    prediction = predictor.predict(np.zeros((64, 64), np.uint8))
    assert bool(prediction.mask.any()) is not withheld
    assert (prediction.withheld_lesion_pixels > 0) is withheld
    assert prediction.lesion_probability.max() > 0.6   # the evidence stays available to the reader
    # When nothing is shown, the strongest candidate is there for the reader to reveal.
    assert (prediction.candidate_mask is not None) is withheld
    if withheld:
        assert prediction.candidate_mask[32, 32] and not prediction.candidate_mask[2, 2]


@pytest.mark.gpu
def test_cuda_prediction_matches_cpu(tiny_weights: Path) -> None:
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA GPU on this machine")
    image = (np.random.default_rng(1).random((64, 80)) * 255).astype(np.uint8)
    cpu = Predictor(tiny_weights, device="cpu").predict(image)
    gpu = Predictor(tiny_weights, device="cuda").predict(image)
    assert gpu.device == "cuda"
    assert np.allclose(cpu.probabilities, gpu.probabilities, atol=1e-3)


def test_device_choice_falls_back_to_cpu_and_refuses_missing_cuda() -> None:
    import torch

    from busviewer.core.errors import UserFacingError
    from busviewer.ml.device import pick_device

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    assert pick_device("auto").type in ("cpu", "mps")
    with pytest.raises(UserFacingError, match="CUDA"):
        pick_device("cuda")
