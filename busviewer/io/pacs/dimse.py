"""DIMSE (classic DICOM networking) with pynetdicom: C-ECHO, C-FIND, C-GET, C-MOVE and C-STORE.

Every network step is bounded by the node's timeout. A retrieved instance is written as the bytes the PACS
sent (no decode and re-encode, so it is byte-identical to what was stored) into a staging folder that only
a complete transfer leaves (see ``StagingFolder``). Failures raise one PacsError sentence naming the node.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.uid import UID
from pynetdicom import AE, build_role, evt
from pynetdicom.association import Association
from pynetdicom.pdu import A_ASSOCIATE_RJ
from pynetdicom.sop_class import (  # type: ignore[attr-defined]
    StudyRootQueryRetrieveInformationModelFind,
    StudyRootQueryRetrieveInformationModelGet,
    StudyRootQueryRetrieveInformationModelMove,
    Verification,
)

from busviewer.io.pacs.errors import PacsCancelled, PacsError
from busviewer.io.pacs.nodes import PacsNode
from busviewer.io.pacs.results import (
    SERIES_FIELDS,
    STUDY_FIELDS,
    SendResult,
    StagingFolder,
    StudyQuery,
    TransferProgress,
    match_dict,
)

# pynetdicom logs whole identifiers (patient names) at debug level: keep it to real problems.
logging.getLogger("pynetdicom").setLevel(logging.WARNING)

#: Image storage classes offered for retrieval, each with every common transfer syntax in its own
#: presentation context, so the PACS can send each file as it stored it (no transcoding).
IMAGE_CLASSES = (
    "1.2.840.10008.5.1.4.1.1.6.1", "1.2.840.10008.5.1.4.1.1.3.1", "1.2.840.10008.5.1.4.1.1.6",
    "1.2.840.10008.5.1.4.1.1.3", "1.2.840.10008.5.1.4.1.1.7", "1.2.840.10008.5.1.4.1.1.7.4",
    "1.2.840.10008.5.1.4.1.1.7.2",
)
IMAGE_SYNTAXES = (
    "1.2.840.10008.1.2.1", "1.2.840.10008.1.2", "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51",
    "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81",
    "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.5", "1.2.840.10008.1.2.1.99",
    "1.2.840.10008.1.2.2",
)
#: SEG, SR (comprehensive 3D, comprehensive, enhanced, basic text), encapsulated PDF, key objects, GSPS.
DOCUMENT_CLASSES = (
    "1.2.840.10008.5.1.4.1.1.66.4", "1.2.840.10008.5.1.4.1.1.88.34", "1.2.840.10008.5.1.4.1.1.88.33",
    "1.2.840.10008.5.1.4.1.1.88.22", "1.2.840.10008.5.1.4.1.1.88.11", "1.2.840.10008.5.1.4.1.1.104.1",
    "1.2.840.10008.5.1.4.1.1.88.59", "1.2.840.10008.5.1.4.1.1.11.1",
)
DOCUMENT_SYNTAXES = ("1.2.840.10008.1.2.1", "1.2.840.10008.1.2")
_PENDING = (0xFF00, 0xFF01)


def _ae(own_ae_title: str, timeout_s: float) -> AE:
    ae = AE(ae_title=own_ae_title)
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = ae.connection_timeout = timeout_s
    return ae


def _check_reachable(node: PacsNode) -> None:
    """Connect once ourselves, so 'nobody listens' and 'no answer' get their own sentences."""
    try:
        with socket.create_connection((node.host, node.port), timeout=node.timeout_s):
            pass
    except TimeoutError as exc:
        raise PacsError(f"PACS {node.describe()} did not answer within {node.timeout_s:g} s.") from exc
    except ConnectionRefusedError as exc:
        raise PacsError(f"Nothing listens at {node.host}:{node.port}, so PACS {node.describe()} cannot be reached.") from exc
    except OSError as exc:
        raise PacsError(f"PACS {node.describe()} cannot be reached ({exc.strerror or exc}).") from exc


def _ended_early(node: PacsNode, started: float) -> bool:
    """Whether something that ended without an answer ended well before the node's timeout: then the peer
    ended it (pynetdicom's own timeout aborts too, but only once the time is up)."""
    return time.monotonic() - started < 0.9 * node.timeout_s


class _RejectionWatch:
    """Notes an A-ASSOCIATE-RJ as it arrives. A PACS that rejects and closes the socket at once can have
    pynetdicom see the closed connection first and report an abort, although the rejection came in."""

    def __init__(self) -> None:
        self.reason: str | None = None

    def on_pdu(self, event: Any) -> None:
        if isinstance(event.pdu, A_ASSOCIATE_RJ):
            try:
                self.reason = event.pdu.reason_str
            except ValueError:  # a reason code outside the standard's table
                self.reason = "no valid reason given"


def _not_established(
    node: PacsNode, own_ae_title: str, assoc: Association, rejected_for: str | None, started: float,
) -> str:
    if assoc.is_rejected or rejected_for is not None:
        reason = f": {rejected_for[0].lower()}{rejected_for[1:]}" if rejected_for else ""
        return (f"PACS {node.describe()} refused the association{reason} (it does not accept calls from "
                f"{own_ae_title} to {node.ae_title}).")
    if assoc.is_aborted and _ended_early(node, started):
        return f"PACS {node.describe()} closed the connection instead of accepting the association."
    return f"PACS {node.describe()} did not accept the association within {node.timeout_s:g} s."


@contextmanager
def _association(
    node: PacsNode, own_ae_title: str, contexts: Sequence[tuple[str, Sequence[str]]], scp_roles: Sequence[str] = (),
    handlers: Sequence[tuple[Any, Callable[..., Any]]] = (),
) -> Iterator[Association]:
    _check_reachable(node)
    ae = _ae(own_ae_title, node.timeout_s)
    for abstract, syntaxes in contexts:
        ae.add_requested_context(abstract, list(syntaxes))
    # Any: ext_neg takes a list of pynetdicom's (privately named) union of negotiation items.
    roles: list[Any] = [build_role(uid, scp_role=True) for uid in dict.fromkeys(scp_roles)]
    rejection = _RejectionWatch()
    started = time.monotonic()
    assoc = ae.associate(node.host, node.port, ae_title=node.ae_title, ext_neg=roles or None,
                         evt_handlers=[*handlers, (evt.EVT_PDU_RECV, rejection.on_pdu)])
    if not assoc.is_established:
        raise PacsError(_not_established(node, own_ae_title, assoc, rejection.reason, started))
    try:
        yield assoc
    finally:
        if assoc.is_established:
            assoc.release()


def _ended(node: PacsNode, own_ae_title: str, started: float, what: str) -> str:
    """The sentence for an operation that ended without an answer (pynetdicom aborts on its own timeout too,
    so the time taken tells a timeout from the peer's abort)."""
    if _ended_early(node, started):
        # Orthanc, dcm4chee and most PACS abort rather than answer when the caller is not a known modality.
        return (f"PACS {node.describe()} aborted {what}; it may not know our AE title {own_ae_title} "
                "(ask for it to be added to the PACS's modalities).")
    return f"PACS {node.describe()} stopped answering {what} within {node.timeout_s:g} s."


def _require(assoc: Association, node: PacsNode, abstract: str, what: str) -> None:
    if not any(context.abstract_syntax == abstract for context in assoc.accepted_contexts):
        raise PacsError(f"PACS {node.describe()} does not offer {what}.")


def echo(node: PacsNode, own_ae_title: str) -> None:
    """C-ECHO: raise a PacsError unless the node answers with success."""
    with _association(node, own_ae_title, [(Verification, DOCUMENT_SYNTAXES)]) as assoc:
        status = assoc.send_c_echo()
    if "Status" not in status or status.Status != 0:
        raise PacsError(f"PACS {node.describe()} did not answer the echo.")


def _find(node: PacsNode, own_ae_title: str, query: Dataset, what: str) -> list[Dataset]:
    matches = []
    with _association(node, own_ae_title, [(StudyRootQueryRetrieveInformationModelFind, DOCUMENT_SYNTAXES)]) as assoc:
        _require(assoc, node, StudyRootQueryRetrieveInformationModelFind, "study searches (C-FIND)")
        started = time.monotonic()
        for status, identifier in assoc.send_c_find(query, StudyRootQueryRetrieveInformationModelFind):
            if "Status" not in status:
                raise PacsError(_ended(node, own_ae_title, started, f"the {what} search"))
            if status.Status in _PENDING and identifier is not None:
                matches.append(identifier)
            elif status.Status != 0:
                raise PacsError(f"PACS {node.describe()} failed the {what} search (status 0x{status.Status:04X}).")
    return matches


def find_studies(node: PacsNode, own_ae_title: str, query: StudyQuery) -> list[dict[str, Any]]:
    """C-FIND at study level; one dict per study with ``STUDY_FIELDS``."""
    identifier = Dataset()
    identifier.QueryRetrieveLevel = "STUDY"
    for keyword in STUDY_FIELDS:
        setattr(identifier, keyword, "")
    identifier.PatientID = query.patient_id
    identifier.PatientName = query.patient_name
    identifier.StudyDate = query.date_range
    identifier.AccessionNumber = query.accession_number
    identifier.ModalitiesInStudy = query.modality
    return [match_dict(found, STUDY_FIELDS) for found in _find(node, own_ae_title, identifier, "study")]


def find_series(node: PacsNode, own_ae_title: str, study_uid: str) -> list[dict[str, Any]]:
    """C-FIND at series level within one study; one dict per series with ``SERIES_FIELDS``."""
    identifier = Dataset()
    identifier.QueryRetrieveLevel = "SERIES"
    for keyword in SERIES_FIELDS:
        setattr(identifier, keyword, "")
    identifier.StudyInstanceUID = study_uid
    return [match_dict(found, SERIES_FIELDS) for found in _find(node, own_ae_title, identifier, "series")]


def _storage_contexts() -> list[tuple[str, Sequence[str]]]:
    pairs: list[tuple[str, Sequence[str]]] = [(c, [s]) for c in IMAGE_CLASSES for s in IMAGE_SYNTAXES]
    return pairs + [(c, [s]) for c in DOCUMENT_CLASSES for s in DOCUMENT_SYNTAXES]


def _study_identifier(study_uid: str) -> Dataset:
    identifier = Dataset()
    identifier.QueryRetrieveLevel = "STUDY"
    identifier.StudyInstanceUID = study_uid
    return identifier


def _store_handler(staging: StagingFolder, lock: threading.Lock) -> Callable[[Any], int]:
    def on_store(event: Any) -> int:
        with lock:
            path = staging.file_for(str(event.request.AffectedSOPInstanceUID))
        # The bytes as the PACS sent them, with a file meta header: the file is byte-identical to the stored one.
        path.write_bytes(event.encoded_dataset())
        return 0x0000

    return on_store


def _follow_retrieve(
    node: PacsNode, responses: Iterator[tuple[Dataset, Dataset | None]], staging: StagingFolder,
    progress: TransferProgress | None, assoc: Association, study_uid: str, own_ae_title: str,
) -> list[Path]:
    failed, started = 0, time.monotonic()
    for status, _identifier in responses:
        if "Status" not in status:
            if staging.count == 0:
                raise PacsError(_ended(node, own_ae_title, started, "the retrieval"))
            raise PacsError(f"PACS {node.describe()} dropped the transfer after {staging.count} instance(s); "
                            "nothing was kept.")
        remaining = status.get("NumberOfRemainingSuboperations")
        failed = int(status.get("NumberOfFailedSuboperations", failed) or 0)
        total = staging.count + int(remaining) if remaining is not None else None
        if progress is not None and progress(staging.count, total) is False:
            assoc.abort()
            raise PacsCancelled("The retrieval was cancelled; nothing was kept.")
        if status.Status in _PENDING:
            continue
        if status.Status != 0 or failed:
            raise PacsError(f"PACS {node.describe()} could not send {failed or 'some'} instance(s) of the study "
                            f"(status 0x{status.Status:04X}); nothing was kept.")
    if assoc.is_aborted:
        raise PacsError(f"PACS {node.describe()} dropped the transfer after {staging.count} instance(s); nothing was kept.")
    if staging.count == 0:
        raise PacsError(f"PACS {node.describe()} has no instances of study {study_uid}.")
    return staging.commit(study_uid)


def get_study(
    node: PacsNode, own_ae_title: str, study_uid: str, out_dir: Path, progress: TransferProgress | None = None,
) -> list[Path]:
    """C-GET a whole study into ``out_dir/<study UID>/``; only a complete transfer is kept."""
    staging, lock = StagingFolder(out_dir), threading.Lock()
    contexts = [(StudyRootQueryRetrieveInformationModelGet, DOCUMENT_SYNTAXES), *_storage_contexts()]
    try:
        with _association(node, own_ae_title, contexts, scp_roles=IMAGE_CLASSES + DOCUMENT_CLASSES,
                          handlers=[(evt.EVT_C_STORE, _store_handler(staging, lock))]) as assoc:
            _require(assoc, node, StudyRootQueryRetrieveInformationModelGet, "retrieval with C-GET")
            responses = assoc.send_c_get(_study_identifier(study_uid), StudyRootQueryRetrieveInformationModelGet)
            return _follow_retrieve(node, responses, staging, progress, assoc, study_uid, own_ae_title)
    finally:
        staging.discard()


def move_study(
    node: PacsNode, own_ae_title: str, move_port: int, study_uid: str, out_dir: Path,
    progress: TransferProgress | None = None,
) -> list[Path]:
    """C-MOVE a study to ourselves: a storage SCP listens on ``move_port`` while the node sends it."""
    staging, lock = StagingFolder(out_dir), threading.Lock()
    listener = _ae(own_ae_title, node.timeout_s)
    for abstract, syntaxes in _storage_contexts():
        listener.add_supported_context(abstract, list(syntaxes))
    try:
        server = listener.start_server(("", move_port), block=False,
                                       evt_handlers=[(evt.EVT_C_STORE, _store_handler(staging, lock))])
        assert server is not None  # None only from a blocking server
    except OSError as exc:
        staging.discard()
        raise PacsError(f"Port {move_port} for C-MOVE is in use or not allowed ({exc.strerror}); "
                        "choose another in Settings.") from exc
    try:
        with _association(node, own_ae_title, [(StudyRootQueryRetrieveInformationModelMove, DOCUMENT_SYNTAXES)]) as assoc:
            _require(assoc, node, StudyRootQueryRetrieveInformationModelMove, "retrieval with C-MOVE")
            responses = assoc.send_c_move(_study_identifier(study_uid), own_ae_title,
                                          StudyRootQueryRetrieveInformationModelMove)
            return _follow_retrieve(node, responses, staging, progress, assoc, study_uid, own_ae_title)
    finally:
        server.shutdown()
        staging.discard()


def store_files(
    node: PacsNode, own_ae_title: str, files: Sequence[Path], progress: TransferProgress | None = None,
) -> SendResult:
    """C-STORE each file as it is on disk; per-file failures are listed, a dropped connection ends the rest."""
    result = SendResult()
    readable: list[tuple[Path, str, str]] = []
    for path in files:
        try:
            header = pydicom.dcmread(path, stop_before_pixels=True)
            readable.append((Path(path), str(header.SOPClassUID), str(header.file_meta.TransferSyntaxUID)))
        except (InvalidDicomError, OSError, AttributeError) as exc:
            result.failed.append({"file": str(path), "reason": f"{Path(path).name} is not a readable DICOM file ({type(exc).__name__})."})
    if not readable:
        return result
    pairs = list(dict.fromkeys((sop_class, syntax) for _path, sop_class, syntax in readable))
    if len(pairs) > 127:
        raise PacsError("Send fewer kinds of files at once: one association carries at most 128 kinds.")
    with _association(node, own_ae_title, [(sop_class, [syntax]) for sop_class, syntax in pairs]) as assoc:
        accepted = {(c.abstract_syntax, c.transfer_syntax[0]) for c in assoc.accepted_contexts}
        for done, (path, sop_class, syntax) in enumerate(readable, start=1):
            if (sop_class, syntax) not in accepted:
                result.failed.append({"file": str(path), "reason": f"PACS {node.describe()} does not accept "
                                      f"{UID(sop_class).name} in {UID(syntax).name}."})
                continue
            if not assoc.is_established:
                result.failed.append({"file": str(path), "reason": f"PACS {node.describe()} dropped the connection."})
                continue
            status = assoc.send_c_store(path)
            if "Status" not in status:
                result.failed.append({"file": str(path), "reason": f"PACS {node.describe()} dropped the connection."})
            elif status.Status in (0x0000, 0xB000, 0xB006, 0xB007):
                result.sent += 1
                result.sent_files.append(str(path))
            else:
                result.failed.append({"file": str(path), "reason": f"PACS {node.describe()} refused "
                                      f"{path.name} (status 0x{status.Status:04X})."})
            if progress is not None and progress(done, len(readable)) is False:
                break
    return result
