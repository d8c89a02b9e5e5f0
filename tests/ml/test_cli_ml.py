"""train, evaluate and predict end to end on a tiny BUSI-layout folder, as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from busviewer.cli import main


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "busviewer", *args], capture_output=True, text=True, timeout=300)


def test_train_writes_weights_history_and_resumes(busi_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "w.safetensors"
    assert main(["train", str(busi_folder), "--out", str(out), "--epochs", "2", "--channels", "4,8,16"]) == 0
    assert out.is_file()
    rows = (tmp_path / "w.history.csv").read_text().strip().splitlines()
    assert rows[0].startswith("epoch,") and len(rows) == 3
    assert (tmp_path / "w.history.png").stat().st_size > 1000
    # Asking for more epochs continues from the resume state instead of starting over.
    assert main(["train", str(busi_folder), "--out", str(out), "--epochs", "3", "--channels", "4,8,16"]) == 0
    rows = (tmp_path / "w.history.csv").read_text().strip().splitlines()
    assert [r.split(",")[0] for r in rows[1:]] == ["1", "2", "3"]   # the log keeps the epochs before the resume


def test_evaluate_json_has_every_metric(busi_folder: Path, tiny_weights: Path, tmp_path: Path) -> None:
    result = _run("evaluate", str(busi_folder), "--weights", str(tiny_weights), "--json", "--plots", str(tmp_path / "plots"))
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    for key in ("dice", "iou", "dice_all", "normal_fp_rate", "accuracy", "balanced_accuracy", "confusion_matrix",
                "classes", "auc_malignant", "ece", "sensitivity", "specificity", "precision", "f1", "n_images",
                "ms_per_image"):
        assert key in metrics
    assert metrics["n_images"] == 12
    assert sum(map(sum, metrics["confusion_matrix"])) == 12
    for name in ("confusion_matrix.png", "reliability.png", "cases_best.png", "cases_worst.png"):
        assert (tmp_path / "plots" / name).stat().st_size > 1000


def test_evaluate_validation_split_is_the_training_split(busi_folder: Path, tiny_weights: Path) -> None:
    result = _run("evaluate", str(busi_folder), "--weights", str(tiny_weights), "--json", "--split", "validation")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["n_images"] == 3   # one of four per class


def test_predict_writes_source_size_mask_json_and_gradcam(busi_folder: Path, tiny_weights: Path, tmp_path: Path) -> None:
    image = busi_folder / "benign" / "benign (1).png"
    result = _run("predict", str(image), "--out", str(tmp_path / "out"), "--weights", str(tiny_weights), "--gradcam", "--json")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert set(record["probabilities"]) == {"normal", "benign", "malignant"}
    assert abs(sum(record["probabilities"].values()) - 1) < 1e-5
    assert record["model_id"].startswith("tiny-")
    mask = cv2.imread(str(tmp_path / "out" / "benign (1)_mask.png"), cv2.IMREAD_UNCHANGED)
    assert mask.shape == (72, 88) and set(np.unique(mask)) <= {0, 255}
    assert int((mask > 0).sum()) == record["lesion_area_px"]
    assert record["lesion_area_mm2"] is None and record["calibration"] == "none"
    assert cv2.imread(str(tmp_path / "out" / "benign (1)_gradcam.png")).shape[:2] == (72, 88)
    assert json.loads((tmp_path / "out" / "benign (1).json").read_text())["model_id"] == record["model_id"]


@pytest.mark.parametrize("content", [b"", b"not an image at all", bytes(range(256)) * 8])
def test_predict_bad_input_is_one_sentence(content: bytes, tiny_weights: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.png"
    bad.write_bytes(content)
    result = _run("predict", str(bad), "--out", str(tmp_path / "out"), "--weights", str(tiny_weights))
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr


def test_pickled_weights_are_refused_by_the_cli(busi_folder: Path, tmp_path: Path) -> None:
    evil = tmp_path / "evil.safetensors"
    evil.write_bytes(b"\x80\x04\x95")
    result = _run("evaluate", str(busi_folder), "--weights", str(evil))
    assert result.returncode == 2 and "not a safetensors" in result.stderr


def test_train_warm_restart_starts_from_given_weights(busi_folder: Path, tiny_weights: Path, tmp_path: Path) -> None:
    from busviewer.ml.checkpoint import load_weights, read_metadata

    out = tmp_path / "warm.safetensors"
    assert main(["train", str(busi_folder), "--out", str(out), "--epochs", "1", "--channels", "4,8,16",
                 "--init", str(tiny_weights), "--warmup-epochs", "0"]) == 0
    assert read_metadata(out)["initialised_from"] == load_weights(tiny_weights).model_id


def test_train_with_ema_keeps_the_average_and_resumes_it(busi_folder: Path, tmp_path: Path) -> None:
    import torch

    from busviewer.ml.checkpoint import load_weights

    out = tmp_path / "ema.safetensors"
    args = ["train", str(busi_folder), "--out", str(out), "--channels", "4,8,16", "--ema", "0.9"]
    assert main([*args, "--epochs", "1"]) == 0
    resume = torch.load(out.with_name(out.name + ".resume.pt"), weights_only=True)
    assert "ema" in resume
    averaged = {k.removeprefix("module."): v for k, v in resume["ema"].items() if k.startswith("module.")}
    written = load_weights(out).network.state_dict()
    last_step = resume["model"]
    name = "model.0.conv.0.conv.weight" if "model.0.conv.0.conv.weight" in written else next(iter(written))
    # The file holds the moving average, which differs from the last optimiser step.
    assert torch.allclose(written[name], averaged[name])
    assert not torch.allclose(written[name], last_step[name])
    assert main([*args, "--epochs", "2"]) == 0
    rows = (tmp_path / "ema.history.csv").read_text().strip().splitlines()
    assert [r.split(",")[0] for r in rows[1:]] == ["1", "2"]


def test_train_at_another_input_size_stores_it_and_fine_tuning_keeps_it(busi_folder: Path, tiny_weights: Path, tmp_path: Path) -> None:
    from busviewer.ml.checkpoint import load_weights

    out = tmp_path / "big.safetensors"
    assert main(["train", str(busi_folder), "--out", str(out), "--epochs", "1", "--channels", "4,8,16",
                 "--init", str(tiny_weights), "--input-size", "96"]) == 0
    assert load_weights(out).input_size == 96
    tuned = tmp_path / "tuned.safetensors"
    assert main(["finetune", str(busi_folder), "--base", str(out), "--out", str(tuned), "--epochs", "1"]) == 0
    assert load_weights(tuned).input_size == 96


@pytest.mark.parametrize(("flag", "batch"), [("--flip-tta", 2), ("--no-flip-tta", 1)])
def test_flip_tta_flag_decides_the_forward_batch(
    flag: str, batch: int, busi_folder: Path, tiny_weights: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from busviewer.ml import network, onnx_runtime

    seen: list[int] = []
    original = network.AttentionUNetClassifier.forward_with_features
    original_onnx = onnx_runtime.OnnxForward.__call__

    def counting(self: network.AttentionUNetClassifier, x: object) -> object:
        seen.append(int(x.shape[0]))  # type: ignore[attr-defined]
        return original(self, x)  # type: ignore[arg-type]

    def counting_onnx(self: onnx_runtime.OnnxForward, x: object) -> object:
        seen.append(int(x.shape[0]))  # type: ignore[attr-defined]
        return original_onnx(self, x)  # type: ignore[arg-type]

    # Whichever runtime runs the forward pass, the batch is 2 with the mirrored copy and 1 without.
    monkeypatch.setattr(network.AttentionUNetClassifier, "forward_with_features", counting)
    monkeypatch.setattr(onnx_runtime.OnnxForward, "__call__", counting_onnx)
    assert main(["evaluate", str(busi_folder), "--weights", str(tiny_weights), "--json", flag]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["flip_tta"] is (batch == 2)
    assert seen and max(seen) == batch


def test_training_seed_leaves_the_validation_split_alone(busi_folder: Path, tmp_path: Path) -> None:
    from busviewer.core.generators import drain
    from busviewer.core.training_case import LabelledCase
    from busviewer.io.busi import list_busi_cases, load_busi_case
    from busviewer.ml.checkpoint import read_metadata
    from busviewer.ml.train import TrainConfig
    from busviewer.ml.training_run import train_from_cases

    cases = [LabelledCase(*load_busi_case(c), c.label, c.case_id) for c in list_busi_cases(busi_folder)]

    def validation_ids(name: str, seed: int, split_seed: int) -> list[str]:
        runner = train_from_cases(
            cases, tmp_path / name, TrainConfig(epochs=1, seed=seed), "cpu", (4, 8, 16), split_seed=split_seed,
            validation_fraction=0.25,
        )
        outcome = drain(runner)
        assert read_metadata(tmp_path / name)["split_seed"] == split_seed
        return sorted(outcome.validation_ids)

    reference = validation_ids("a.safetensors", 42, 42)
    assert validation_ids("b.safetensors", 7, 42) == reference   # an ensemble member's seed
    assert validation_ids("c.safetensors", 42, 3) != reference   # the split has its own seed
