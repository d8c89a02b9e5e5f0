"""A cine export holds the frames a person reviewed, whatever the reader played: edited and key frames only,
one PDF per case, and SEG and SR say per frame that a person reviewed it."""

from __future__ import annotations

import shutil
from pathlib import Path

import highdicom as hd
import numpy as np
import pydicom
import pytest

from busviewer.core.case import CaseRecord, FrameReview, ReviewStatus
from busviewer.io.export import export_workspace
from busviewer.io.store import CaseStore
from tests.io.test_conformance import SHARED_DICOM, dciodvfy_errors
from tests.io.test_seg import make_us_dicom
from tests.pdf_pages import page_count, pdf_text


def _box(shape: tuple[int, int], top: int, size: int) -> np.ndarray:
    mask = np.zeros(shape, bool)
    mask[top : top + size, top : top + size] = True
    return mask


def _played_cine(workspace: Path, source: Path, played: range, edited: set[int], key_frames: set[int]) -> None:
    """The store after the reader played ``played`` (the AI proposed a mask on each), edited some, marked some."""
    shape = pydicom.dcmread(source, stop_before_pixels=True)
    rows, columns = int(shape.Rows), int(shape.Columns)
    frames = {}
    for index in played:
        ai = _box((rows, columns), rows // 4, rows // 4)
        current = _box((rows, columns), rows // 4, rows // 3) if index in edited else ai.copy()
        frames[index] = FrameReview(index, ai, "m1", (0.2, 0.5, 0.3), current, 0.1)
    record = CaseRecord(source.name, source, ReviewStatus.CORRECTED if edited else ReviewStatus.AI_PROPOSED,
                        None, frames, key_frames=frozenset(key_frames))  # fmt: skip
    with CaseStore(workspace) as store:
        store.upsert_case(record, user="alice")


def _check_cine_export(workspace: Path, source: Path, tmp_path: Path, reviewed: list[int]) -> None:
    summary = export_workspace(workspace, tmp_path / "out", {"png", "pdf", "seg", "sr", "csv"})
    case_dir = tmp_path / "out" / source.name
    assert sorted(p.name for p in case_dir.iterdir()) == sorted(
        [f"mask_frame{i + 1:03d}.png" for i in reviewed] + ["report.pdf", "seg.dcm", "sr.dcm"])
    assert page_count(case_dir / "report.pdf") == len(reviewed)  # one PDF, a page per reviewed frame
    assert "not reviewed" not in pdf_text(case_dir / "report.pdf")

    seg = hd.seg.segread(case_dir / "seg.dcm")
    source_frames = [int(item.DerivationImageSequence[0].SourceImageSequence[0].ReferencedFrameNumber) - 1
                     for item in seg.PerFrameFunctionalGroupsSequence]  # fmt: skip
    assert source_frames == reviewed
    labels = [item.FrameContentSequence[0].FrameLabel for item in seg.PerFrameFunctionalGroupsSequence]
    assert all(label.startswith("reviewed: ") for label in labels)

    sr = hd.sr.srread(case_dir / "sr.dcm")
    groups = sr.content.get_planar_roi_measurement_groups()
    assert [g.tracking_identifier for g in groups] == [f"Lesion 1, frame {i + 1}" for i in reviewed]
    for group in groups:
        answers = {e.name.meaning: e.value.meaning for e in group.get_qualitative_evaluations()}
        assert answers["Frame reviewed by a person"] == "Yes"
    rows = (tmp_path / "out" / "summary.csv").read_text().splitlines()[1:]
    assert len(rows) == len(reviewed) and not summary.skipped
    if shutil.which("dciodvfy"):
        for written in ("seg.dcm", "sr.dcm"):
            assert dciodvfy_errors(case_dir / written) == [], written


def test_played_frames_stay_out_of_a_synthetic_cine_export(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    source = make_us_dicom(workspace / "cine.dcm", frames=12)
    _played_cine(workspace, source, range(0, 12, 2), edited={4}, key_frames={6, 9})  # frame 9 never had the AI
    _check_cine_export(workspace, source, tmp_path, [4, 6, 9])
    labels = [item.FrameContentSequence[0].FrameLabel for item in
              pydicom.dcmread(tmp_path / "out" / "cine.dcm" / "seg.dcm").PerFrameFunctionalGroupsSequence]
    assert labels == ["reviewed: edited", "reviewed: key frame", "reviewed: key frame"]


def test_played_frames_stay_out_of_a_real_scanner_cine_export(tmp_path: Path) -> None:
    real = SHARED_DICOM / "examples_ybr_color.dcm"  # SonoSite, 30 frames, JPEG baseline YBR_FULL_422
    if not real.is_file():
        pytest.skip(f"the real scanner files are not at {SHARED_DICOM}")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    source = Path(shutil.copy(real, workspace / real.name))
    _played_cine(workspace, source, range(0, 18), edited={3, 11}, key_frames={25})
    _check_cine_export(workspace, source, tmp_path, [3, 11, 25])


def test_a_cine_with_no_reviewed_frame_exports_nothing_and_says_why(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    source = make_us_dicom(workspace / "cine.dcm", frames=6)
    _played_cine(workspace, source, range(6), edited=set(), key_frames=set())
    summary = export_workspace(workspace, tmp_path / "out", {"png", "pdf", "seg", "sr"})
    assert not (tmp_path / "out" / "cine.dcm").exists() and summary.files == []
    assert summary.skipped == ["Cine case cine.dcm has no reviewed frame (edit a frame or mark it with K), so no "
                               "mask, report, SEG or SR was written for it."]
