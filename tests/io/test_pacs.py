"""PACS library against a real Orthanc: echo, find, get, move, send over DIMSE and DICOMweb, and the faults."""

from __future__ import annotations

import socket
import stat
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pynetdicom import AE, evt
from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelGet, UltrasoundImageStorage

from busviewer.io.pacs import (
    PacsCancelled,
    PacsError,
    PacsSettings,
    StudyQuery,
    echo,
    find_series,
    find_studies,
    retrieve_study,
    send_files,
)
from busviewer.io.pacs.nodes import (
    PacsNode,
    load_pacs_settings,
    parse_dicomweb_url,
    parse_dimse_spec,
    save_pacs_settings,
    with_node,
)
from busviewer.io.seg import write_dicom_seg
from tests.io.test_seg import PATIENT_ID, make_us_dicom
from tests.orthanc_server import OrthancServer, free_port


@pytest.fixture
def pacs(orthanc: OrthancServer) -> PacsSettings:
    orthanc.clear()
    return PacsSettings(own_ae_title="BUSVIEWER", move_port=orthanc.move_port, timeout_s=5)


@pytest.fixture
def study(tmp_path: Path) -> list[Path]:
    """A scan and its SEG, ready to send."""
    scan = make_us_dicom(tmp_path / "scan.dcm")
    mask = np.zeros((48, 64), bool)
    mask[10:20, 10:30] = True
    write_dicom_seg(tmp_path / "seg.dcm", scan, {0: mask}, edited=True, model_id="m1")
    return [scan, tmp_path / "seg.dcm"]


def dataset_bytes(path: Path) -> bytes:
    """The encoded data set after the file meta header (which the receiver writes anew)."""
    data = path.read_bytes()
    assert data[128:132] == b"DICM"
    (group_length,) = struct.unpack("<I", data[140:144])
    return data[144 + group_length :]


def _uid(path: Path) -> str:
    return str(pydicom.dcmread(path, stop_before_pixels=True).SOPInstanceUID)


def test_echo_over_dimse_and_dicomweb(orthanc: OrthancServer, pacs: PacsSettings) -> None:
    echo(parse_dimse_spec(orthanc.node_spec), pacs)
    echo(parse_dicomweb_url(orthanc.dicomweb_url), pacs)


@pytest.mark.parametrize("method", ["get", "move"])
def test_round_trip_is_byte_identical(
    orthanc: OrthancServer, pacs: PacsSettings, study: list[Path], tmp_path: Path, method: str
) -> None:
    node = parse_dimse_spec(orthanc.node_spec, timeout_s=5)
    result = send_files(node, study, settings=pacs)
    assert (result.sent, result.failed) == (2, [])

    (found,) = find_studies(node, StudyQuery(patient_id=PATIENT_ID), settings=pacs)
    source = pydicom.dcmread(study[0], stop_before_pixels=True)
    assert found["StudyInstanceUID"] == source.StudyInstanceUID and found["PatientID"] == PATIENT_ID
    assert found["NumberOfStudyRelatedInstances"] == 2 and "US" in found["ModalitiesInStudy"].split("\\")
    assert found["StudyDate"] == "20240102"
    series = find_series(node, found["StudyInstanceUID"], settings=pacs)
    assert sorted(s["Modality"] for s in series) == ["SEG", "US"]

    calls: list[tuple[int, int | None]] = []
    files = retrieve_study(node, found["StudyInstanceUID"], tmp_path / "got", progress=lambda *a: calls.append(a),
                           settings=pacs, method=method)
    assert sorted(_uid(f) for f in files) == sorted(_uid(f) for f in study)
    by_uid = {_uid(f): f for f in files}
    for sent in study:
        assert dataset_bytes(by_uid[_uid(sent)]) == dataset_bytes(sent)
    assert not list((tmp_path / "got").glob(".partial-*"))


