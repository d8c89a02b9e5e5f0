"""Time of exporting a reviewed workspace: every format, with and without Grad-CAM thumbnails in the PDFs.

Builds a synthetic workspace (BUSI-sized 560x470 PNG phantoms and calibrated single-frame ultrasound DICOMs,
each with a reviewed mask in the case store), runs ``export_workspace`` once per setting and prints one JSON
object. The Grad-CAM run needs weights (``--weights``, ``$BUSVIEWER_WEIGHTS`` or the active model); without
them it is reported as null.

    .venv/bin/python benchmarks/export_speed.py [--cases 100] [--dicoms 20] [--weights W] [--device cpu]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pydicom
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, UltrasoundImageStorage, generate_uid

from busviewer.core.case import CaseRecord, FrameReview, ReviewStatus
from busviewer.core.phantom import make_phantom
from busviewer.io.export import ALL_FORMATS, export_workspace
from busviewer.io.store import CaseStore

SHAPE = (470, 560)
#: Distinct phantoms drawn; the cases reuse them shifted, so building the workspace stays quick.
DISTINCT_IMAGES = 8
STATUSES = (ReviewStatus.APPROVED, ReviewStatus.CORRECTED, ReviewStatus.AI_PROPOSED, ReviewStatus.FLAGGED)


def write_dicom(path: Path, image: np.ndarray, spacing_cm: float = 0.008) -> None:
    """A calibrated single-frame Ultrasound Image Storage object with synthetic patient details."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID, ds.SOPInstanceUID = UltrasoundImageStorage, generate_uid()
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.PatientName, ds.PatientID, ds.PatientBirthDate, ds.PatientSex = "Synthetic^Bench", "BENCH1", "19700101", "F"
    ds.StudyDate, ds.StudyTime, ds.AccessionNumber, ds.ReferringPhysicianName, ds.StudyID = (
        "20240102", "101500", "ACC1", "", "1")  # fmt: skip
    ds.Modality, ds.SeriesNumber, ds.InstanceNumber, ds.Manufacturer = "US", 1, 1, "SynthScan"
    ds.Rows, ds.Columns = image.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    region = Dataset()
    region.RegionSpatialFormat, region.RegionDataType, region.RegionFlags = 1, 1, 0
    region.RegionLocationMinX0, region.RegionLocationMinY0 = 0, 0
    region.RegionLocationMaxX1, region.RegionLocationMaxY1 = image.shape[1] - 1, image.shape[0] - 1
    region.PhysicalUnitsXDirection = region.PhysicalUnitsYDirection = 3
    region.PhysicalDeltaX = region.PhysicalDeltaY = spacing_cm
    ds.SequenceOfUltrasoundRegions = Sequence([region])
    ds.PixelData = np.ascontiguousarray(image, dtype=np.uint8).tobytes()
    pydicom.dcmwrite(path, ds, enforce_file_format=True)


def build_workspace(folder: Path, n_cases: int, n_dicoms: int) -> Path:
    """Write ``n_cases`` scans (the last ``n_dicoms`` as DICOM) and a reviewed record for each into the store."""
    phantoms = [make_phantom(SHAPE, seed=seed) for seed in range(DISTINCT_IMAGES)]
    rng = np.random.default_rng(0)
    with CaseStore(folder) as store:
        for index in range(n_cases):
            image, lesion = phantoms[index % DISTINCT_IMAGES]
            shift = int(rng.integers(-40, 40))
            image, lesion = np.roll(image, shift, axis=1), np.roll(lesion, shift, axis=1)
            is_dicom = index >= n_cases - n_dicoms
            path = folder / (f"scan_{index:03d}.dcm" if is_dicom else f"case ({index + 1}).png")
            if is_dicom:
                write_dicom(path, image)
            else:
                Image.fromarray(image).save(path)
            status = STATUSES[index % len(STATUSES)]
            edited = lesion.copy()
            if status == ReviewStatus.CORRECTED:
                edited[: SHAPE[0] // 2] = False  # the reader trimmed the AI's mask
            malignant = float(rng.uniform(0.05, 0.9))
            probabilities = (0.05, 0.95 - malignant, malignant)
            frame = FrameReview(0, lesion, "bench-model", probabilities, edited, float(rng.uniform(0, 0.5)))
            reader_class = "malignant" if malignant > 0.5 else "benign"
            store.upsert_case(CaseRecord(path.name, path, status, reader_class, {0: frame}), user="bench")
    return folder


def timed_export(workspace: Path, out: Path, gradcam: object | None) -> dict[str, float | int]:
    started = time.perf_counter()
    summary = export_workspace(workspace, out, frozenset(ALL_FORMATS), gradcam=gradcam)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    return {
        "seconds_total": round(seconds, 3),
        "seconds_per_case": round(seconds / max(summary.cases, 1), 4),
        "cases": summary.cases,
        "files": len(summary.files),
        "skipped": len(summary.skipped),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--dicoms", type=int, default=20, help="how many of the cases are DICOM files")
    parser.add_argument("--weights", type=Path, default=None, help="weights for the Grad-CAM run")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"))
    parser.add_argument("--no-gradcam", action="store_true", help="skip the run with Grad-CAM")
    args = parser.parse_args(argv)
    os.environ.setdefault("BUSVIEWER_HOME", tempfile.mkdtemp(prefix="busviewer_bench_home_"))

    with tempfile.TemporaryDirectory(prefix="busviewer_export_bench_") as scratch:
        root = Path(scratch)
        started = time.perf_counter()
        (root / "workspace").mkdir()
        workspace = build_workspace(root / "workspace", args.cases, min(args.dicoms, args.cases))
        build_s = time.perf_counter() - started
        result: dict[str, object] = {
            "benchmark": "export_speed",
            "cases": args.cases,
            "dicom_cases": min(args.dicoms, args.cases),
            "image_size": [SHAPE[1], SHAPE[0]],
            "formats": list(ALL_FORMATS),
            "build_workspace_s": round(build_s, 2),
            "cpu_threads": os.cpu_count(),
            "without_gradcam": timed_export(workspace, root / "out_plain", None),
            "with_gradcam": None,
            "gradcam_weights": None,
        }
        if not args.no_gradcam:
            from busviewer.commands.export_cmd import export_weights, lazy_gradcam

            weights = export_weights(args.weights)
            if weights is not None:
                gradcam = lazy_gradcam(weights, args.device)
                result["gradcam_weights"] = str(weights)
                result["with_gradcam"] = timed_export(workspace, root / "out_gradcam", gradcam)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
