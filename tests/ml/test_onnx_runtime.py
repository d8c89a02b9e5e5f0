"""The ONNX Runtime forward pass gives torch's answers, follows swapped weights, and steps aside when it cannot."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from busviewer.ml import onnx_runtime
from busviewer.ml.checkpoint import save_weights
from busviewer.ml.inference import Predictor
from busviewer.ml.network import build_network

from .conftest import TINY_CHANNELS

IMAGE = (np.random.default_rng(3).random((70, 90)) * 255).astype(np.uint8)


@pytest.mark.parametrize("flip_tta", [False, True])
def test_onnx_runtime_predicts_what_torch_predicts(tiny_weights: Path, flip_tta: bool) -> None:
    fast = Predictor(tiny_weights, device="cpu", flip_tta=flip_tta)
    plain = Predictor(tiny_weights, device="cpu", flip_tta=flip_tta, runtime="torch")
    assert (fast.runtime_name, plain.runtime_name) == ("onnxruntime", "torch")
    a, b = fast.predict(IMAGE), plain.predict(IMAGE)
    assert np.allclose(a.probabilities, b.probabilities, atol=1e-5)
    assert np.allclose(a.lesion_probability, b.lesion_probability, atol=1e-5)
    assert np.allclose(a.uncertainty, b.uncertainty, atol=1e-4)


def test_swapped_weights_reach_the_onnx_session(tiny_weights: Path, tmp_path: Path) -> None:
    torch.manual_seed(7)
    other = tmp_path / "other.safetensors"
    save_weights(build_network(channels=TINY_CHANNELS), other)
    predictor = Predictor(tiny_weights, device="cpu")
    before = predictor.predict(IMAGE).probabilities
    predictor.swap_weights(other)
    after = predictor.predict(IMAGE).probabilities
    expected = Predictor(other, device="cpu", runtime="torch").predict(IMAGE).probabilities
    assert predictor.runtime_name == "onnxruntime"
    assert not np.allclose(before, after, atol=1e-4)
    assert np.allclose(after, expected, atol=1e-5)


def test_without_onnxruntime_the_predictor_uses_torch(tiny_weights: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)   # import now raises ImportError
    predictor = Predictor(tiny_weights, device="cpu")
    assert predictor.runtime_name == "torch"
    assert predictor.predict(IMAGE).mask.shape == IMAGE.shape


def test_a_session_that_disagrees_with_torch_is_not_used(tiny_weights: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(onnx_runtime, "PROBE_TOLERANCE", -1.0)
    assert Predictor(tiny_weights, device="cpu").runtime_name == "torch"


def test_an_export_failure_leaves_torch_in_charge(tiny_weights: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> bytes:
        raise RuntimeError("exporter broke")

    monkeypatch.setattr(onnx_runtime, "export_graph", broken)
    predictor = Predictor(tiny_weights, device="cpu")
    assert predictor.runtime_name == "torch"
    assert predictor.predict(IMAGE).probabilities.sum() == pytest.approx(1.0, abs=1e-5)
