"""``busviewer predict INPUT... --out DIR``: masks, probabilities and optional Grad-CAM/SEG/SR/PDF without the GUI."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from busviewer.core.atomic import atomic_write_text
from busviewer.core.birads import assess_lesion
from busviewer.core.case import familiarity_flag
from busviewer.core.errors import UserFacingError
from busviewer.core.explanation import gradcam_target
from busviewer.core.scan import UltrasoundScan


def frames_to_run(scan: UltrasoundScan, frame: str) -> list[int]:
    """Zero-based frame indices chosen by ``--frame``: a frame number counted from 1 (the first frame by
    default, as the cine bar, exports and reports count them), or ``all``."""
    if frame == "all":
        return list(range(scan.n_frames))
    try:
        number = int(frame)
    except ValueError as exc:
        raise UserFacingError(f"--frame takes a frame number or 'all', not {frame!r}.") from exc
    if not 1 <= number <= scan.n_frames:
        raise UserFacingError(f"{scan.name} has {scan.n_frames} frame(s), numbered from 1; frame {number} does not exist.")
    return [number - 1]


def prediction_record(scan: UltrasoundScan, prediction: Any, frame: int) -> dict[str, Any]:
    """The JSON written beside each mask (no patient identifiers); ``birads`` when a lesion is shown.

    ``frame`` is the zero-based index; the JSON counts frames from 1, and ``spacing_mm`` is (row, column).
    """
    area_px = int(prediction.mask.sum())
    pixel_area = scan.calibration.pixel_area_mm2
    record: dict[str, Any] = {
        "source": scan.name,
        "frame": frame + 1,
        "model_id": prediction.model_id,
        "device": prediction.device,
        "probabilities": prediction.probability_dict,
        "predicted_class": prediction.predicted_class,
        "lesion_area_px": area_px,
        "lesion_area_mm2": None if pixel_area is None else area_px * pixel_area,
        "calibration": scan.calibration.source,
        "spacing_mm": list(scan.calibration.spacing_mm) if scan.calibration.spacing_mm else None,
        "uncertainty_score": prediction.uncertainty_score,
        # How far the scan's network features lie from the training scans'; null without a reference.
        "familiarity": {
            # Null, never false, when the weights have no reference to tell by: the scan was not checked.
            "checked": prediction.familiarity_threshold is not None,
            "distance": prediction.familiarity_distance,
            "threshold": prediction.familiarity_threshold,
            "unlike_training_scans": familiarity_flag(prediction),
        },
    }
    if area_px:
        assessment = assess_lesion(scan.grey_frame(frame), prediction.mask, prediction.probabilities)
        if assessment is not None:
            record["birads"] = assessment.as_json()
    return record


def run(args: argparse.Namespace) -> int:
    from busviewer.io.mask_png import write_mask_png
    from busviewer.io.plots import write_heatmap_png
    from busviewer.io.scan_loader import load_scan
    from busviewer.ml.device import use_all_cores
    from busviewer.ml.gradcam import GradCamExplainer
    from busviewer.ml.inference import Predictor
    from busviewer.services.weights import choose_weights

    use_all_cores()
    out: Path = args.out
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserFacingError(f"Cannot create the output folder {out}: {exc.strerror or exc}.") from exc
    choice = choose_weights(args.weights)
    predictor = Predictor(choice.path, device=args.device, flip_tta=args.flip_tta)
    explainer = GradCamExplainer(choice.path, device=args.device) if args.gradcam or args.report else None
    records: list[dict[str, Any]] = []
    failures = 0
    for path in args.inputs:
        try:
            scan = load_scan(path)
            for frame in frames_to_run(scan, args.frame):
                stem = path.stem if args.frame != "all" else f"{path.stem}_frame{frame + 1:03d}"  # as export names them
                grey = scan.grey_frame(frame)
                prediction = predictor.predict(grey, frame_index=frame)
                record = prediction_record(scan, prediction, frame)
                record["weights_source"], record["model_version"] = choice.source, choice.version_id
                write_mask_png(out / f"{stem}_mask.png", prediction.mask)
                cam = None
                if explainer is not None:
                    target = gradcam_target(prediction.probabilities)
                    cam = explainer.explain(grey, target)
                    if args.gradcam:
                        write_heatmap_png(out / f"{stem}_gradcam.png", grey, cam)
                        record["gradcam_target"] = target
                record["outputs"] = _write_dicom_and_report(args, out, stem, scan, frame, prediction, cam)
                atomic_write_text(out / f"{stem}.json", json.dumps(record, indent=2))
                records.append(record)
        except UserFacingError as exc:
            failures += 1
            print(f"error: {exc}", file=sys.stderr)
    if args.json:
        print(json.dumps(records if len(records) != 1 else records[0]))
    else:
        for rec in records:
            print(f"{rec['source']} frame {rec['frame']}: {rec['predicted_class']} "
                  f"({', '.join(f'{k} {v:.0%}' for k, v in rec['probabilities'].items())}), "
                  f"lesion {rec['lesion_area_px']} px"
                  + ("; unlike the training scans, treat with care" if rec["familiarity"]["unlike_training_scans"] else ""))
    return 2 if failures else 0


def _write_dicom_and_report(
    args: argparse.Namespace, out: Path, stem: str, scan: UltrasoundScan, frame: int, prediction: Any, cam: np.ndarray | None
) -> dict[str, str]:
    """SEG, SR and PDF beside the mask when asked for; SEG and SR only for DICOM sources."""
    written: dict[str, str] = {}
    if not (args.seg or args.sr or args.report):
        return written
    from busviewer.io.predict_outputs import write_case_outputs

    return write_case_outputs(
        out, stem, scan, frame, prediction, cam, seg=args.seg, sr=args.sr, report=args.report
    )
