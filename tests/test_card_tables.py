"""The model card's tables come from evaluate's JSON: the rows show the figures that were measured."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parents[1] / "tools" / "card_tables.py"


def _tool():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("card_tables", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rows_carry_each_source_and_the_click_figures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    part = {"n_images": 85, "n_lesion_images": 83, "dice": 0.7444, "dice_ci95": [0.681, 0.802],
            "detection_sensitivity": 0.928, "normal_fp_rate": 0.5, "accuracy": 0.694,
            "sensitivity": {"malignant": 0.667}, "auc_malignant": 0.764, "ece": 0.131}
    metrics = {**part, "by_source": {"breast": part},
               "interactive": {"dice_per_click": [0.83, 0.84, 0.85], "noc85": 1.87, "noc90": 4.42,
                               "box_dice": 0.879, "ms_per_click": 85.2}}
    path = tmp_path / "external.json"
    path.write_text(json.dumps(metrics))
    assert _tool().main([f"external={path}"]) == 0
    out = capsys.readouterr().out
    assert "| external breast | 85 | 0.744 (0.68-0.80) | 0.928 | 0.50 | 0.694 | 0.67 | 0.764 | 0.131 |" in out
    assert "| external | 83 | 0.830 | 0.850 | - | - | 1.87 | 4.42 | 0.879 | 85 |" in out
