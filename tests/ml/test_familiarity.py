"""The familiarity check: scans unlike the training scans are flagged, training-like scans are not."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from busviewer.cli import main
from busviewer.ml.familiarity import fit_reference, load_reference, reference_path, save_reference


def test_distance_is_mahalanobis_and_the_threshold_a_training_percentile() -> None:
    rng = np.random.default_rng(0)
    scales = (1.0, 2.0, 0.5)
    features = rng.normal(size=(400, 3)) * np.array(scales)
    reference = fit_reference(features, "m-1")
    # Scaled per axis (shrunk towards equal scales): one standard deviation along any axis is a similar
    # distance, where a Euclidean distance would differ four-fold.
    along = [reference.distance(np.eye(3)[i] * s) for i, s in enumerate(scales)]
    assert max(along) / min(along) < 2.5
    flagged = np.mean([reference.distance(row) > reference.threshold for row in features])
    assert 0.005 <= flagged <= 0.02
    assert reference.distance(np.array([0.0, 0.0, 5.0])) > reference.threshold  # 10 sd on the thin axis


def test_reference_round_trip_and_refusals(tmp_path: Path) -> None:
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"")
    reference = fit_reference(np.random.default_rng(1).normal(size=(50, 4)), "model-abc")
    assert load_reference(weights, "model-abc") is None  # none written yet
    save_reference(reference, reference_path(weights))
    assert reference_path(weights).name == "model.reference.safetensors"
    loaded = load_reference(weights, "model-abc")
    assert loaded is not None and loaded.threshold == pytest.approx(reference.threshold)
    np.testing.assert_allclose(loaded.mean, reference.mean, rtol=1e-6)
    assert load_reference(weights, "model-other") is None  # made for other weights: the check is off
    reference_path(weights).write_bytes(b"\x80\x04 a pickle")
    assert load_reference(weights, "model-abc") is None


def test_reference_command_then_predict_flags_noise_not_training_scans(
    busi_folder: Path, tiny_weights: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["reference", str(busi_folder), "--weights", str(tiny_weights), "--split", "all", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["n_scans"] == 12 and Path(summary["reference"]).is_file()

    import cv2

    noise = tmp_path / "noise.png"
    cv2.imwrite(str(noise), (np.random.default_rng(2).random((72, 88)) * 255).astype(np.uint8))
    scans = [busi_folder / "benign" / "benign (1).png", noise]
    assert main(["predict", *map(str, scans), "--out", str(tmp_path / "out"), "--weights", str(tiny_weights),
                 "--json"]) == 0
    records = {r["source"]: r["familiarity"] for r in json.loads(capsys.readouterr().out)}
    assert records["benign (1).png"]["unlike_training_scans"] is False
    assert records["noise.png"]["unlike_training_scans"] is True
    assert records["noise.png"]["distance"] > records["noise.png"]["threshold"]


def test_without_a_reference_predictions_say_nothing(busi_folder: Path, tiny_weights: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["predict", str(busi_folder / "normal" / "normal (1).png"), "--out", str(tmp_path / "o"),
                 "--weights", str(tiny_weights), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    # Not checked is said as such: null, never "familiar" (false).
    assert record["familiarity"] == {"checked": False, "distance": None, "threshold": None,
                                     "unlike_training_scans": None}


def test_a_fine_tuned_model_carries_its_parents_reference_and_is_checked(
    busi_folder: Path, tiny_weights: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from busviewer.ml.checkpoint import load_weights

    assert main(["reference", str(busi_folder), "--weights", str(tiny_weights), "--split", "all", "--json"]) == 0
    parent = load_reference(tiny_weights, load_weights(tiny_weights).model_id)
    capsys.readouterr()
    tuned = tmp_path / "tuned.safetensors"
    assert main(["finetune", str(busi_folder), "--base", str(tiny_weights), "--out", str(tuned), "--epochs", "1",
                 "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["familiarity_reference"] == "carried from the parent"
    carried = load_reference(tuned, summary["model_id"])
    assert parent is not None and carried is not None and carried.carried_from == parent.model_id
    assert carried.threshold == pytest.approx(parent.threshold)
    assert main(["predict", str(busi_folder / "benign" / "benign (1).png"), "--out", str(tmp_path / "o"),
                 "--weights", str(tuned), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["model_id"] == summary["model_id"] and record["familiarity"]["checked"] is True
    assert record["familiarity"]["unlike_training_scans"] in (True, False)
