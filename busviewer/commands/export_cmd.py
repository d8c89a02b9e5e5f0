"""``busviewer export WORKSPACE --out DIR``: write masks, reports, DICOM SEG/SR and a summary of a reviewed folder.

PDF reports carry a Grad-CAM thumbnail when model weights are at hand (``--weights``, ``$BUSVIEWER_WEIGHTS``
or the active model version); ``--no-gradcam`` skips it. The network loads only when the first report needs it.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
from pathlib import Path

import numpy as np

from busviewer.core.errors import UserFacingError
from busviewer.io.export import ALL_FORMATS, GradCamFunction, export_workspace, parse_formats

log = logging.getLogger(__name__)


def run(args: argparse.Namespace) -> int:
    """Export the workspace; exit 0 when every case exported, 1 when some were skipped (listed on stderr)."""
    formats = parse_formats(args.formats) if args.formats else frozenset(ALL_FORMATS)
    gradcam = None
    if "pdf" in formats and not args.no_gradcam:
        gradcam = lazy_gradcam(args.weights, args.device)

    def show_progress(done: int, total: int, case_id: str) -> None:
        if sys.stderr.isatty():
            print(f"\rexported {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)

    summary = export_workspace(args.workspace, args.out, formats, args.include_identifiers, show_progress, gradcam)
    if args.json:
        print(json.dumps(summary.as_dict(), indent=2))
    else:
        print(f"exported {summary.cases} case(s), {len(summary.files)} file(s) to {summary.out_dir}")
    for sentence in summary.skipped:
        print(f"warning: {sentence}", file=sys.stderr)
    return 1 if summary.skipped else 0


def export_weights(explicit: Path | None) -> Path | None:
    """The weights for report Grad-CAMs: ``explicit``, else ``$BUSVIEWER_WEIGHTS``, else the active model version.

    Returns None when no weights file exists (the reports then go without Grad-CAM).

    Raises
    ------
    UserFacingError
        ``explicit`` was given but is not a file.
    """
    if explicit is not None:
        if not Path(explicit).is_file():
            raise UserFacingError(f"The weights file {explicit} does not exist.")
        return Path(explicit)
    from_env = os.environ.get("BUSVIEWER_WEIGHTS")
    if from_env:
        return Path(from_env) if Path(from_env).is_file() else None
    from busviewer.io.model_registry import ModelRegistry
    from busviewer.ml.checkpoint import default_weights_path

    try:
        registry = ModelRegistry(default_weights_path())
        weights = registry.weights_path(registry.active())
    except UserFacingError as exc:
        log.warning("the active model version is unknown (%s); using the shipped weights", exc)
        weights = default_weights_path()
    return weights if weights.is_file() else None


def lazy_gradcam(explicit: Path | None, device: str = "auto") -> GradCamFunction | None:
    """A Grad-CAM function over the export weights that loads the network on first use; None without weights."""
    weights = export_weights(explicit)
    if weights is None:
        log.info("no model weights found; PDF reports go without Grad-CAM")
        return None
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
