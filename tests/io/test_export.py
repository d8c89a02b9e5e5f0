"""Workspace export: every case's files land in the output folder; bad destinations fail in one sentence."""

from __future__ import annotations

import csv
import errno
import hashlib
import json
from pathlib import Path

import numpy as np
import pydicom
import pytest
from PIL import Image

from busviewer.core.case import CaseRecord, FrameReview, ReviewStatus
from busviewer.core.errors import ExportError, UserFacingError
from busviewer.io.export import case_folder_name, export_workspace, parse_formats
from busviewer.io.image_reader import read_mask_image
from busviewer.io.store import CaseStore
from tests.io.test_seg import PATIENT_ID, PATIENT_NAME, make_us_dicom


def _box(shape: tuple[int, int], top: int, left: int, size: int) -> np.ndarray:
    mask = np.zeros(shape, bool)
    mask[top : top + size, left : left + size] = True
    return mask


def make_workspace(root: Path) -> Path:
    """A PNG, a calibrated DICOM, a 3-frame cine DICOM and a case whose source has gone, all reviewed.

    In the cine the reader edited frame 1 and marked frame 3 as a key frame; frame 2 only played (the AI
    ran on it), so no export holds it.
    """
    workspace = root / "ws"
    (workspace / "benign").mkdir(parents=True)
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (40, 50), dtype=np.uint8)).save(
        workspace / "benign" / "b1.png"
    )
    make_us_dicom(workspace / "scan.dcm")
    make_us_dicom(workspace / "cine.dcm", frames=3)
    ai = _box((40, 50), 5, 5, 12)
    edited = ai.copy()
    edited[5:9, 5:30] = True
    dicom_mask = _box((48, 64), 10, 10, 20)
    records = [
        CaseRecord("benign/b1.png", workspace / "benign" / "b1.png", ReviewStatus.CORRECTED, "benign", {
            0: FrameReview(0, ai, "m1", (0.1, 0.8, 0.1), edited, 0.2)}),
        CaseRecord("scan.dcm", workspace / "scan.dcm", ReviewStatus.APPROVED, "malignant", {
            0: FrameReview(0, dicom_mask, "m1", (0.1, 0.2, 0.7), dicom_mask.copy(), 0.1)}),
        CaseRecord("cine.dcm", workspace / "cine.dcm", ReviewStatus.CORRECTED, None, {
            0: FrameReview(0, dicom_mask, "m1", (0.3, 0.4, 0.3), _box((48, 64), 12, 12, 20)),
            1: FrameReview(1, dicom_mask, "m1", (0.3, 0.4, 0.3), dicom_mask.copy()),
            2: FrameReview(2, _box((48, 64), 0, 0, 5), "m1", (0.3, 0.4, 0.3), _box((48, 64), 0, 0, 5))},
            key_frames=frozenset({2})),
        CaseRecord("gone.png", workspace / "gone.png", ReviewStatus.FLAGGED, None, {}),
    ]
    with CaseStore(workspace) as store:
        for record in records:
            store.upsert_case(record, user="alice")
    return workspace


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*")) if path.is_file()
    }


