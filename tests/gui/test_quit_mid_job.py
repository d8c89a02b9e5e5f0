"""Quitting while the AI is still working: the app ends quietly, with no traceback from a worker thread."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

#: What must never reach the terminal at quit (superqt's worker emitting into a deleted runner; the compute
#: child finalizing Python under a lane still inside torch).
NOISE = ("Traceback", "Error calling Python override", "Signal source has been deleted", "terminate called")


# Two moments: as the request leaves, and while the AI engine is still loading torch to answer it.
@pytest.mark.parametrize("close_after_ms", [0, 400])
def test_quitting_while_inference_runs_is_quiet(tiny_weights: Path, tmp_path: Path, close_after_ms: int) -> None:
    scan = tmp_path / "scan.png"
    Image.fromarray(np.random.default_rng(3).integers(0, 255, (120, 160), dtype=np.uint8)).save(scan)
    script = textwrap.dedent(f"""
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        from busviewer import app as busviewer_app

        real_exec = QApplication.exec

        def exec_with_quit(*args):
            application = QApplication.instance()
            timer = QTimer(application)

            def close_when_busy():
                windows = [w for w in application.topLevelWidgets() if getattr(w, "review", None) is not None]
                if windows and windows[0].review.proposal.inference_jobs.pending > 0:
                    timer.stop()
                    QTimer.singleShot({close_after_ms}, lambda: close(windows[0]))

            def close(window):
                if window.review.proposal.inference_jobs.pending > 0:
                    print("closing with inference running", flush=True)
                window.close()

            timer.timeout.connect(close_when_busy)
            timer.start(5)
            return real_exec()

        QApplication.exec = exec_with_quit
        status = busviewer_app.run_app([{str(scan)!r}])
        print("exit status", status, flush=True)
    """)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "BUSVIEWER_HOME": str(tmp_path / "home"),
           "BUSVIEWER_WEIGHTS": str(tiny_weights)}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env)
    assert "closing with inference running" in result.stdout, result.stderr[-2000:]
    assert result.returncode == 0 and "exit status 0" in result.stdout, result.stderr[-2000:]
    assert not [noise for noise in NOISE if noise in result.stderr], result.stderr[-2000:]
