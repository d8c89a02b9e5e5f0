"""Grad-CAM thumbnails in exported PDFs: injected into ``export_workspace``, built from weights by the CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from busviewer.cli import main
from busviewer.core.case import CaseRecord, FrameReview, ReviewStatus
from busviewer.io import export as export_module
from busviewer.io.export import export_workspace, gradcam_target
from busviewer.io.store import CaseStore
from tests.gui.workspace.conftest import SCAN_SHAPE, write_scan_png


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "ws"
    mask = np.zeros(SCAN_SHAPE, bool)
    mask[20:40, 30:50] = True
    folder.mkdir()
    with CaseStore(folder) as store:
        for name, probabilities in (("m.png", (0.1, 0.2, 0.7)), ("n.png", (0.8, 0.1, 0.1))):
            write_scan_png(folder / name)
            store.upsert_case(CaseRecord(name, folder / name, ReviewStatus.APPROVED, None,
                                         {0: FrameReview(0, mask, "m1", probabilities, mask)}))  # fmt: skip
    return folder


@pytest.fixture
def pdf_reports(monkeypatch: pytest.MonkeyPatch) -> list:
    """Every report handed to the PDF writer (the PDF is still written)."""
    reports: list = []
    real_writer = export_module.write_pdf_reports

    def spy(path, case_reports, **kwargs):  # type: ignore[no-untyped-def]
        reports.extend(case_reports)
        return real_writer(path, case_reports, **kwargs)

    monkeypatch.setattr(export_module, "write_pdf_reports", spy)
    return reports


def test_injected_gradcam_explains_the_ai_class_at_frame_size(
    workspace: Path, tmp_path: Path, pdf_reports: list
) -> None:
    calls: list[tuple[tuple[int, ...], str]] = []

    def fake_gradcam(grey: np.ndarray, target: str) -> np.ndarray:
        calls.append((grey.shape, target))
        return np.linspace(0, 1, grey.size).reshape(grey.shape)

    export_workspace(workspace, tmp_path / "out", {"pdf", "png"}, gradcam=fake_gradcam)
    assert calls == [(SCAN_SHAPE, "malignant"), (SCAN_SHAPE, "lesion")]  # a "normal" call explains the lesion output
    assert all(report.gradcam is not None and report.gradcam.shape == SCAN_SHAPE for report in pdf_reports)


def test_a_failing_gradcam_leaves_the_thumbnail_out_not_the_report(workspace: Path, tmp_path: Path) -> None:
    def broken(grey: np.ndarray, target: str) -> np.ndarray:
        raise RuntimeError("no GPU memory")

    summary = export_workspace(workspace, tmp_path / "out", {"pdf"}, gradcam=broken)
    assert summary.cases == 2 and not summary.skipped
    assert (tmp_path / "out" / "m.png" / "report.pdf").read_bytes().startswith(b"%PDF")


def test_gradcam_target() -> None:
    assert gradcam_target(None) == "lesion"
    assert gradcam_target(FrameReview(0, ai_probabilities=(0.1, 0.6, 0.3))) == "benign"


def test_export_command_adds_gradcam_from_weights_unless_told_not_to(
    workspace: Path, tmp_path: Path, tiny_weights: Path, pdf_reports: list
) -> None:
    assert main(["export", str(workspace), "--out", str(tmp_path / "a"), "--formats", "pdf",
                 "--weights", str(tiny_weights), "--device", "cpu"]) == 0  # fmt: skip
    assert len(pdf_reports) == 2 and all(report.gradcam is not None for report in pdf_reports)
    pdf_reports.clear()
    assert main(["export", str(workspace), "--out", str(tmp_path / "b"), "--formats", "pdf", "--no-gradcam",
                 "--weights", str(tiny_weights)]) == 0  # fmt: skip
    assert len(pdf_reports) == 2 and all(report.gradcam is None for report in pdf_reports)


def test_export_command_with_a_missing_weights_file_is_one_sentence(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", str(workspace), "--out", str(tmp_path / "a"), "--weights", str(tmp_path / "x.st")]) == 2
    assert capsys.readouterr().err.strip() == f"error: The weights file {tmp_path / 'x.st'} does not exist."
