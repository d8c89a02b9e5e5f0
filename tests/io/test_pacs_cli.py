"""``busviewer pacs``: the shell round trip against the real Orthanc, JSON shapes, and one-sentence errors."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pydicom
import pytest

from busviewer.cli import main
from busviewer.core.paths import settings_file
from busviewer.io.seg import write_dicom_seg
from tests.io.test_pacs import dataset_bytes
from tests.io.test_seg import PATIENT_ID, make_us_dicom
from tests.orthanc_server import OrthancServer, free_port


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_send_find_get_round_trip(orthanc: OrthancServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    orthanc.clear()
    scan = make_us_dicom(tmp_path / "scan.dcm")
    mask = np.zeros((48, 64), bool)
    mask[5:15, 5:25] = True
    write_dicom_seg(tmp_path / "seg.dcm", scan, {0: mask}, edited=False, model_id="m1")
    node = ["--node", orthanc.node_spec]

    assert _json(capsys, "pacs", "echo", *node, "--json") == (0, {"node": orthanc.node_spec, "ok": True})
    assert _json(capsys, "pacs", "send", *node, str(scan), str(tmp_path / "seg.dcm"), "--json") == (
        0, {"sent": 2, "failed": []})
    code, found = _json(capsys, "pacs", "find", *node, "--patient-id", PATIENT_ID, "--modality", "US",
                        "--date", "20240101-20240131", "--json")
    study_uid = str(pydicom.dcmread(scan, stop_before_pixels=True).StudyInstanceUID)
    assert code == 0 and len(found["studies"]) == 1
    (study,) = found["studies"]
    assert set(study) == {"StudyInstanceUID", "PatientID", "StudyDate", "ModalitiesInStudy",
                          "NumberOfStudyRelatedInstances"}
    assert (study["StudyInstanceUID"], study["PatientID"], study["StudyDate"]) == (study_uid, PATIENT_ID, "20240102")
    assert study["NumberOfStudyRelatedInstances"] == 2

    code, got = _json(capsys, "pacs", "get", *node, "--study", study_uid, "--out", str(tmp_path / "got"), "--json")
    assert code == 0 and got["retrieved"] == 2
    back = {str(pydicom.dcmread(f, stop_before_pixels=True).SOPInstanceUID): Path(f) for f in got["files"]}
    for sent in (scan, tmp_path / "seg.dcm"):
        uid = str(pydicom.dcmread(sent, stop_before_pixels=True).SOPInstanceUID)
        assert dataset_bytes(back[uid]) == dataset_bytes(sent)

    code, web = _json(capsys, "pacs", "find", "--dicomweb", orthanc.dicomweb_url, "--patient-id", PATIENT_ID, "--json")
    assert code == 0 and [s["StudyInstanceUID"] for s in web["studies"]] == [study_uid]


def test_saved_node_by_name(orthanc: OrthancServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pacs", "add", "main", "--node", orthanc.node_spec, "--retrieve", "move", "--timeout", "4"]) == 0
    capsys.readouterr()
    assert stat.S_IMODE(settings_file().stat().st_mode) == 0o600
    code, listed = _json(capsys, "pacs", "nodes", "--json")
    assert listed["nodes"] == [{"name": "main", "address": f"main ({orthanc.node_spec})", "retrieve": "move",
                                "timeout_s": 4.0}]
    assert _json(capsys, "pacs", "echo", "--node", "main", "--json")[1]["ok"] is True


@pytest.mark.parametrize(("argv", "sentence"), [
    (["pacs", "echo", "--node", "nonsense"], "There is no saved PACS node called 'nonsense'"),
    (["pacs", "echo", "--node", "A@B"], "is not a PACS node; write it as AE_TITLE@HOST:PORT"),
    (["pacs", "find", "--node", "X@127.0.0.1:1", "--date", "2024-01-01"], "is not FROM-TO in YYYYMMDD form"),
    (["pacs", "echo", "--dicomweb", "ftp://x"], "is not a DICOMweb base URL"),
])
def test_bad_input_is_one_sentence(argv: list[str], sentence: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and sentence in err and err.count("\n") == 1


def test_unreachable_node_is_one_sentence(capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    assert main(["pacs", "echo", "--node", f"ORTHANC@127.0.0.1:{port}", "--timeout", "2"]) == 2
    assert capsys.readouterr().err == (f"error: Nothing listens at 127.0.0.1:{port}, so PACS "
                                       f"ORTHANC@127.0.0.1:{port} cannot be reached.\n")


def test_a_refusing_pacs_is_one_line_on_stderr(orthanc: OrthancServer, tmp_path: Path) -> None:
    # In a shell, as a user runs it: pynetdicom's own log lines about the rejection must not precede ours.
    node = f"NOT_ORTHANC@127.0.0.1:{orthanc.dicom_port}"
    result = subprocess.run([sys.executable, "-m", "busviewer", "pacs", "echo", "--node", node, "--timeout", "10"],
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "BUSVIEWER_HOME": str(tmp_path / "home")})
    assert result.returncode == 2
    assert result.stderr == (f"error: PACS {node} refused the association: called AE title not recognised (it does "
                             f"not accept calls from BUSVIEWER to NOT_ORTHANC).\n")


def orthanc_modalities(orthanc: OrthancServer) -> list[str]:
    """The modality of every instance Orthanc holds, sorted (what a PACS user would see in its series list)."""
    instances = orthanc.rest("/instances?expand")
    return sorted(str(orthanc.rest(f"/series/{i['ParentSeries']}")["MainDicomTags"]["Modality"])  # type: ignore[index]
                  for i in instances)  # type: ignore[union-attr]


def test_export_sends_seg_sr_and_pdf_to_the_pacs(orthanc: OrthancServer, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from busviewer.io.store import CaseStore
    from tests.io.test_export import make_workspace

    orthanc.clear()
    workspace = make_workspace(tmp_path)
    code = main(["export", str(workspace), "--out", str(tmp_path / "out"), "--formats", "seg,sr,pdf", "--no-gradcam",
                 "--send", orthanc.node_spec, "--send-pdf", "--json"])
    report = json.loads(capsys.readouterr().out)
    dicom_files = [f for f in report["files"] if f.endswith(".dcm")]
    assert sorted(Path(f).name for f in dicom_files) == ["report_pdf.dcm", "report_pdf.dcm", "seg.dcm", "seg.dcm",
                                                         "sr.dcm", "sr.dcm"]
    assert report["sent"]["sent"] == 6 and report["sent"]["failed"] == []
    assert report["sent"]["cases"] == {"scan.dcm": ["SEG", "SR", "PDF"], "cine.dcm": ["SEG", "SR", "PDF"]}
    assert code == 1  # the workspace holds a case whose source has gone (skipped)
    assert orthanc_modalities(orthanc) == ["DOC", "DOC", "SEG", "SEG", "SR", "SR"]
    pdf_instance = next(i for i in orthanc.rest("/instances?expand")  # type: ignore[union-attr]
                        if i["MainDicomTags"].get("SOPInstanceUID") ==
                        str(pydicom.dcmread(tmp_path / "out" / "scan.dcm" / "report_pdf.dcm").SOPInstanceUID))
    pdf_bytes = orthanc.rest(f"/instances/{pdf_instance['ID']}/content/0042-0011", raw=True)
    assert pdf_bytes.rstrip(b"\x00") == (tmp_path / "out" / "scan.dcm" / "report.pdf").read_bytes()
    with CaseStore(workspace) as store:
        (sent,) = store.get_case("scan.dcm").sends  # type: ignore[union-attr]
    assert (sent.node, sent.what, sent.instances) == (orthanc.node_spec, ("SEG", "SR", "PDF"), 3)


def test_export_to_an_unreachable_node_keeps_the_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from busviewer.io.store import CaseStore
    from tests.io.test_export import make_workspace

    workspace = make_workspace(tmp_path)
    port = free_port()
    code = main(["export", str(workspace), "--out", str(tmp_path / "out"), "--formats", "seg,sr", "--no-gradcam",
                 "--send", f"ORTHANC@127.0.0.1:{port}"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"error: Nothing listens at 127.0.0.1:{port}, so PACS ORTHANC@127.0.0.1:{port} cannot be reached." in err
    assert (tmp_path / "out" / "scan.dcm" / "seg.dcm").is_file() and (tmp_path / "out" / "scan.dcm" / "sr.dcm").is_file()
    with CaseStore(workspace) as store:
        assert store.get_case("scan.dcm").sends == ()  # type: ignore[union-attr]
