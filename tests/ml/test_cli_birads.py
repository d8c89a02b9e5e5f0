"""``evaluate --birads`` and the ``birads`` block of ``predict --json``, end to end on a tiny folder."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from busviewer.cli import main
from busviewer.commands.predict_cmd import prediction_record
from busviewer.core.birads import CATEGORIES, DESCRIPTORS
from busviewer.core.prediction import Prediction
from busviewer.core.scan import UltrasoundScan

COLUMNS = ["CaseID", "Image_filename", "Classification", "BIRADS", "Shape", "Margin", "Echogenicity",
           "Posterior_features", "external_validation"]


def _table(folder: Path, path: Path) -> Path:
    """A clinical.csv for the tiny folder: benign ellipses are oval/circumscribed, malignant irregular."""
    rows = []
    for i, image in enumerate(sorted(p for p in folder.rglob("*.png") if "_mask" not in p.name)):
        cls = image.parent.name
        normal = cls == "normal"
        rows.append({
            "CaseID": i, "Image_filename": image.name, "Classification": cls,
            "BIRADS": "1" if normal else ("3" if cls == "benign" else "4c"),
            "Shape": "not applicable" if normal else ("oval" if cls == "benign" else "irregular"),
            "Margin": "not applicable" if normal else ("circumscribed" if cls == "benign" else "not circumscribed - angular&indistinct"),
            "Echogenicity": "not applicable" if normal else "hypoechoic",
            "Posterior_features": "not applicable" if normal else "no",
            "external_validation": str(i % 2 == 0),
        })
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_evaluate_birads_scores_every_descriptor_on_the_true_masks(
    busi_folder: Path, tiny_weights: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = _table(busi_folder, tmp_path / "clinical.csv")
    code = main(["evaluate", str(busi_folder), "--weights", str(tiny_weights), "--json",
                 "--birads", str(table), "--birads-mask", "truth"])
    assert code == 0
    birads = json.loads(capsys.readouterr().out)["birads"]
    assert birads["mask_source"] == "truth"
    assert birads["n_cases"] == 8  # the lesions; normal rows have nothing to describe
    for name in ("shape", "margin", "margin_circumscribed", "echo_pattern", "posterior_features", "category"):
        assert 0.0 <= birads[name]["accuracy"] <= 1.0
    assert "weighted_kappa" in birads["category"]
    # The synthetic lesions are ellipses: the rules call every one of them oval.
    assert birads["shape"]["ai_counts"] == {"oval": 8}


def test_evaluate_birads_part_keeps_only_that_part_of_the_table(
    busi_folder: Path, tiny_weights: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = _table(busi_folder, tmp_path / "clinical.csv")
    assert main(["evaluate", str(busi_folder), "--weights", str(tiny_weights), "--json",
                 "--birads", str(table), "--birads-part", "external", "--birads-mask", "truth"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["n_images"] == 6 and metrics["birads"]["part"] == "external"


def test_evaluate_birads_with_a_table_lacking_a_column_is_one_sentence(
    busi_folder: Path, tiny_weights: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("Image_filename,Shape\nbenign (1).png,oval\n")
    assert main(["evaluate", str(busi_folder), "--weights", str(tiny_weights), "--birads", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "lacks the column" in err and "Traceback" not in err


def _prediction(mask: np.ndarray) -> Prediction:
    return Prediction(probabilities=np.array([0.1, 0.3, 0.6], np.float32), lesion_probability=None, mask=mask,
                      uncertainty=None, model_id="test", device="cpu", kept_uncertainty_score=0.0)


def test_predict_json_has_a_birads_block_when_a_lesion_is_shown() -> None:
    rng = np.random.default_rng(0)
    image = (rng.random((120, 160)) * 90 + 90).astype(np.uint8)
    mask = np.zeros(image.shape, np.uint8)
    cv2.ellipse(mask, (80, 60), (30, 16), 0, 0, 360, 1, -1)
    image[mask > 0] //= 3
    scan = UltrasoundScan(frames=image[None])
    record = prediction_record(scan, _prediction(mask.astype(bool)), 0)
    block = record["birads"]
    for name, words in DESCRIPTORS.items():
        assert block[name] in words
    assert block["category"] in CATEGORIES and block["malignancy_probability"] == pytest.approx(0.6)
    json.dumps(record)  # plain JSON types only
    assert "birads" not in prediction_record(scan, _prediction(np.zeros(image.shape, bool)), 0)
