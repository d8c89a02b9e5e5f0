"""Argument definitions of the sub-commands; each handler lives in ``busviewer/commands``."""

from __future__ import annotations

import argparse
from pathlib import Path

from busviewer.core.constants import DEFAULT_SEED, FLIP_TTA, INPUT_SIZE


def add_subcommands(parser: argparse.ArgumentParser) -> None:
    from busviewer.commands import (
        calibrate_cmd,
        ensemble_cmd,
        evaluate_cmd,
        export_cmd,
        finetune_cmd,
        fit_birads_cmd,
        info_cmd,
        models_cmd,
        pacs_cmd,
        predict_cmd,
        reference_cmd,
        train_cmd,
    )

    sub = parser.add_subparsers(dest="command", required=True)

    info = sub.add_parser("info", help="describe a scan file: size, frames, colour, compression, calibration")
    info.add_argument("file", type=Path)
    info.add_argument("--json", action="store_true", help="print one JSON object")
    info.set_defaults(handler=info_cmd.run)

    train = sub.add_parser("train", help="train the network on one or more BUSI-layout folders (one per site)")
    train.add_argument("data_dirs", type=Path, nargs="+", metavar="DATA_DIR")
    train.add_argument("--out", type=Path, required=True, help="weights file to write (.safetensors)")
    train.add_argument("--epochs", type=int, default=40)
    train.add_argument("--batch-size", type=int, default=8)
    train.add_argument("--lr", type=float, default=2e-3)
    train.add_argument("--seed", type=int, default=None,
                       help=f"seed of initialisation, augmentation and batch order (default {DEFAULT_SEED})")
    train.add_argument("--split-seed", type=int, default=DEFAULT_SEED,
                       help=f"seed of the stratified validation split (default {DEFAULT_SEED}; evaluate's --seed)")
    train.add_argument("--channels", type=str, default=None, help="comma-separated channels per level, e.g. 16,32,64,128,256")
    train.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"))
    train.add_argument("--init", type=Path, default=None, help="start from these weights (a warm restart) instead of random")
    train.add_argument("--warmup-epochs", type=int, default=2)
    train.add_argument("--ema", type=float, default=None, metavar="DECAY",
                       help="validate and keep an exponential moving average of the weights, e.g. 0.998 per step")
    train.add_argument("--mirror-prob", type=float, default=0.5, metavar="P",
                       help="chance of a left-right mirror per training draw (default 0.5)")
    train.add_argument("--input-size", type=int, default=INPUT_SIZE, metavar="PIXELS",
                       help=f"square side the network sees (default {INPUT_SIZE}); stored with the weights")
    train.add_argument("--patient-pattern", default=None, metavar="REGEX",
                       help="the first group of a match on the file name is the patient, e.g. '^(bus_\\d+)-'; "
                            "patients never straddle the split (unmatched names: near-identical images are grouped)")
    train.add_argument("--norm", default="batch", choices=("batch", "instance", "group"),
                       help="normalisation layers of a new network (default batch)")
    train.add_argument("--guidance", action="store_true",
                       help="add click/box guidance input channels (simulated prompts on half the draws)")
    train.add_argument("--draws-per-epoch", type=int, default=None, metavar="N",
                       help="training draws per epoch, every folder equally likely (default: one pass over the cases)")
    train.add_argument("--normal-share", type=float, default=0.0, metavar="P",
                       help="share of those draws that pick a normal scan from any folder (default 0)")
    train.set_defaults(handler=train_cmd.run)

    evaluate = sub.add_parser("evaluate", help="score weights on BUSI-layout folders (one per site) at source resolution")
    evaluate.add_argument("data_dirs", type=Path, nargs="+", metavar="DATA_DIR")
    evaluate.add_argument("--weights", type=Path, default=None, help="safetensors file (default: the shipped model)")
    evaluate.add_argument("--split", choices=("all", "validation", "train", "external"), default="all",
                          help="all images, the training run's validation/train part, or a folder's external_validation cases")
    evaluate.add_argument("--seed", type=int, default=None, help="seed of the split (default: the one the weights record)")
    evaluate.add_argument("--patient-pattern", default=None, metavar="REGEX",
                          help="patient from the file name, as in training (default: the one the weights record)")
    evaluate.add_argument("--by-source", action="store_true", help="also report every metric per data folder")
    evaluate.add_argument("--clicks", type=int, default=0, metavar="N",
                          help="simulate N corrective clicks per lesion image (deepest point of the largest error)")
    evaluate.add_argument("--box", action="store_true", help="also score one jittered box prompt per lesion image")
    evaluate.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"))
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    _add_flip_tta(evaluate)
    evaluate.add_argument("--plots", type=Path, default=None, help="folder for confusion, reliability and case panels")
    evaluate.add_argument("--birads", type=Path, default=None, metavar="TABLE.csv",
                          help="also score BI-RADS descriptors and category against this table (BrEaST clinical.csv columns)")
    evaluate.add_argument("--birads-part", choices=("all", "external", "design"), default="all",
                          help="table rows to use: all, external_validation true, or false (default all)")
    evaluate.add_argument("--birads-mask", choices=("ai", "truth"), default="ai",
                          help="describe the AI's mask (default) or the dataset's true mask")
    evaluate.set_defaults(handler=evaluate_cmd.run)

    predict = sub.add_parser("predict", help="lesion mask and class for images or DICOMs")
    predict.add_argument("inputs", type=Path, nargs="+")
    predict.add_argument("--out", type=Path, required=True)
    predict.add_argument("--weights", type=Path, default=None)
    predict.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"))
    predict.add_argument("--frame", default="1", help="frame number counted from 1, or 'all' (DICOM cine)")
    predict.add_argument("--gradcam", action="store_true", help="also write <stem>_gradcam.png")
    predict.add_argument("--seg", action="store_true", help="also write <stem>_seg.dcm (DICOM inputs)")
    predict.add_argument("--sr", action="store_true", help="also write <stem>_sr.dcm (DICOM inputs)")
    predict.add_argument("--report", action="store_true", help="also write <stem>_report.pdf")
    predict.add_argument("--json", action="store_true", help="print the results as JSON")
    _add_flip_tta(predict)
    predict.set_defaults(handler=predict_cmd.run)

    finetune = sub.add_parser("finetune", help="fine-tune weights on a BUSI-layout folder, with a validation gate")
    finetune.add_argument("data_dir", type=Path)
    finetune.add_argument("--out", type=Path, required=True, help="weights file to write (always written)")
    finetune.add_argument("--base", type=Path, default=None, help="weights to start from (default: the shipped model)")
    finetune.add_argument("--epochs", type=int, default=8)
    finetune.add_argument("--patient-pattern", default=None, metavar="REGEX",
                          help="the first group of a match on the file name is the patient, e.g. '^([A-Z]{4})_'; "
                               "the gate holds out whole patients")
    finetune.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"))
    finetune.add_argument("--json", action="store_true", help="print one JSON object")
    finetune.set_defaults(handler=finetune_cmd.run)

    fit_birads = sub.add_parser("fit-birads", help="refit the BI-RADS descriptor heads on a table's design rows")
    fit_birads.add_argument("data_dir", type=Path, metavar="DATA_DIR", help="BUSI-layout folder with the table's images and masks")
    fit_birads.add_argument("--birads", type=Path, required=True, metavar="TABLE.csv",
                            help="radiologist's table (BrEaST clinical.csv columns); only external_validation false rows are read")
    fit_birads.add_argument("--out", type=Path, required=True, help="heads file to write (resources/birads_heads.json ships)")
    fit_birads.add_argument("--weights", type=Path, default=None, help="network whose malignancy probability the category head may read")
    fit_birads.add_argument("--no-probability", action="store_true", help="do not run the network (no category head)")
    fit_birads.add_argument("--json", action="store_true", help="print one JSON object")
    fit_birads.set_defaults(handler=fit_birads_cmd.run)

    ensemble = sub.add_parser("ensemble", help="store several trained weights files as one model that averages them")
    ensemble.add_argument("members", type=Path, nargs="+", help="weights files (.safetensors) trained at one input size")
    ensemble.add_argument("--out", type=Path, required=True, help="weights file to write (.safetensors)")
    ensemble.add_argument("--json", action="store_true", help="print one JSON object")
    ensemble.set_defaults(handler=ensemble_cmd.run)

    calibrate = sub.add_parser("calibrate", help="fit the class head's temperature on the training folders' validation parts")
    calibrate.add_argument("data_dirs", type=Path, nargs="+", metavar="DATA_DIR")
    calibrate.add_argument("--weights", type=Path, default=None, help="weights file (default: the shipped model)")
    calibrate.add_argument("--out", type=Path, required=True, help="weights file to write with the temperature")
    calibrate.add_argument("--split", default="validation", choices=("validation", "train"))
    calibrate.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"))
    calibrate.add_argument("--json", action="store_true", help="print one JSON object")
    calibrate.set_defaults(handler=calibrate_cmd.run)

    reference = sub.add_parser("reference", help="fit the check that flags scans unlike the training scans")
    reference.add_argument("data_dirs", type=Path, nargs="+", metavar="DATA_DIR",
                           help="the BUSI-layout folders the weights were trained on")
    reference.add_argument("--weights", type=Path, default=None, help="weights file (default: the shipped model)")
    reference.add_argument("--split", default="train", choices=("all", "train"),
                           help="the training run's train part (default), or every scan")
    reference.add_argument("--split-seed", type=int, default=None, help="seed of the split (default: the one the weights record)")
    reference.add_argument("--patient-pattern", default=None, metavar="REGEX",
                           help="patient from the file name, as in training (default: the one the weights record)")
    reference.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"))
    reference.add_argument("--json", action="store_true", help="print one JSON object")
    reference.set_defaults(handler=reference_cmd.run)

    models = sub.add_parser("models", help="list, activate, roll back or import the model versions the app uses")
    models.add_argument("--json", action="store_true", help="print one JSON object")
    actions = models.add_subparsers(dest="action")
    listing = actions.add_parser("list", help="every version, the active one starred (the default)")
    activate = actions.add_parser("activate", help="make a version the one the app and exports use")
    activate.add_argument("version_id")
    force_help = "activate even though the gate refused the version or never measured it (recorded with your name)"
    activate.add_argument("--force", action="store_true", help=force_help)
    rollback = actions.add_parser("rollback", help="go back to the version that was active before this one")
    imported = actions.add_parser("import", help="add a weights file (e.g. from `busviewer finetune`) as a version")
    imported.add_argument("weights", type=Path)
    imported.add_argument("--activate", action="store_true", help="also make it the active version")
    imported.add_argument("--force", action="store_true", help=force_help + "; imported files are never gated")
    imported.add_argument("--note", default="", help="a line to keep with the version")
    for action in (listing, activate, rollback, imported):
        action.add_argument("--json", action="store_true", help="print one JSON object")
    models.set_defaults(handler=models_cmd.run)

    export = sub.add_parser("export", help="write masks, PDF reports, DICOM SEG/SR and a summary of a reviewed folder")
    export.add_argument("workspace", type=Path, help="scan folder whose review to export (wherever it is kept)")
    export.add_argument("--out", type=Path, required=True, help="folder to write into (created if its parent exists)")
    export.add_argument("--formats", default=None, help="comma-separated subset of png,seg,pdf,sr,csv,json (default: all)")
    export.add_argument("--include-identifiers", action="store_true",
                        help="put patient name, ID and birth date in PDFs and summaries")
    export.add_argument("--json", action="store_true", help="print the export summary as JSON")
    export.add_argument("--no-gradcam", action="store_true", help="leave the Grad-CAM thumbnail out of PDF reports")
    export.add_argument("--weights", type=Path, default=None,
                        help="weights for the reports' Grad-CAM (default: $BUSVIEWER_WEIGHTS or the active model)")
    export.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"))
    export.add_argument("--send", metavar="NODE", default=None,
                        help="also send the SEG and SR files with C-STORE to this PACS node (AET@HOST:PORT or a saved name)")
    export.add_argument("--send-dicomweb", metavar="URL", default=None,
                        help="also send the SEG and SR files with STOW-RS to this DICOMweb base URL")
    export.add_argument("--send-pdf", action="store_true",
                        help="with --send/--send-dicomweb: also send each PDF report as DICOM Encapsulated PDF")
    export.set_defaults(handler=export_cmd.run)

    pacs_cmd.add_pacs_parser(sub)


def _add_flip_tta(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--flip-tta", action=argparse.BooleanOptionalAction, default=FLIP_TTA,
                        help="also predict on the mirrored scan and average (a second forward pass)")
