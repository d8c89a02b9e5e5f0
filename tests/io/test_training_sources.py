"""Several data folders: external-validation cases never reach training or validation, patients and
near-identical captures never straddle the split, and evaluate's split equals training's."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from busviewer.core.errors import UserFacingError
from busviewer.io.training_sources import list_source_cases, select_cases, split_source


def _write(folder: Path, cls: str, name: str, image: np.ndarray) -> None:
    (folder / cls).mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(folder / cls / f"{name}.png"), image)
    mask = np.zeros(image.shape, np.uint8)
    mask[10:20, 10:20] = 255
    cv2.imwrite(str(folder / cls / f"{name}_mask.png"), mask)


def _noise(seed: int) -> np.ndarray:
    return (np.random.default_rng(seed).random((40, 48)) * 255).astype(np.uint8)


def test_external_cases_stay_out_of_train_and_validation(tmp_path: Path) -> None:
    site = tmp_path / "breast"
    rows = ["CaseID,Image_filename,external_validation"]
    for i in range(1, 31):
        _write(site, "benign" if i % 2 else "malignant", f"case{i:03d}", _noise(i))
        rows.append(f"{i},case{i:03d}.png,{i % 3 == 0}")
    (site / "clinical.csv").write_text("\n".join(rows) + "\n")
    cases = list_source_cases(site)
    external = {c.case.image_path.stem for c in split_source(cases, "external", 42)}
    assert external == {f"case{i:03d}" for i in range(3, 31, 3)}
    seen = {c.case.image_path.stem for part in ("train", "validation") for c in split_source(cases, part, 42)}
    assert seen.isdisjoint(external) and len(seen) == 20


def test_patients_and_twins_stay_on_one_side(tmp_path: Path) -> None:
    site = tmp_path / "busbra"
    for patient in range(12):
        for view in "lr":
            _write(site, "benign" if patient % 3 else "malignant", f"bus_{patient:04d}-{view}", _noise(100 + 2 * patient + (view == "r")))
    train = split_source(list_source_cases(site, r"^(bus_\d+)-"), "train", 42)
    val = split_source(list_source_cases(site, r"^(bus_\d+)-"), "validation", 42)
    assert {c.group for c in train}.isdisjoint({c.group for c in val}) and val

    busi = tmp_path / "busi"
    for i in range(10):
        _write(busi, "benign", f"benign ({i})", _noise(200 + i))
    _write(busi, "benign", "benign (twin)", np.clip(_noise(200).astype(int) + 2, 0, 255).astype(np.uint8))
    groups = {c.case.image_path.stem: c.group for c in list_source_cases(busi)}
    assert groups["benign (twin)"] == groups["benign (0)"] and groups["benign (1)"] != groups["benign (0)"]


def test_the_same_seed_gives_the_same_split_and_bad_patterns_are_one_sentence(tmp_path: Path) -> None:
    site = tmp_path / "s"
    for i in range(20):
        _write(site, "benign", f"x{i}", _noise(300 + i))
    first = [c.case_id for c in select_cases([site], "validation", 7)]
    assert first == [c.case_id for c in select_cases([site], "validation", 7)]
    with pytest.raises(UserFacingError, match="regular expression"):
        list_source_cases(site, "([")
