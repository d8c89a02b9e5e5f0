"""``busviewer export WORKSPACE --out DIR``: write masks, reports, DICOM SEG/SR and a summary of a reviewed folder.

PDF reports carry a Grad-CAM thumbnail when model weights are at hand (``--weights``, ``$BUSVIEWER_WEIGHTS``
or the active model version); ``--no-gradcam`` skips it. The network loads only when the first report needs it.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from busviewer.core.errors import UserFacingError
from busviewer.io.export import ALL_FORMATS, GradCamFunction, export_workspace, parse_formats

if TYPE_CHECKING:
    from busviewer.io.pacs.nodes import PacsNode
    from busviewer.services.weights import WeightsChoice

log = logging.getLogger(__name__)


def run(args: argparse.Namespace) -> int:
    """Export the workspace; exit 0 when every case exported, 1 when some were skipped (listed on stderr)."""
    formats = parse_formats(args.formats) if args.formats else frozenset(ALL_FORMATS)
    gradcam = model = None
    if "pdf" in formats and not args.no_gradcam:
        gradcam = lazy_gradcam(args.weights, args.device)
        model = export_weights(args.weights) if gradcam is not None else None

    def show_progress(done: int, total: int, case_id: str) -> None:
        if sys.stderr.isatty():
            print(f"\rexported {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)

    node = _send_node(args)  # a bad node fails before anything is written
    if args.send_pdf and (node is None or "pdf" not in formats):
        raise UserFacingError("--send-pdf sends the PDF reports to a PACS: give --send NODE and export pdf too.")
    summary = export_workspace(args.workspace, args.out, formats, args.include_identifiers, show_progress, gradcam)
    report = summary.as_dict()
    # The AI proposals name their own model per case; this is the model the reports' Grad-CAMs came from.
    report["gradcam_model"] = model.as_dict() if model is not None else None
    problems = list(summary.skipped)
    sent_line, node_failed = None, None
    if node is not None:
        from busviewer.io.export_send import send_export
        from busviewer.io.pacs import PacsError

        # The export is on disk before the send starts: a node that fails now loses nothing written.
        try:
            sent = send_export(summary, args.workspace, node, with_pdf=args.send_pdf,
                               include_identifiers=args.include_identifiers)
        except PacsError as exc:
            node_failed = str(exc)
            report["sent"] = {"node": node.describe(), "sent": 0, "failed": [], "error": node_failed}
        else:
            report["sent"] = sent.as_dict()
            report["files"] += [str(path) for path in sent.written]
            problems += sent.failed
            sent_line = sent.sentence()
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"exported {summary.cases} case(s), {len(report['files'])} file(s) to {summary.out_dir}")
        if sent_line is not None:
            print(sent_line)
    for sentence in problems:
        print(f"warning: {sentence}", file=sys.stderr)
    if node_failed is not None:
        print(f"error: {node_failed} The exported files stay in {summary.out_dir}.", file=sys.stderr)
        return 2
    return 1 if problems else 0


def _send_node(args: argparse.Namespace) -> PacsNode | None:
    """The PACS node of ``--send`` / ``--send-dicomweb``, or None when the export is not to be sent."""
    if not getattr(args, "send", None) and not getattr(args, "send_dicomweb", None):
        return None
    from busviewer.io.pacs.nodes import resolve_node

    return resolve_node(args.send, args.send_dicomweb)


def export_weights(explicit: Path | None) -> WeightsChoice | None:
    """The weights for report Grad-CAMs, by the weights policy (``busviewer.services.weights``).

    Returns None when the chosen file does not exist (the reports then go without Grad-CAM).

    Raises
    ------
    UserFacingError
        ``explicit`` was given but is not a file.
    """
    from busviewer.services.weights import choose_weights

    if explicit is not None and not Path(explicit).is_file():
        raise UserFacingError(f"The weights file {explicit} does not exist.")
    choice = choose_weights(explicit)
    return choice if choice.path.is_file() else None


def lazy_gradcam(explicit: Path | None, device: str = "auto") -> GradCamFunction | None:
    """A Grad-CAM function over the export weights that loads the network on first use; None without weights."""
    choice = export_weights(explicit)
    if choice is None:
        log.info("no model weights found; PDF reports go without Grad-CAM")
        return None
    weights = choice.path
    lock = threading.Lock()
    explainer: list[object] = []

    def explain(grey: np.ndarray, target: str) -> np.ndarray:
        with lock:
            if not explainer:
                from busviewer.ml.device import use_all_cores
                from busviewer.ml.gradcam import GradCamExplainer

                use_all_cores()
                explainer.append(GradCamExplainer(weights, device=device))
        return explainer[0].explain(grey, target)  # type: ignore[attr-defined, no-any-return]

    return explain
