"""How responsive the review stays: stalls of the GUI thread while the AI runs and the reader paints.

Builds the real main window with the review workspace (offscreen), opens a real-size scan, runs inference
and Grad-CAM, paints brush strokes with real mouse events on the canvas viewport, undoes them with Ctrl+Z,
and meanwhile measures how late a 5 ms QTimer heartbeat fires. Each phase is one function, so phases
(e.g. "fine-tune running") can be added to ``PHASES``. Prints one JSON object.

    QT_QPA_PLATFORM=offscreen python benchmarks/gui_latency.py [--scan FILE] [--weights FILE]
                                                               [--strokes 50] [--upscale 4000x3000]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QApplication

from busviewer.core.scan import UltrasoundScan

GOAL_MAX_STALL_MS = 50.0
HEARTBEAT_MS = 5
#: Spacing of synthetic mouse moves: a 125 Hz mouse.
MOUSE_STEP_MS = 8
DEFAULT_SCAN = Path(__file__).resolve().parents[2] / "shared" / "data" / "busi" / "benign" / "benign (1).png"


class Heartbeat:
    """A 5 ms timer on the GUI thread; each firing records how late it came, under the current phase."""

    def __init__(self) -> None:
        self.phase = "idle"
        self.stalls: dict[str, list[float]] = {}
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(HEARTBEAT_MS)
        self._timer.timeout.connect(self._beat)
        self._last = 0.0

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _beat(self) -> None:
        now = time.perf_counter()
        late = max(0.0, (now - self._last) * 1000.0 - HEARTBEAT_MS)
        self._last = now
        self.stalls.setdefault(self.phase, []).append(late)


@dataclass
class Context:
    """What the phases share."""

    app: QApplication
    window: object
    review: object
    scan: UltrasoundScan
    heartbeat: Heartbeat
    strokes: int
    notes: dict[str, object] = field(default_factory=dict)


def spin_until(ctx: Context, done: Callable[[], bool], timeout_s: float) -> bool:
    """Run the event loop (heartbeat included) until ``done()`` or the timeout."""
    deadline = time.perf_counter() + timeout_s
    while not done():
        if time.perf_counter() > deadline:
            return False
        ctx.app.processEvents()
        time.sleep(0.001)
    return True


def spin_for(ctx: Context, seconds: float) -> None:
    spin_until(ctx, lambda: False, seconds)


# ----------------------------------------------------------------------------------------------- phases
def phase_idle_baseline(ctx: Context) -> None:
    """Two seconds of nothing: how late the heartbeat is on this machine without any work of ours."""
    spin_for(ctx, 2.0)


def phase_open_scan(ctx: Context) -> None:
    """Put the scan on screen (inference starts by itself) and wait for the AI proposal."""
    started = time.perf_counter()
    ctx.window.session.set_scan(ctx.scan)
    ok = spin_until(ctx, lambda: ctx.review.frame_state.prediction is not None, 300)
    ctx.notes["first_proposal_s"] = round(time.perf_counter() - started, 3) if ok else None


def phase_inference(ctx: Context) -> None:
    """Run the AI again (R) with the model already loaded."""
    previous = ctx.review.frame_state.prediction
    started = time.perf_counter()
    ctx.review.run_ai()
    ok = spin_until(ctx, lambda: ctx.review.frame_state.prediction is not previous, 300)
    ctx.notes["inference_s"] = round(time.perf_counter() - started, 3) if ok else None


def phase_gradcam(ctx: Context) -> None:
    """Show the Grad-CAM layer (computed in the background) for the AI's class, then for the lesion."""
    started = time.perf_counter()
    ctx.review.layers_panel.heat_visible.setChecked(True)
    ok = spin_until(ctx, lambda: ctx.review.proposal.shown_heat is not None, 300)
    panel = ctx.review.layers_panel
    panel.heat_target.setCurrentIndex(panel.heat_target.findData("lesion"))
    ok = ok and spin_until(ctx, lambda: "lesion" in ctx.review.frame_state.heatmaps, 300)
    ctx.notes["gradcam_two_targets_s"] = round(time.perf_counter() - started, 3) if ok else None


