"""``busviewer info FILE [--json]``: what a scan file holds (size, frames, colour, compression, calibration).

Patient identifiers and instance UIDs are never printed.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from busviewer.core.scan import UltrasoundScan


def scan_summary(scan: UltrasoundScan) -> dict[str, Any]:
    """Describe ``scan`` in plain JSON-ready values, free of patient identifiers."""
    from busviewer.io.dicom_reader import transfer_syntax_name

    calibration = scan.calibration
    return {
        "file": scan.name,
        "format": scan.file_format,
        "frames": scan.n_frames,
        "rows": scan.rows,
        "columns": scan.columns,
        "colour": scan.is_colour,
        "photometric": scan.photometric,
        "bits": scan.bits,
        "transfer_syntax": scan.transfer_syntax,
        "transfer_syntax_name": transfer_syntax_name(scan.transfer_syntax),
        "modality": scan.modality,
        "manufacturer": scan.manufacturer,
        "frame_rate": None if scan.frame_rate is None else round(scan.frame_rate, 3),
        "spacing_mm": None if calibration.spacing_mm is None else [round(v, 6) for v in calibration.spacing_mm],
        "calibration": calibration.source,
        "calibration_notes": list(calibration.notes),
    }


def run(args: argparse.Namespace) -> int:
    """Print the summary of ``args.file`` as one JSON object (``--json``) or as ``key: value`` lines."""
    from busviewer.io.scan_loader import load_scan

    summary = scan_summary(load_scan(Path(args.file)))
    if args.json:
        print(json.dumps(summary))
        return 0
    for key, value in summary.items():
        print(f"{key}: {_readable(value)}" + (" (row × column)" if key == "spacing_mm" and value else ""))
    return 0


def _readable(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        if not value:
            return "-"
        return " x ".join(str(v) for v in value) if all(isinstance(v, float) for v in value) else " ".join(value)
    return str(value)
