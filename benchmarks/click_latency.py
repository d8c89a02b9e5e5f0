"""Click to redrawn outline with the Point tool: from the mouse release to the outline on screen, through
the real compute process, at BUSI size and at 4000 x 3000.

Builds the real main window with the review (offscreen), opens a scan (BUSI benign (1), or the demo scan),
waits for the AI proposal, then per size gives ``--clicks`` "lesion here" clicks near the image centre
with real mouse events on the canvas viewport, undoing each (Ctrl+Z) before the next, and times each
release until the mask holds the new outline and its overlay is drawn. The first click of each size is a
warm-up (the weight-free fallback computes the frame's AI map once) and is left out. Prints one JSON object
``{"562x471": {"median_ms": m, "p95_ms": p}, "4000x3000": {"median_ms": m, "p95_ms": p}}``.

    QT_QPA_PLATFORM=offscreen python benchmarks/click_latency.py [--weights FILE] [--clicks 15]
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

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QApplication

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gui_latency import benchmark_weights, load_benchmark_scan

SIZES = ((471, 562), (3000, 4000))


def _spin_until(app: QApplication, done, timeout_s: float) -> bool:  # noqa: ANN001 - a predicate
    deadline = time.perf_counter() + timeout_s
    while not done():
        if time.perf_counter() > deadline:
            return False
        app.processEvents()
        time.sleep(0.0005)
    return True


def _mouse(window, kind: QEvent.Type, row: float, col: float, buttons: Qt.MouseButton) -> None:  # noqa: ANN001
    canvas = window.canvas
    point = canvas.mapFromScene(canvas.image_item.mapToScene(QPointF(col, row)))
    viewport = canvas.viewport()
    left = Qt.MouseButton.LeftButton
    event = QMouseEvent(kind, QPointF(point), QPointF(viewport.mapToGlobal(point)), left, buttons,
                        Qt.KeyboardModifier.NoModifier)  # fmt: skip
    QApplication.sendEvent(viewport, event)


def time_clicks(app: QApplication, window, review, clicks: int) -> list[float]:  # noqa: ANN001
    """Milliseconds from each release to the outline drawn (first click left out as the warm-up)."""
    rows, cols = review.scan.shape
    pointing, overlay = review.pointing, review.editing.overlay
    rng = np.random.default_rng(0)
    timings = []
    for index in range(clicks + 1):
        row, col = rows * (0.5 + rng.uniform(-0.05, 0.05)), cols * (0.5 + rng.uniform(-0.05, 0.05))
        applied: list[float] = []
        pointing.applied.connect(lambda: applied.append(time.perf_counter()))
        _mouse(window, QEvent.Type.MouseButtonPress, row, col, Qt.MouseButton.LeftButton)
        _mouse(window, QEvent.Type.MouseButtonRelease, row, col, Qt.MouseButton.NoButton)
        released = time.perf_counter()
        ok = _spin_until(app, lambda: bool(applied) and not overlay.drawing and not pointing.pending, 120)
        drawn = time.perf_counter()
        pointing.applied.disconnect()
        if not ok:
            raise RuntimeError(f"no outline after a click ({pointing.panel.status.text()})")
        if index:
            timings.append((drawn - released) * 1000.0)
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(window, QKeyEvent(kind, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier))
        _spin_until(app, lambda: not overlay.drawing, 30)
    return timings


def run(args: argparse.Namespace) -> dict[str, object]:
    pg.setConfigOptions(imageAxisOrder="row-major")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from busviewer.gui.gc_policy import collect_on_gui_thread
    from busviewer.gui.main_window import MainWindow
    from busviewer.gui.review import install_review

    collect_on_gui_thread()
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="busviewer_clicks_") as tmp:
        os.environ.setdefault("BUSVIEWER_HOME", tmp)
        weights, _kind = benchmark_weights(args.weights, Path(tmp))
        window = MainWindow()
        window.resize(1600, 1000)
        window.show()
        review = install_review(window, weights=weights)
        window.review = review
        for rows, cols in SIZES:
            scan = load_benchmark_scan(None, (rows, cols))
            window.session.set_scan(scan)
            if not _spin_until(app, lambda: review.frame_state.prediction is not None, 600):
                raise RuntimeError("no AI proposal")
            review.editing.select_tool("point")
            timings = time_clicks(app, window, review, args.clicks)
            results[f"{cols}x{rows}"] = {
                "median_ms": round(float(np.median(timings)), 1),
                "p95_ms": round(float(np.percentile(timings, 95)), 1),
            }
        review.wait_idle(60_000)
        window.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, default=None, help="weights file (default: the shipped model)")
    parser.add_argument("--clicks", type=int, default=15, help="timed clicks per size (after one warm-up)")
    print(json.dumps(run(parser.parse_args())))


if __name__ == "__main__":
    main()
