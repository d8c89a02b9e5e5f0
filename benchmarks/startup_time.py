"""Start-up time of the desktop app: from launching ``python -m busviewer`` to the first painted window.

Each run starts a fresh process with ``BUSVIEWER_STARTUP_PROBE=1``; the app writes a JSON line when its window
is first painted and another when the first scan is on screen, then quits. Prints one JSON object with the
medians and whether torch had been imported when the window first appeared (it must not have been).

    QT_QPA_PLATFORM=offscreen python benchmarks/startup_time.py [--runs 5] [FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_S = 1.5
REPO = Path(__file__).resolve().parents[1]


def measure_once(files: list[str], timeout_s: float) -> dict[str, float | bool | None]:
    """Launch the app once; return seconds to first paint and to first scan, and the torch flag."""
    with tempfile.TemporaryDirectory(prefix="busviewer_bench_") as home:
        env = dict(os.environ, BUSVIEWER_STARTUP_PROBE="1", BUSVIEWER_HOME=home)
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        launched = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "busviewer", *files],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        result: dict[str, float | bool | None] = {"first_paint_s": None, "scan_shown_s": None, "torch_imported": None}
        assert process.stdout is not None
        deadline = launched + timeout_s
        for line in process.stdout:
            now = time.perf_counter()
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if record.get("event") == "first_paint":
                result["first_paint_s"] = now - launched
                result["torch_imported"] = bool(record.get("torch_imported"))
            elif record.get("event") in ("scan_shown", "scan_failed"):
                result["scan_shown_s"] = now - launched if record["event"] == "scan_shown" else None
            if now > deadline:
                break
        try:
            process.wait(timeout=max(deadline - time.perf_counter(), 1.0))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        return result


def _median(values: list[float | bool | None]) -> float | None:
    numbers = [float(v) for v in values if isinstance(v, float)]
    return round(statistics.median(numbers), 3) if numbers else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", help="scan files to open (default: the demo scan)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds allowed per run")
    args = parser.parse_args()
    runs = [measure_once(args.files, args.timeout) for _ in range(args.runs)]
    first_paint = _median([r["first_paint_s"] for r in runs])
    summary = {
        "benchmark": "startup_time",
        "runs": args.runs,
        "platform": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
        "first_paint_s_median": first_paint,
        "first_paint_s_all": [
            None if r["first_paint_s"] is None else round(float(r["first_paint_s"]), 3) for r in runs
        ],
        "scan_shown_s_median": _median([r["scan_shown_s"] for r in runs]),
        "torch_imported_at_first_paint": any(bool(r["torch_imported"]) for r in runs),
        "goal_s": GOAL_S,
        "meets_goal": first_paint is not None and first_paint < GOAL_S,
    }
    print(json.dumps(summary))
    return 0 if summary["meets_goal"] and not summary["torch_imported_at_first_paint"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
