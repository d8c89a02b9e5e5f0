"""``busviewer export WORKSPACE --out DIR``: write masks, reports, DICOM SEG/SR and a summary of a reviewed folder."""

from __future__ import annotations

import argparse
import json
import sys

from busviewer.io.export import ALL_FORMATS, export_workspace, parse_formats


def run(args: argparse.Namespace) -> int:
    """Export the workspace; exit 0 when every case exported, 1 when some were skipped (listed on stderr)."""
    formats = parse_formats(args.formats) if args.formats else frozenset(ALL_FORMATS)

    def show_progress(done: int, total: int, case_id: str) -> None:
        if sys.stderr.isatty():
            print(f"\rexported {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)

    summary = export_workspace(args.workspace, args.out, formats, args.include_identifiers, show_progress)
    if args.json:
        print(json.dumps(summary.as_dict(), indent=2))
    else:
        print(f"exported {summary.cases} case(s), {len(summary.files)} file(s) to {summary.out_dir}")
    for sentence in summary.skipped:
        print(f"warning: {sentence}", file=sys.stderr)
    return 1 if summary.skipped else 0
