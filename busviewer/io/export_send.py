"""Send what an export wrote to a PACS: each case's SEG and SR, and optionally its PDF as DICOM Encapsulated PDF.

Runs after the export, on the caller's thread (a worker in the GUI): the exported files stay where they are
whatever happens to the send, the Encapsulated PDF is written beside the case's PDF before it is sent, and
the case store keeps one send record per case (node, time, what was accepted) for the case list.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from busviewer.core.errors import UserFacingError
from busviewer.io.encapsulated_pdf import write_encapsulated_pdf
from busviewer.io.export import ExportSummary
from busviewer.io.pacs import send_files
from busviewer.io.pacs.nodes import PacsNode, PacsSettings
from busviewer.io.store import CaseStore

log = logging.getLogger(__name__)

#: What each exported DICOM file is, by name (``io/export.py`` writes them so).
KIND_OF_FILE = {"seg.dcm": "SEG", "sr.dcm": "SR", "report_pdf.dcm": "PDF"}
PDF_NAME, ENCAPSULATED_PDF_NAME = "report.pdf", "report_pdf.dcm"

#: Called with (instances sent so far, instances in all); returning False stops after the file being sent.
SendProgress = Callable[[int, int], object]


@dataclass
class ExportSendResult:
    """How sending an export went.

    Attributes
    ----------
    failed
        One sentence per file the node did not take, or per case whose PDF could not be wrapped.
    kinds_by_case
        What reached the node for each case (``SEG``, ``SR``, ``PDF``).
    written
        Encapsulated PDFs written beside the exported PDFs (they stay, whatever the send did).
    """

    node: str
    sent: int = 0
    failed: list[str] = field(default_factory=list)
    kinds_by_case: dict[str, tuple[str, ...]] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"node": self.node, "sent": self.sent, "failed": list(self.failed),
                "cases": {case: list(kinds) for case, kinds in self.kinds_by_case.items()}}

    def sentence(self) -> str:
        """One sentence for the dialog and the status bar."""
        cases = len(self.kinds_by_case)
        text = f"Sent {self.sent} DICOM object(s) of {cases} case(s) to {self.node}"
        return text + (f"; {len(self.failed)} not accepted (see the list)." if self.failed else ".")


def send_export(
    summary: ExportSummary, workspace_dir: Path, node: PacsNode, with_pdf: bool = False,
    include_identifiers: bool = False, settings: PacsSettings | None = None, progress: SendProgress | None = None,
    user: str | None = None,
) -> ExportSendResult:
    """Send each exported case's SEG and SR (and PDF as Encapsulated PDF when ``with_pdf``) to ``node``.

    Raises
    ------
    PacsError
        The node cannot be reached or refuses us: one sentence naming it. Nothing exported is touched.
    """
    result = ExportSendResult(node=node.describe())
    files: list[Path] = []
    case_of: dict[str, str] = {}
    for case_id, written in summary.case_files.items():
        dicom = [path for path in written if path.name in KIND_OF_FILE]
        pdf = next((path for path in written if path.name == PDF_NAME), None)
        if with_pdf and pdf is not None and dicom:
            wrapped = _wrap_pdf(workspace_dir, case_id, pdf, include_identifiers, result)
            if wrapped is not None:
                dicom.append(wrapped)
        files += dicom
        case_of.update({str(path): case_id for path in dicom})
    if not files:
        return result

    def on_progress(done: int, total: int | None) -> object:
        return progress(done, total or len(files)) if progress is not None else True

    sent = send_files(node, files, on_progress, settings)
    result.sent = sent.sent
    result.failed += [failure["reason"] for failure in sent.failed]
    for name in sent.sent_files:
        case_id = case_of[name]
        kinds = set(result.kinds_by_case.get(case_id, ())) | {KIND_OF_FILE[Path(name).name]}
        result.kinds_by_case[case_id] = tuple(kind for kind in KIND_OF_FILE.values() if kind in kinds)
    _record(workspace_dir, node, result, sent.sent_files, case_of, user)
    return result


def _wrap_pdf(workspace_dir: Path, case_id: str, pdf: Path, include_identifiers: bool,
              result: ExportSendResult) -> Path | None:
    target = pdf.with_name(ENCAPSULATED_PDF_NAME)
    try:
        with CaseStore(workspace_dir) as store:
            record = store.get_case(case_id, with_masks=False)
        if record is None:
            raise UserFacingError(f"Case {case_id} is no longer in the workspace.")
        write_encapsulated_pdf(target, pdf, record.source_path, include_identifiers)
    except UserFacingError as exc:
        result.failed.append(f"The PDF of case {case_id} was not sent: {exc}")
        return None
    result.written.append(target)
    return target


def _record(workspace_dir: Path, node: PacsNode, result: ExportSendResult, sent_files: list[str],
            case_of: dict[str, str], user: str | None) -> None:
    """Keep a send record per case that reached the node; a store that cannot be written is one more sentence."""
    counts: dict[str, int] = {}
    for name in sent_files:
        counts[case_of[name]] = counts.get(case_of[name], 0) + 1
    try:
        with CaseStore(workspace_dir) as store:
            for case_id, count in counts.items():
                store.record_send(case_id, node.name, result.kinds_by_case[case_id], count, user=user)
    except (UserFacingError, KeyError) as exc:
        log.warning("send records not kept (%s)", type(exc).__name__)
        result.failed.append(f"The sends reached {result.node} but were not noted in the workspace ({exc}).")
