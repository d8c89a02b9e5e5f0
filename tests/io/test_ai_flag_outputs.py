"""The familiarity flag and the class/outline remark reach the store, the CSV/JSON summary, the PDF and the SR."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import highdicom as hd
import numpy as np

from busviewer.core.ai_remarks import UNFAMILIAR_REMARK
from busviewer.core.case import CaseRecord, FrameReview, ReviewStatus
from busviewer.core.prediction import Prediction
from busviewer.core.report import make_case_report
from busviewer.core.scan import UltrasoundScan
from busviewer.io.pdf_report import write_pdf_report
from busviewer.io.sr import write_dicom_sr
from busviewer.io.store import CaseStore, store_dir
from busviewer.io.summary import summary_rows, write_summary_csv, write_summary_json
from tests.io.test_sr import _report as sr_report
from tests.io.test_sr import _seg
from tests.pdf_pages import pdf_text

SHAPE = (40, 50)


def _prediction(distance: float | None, mask: bool = False) -> Prediction:
    outline = np.zeros(SHAPE, bool)
    outline[10:20, 10:25] = mask
    return Prediction(np.array([0.05, 0.9, 0.05]), None, outline, None, "m-1", "cpu", kept_uncertainty_score=0.1,
                      familiarity_distance=distance, familiarity_threshold=None if distance is None else 12.0)


def _record(unfamiliar_distance: float | None = 30.0) -> CaseRecord:
    frame = FrameReview.from_prediction(_prediction(unfamiliar_distance))
    return CaseRecord("gyn.png", Path("/data/gyn.png"), ReviewStatus.AI_PROPOSED, None, {0: frame})


def test_the_flag_comes_from_the_prediction() -> None:
    assert FrameReview.from_prediction(_prediction(30.0)).ai_unfamiliar is True
    assert FrameReview.from_prediction(_prediction(3.0)).ai_unfamiliar is False
    assert FrameReview.from_prediction(_prediction(None)).ai_unfamiliar is None  # no reference: no claim


def test_the_store_keeps_the_flag_and_gives_old_stores_the_column(tmp_path: Path) -> None:
    with CaseStore(tmp_path) as store:
        store.upsert_case(_record())
        store.upsert_case(CaseRecord("b.png", tmp_path / "b.png", ReviewStatus.AI_PROPOSED, None,
                                     {0: FrameReview.from_prediction(_prediction(None))}))
    with CaseStore(tmp_path) as store:
        assert store.get_case("gyn.png").frames[0].ai_unfamiliar is True
        assert store.get_case("gyn.png", with_masks=False).ai_unfamiliar
        assert store.get_case("b.png").frames[0].ai_unfamiliar is None
    # A store written before the column existed: opening it adds the column, old rows read as unknown.
    db = sqlite3.connect(store_dir(tmp_path) / "cases.sqlite")
    db.execute("ALTER TABLE frames DROP COLUMN ai_unfamiliar")
    db.commit()
    db.close()
    with CaseStore(tmp_path) as store:
        assert store.get_case("gyn.png").frames[0].ai_unfamiliar is None
        store.upsert_case(_record())
        assert store.get_case("gyn.png").frames[0].ai_unfamiliar is True


def test_summary_csv_and_json_carry_the_flag_and_remarks(tmp_path: Path) -> None:
    rows = summary_rows(_record())
    write_summary_csv(tmp_path / "s.csv", rows)
    write_summary_json(tmp_path / "s.json", rows)
    (row,) = list(csv.DictReader((tmp_path / "s.csv").read_text().splitlines()))
    assert row["ai_unlike_training_scans"] == "True"
    assert row["ai_remarks"] == f"{UNFAMILIAR_REMARK} The AI calls this scan benign but outlines no lesion."
    data = json.loads((tmp_path / "s.json").read_text())
    cases = data["rows"] if isinstance(data, dict) else data
    assert cases[0]["ai_unlike_training_scans"] is True and UNFAMILIAR_REMARK in cases[0]["ai_remarks"]
    plain = summary_rows(_record(3.0))[0]
    assert plain.ai_unlike_training_scans is False and plain.ai_remarks.startswith("The AI calls")


def _scan() -> UltrasoundScan:
    return UltrasoundScan(frames=np.full((1, *SHAPE), 90, np.uint8), source_path=Path("/data/gyn.png"))


def test_pdf_prints_the_remarks_and_names_the_faint_bars(tmp_path: Path) -> None:
    report = make_case_report(_record(), 0, _scan(), reviewer="alice")
    assert report.ai_unfamiliar is True and report.ai_remarks[0] == UNFAMILIAR_REMARK
    write_pdf_report(tmp_path / "r.pdf", report)
    text = " ".join(pdf_text(tmp_path / "r.pdf").split())
    assert "Scan unlike the AI's training scans" in text and "outlines no lesion" in text
    assert "(unfamiliar scan)" in text
    quiet = make_case_report(_record(3.0), 0, _scan(), reviewer="alice")
    write_pdf_report(tmp_path / "q.pdf", quiet)
    assert "unlike the AI" not in " ".join(pdf_text(tmp_path / "q.pdf").split())


def test_sr_codes_the_familiarity(tmp_path: Path) -> None:
    source_path, seg_path = _seg(tmp_path)
    for flag, meaning in ((True, "Unlike the AI's training scans; treat with care"),
                          (False, "Like the AI's training scans"), (None, None)):
        report = sr_report()
        report.ai_unfamiliar = flag
        write_dicom_sr(tmp_path / "sr.dcm", source_path, seg_path, report)
        (group,) = hd.sr.srread(tmp_path / "sr.dcm").content.get_planar_roi_measurement_groups()
        evaluations = {q.name.meaning: q.value.meaning for q in group.get_qualitative_evaluations()}
        assert evaluations.get("AI familiarity with the scan") == meaning
