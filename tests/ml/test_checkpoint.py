"""Weights round-trip through safetensors; pickles and foreign files are refused."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import torch

from busviewer.core.errors import WeightsError
from busviewer.ml.checkpoint import load_weights, read_metadata, save_weights
from busviewer.ml.network import build_network
from tests.ml.conftest import TINY_CHANNELS


def test_weights_round_trip_exactly(tmp_path: Path) -> None:
    torch.manual_seed(1)
    net = build_network(channels=TINY_CHANNELS).eval()
    path = tmp_path / "net.safetensors"
    model_id = save_weights(net, path, {"note": "hello"})
    loaded = load_weights(path)
    assert loaded.model_id == model_id and model_id.startswith("net-") and len(model_id) == len("net-") + 8
    assert read_metadata(path)["note"] == "hello"
    x = torch.randn(1, 1, 64, 64)
    with torch.no_grad():
        for a, b in zip(net(x), loaded.network(x), strict=True):
            assert torch.equal(a, b)


class _Exploit:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (print, ("pwned",))


def test_a_malicious_pickle_is_refused_without_running(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "evil.safetensors"
    path.write_bytes(pickle.dumps({"state": _Exploit()}))
    with pytest.raises(WeightsError, match="not a safetensors"):
        load_weights(path)
    torch_file = tmp_path / "evil.pt"
    torch.save({"x": _Exploit()}, torch_file)
    with pytest.raises(WeightsError):
        load_weights(torch_file)
    assert "pwned" not in capsys.readouterr().out


def test_resume_state_loads_only_with_weights_only(tmp_path: Path) -> None:
    path = tmp_path / "evil.pt"
    torch.save({"x": _Exploit()}, path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)


def test_missing_and_mismatched_weights_are_sentences(tmp_path: Path) -> None:
    with pytest.raises(WeightsError, match="do not exist"):
        load_weights(tmp_path / "none.safetensors")
    from safetensors.torch import save_file

    other = tmp_path / "other.safetensors"
    save_file({"w": torch.zeros(3)}, str(other))
    with pytest.raises(WeightsError, match="does not hold busviewer"):
        load_weights(other)


def test_each_weights_file_carries_its_input_size_into_inference(tmp_path: Path) -> None:
    import numpy as np

    from busviewer.ml.gradcam import GradCamExplainer
    from busviewer.ml.inference import Predictor

    path = tmp_path / "small.safetensors"
    save_weights(build_network(channels=TINY_CHANNELS), path, input_size=64)
    loaded = load_weights(path)
    assert loaded.input_size == 64
    seen: list[tuple[int, ...]] = []
    loaded.network.encoders[0].register_forward_pre_hook(lambda _module, args: seen.append(tuple(args[0].shape)))
    prediction = Predictor(device="cpu", loaded=loaded, flip_tta=False, runtime="torch").predict(np.full((90, 130), 120, np.uint8))
    assert seen == [(1, 1, 64, 64)]
    assert prediction.mask.shape == (90, 130)
    explainer = GradCamExplainer(path, device="cpu")
    assert explainer.explain(np.full((90, 130), 120, np.uint8), "benign").shape == (90, 130)


@pytest.mark.parametrize("size", ["100", "8", "4096", "large"])
def test_an_input_size_the_network_cannot_run_is_a_sentence(tmp_path: Path, size: str) -> None:
    path = tmp_path / "odd.safetensors"
    save_weights(build_network(channels=TINY_CHANNELS), path, {"input_size": size})
    with pytest.raises(WeightsError, match="input size|-pixel input"):
        load_weights(path)