def test_export_writes_every_format(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path)
    calls: list[tuple[int, int, str]] = []
    summary = export_workspace(workspace, tmp_path / "out", progress=lambda *args: calls.append(args))
    out = tmp_path / "out"

    assert summary.cases == 4 and [c[:2] for c in calls] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert len(summary.skipped) == 1 and "gone.png" in summary.skipped[0]
    png_case = out / case_folder_name("benign/b1.png")
    assert png_case.name == "benign__b1.png"
    assert sorted(p.name for p in png_case.iterdir()) == ["mask.png", "report.pdf"]  # no SEG/SR for a PNG source
    with CaseStore(workspace) as store:
        stored = store.get_case("benign/b1.png")
    np.testing.assert_array_equal(read_mask_image(png_case / "mask.png"), stored.frames[0].current_mask)  # type: ignore[union-attr]

    assert sorted(p.name for p in (out / "scan.dcm").iterdir()) == ["mask.png", "report.pdf", "seg.dcm", "sr.dcm"]
    seg = pydicom.dcmread(out / "scan.dcm" / "seg.dcm")
    assert seg.SegmentSequence[0].SegmentAlgorithmType == "AUTOMATIC"  # the AI mask was approved untouched
    sr = pydicom.dcmread(out / "scan.dcm" / "sr.dcm")
    assert sr.StudyInstanceUID == seg.StudyInstanceUID
    assert sorted(p.name for p in (out / "cine.dcm").iterdir()) == [
        "mask_frame001.png", "mask_frame003.png", "report.pdf", "seg.dcm", "sr.dcm",
    ]
    cine_seg = pydicom.dcmread(out / "cine.dcm" / "seg.dcm")
    assert cine_seg.NumberOfFrames == 2  # frame 2 played but was never reviewed

    rows = list(csv.DictReader((out / "summary.csv").read_text().splitlines()))
    by_case = {(r["case_id"], r["frame"]): r for r in rows}  # frames counted from 1, as the file names count them
    assert set(by_case) == {("benign/b1.png", "1"), ("scan.dcm", "1"), ("cine.dcm", "1"), ("cine.dcm", "3"),
                            ("gone.png", "1")}
    scan_row = by_case[("scan.dcm", "1")]
    assert scan_row["calibration_source"] == "us-region"
    assert float(scan_row["area_mm2"]) == pytest.approx(400 * 0.1 * 0.1)  # 20x20 px at 0.1 mm
    assert by_case[("benign/b1.png", "1")]["area_mm2"] == ""  # a PNG has no physical scale
    assert by_case[("benign/b1.png", "1")]["pixels_changed"] == str(int((stored.frames[0].current_mask != stored.frames[0].ai_mask).sum()))  # type: ignore[union-attr]
    assert "patient_name" not in rows[0]
    all_text = (out / "summary.csv").read_text() + (out / "summary.json").read_text()
    assert PATIENT_NAME not in all_text and PATIENT_ID not in all_text
    assert len(json.loads((out / "summary.json").read_text())["rows"]) == 5


def test_identifiers_only_on_request(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path)
    export_workspace(workspace, tmp_path / "out", {"csv"}, include_identifiers=True)
    rows = list(csv.DictReader((tmp_path / "out" / "summary.csv").read_text().splitlines()))
    assert {r["patient_id"] for r in rows if r["case_id"] == "scan.dcm"} == {PATIENT_ID}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["summary.csv"]


def test_sr_alone_brings_its_seg(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path)
    export_workspace(workspace, tmp_path / "out", {"sr"})
    assert sorted(p.name for p in (tmp_path / "out" / "scan.dcm").iterdir()) == ["seg.dcm", "sr.dcm"]


def test_edited_dicom_mask_is_semiautomatic(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path)
    with CaseStore(workspace) as store:
        record = store.get_case("scan.dcm")
        frame = record.frames[0]  # type: ignore[union-attr]
        frame.current_mask = frame.current_mask.copy()  # type: ignore[union-attr]
        frame.current_mask[0:3, 0:3] = True  # type: ignore[index]
        store.save_frame("scan.dcm", frame)
    export_workspace(workspace, tmp_path / "out", {"seg"})
    seg = pydicom.dcmread(tmp_path / "out" / "scan.dcm" / "seg.dcm")
    assert seg.SegmentSequence[0].SegmentAlgorithmType == "SEMIAUTOMATIC"


@pytest.mark.parametrize("where", ["under_a_file", "missing_parent"])
def test_bad_destination_raises_one_sentence_and_leaves_workspace_alone(tmp_path: Path, where: str) -> None:
    workspace = make_workspace(tmp_path)
    before = _snapshot(workspace)
    blocker = tmp_path / "plain_file"
    blocker.write_text("not a folder")
    out = blocker / "sub" if where == "under_a_file" else tmp_path / "no" / "such" / "dir"
    with pytest.raises(ExportError) as caught:
        export_workspace(workspace, out)
    message = str(caught.value)
    assert message.endswith(".") and message.count(". ") == 0 and "\n" not in message
    assert _snapshot(workspace) == before


def test_full_disk_mid_export_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    workspace = make_workspace(tmp_path)

    def no_space(path: Path, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr("busviewer.io.mask_png.atomic_write_bytes", no_space)
    with pytest.raises(ExportError, match="is full"):
        export_workspace(workspace, tmp_path / "out")


def test_workspace_without_review_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="no saved review"):
        export_workspace(tmp_path, tmp_path / "out")


def test_progress_can_cancel(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path)
    summary = export_workspace(workspace, tmp_path / "out", {"png", "csv"}, progress=lambda done, total, case: False)
    assert summary.cancelled and summary.cases == 1
    assert len(list(csv.DictReader((tmp_path / "out" / "summary.csv").read_text().splitlines()))) == 1


def test_parse_formats() -> None:
    assert parse_formats("png, PDF") == {"png", "pdf"}
    with pytest.raises(UserFacingError, match="Unknown export format tiff"):
        parse_formats("png,tiff")
