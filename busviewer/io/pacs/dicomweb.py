"""DICOMweb with dicomweb-client: QIDO-RS (search), WADO-RS (retrieve) and STOW-RS (send).

Every HTTP request carries the node's timeout. Failures raise one PacsError sentence naming the node; the
password is only ever handed to requests, never put into a message or the log.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pydicom
import requests
from dicomweb_client.api import DICOMwebClient
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError

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


def _client(node: PacsNode) -> DICOMwebClient:
    session = requests.Session()
    if node.username:
        session.auth = (node.username, node.password)
    client = DICOMwebClient(url=node.dicomweb_url, session=session, timeout=node.timeout_s)
    # Its default retries every failed request five times with back-off (30 s against a dead host).
    client.set_http_retry_params(retry=False)
    return client


def _failure(node: PacsNode, what: str, exc: Exception) -> PacsError:
    if isinstance(exc, requests.Timeout):
        return PacsError(f"DICOMweb node {node.describe()} did not answer the {what} within {node.timeout_s:g} s.")
    if isinstance(exc, requests.ConnectionError):
        return PacsError(f"DICOMweb node {node.describe()} cannot be reached for the {what}.")
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        code = exc.response.status_code
        if code in (401, 403):
            return PacsError(f"DICOMweb node {node.describe()} refused our credentials for the {what} (HTTP {code}).")
        return PacsError(f"DICOMweb node {node.describe()} failed the {what} (HTTP {code}).")
    return PacsError(f"DICOMweb node {node.describe()} failed the {what} ({type(exc).__name__}).")


_ERRORS = (requests.RequestException, ValueError, OSError)


def echo(node: PacsNode) -> None:
    """A QIDO-RS search for one study: proves the node answers DICOMweb."""
    try:
        _client(node).search_for_studies(limit=1)
    except _ERRORS as exc:
        raise _failure(node, "echo", exc) from exc


def find_studies(node: PacsNode, query: StudyQuery) -> list[dict[str, Any]]:
    """QIDO-RS study search; one dict per study with ``STUDY_FIELDS``."""
    filters = {key: value for key, value in (
        ("PatientID", query.patient_id), ("PatientName", query.patient_name), ("StudyDate", query.date_range),
        ("AccessionNumber", query.accession_number), ("ModalitiesInStudy", query.modality),
    ) if value}
    try:
        found = _client(node).search_for_studies(search_filters=filters, fields=list(STUDY_FIELDS))
    except _ERRORS as exc:
        raise _failure(node, "study search", exc) from exc
    return [match_dict(Dataset.from_json(item), STUDY_FIELDS) for item in found]


def find_series(node: PacsNode, study_uid: str) -> list[dict[str, Any]]:
    """QIDO-RS series search within one study."""
    try:
        found = _client(node).search_for_series(study_instance_uid=study_uid, fields=list(SERIES_FIELDS))
    except _ERRORS as exc:
        raise _failure(node, "series search", exc) from exc
    return [match_dict(Dataset.from_json(item), SERIES_FIELDS) for item in found]


def retrieve_study(
    node: PacsNode, study_uid: str, out_dir: Path, progress: TransferProgress | None = None
) -> list[Path]:
    """WADO-RS every instance of a study into ``out_dir/<study UID>/``; only a complete transfer is kept."""
    client = _client(node)
    staging = StagingFolder(out_dir)
    try:
        try:
            instances = client.search_for_instances(study_instance_uid=study_uid,
                                                    fields=["SeriesInstanceUID", "SOPInstanceUID"])
        except _ERRORS as exc:
            raise _failure(node, "instance search", exc) from exc
        if not instances:
            raise PacsError(f"DICOMweb node {node.describe()} has no instances of study {study_uid}.")
        for item in instances:
            found = Dataset.from_json(item)
            try:
                dataset = client.retrieve_instance(study_uid, found.SeriesInstanceUID, found.SOPInstanceUID)
            except _ERRORS as exc:
                raise PacsError(f"DICOMweb node {node.describe()} dropped the transfer after {staging.count} "
                                f"instance(s) ({type(exc).__name__}); nothing was kept.") from exc
            dataset.save_as(staging.file_for(str(found.SOPInstanceUID)), enforce_file_format=True)
            if progress is not None and progress(staging.count, len(instances)) is False:
                raise PacsCancelled("The retrieval was cancelled; nothing was kept.")
        return staging.commit(study_uid)
    finally:
        staging.discard()


def store_files(node: PacsNode, files: Sequence[Path], progress: TransferProgress | None = None) -> SendResult:
    """STOW-RS each file; per-file failures are listed."""
    client = _client(node)
    result = SendResult()
    for done, path in enumerate(files, start=1):
        try:
            dataset = pydicom.dcmread(path)
        except (InvalidDicomError, OSError) as exc:
            result.failed.append({"file": str(path), "reason": f"{Path(path).name} is not a readable DICOM file ({type(exc).__name__})."})
            continue
        try:
            answer = client.store_instances(datasets=[dataset])
        except _ERRORS as exc:
            result.failed.append({"file": str(path), "reason": str(_failure(node, f"upload of {Path(path).name}", exc))})
        else:
            if answer is not None and answer.get("FailedSOPSequence"):
                result.failed.append({"file": str(path), "reason": f"DICOMweb node {node.describe()} refused {Path(path).name}."})
            else:
                result.sent += 1
                result.sent_files.append(str(path))
        if progress is not None and progress(done, len(files)) is False:
            break
    return result
