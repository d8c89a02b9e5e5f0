"""``busviewer fit-birads``: refits the heads from the table's design rows only, writes a loadable file."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from busviewer.cli import main
from busviewer.core import birads_design, birads_fit
from busviewer.core.birads_heads import read_heads
from tests.core.test_birads import _ellipse, _scene, _star

_COLUMNS = ["CaseID", "Image_filename", "BIRADS", "Shape", "Margin", "Echogenicity", "Posterior_features",
            "external_validation"]


def _folder(tmp_path: Path, n: int) -> tuple[Path, Path]:
    """``n`` design lesions (ellipses labelled oval/circumscribed, stars irregular/spiculated) and one
    external row whose words would break the fit if it were read."""
    rows = []
    for number in range(n + 1):
        star = number % 2 == 1
        mask = _star(points=7 + number % 3) if star else _ellipse(axes=(40 + number % 7, 25 + number % 5))
        name = f"case{number:03d}.png"
        folder = tmp_path / "data" / ("malignant" if star else "benign")
        folder.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(folder / name), _scene(mask, seed=number))
        cv2.imwrite(str(folder / name.replace(".png", "_mask.png")), mask.astype(np.uint8) * 255)
        external = number == n
        rows.append({"CaseID": number, "Image_filename": name, "BIRADS": "5" if star else "3",
                     "Shape": "irregular" if star else "oval",
                     "Margin": "not circumscribed - spiculated" if star else "circumscribed",
                     "Echogenicity": "hypoechoic", "Posterior_features": "unheard-of" if external else "no",
                     "external_validation": str(external)})
    table = tmp_path / "clinical.csv"
    with open(table, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, _COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return tmp_path / "data", table


def test_fit_birads_writes_heads_with_their_provenance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(birads_fit, "C_GRID", (1.0,))
    monkeypatch.setattr(birads_fit, "BALANCE_GRID", (False,))
    monkeypatch.setattr(birads_design, "SEEDS", (0,))
    data, table = _folder(tmp_path, 30)
    out = tmp_path / "heads.json"
    assert main(["fit-birads", str(data), "--birads", str(table), "--out", str(out), "--no-probability", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    heads = read_heads(out)
    assert heads.provenance["n_lesions"] == 30  # the external row is never read
    assert set(summary["cross_validation"]) == {"shape", "margin_circumscribed", "margin_subtype", "echo_pattern",
                                                "posterior_features", "category"}
    assert summary["cross_validation"]["category"]["kept"] is False  # no probability, no category head
    assert sorted(heads.heads) == summary["kept"]


def test_fit_birads_refuses_a_table_without_its_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = tmp_path / "clinical.csv"
    table.write_text("Image_filename,Shape\ncase000.png,oval\n", encoding="utf-8")
    (tmp_path / "benign").mkdir()
    assert main(["fit-birads", str(tmp_path), "--birads", str(table), "--out", str(tmp_path / "h.json")]) == 2
    assert "lacks the column" in capsys.readouterr().err
    assert not (tmp_path / "h.json").exists()
