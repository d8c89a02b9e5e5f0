"""Ensembles: mean logits of their members, stored in one safetensors file, explained and refused sensibly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from busviewer.cli import main
from busviewer.core.errors import WeightsError
from busviewer.ml.checkpoint import load_weights, save_weights
from busviewer.ml.ensemble import AttentionUNetEnsemble, members_of
from busviewer.ml.network import build_network

from .conftest import TINY_CHANNELS


def _members(count: int) -> list[torch.nn.Module]:
    torch.manual_seed(11)
    return [build_network(channels=TINY_CHANNELS).eval() for _ in range(count)]


def _write(path: Path, seed: int, input_size: int = 64) -> Path:
    torch.manual_seed(seed)
    save_weights(build_network(channels=TINY_CHANNELS), path, input_size=input_size)
    return path


def test_ensemble_output_is_the_mean_of_member_logits() -> None:
    first, second = _members(2)
    x = torch.randn(2, 1, 64, 64)
    with torch.no_grad():
        mask, classes = AttentionUNetEnsemble([first, second]).eval()(x)
        (m1, c1), (m2, c2) = first(x), second(x)
    assert torch.allclose(mask, (m1 + m2) / 2, atol=1e-6)
    assert torch.allclose(classes, (c1 + c2) / 2, atol=1e-6)


def test_an_ensemble_needs_two_members_of_one_layout() -> None:
    with pytest.raises(ValueError, match="two members"):
        AttentionUNetEnsemble(_members(1))
    with pytest.raises(ValueError, match="channel layout"):
        AttentionUNetEnsemble([build_network(channels=(4, 8, 16)), build_network(channels=(4, 8, 32))])


def test_ensemble_weights_round_trip(tmp_path: Path) -> None:
    ensemble = AttentionUNetEnsemble(_members(3)).eval()
    path = tmp_path / "ens.safetensors"
    save_weights(ensemble, path, input_size=64)
    loaded = load_weights(path)
    assert isinstance(loaded.network, AttentionUNetEnsemble) and len(members_of(loaded.network)) == 3
    assert loaded.metadata["members"] == 3
    x = torch.randn(1, 1, 64, 64)
    with torch.no_grad():
        assert torch.equal(loaded.network(x)[0], ensemble(x)[0])


@pytest.mark.parametrize("count", ["0", "9", "many"])
def test_a_member_count_this_version_cannot_run_is_a_sentence(tmp_path: Path, count: str) -> None:
    path = tmp_path / "odd.safetensors"
    save_weights(build_network(channels=TINY_CHANNELS), path, {"members": count})
    with pytest.raises(WeightsError, match="networks|member count"):
        load_weights(path)


def test_gradcam_of_an_ensemble_of_twins_equals_the_single_network() -> None:
    from busviewer.ml.gradcam import grad_cam

    (single,) = _members(1)
    twin = build_network(channels=TINY_CHANNELS).eval()
    twin.load_state_dict(single.state_dict())
    ensemble = AttentionUNetEnsemble([single, twin]).eval()
    batch = torch.randn(1, 1, 64, 64)
    lit = 0
    for target in ("normal", "benign", "malignant", "lesion"):
        alone = grad_cam(single, batch.clone().requires_grad_(True), target)
        together = grad_cam(ensemble, batch.clone().requires_grad_(True), target)
        assert np.allclose(alone, together, atol=1e-5)
        lit += int(alone.max() == pytest.approx(1.0))
    assert lit >= 2   # a random tiny network still lights up most maps; the comparison is not of zeros


def test_ensemble_command_writes_a_model_that_predicts(
    tmp_path: Path, busi_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = _write(tmp_path / "a.safetensors", 1), _write(tmp_path / "b.safetensors", 2)
    out = tmp_path / "ab.safetensors"
    assert main(["ensemble", str(a), str(b), "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["members"] == 2 and summary["model_id"] == load_weights(out).model_id
    assert summary["ensemble_of"] == [load_weights(a).model_id, load_weights(b).model_id]
    assert load_weights(out).input_size == 64
    predictions = tmp_path / "pred"
    image = next((busi_folder / "benign").glob("*).png"))
    assert main(["predict", str(image), "--out", str(predictions), "--weights", str(out), "--json"]) == 0
    record = json.loads((predictions / f"{image.stem}.json").read_text())
    assert record["model_id"] == summary["model_id"]


def test_ensemble_command_refuses_what_cannot_be_averaged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = _write(tmp_path / "a.safetensors", 1)
    b96 = _write(tmp_path / "b96.safetensors", 2, input_size=96)
    out = tmp_path / "x.safetensors"
    assert main(["ensemble", str(a), str(b96), "--out", str(out)]) == 2
    assert "different input sizes" in capsys.readouterr().err
    assert main(["ensemble", str(a), "--out", str(out)]) == 2
    assert "at least two" in capsys.readouterr().err
    assert main(["ensemble", *[str(a)] * 5, "--out", str(out)]) == 2
    assert "at most" in capsys.readouterr().err
    assert not out.exists()


def test_a_warm_restart_from_an_ensemble_is_a_sentence(
    tmp_path: Path, busi_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = _write(tmp_path / "a.safetensors", 1), _write(tmp_path / "b.safetensors", 2)
    ens = tmp_path / "ab.safetensors"
    assert main(["ensemble", str(a), str(b), "--out", str(ens)]) == 0
    out = tmp_path / "w.safetensors"
    code = main(["train", str(busi_folder), "--out", str(out), "--epochs", "1", "--channels", "4,8,16", "--init", str(ens)])
    assert code == 2 and "ensemble" in capsys.readouterr().err


def test_fine_tuning_an_ensemble_keeps_its_members(tmp_path: Path, busi_folder: Path) -> None:
    a, b = _write(tmp_path / "a.safetensors", 1), _write(tmp_path / "b.safetensors", 2)
    ens = tmp_path / "ab.safetensors"
    assert main(["ensemble", str(a), str(b), "--out", str(ens)]) == 0
    tuned = tmp_path / "tuned.safetensors"
    assert main(["finetune", str(busi_folder), "--base", str(ens), "--out", str(tuned), "--epochs", "1"]) == 0
    loaded = load_weights(tuned)
    assert len(members_of(loaded.network)) == 2 and loaded.input_size == 64
    before = load_weights(ens).network.state_dict()
    after = loaded.network.state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before if k.endswith("weight"))