def _viewport_point(ctx: Context, row: float, col: float) -> QPoint:
    canvas = ctx.window.canvas
    return canvas.mapFromScene(canvas.image_item.mapToScene(QPointF(col, row)))


def _mouse(ctx: Context, kind: QEvent.Type, point: QPoint, button: Qt.MouseButton, buttons: Qt.MouseButton) -> None:
    viewport = ctx.window.canvas.viewport()
    event = QMouseEvent(
        kind, QPointF(point), QPointF(viewport.mapToGlobal(point)), button, buttons, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(viewport, event)


def phase_paint_strokes(ctx: Context) -> None:
    """Clear the mask, then paint brush strokes across the lesion area with real mouse events, a move every 8 ms."""
    ctx.review.editing.clear()
    ctx.review.editing.select_tool("brush")
    rows, cols = ctx.scan.shape
    rng = np.random.default_rng(0)
    left = Qt.MouseButton.LeftButton
    moves = 0
    handling_ms: list[float] = []
    started = time.perf_counter()
    for _ in range(ctx.strokes):
        r0, c0 = rng.uniform(0.25, 0.75) * rows, rng.uniform(0.2, 0.8) * cols
        angle = rng.uniform(0, 2 * math.pi)
        length = 0.2 * min(rows, cols)
        points = [
            _viewport_point(ctx, r0 + t * length * math.sin(angle), c0 + t * length * math.cos(angle))
            for t in np.linspace(0, 1, 16)
        ]
        _mouse(ctx, QEvent.Type.MouseButtonPress, points[0], left, left)
        for point in points[1:]:
            spin_for(ctx, MOUSE_STEP_MS / 1000)
            before = time.perf_counter()
            _mouse(ctx, QEvent.Type.MouseMove, point, Qt.MouseButton.NoButton, left)
            handling_ms.append((time.perf_counter() - before) * 1000)
            moves += 1
        _mouse(ctx, QEvent.Type.MouseButtonRelease, points[-1], left, Qt.MouseButton.NoButton)
        spin_for(ctx, 0.03)
    ctx.notes["mouse_moves"] = moves
    # Time to handle one move: stroke the mask and re-colour the changed box (the repaint follows later).
    ctx.notes["move_handling_ms"] = {
        "mean": round(float(np.mean(handling_ms)), 2),
        "max": round(float(np.max(handling_ms)), 2),
    }
    ctx.notes["paint_s"] = round(time.perf_counter() - started, 3)
    ctx.notes["undo_steps_after_painting"] = ctx.review.mask_layer.history.n_steps
    spin_until(ctx, lambda: not ctx.review.measuring.pending, 30)


def phase_undo(ctx: Context) -> None:
    """Undo every stroke with Ctrl+Z key presses, one every 20 ms."""
    layer = ctx.review.mask_layer
    presses = 0
    while layer.can_undo:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(ctx.window, QKeyEvent(kind, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier))
        presses += 1
        spin_for(ctx, 0.02)
        if presses > 10 * ctx.strokes:
            break
    ctx.notes["undo_presses"] = presses
    spin_until(ctx, lambda: not ctx.review.measuring.pending, 30)


def phase_rapid_clicks(ctx: Context) -> None:
    """30 Point-tool clicks 30 ms apart, faster than the model: they coalesce (the newest prompt set wins)."""
    review = ctx.review
    review.editing.select_tool("point")
    rows, cols = ctx.scan.shape
    rng = np.random.default_rng(1)
    left = Qt.MouseButton.LeftButton
    steps = review.mask_layer.history.n_undo_steps
    started = time.perf_counter()
    for _ in range(30):
        point = _viewport_point(ctx, rng.uniform(0.3, 0.7) * rows, rng.uniform(0.3, 0.7) * cols)
        _mouse(ctx, QEvent.Type.MouseButtonPress, point, left, left)
        _mouse(ctx, QEvent.Type.MouseButtonRelease, point, left, Qt.MouseButton.NoButton)
        spin_for(ctx, 0.03)
    settled = spin_until(ctx, lambda: not review.pointing.pending and not review.pointing.jobs.pending, 300)
    ctx.notes["rapid_clicks"] = {
        "clicks": 30,
        "prompts_kept": len(review.mask_layer.prompts),
        "undo_steps_added": review.mask_layer.history.n_undo_steps - steps,
        "settled_s": round(time.perf_counter() - started, 3) if settled else None,
        "method": review.pointing.method,
    }
    review.editing.select_tool("navigate")


def _finetune_records(count: int) -> list[object]:
    """Reviewed cases for the fine-tune: BUSI images with their masks as the reader's, or demo scans."""
    from busviewer.core.case import CaseRecord, FrameReview, ReviewStatus
    from busviewer.io.busi import list_busi_cases, load_busi_case

    busi = DEFAULT_SCAN.parents[1]
    if not busi.is_dir():
        return []
    cases = list_busi_cases(busi)
    chosen = [c for label in (0, 1, 2) for c in [c for c in cases if c.label == label][: count // 3]]
    records = []
    for case in chosen:
        _, mask = load_busi_case(case)
        frame = FrameReview(0, ai_mask=mask, ai_model_id="benchmark", ai_probabilities=(0.34, 0.33, 0.33), current_mask=mask)
        records.append(CaseRecord(case.case_id, case.image_path, ReviewStatus.CORRECTED,
                                  ("normal", "benign", "malignant")[case.label], {0: frame}))
    return records


def phase_finetune_running(ctx: Context) -> None:
    """Start a fine-tune from the panel's controller, then paint and undo while it trains; cancel at the end."""
    controller = ctx.notes.pop("finetune_controller", None)
    if controller is None:
        ctx.notes["finetune"] = "skipped: no BUSI data for reviewed cases"
        return
    started = time.perf_counter()
    controller.start()
    spin_until(ctx, lambda: controller.panel.progress.value() > 0, 120)
    phase_paint_strokes(ctx)
    phase_undo(ctx)
    finished = spin_until(ctx, lambda: not controller.is_running, 20)
    if not finished:
        controller.cancel()
        spin_until(ctx, lambda: not controller.is_running, 120)
    ctx.notes["finetune"] = {"cases": controller.refresh_cases(), "finished": finished, "seconds_observed": round(time.perf_counter() - started, 1)}


PHASES: list[tuple[str, Callable[[Context], None]]] = [
    ("idle_baseline", phase_idle_baseline),
    ("open_scan_and_load_model", phase_open_scan),
    ("inference", phase_inference),
    ("gradcam", phase_gradcam),
    ("paint_strokes", phase_paint_strokes),
    ("undo", phase_undo),
    ("rapid_point_clicks", phase_rapid_clicks),
    ("paint_and_undo_while_finetuning", phase_finetune_running),
]


# ------------------------------------------------------------------------------------------------ setup
def load_benchmark_scan(path: Path | None, upscale: tuple[int, int] | None) -> UltrasoundScan:
    """The scan to review: ``path``, else the BUSI benign (1) image when present, else the demo scan."""
    from busviewer.io.scan_loader import load_demo_scan, load_scan

    chosen = path or (DEFAULT_SCAN if DEFAULT_SCAN.is_file() else None)
    scan = load_scan(chosen) if chosen is not None else load_demo_scan()[0]
    if upscale is not None:
        import cv2

        rows, cols = upscale
        frames = np.stack([cv2.resize(f, (cols, rows), interpolation=cv2.INTER_LINEAR) for f in scan.frames])
        scan = UltrasoundScan(frames=frames, source_path=scan.source_path, calibration=scan.calibration)
    return scan


def benchmark_weights(given: Path | None, folder: Path) -> tuple[Path, str]:
    """The weights to use and a word for the report: given, shipped, or a tiny untrained stand-in."""
    from busviewer.services.weights import resolve_weights

    weights = resolve_weights(given)
    if weights.is_file():
        return weights, "given" if given else "shipped"
    tiny = folder / "tiny-untrained.safetensors"
    # In a child process, so this process imports torch only where the app does: on the review's worker.
    code = (
        "import sys; from pathlib import Path; from busviewer.ml.checkpoint import save_weights; "
        "from busviewer.ml.network import build_network; "
        "save_weights(build_network(channels=(4, 8, 16)), Path(sys.argv[1]))"
    )
    subprocess.run([sys.executable, "-c", code, str(tiny)], check=True)
    return tiny, "tiny-untrained (no trained weights found)"


def _summary(values: list[float]) -> dict[str, float | int]:
    data = np.asarray(values or [0.0])
    return {
        "max_stall_ms": round(float(data.max()), 2),
        "p95_stall_ms": round(float(np.percentile(data, 95)), 2),
        "beats": len(values),
    }


def run(args: argparse.Namespace) -> dict[str, object]:
    pg.setConfigOptions(imageAxisOrder="row-major")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from busviewer.gui.gc_policy import collect_on_gui_thread

    collect_on_gui_thread()  # as the app does from the start
    from busviewer.gui import theme
    from busviewer.gui.main_window import MainWindow
    from busviewer.gui.review import install_review

    with tempfile.TemporaryDirectory(prefix="busviewer_latency_") as tmp:
        os.environ.setdefault("BUSVIEWER_HOME", tmp)
        weights, weights_kind = benchmark_weights(args.weights, Path(tmp))
        theme.apply_theme(app)
        window = MainWindow()
        window.resize(1600, 1000)
        window.show()
        review = install_review(window, weights=weights)
        window.review = review
        scan = load_benchmark_scan(args.scan, args.upscale)
        heartbeat = Heartbeat()
        ctx = Context(app, window, review, scan, heartbeat, args.strokes)
        records = _finetune_records(12)
        if records:
            # Installed before timing starts, as the app installs it at start-up.
            from busviewer.gui.finetune import install_finetune
            from busviewer.io.model_registry import ModelRegistry

            registry = ModelRegistry(weights, root=Path(tmp) / "models")
            ctx.notes["finetune_controller"] = install_finetune(window, registry=registry, case_source=lambda: records)
            app.processEvents()
        from busviewer.core.warm_up import warm_up_lesion_computations
        from busviewer.gui.gc_policy import StartupSettler

        # As the app does once its add-ons are installed: warm the lazy imports, then freeze.
        settler = StartupSettler(warm_up_lesion_computations, parent=window)
        settler.start()
        deadline = time.perf_counter() + 60
        while not settler.is_settled and time.perf_counter() < deadline:
            app.processEvents()
            time.sleep(0.005)
        heartbeat.start()
        phases: dict[str, dict[str, float | int]] = {}
        for name, phase in PHASES:
            heartbeat.phase = name
            phase(ctx)
            phases[name] = _summary(heartbeat.stalls.get(name, []))
        heartbeat.stop()
        review.wait_idle(60_000)
        window.close()
    every = [value for values in heartbeat.stalls.values() for value in values]
    overall = _summary(every)
    # Loading torch and the network happens once per session; the rest is what every case costs.
    warm = [v for name, values in heartbeat.stalls.items() if name not in ("open_scan_and_load_model",) for v in values]
    return {
        "benchmark": "gui_latency",
        **overall,
        "max_stall_ms_model_loaded": _summary(warm)["max_stall_ms"],
        "goal_max_stall_ms": GOAL_MAX_STALL_MS,
        "meets_goal": overall["max_stall_ms"] <= GOAL_MAX_STALL_MS,
        "scan": scan.name,
        "scan_shape": list(scan.shape),
        "weights": weights_kind,
        "model_status": window.permanent_status("model"),
        "strokes": args.strokes,
        "phases": phases,
        **ctx.notes,
    }


def _size(text: str) -> tuple[int, int]:
    cols, rows = (int(part) for part in text.lower().split("x"))
    return rows, cols


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scan", type=Path, default=None, help="scan file (default: BUSI benign (1) or the demo)")
    parser.add_argument("--weights", type=Path, default=None, help="weights file (default: the shipped model)")
    parser.add_argument("--strokes", type=int, default=50)
    parser.add_argument("--upscale", type=_size, default=None, help="resize the scan, WIDTHxHEIGHT (e.g. 4000x3000)")
    print(json.dumps(run(parser.parse_args())))


if __name__ == "__main__":
    main()