def test_dicomweb_send_find_retrieve(orthanc: OrthancServer, pacs: PacsSettings, study: list[Path], tmp_path: Path) -> None:
    node = parse_dicomweb_url(orthanc.dicomweb_url, timeout_s=5)
    assert send_files(node, study, settings=pacs).sent == 2
    (found,) = find_studies(node, StudyQuery(patient_id=PATIENT_ID), settings=pacs)
    assert found["NumberOfStudyRelatedInstances"] == 2
    assert len(find_series(node, found["StudyInstanceUID"], settings=pacs)) == 2
    files = retrieve_study(node, found["StudyInstanceUID"], tmp_path / "got", settings=pacs)
    assert sorted(_uid(f) for f in files) == sorted(_uid(f) for f in study)
    original = pydicom.dcmread(study[0])
    back = pydicom.dcmread(next(f for f in files if _uid(f) == original.SOPInstanceUID))
    np.testing.assert_array_equal(back.pixel_array, original.pixel_array)


def test_find_filters_by_modality(orthanc: OrthancServer, pacs: PacsSettings, study: list[Path]) -> None:
    node = parse_dimse_spec(orthanc.node_spec, timeout_s=5)
    send_files(node, study, settings=pacs)
    assert find_studies(node, StudyQuery(modality="CT"), settings=pacs) == []
    assert len(find_studies(node, StudyQuery(modality="US", date_range="20240101-20240131"), settings=pacs)) == 1


def test_refused_association_names_the_node(orthanc: OrthancServer, pacs: PacsSettings) -> None:
    # Orthanc rejects a wrong called AE title and closes the socket at once; about one call in eight,
    # pynetdicom sees the close before the rejection and reports an abort. Twelve tries catch that race.
    node = PacsNode(name="main-pacs", ae_title="NOT_ORTHANC", host="127.0.0.1", port=orthanc.dicom_port, timeout_s=30)
    for _ in range(12):
        with pytest.raises(PacsError, match=r"^PACS main-pacs \(NOT_ORTHANC@127\.0\.0\.1:\d+\) refused the "
                           r"association: called AE title not recognised \(it does not accept calls from BUSVIEWER"):
            echo(node, pacs)


def test_unknown_calling_ae_title_is_explained(orthanc: OrthancServer, pacs: PacsSettings) -> None:
    stranger = PacsSettings(own_ae_title="STRANGER", timeout_s=5)
    with pytest.raises(PacsError, match=r"aborted the study search; it may not know our AE title STRANGER"):
        find_studies(parse_dimse_spec(orthanc.node_spec, timeout_s=5), StudyQuery(), settings=stranger)


