"""Talk to a PACS: echo, search, retrieve and send, over DIMSE (pynetdicom) or DICOMweb (dicomweb-client).

The functions here choose the protocol from the node; the CLI and the GUI call only these.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from busviewer.io.pacs.errors import PacsCancelled, PacsError
from busviewer.io.pacs.nodes import PacsNode, PacsSettings, load_pacs_settings, resolve_node
from busviewer.io.pacs.results import SendResult, StudyQuery, TransferProgress

__all__ = [
    "PacsCancelled", "PacsError", "PacsNode", "PacsSettings", "SendResult", "StudyQuery", "echo", "find_series",
    "find_studies", "load_pacs_settings", "resolve_node", "retrieve_study", "send_files",
]


def _settings(settings: PacsSettings | None) -> PacsSettings:
    return settings if settings is not None else load_pacs_settings()


def echo(node: PacsNode, settings: PacsSettings | None = None) -> None:
    """Prove the node answers (C-ECHO, or a one-study QIDO-RS search); PacsError otherwise."""
    if node.is_dicomweb:
        from busviewer.io.pacs import dicomweb

        dicomweb.echo(node)
    else:
        from busviewer.io.pacs import dimse

        dimse.echo(node, _settings(settings).own_ae_title)


def find_studies(node: PacsNode, query: StudyQuery, settings: PacsSettings | None = None) -> list[dict[str, Any]]:
    """Studies matching ``query`` (C-FIND or QIDO-RS at study level)."""
    if node.is_dicomweb:
        from busviewer.io.pacs import dicomweb

        return dicomweb.find_studies(node, query)
    from busviewer.io.pacs import dimse

    return dimse.find_studies(node, _settings(settings).own_ae_title, query)


def find_series(node: PacsNode, study_uid: str, settings: PacsSettings | None = None) -> list[dict[str, Any]]:
    """The series of one study (C-FIND or QIDO-RS at series level)."""
    if node.is_dicomweb:
        from busviewer.io.pacs import dicomweb

        return dicomweb.find_series(node, study_uid)
    from busviewer.io.pacs import dimse

    return dimse.find_series(node, _settings(settings).own_ae_title, study_uid)


def retrieve_study(
    node: PacsNode, study_uid: str, out_dir: Path, progress: TransferProgress | None = None,
    settings: PacsSettings | None = None, method: str | None = None,
) -> list[Path]:
    """Bring every instance of a study into ``out_dir/<study UID>/`` (WADO-RS, C-GET, or C-MOVE).

    ``method`` overrides the node's own choice (``get`` or ``move``). Only a complete transfer is kept: a
    dropped or cancelled one leaves nothing behind, and files already in ``out_dir`` are never touched.
    """
    settings = _settings(settings)
    if node.is_dicomweb:
        from busviewer.io.pacs import dicomweb

        return dicomweb.retrieve_study(node, study_uid, out_dir, progress)
    from busviewer.io.pacs import dimse

    if (method or node.retrieve) == "move":
        return dimse.move_study(node, settings.own_ae_title, settings.move_port, study_uid, out_dir, progress)
    return dimse.get_study(node, settings.own_ae_title, study_uid, out_dir, progress)


def send_files(
    node: PacsNode, files: Sequence[Path], progress: TransferProgress | None = None,
    settings: PacsSettings | None = None,
) -> SendResult:
    """C-STORE or STOW-RS each file; the result lists what was sent and what failed, one sentence each."""
    if node.is_dicomweb:
        from busviewer.io.pacs import dicomweb

        return dicomweb.store_files(node, files, progress)
    from busviewer.io.pacs import dimse

    return dimse.store_files(node, _settings(settings).own_ae_title, files, progress)
