"""``busviewer fit-birads DATA_DIR --birads TABLE.csv --out HEADS.json``: refit the BI-RADS heads.

Only the table's design rows (``external_validation`` false) are read; the lesions are described on their
true masks. Each head is kept only where it beats its rule in cross-validation (:mod:`busviewer.core.birads_design`);
the file written carries the heads, the scores that chose them and where they came from.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path
from typing import Any

from busviewer.core.errors import UserFacingError


def design_lesions(data_dir: Path, table: Path, weights: Path | None, with_probability: bool) -> tuple[list[Any], str | None]:
    """The design lesions of ``data_dir`` named in ``table`` (true masks), and the model id when the
    network's malignancy probability was measured."""
    from busviewer.core.birads import malignancy_probability
    from busviewer.core.birads_agreement import table_labels
    from busviewer.core.birads_design import DesignLesion
    from busviewer.core.birads_features import lesion_features
    from busviewer.io.birads_table import read_birads_table
    from busviewer.io.busi import list_busi_cases, load_busi_case

    rows = read_birads_table(table, "design")
    cases = [case for case in list_busi_cases(data_dir) if case.image_path.name in rows]
    if not cases:
        raise UserFacingError(f"No image of {data_dir} is named in the design rows of {table.name}.")
    predictor = None
    if with_probability:
        from busviewer.ml.inference import Predictor
        from busviewer.services.weights import choose_weights

        predictor = Predictor(choose_weights(weights).path, device="auto")
    lesions = []
    for number, case in enumerate(cases, start=1):
        try:
            labels = table_labels(rows[case.image_path.name])
        except ValueError as exc:
            raise UserFacingError(f"{table.name}, {case.image_path.name}: {exc}.") from exc
        image, truth = load_busi_case(case)
        features = lesion_features(image, truth) if labels is not None else None
        if labels is not None and features is not None:
            probability = malignancy_probability(predictor.predict(image).probabilities) if predictor else None
            lesions.append(DesignLesion(features, labels, probability))
        print(f"\r{number}/{len(cases)} design scans", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return lesions, predictor.model_id if predictor else None


def run(args: argparse.Namespace) -> int:
    from busviewer.core.atomic import atomic_write_text
    from busviewer.core.birads_design import design_heads
    from busviewer.core.birads_heads import BiradsHeads

    lesions, model_id = design_lesions(args.data_dir, args.birads, args.weights, not args.no_probability)
    if len(lesions) < 30:
        raise UserFacingError(f"Fitting the BI-RADS heads needs at least 30 design lesions; {args.birads.name} names {len(lesions)}.")
    heads, report = design_heads(lesions)
    provenance = {
        **heads.provenance,
        "fitted_on": f"{args.data_dir.name}: rows of {args.birads.name} with external_validation false, true masks",
        "n_lesions": len(lesions), "malignancy_probability_from": model_id,
        "fitted": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ"),
        "command": "busviewer fit-birads DATA_DIR --birads TABLE.csv --out FILE" + (" --no-probability" if args.no_probability else ""),
    }
    atomic_write_text(Path(args.out), json.dumps(BiradsHeads(heads.heads, provenance).as_json(), indent=1) + "\n")
    if args.json:
        print(json.dumps({"out": str(args.out), "kept": sorted(heads.heads), "cross_validation": report}))
    else:
        print(format_report(report))
        print(f"wrote {args.out} (learned: {', '.join(sorted(heads.heads)) or 'none'})")
    return 0


def format_report(report: dict[str, Any]) -> str:
    """The rule-or-head table of :func:`~busviewer.core.birads_design.design_heads`."""
    lines = [f"{'target':<22}{'n':>5}{'rule':>8}{'head CV':>9}  chosen"]
    for target, entry in report.items():
        if "rule" not in entry:
            lines.append(f"{target:<22}{entry['n']:>5}  {entry['why']}")
            continue
        lines.append(f"{target:<22}{entry['n']:>5}{entry['rule']:>8.3f}{entry['head_nested_cv']:>9.3f}  "
                     f"{'head' if entry['kept'] else 'rule'} (C {entry['c']:g}{', balanced' if entry['balanced'] else ''})")
    return "\n".join(lines)