def test_nothing_listening(pacs: PacsSettings) -> None:
    with pytest.raises(PacsError, match="Nothing listens at 127.0.0.1"):
        echo(parse_dimse_spec(f"X@127.0.0.1:{free_port()}", timeout_s=2), pacs)


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Accepts TCP connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    accepted: list[socket.socket] = []
    thread = threading.Thread(target=lambda: accepted.append(server.accept()[0]), daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    for connection in accepted:
        connection.close()
    server.close()


@pytest.fixture
def hanging_up_server() -> Iterator[int]:
    """Reads the association request, then closes the connection without a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def serve() -> None:
        while True:
            try:
                connection, _ = server.accept()
            except OSError:  # the fixture closed the listening socket
                return
            with connection:
                connection.recv(65536)

    threading.Thread(target=serve, daemon=True).start()
    yield int(server.getsockname()[1])
    server.close()


def test_hang_up_during_negotiation_is_not_called_a_timeout(hanging_up_server: int, pacs: PacsSettings) -> None:
    with pytest.raises(PacsError, match=r"closed the connection instead of accepting the association\.$"):
        echo(parse_dimse_spec(f"RUDE@127.0.0.1:{hanging_up_server}", timeout_s=20), pacs)


def test_timeout_is_bounded(silent_server: int, pacs: PacsSettings) -> None:
    with pytest.raises(PacsError, match=r"did not accept the association within 1 s"):
        echo(parse_dimse_spec(f"SILENT@127.0.0.1:{silent_server}", timeout_s=1), pacs)


def test_dicomweb_fault_is_one_sentence(pacs: PacsSettings) -> None:
    with pytest.raises(PacsError, match=r"^DICOMweb node .* cannot be reached for the study search\.$"):
        find_studies(parse_dicomweb_url(f"http://127.0.0.1:{free_port()}/dicom-web", timeout_s=2), StudyQuery(),
                     settings=pacs)


@pytest.fixture
def picky_scp() -> Iterator[tuple[int, list[int]]]:
    """A storage and C-GET SCP that accepts only Ultrasound Image Storage and drops every C-GET midway."""
    ae = AE(ae_title="PICKY")
    ae.add_supported_context(UltrasoundImageStorage, scu_role=True, scp_role=True)  # stores, and sends for C-GET
    ae.add_supported_context(StudyRootQueryRetrieveInformationModelGet)
    stored: list[int] = []
    held: list[pydicom.Dataset] = []

    def on_store(event: evt.Event) -> int:
        dataset = event.dataset
        dataset.file_meta = event.file_meta
        held.append(dataset)
        stored.append(1)
        return 0x0000

    def on_get(event: evt.Event) -> Iterator[object]:
        yield 2
        yield 0xFF00, held[0]
        event.assoc.abort()  # the second instance never comes

    port = free_port()
    server = ae.start_server(("127.0.0.1", port), block=False,
                             evt_handlers=[(evt.EVT_C_STORE, on_store), (evt.EVT_C_GET, on_get)])
    yield port, stored
    server.shutdown()


def test_rejected_sop_class_is_listed_per_file(picky_scp: tuple[int, list[int]], pacs: PacsSettings,
                                               study: list[Path]) -> None:
    port, stored = picky_scp
    result = send_files(parse_dimse_spec(f"PICKY@127.0.0.1:{port}", timeout_s=5), study, settings=pacs)
    assert result.sent == 1 and len(stored) == 1
    (failure,) = result.failed
    assert failure["file"] == str(study[1])
    assert failure["reason"] == (f"PACS PICKY@127.0.0.1:{port} does not accept Segmentation Storage in "
                                 "Explicit VR Little Endian.")


def test_dropped_transfer_keeps_nothing(picky_scp: tuple[int, list[int]], pacs: PacsSettings, study: list[Path],
                                        tmp_path: Path) -> None:
    port, _stored = picky_scp
    node = parse_dimse_spec(f"PICKY@127.0.0.1:{port}", timeout_s=5)
    send_files(node, study[:1], settings=pacs)
    (tmp_path / "got").mkdir()
    (tmp_path / "got" / "kept.txt").write_text("already saved")
    with pytest.raises(PacsError, match=r"dropped the transfer after \d instance\(s\); nothing was kept\.$"):
        retrieve_study(node, "1.2.3", tmp_path / "got", settings=pacs)
    assert sorted(p.name for p in (tmp_path / "got").iterdir()) == ["kept.txt"]


def test_cancel_keeps_nothing(orthanc: OrthancServer, pacs: PacsSettings, study: list[Path], tmp_path: Path) -> None:
    node = parse_dimse_spec(orthanc.node_spec, timeout_s=5)
    send_files(node, study, settings=pacs)
    uid = str(pydicom.dcmread(study[0], stop_before_pixels=True).StudyInstanceUID)
    with pytest.raises(PacsCancelled):
        retrieve_study(node, uid, tmp_path / "got", progress=lambda done, total: False, settings=pacs)
    assert list((tmp_path / "got").iterdir()) == []


def test_nodes_are_saved_owner_only_beside_other_settings(tmp_path: Path) -> None:
    path = tmp_path / "settings.ini"
    path.write_text("[recent]\nfiles=/a.dcm, /b.dcm\n", encoding="utf-8")
    web = PacsNode(name="web", dicomweb_url="https://pacs.example/dicom-web", username="u", password='p"w\\1')
    dimse = PacsNode(name="main", ae_title="ORTHANC", host="10.0.0.5", port=4242, retrieve="move", timeout_s=3)
    save_pacs_settings(with_node(with_node(PacsSettings(own_ae_title="READER1"), web), dimse), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text(encoding="utf-8").startswith("[recent]\nfiles=/a.dcm, /b.dcm\n")
    loaded = load_pacs_settings(path)
    assert loaded.own_ae_title == "READER1"
    assert loaded.node("web") == web and loaded.node("main") == dimse
    assert "p\"w" not in repr(loaded) and "p\"w" not in web.describe()
