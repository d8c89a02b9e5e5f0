"""SIGKILL in the middle of autosaving (the app's own path, on a multi-frame case) leaves a store whose every
saved frame is intact and recent."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from busviewer.io.store import CaseStore, store_dir

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")

N_FRAMES = 5
SHAPE = (96, 128)

# The writer drives the path the app's autosave takes (review state -> snapshot_state -> save_snapshot, on a
# multi-frame case): iteration i gives frame i % N_FRAMES a new AI proposal (model "iter-i", mask a pure
# function of i // 2) and the reader's mask (a pure function of i), and prints i only after the save
# returned: every printed iteration must survive the kill.
WRITER = textwrap.dedent(
    f"""
    import sys
    from pathlib import Path
    import numpy as np
    from busviewer.core.prediction import Prediction
    from busviewer.core.review_records import snapshot_state
    from busviewer.core.review_state import ReviewState
    from busviewer.io.store import CaseStore
    from busviewer.services.review_saving import save_snapshot

    def mask_for(i):
        rng = np.random.default_rng(i)
        return rng.random({SHAPE}) < 0.3

    folder = Path(sys.argv[1])
    store = CaseStore(folder)
    state = ReviewState("cine", folder / "cine.dcm", {SHAPE}, n_frames={N_FRAMES})
    i = 0
    while True:
        frame = state.frame(i % {N_FRAMES})
        frame.prediction = Prediction(np.array([0.2, 0.5, 0.3]), None, mask_for(i // 2), None, f"iter-{{i}}", "cpu",
                                      kept_uncertainty_score=0.0)
        frame.uncertainty_score = (i % 100) / 100
        frame.ensure_mask({SHAPE}).set_mask(mask_for(i), description="stroke", by_person=True)
        save_snapshot(store, snapshot_state(state, "cine.dcm"))
        print(i, flush=True)
        i += 1
    """
)


def _mask_for(i: int) -> np.ndarray:
    rng = np.random.default_rng(i)
    return rng.random(SHAPE) < 0.3


def test_kill_during_autosave_leaves_consistent_recent_state(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env,
    )
    last_confirmed = -1
    try:
        assert writer.stdout is not None
        # Let it run for a good number of saves (1-2 s here), then kill it wherever it happens to be.
        for line in writer.stdout:
            last_confirmed = int(line)
            if last_confirmed >= 60:
                break
        writer.send_signal(signal.SIGKILL)
        remaining, errors = writer.communicate(timeout=30)
    finally:
        if writer.poll() is None:
            writer.kill()
    for line in remaining.split():
        last_confirmed = max(last_confirmed, int(line))
    assert last_confirmed >= 60, f"writer died early: {errors[-2000:]}"
    assert writer.returncode == -signal.SIGKILL

    connection = sqlite3.connect(store_dir(tmp_path) / "cases.sqlite")
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        connection.close()

    with CaseStore(tmp_path) as store:
        record = store.get_case("cine.dcm")
        assert record is not None
        assert sorted(record.frames) == list(range(N_FRAMES))
        iterations = []
        for index, frame in record.frames.items():
            assert frame.ai_model_id is not None
            i = int(frame.ai_model_id.removeprefix("iter-"))
            iterations.append(i)
            assert i % N_FRAMES == index
            assert frame.current_mask is not None and frame.ai_mask is not None, "a committed mask file is missing"
            np.testing.assert_array_equal(frame.current_mask, _mask_for(i))
            np.testing.assert_array_equal(frame.ai_mask, _mask_for(i // 2))
            assert frame.uncertainty_score == pytest.approx((i % 100) / 100)
        # Everything the writer confirmed is durable; at most one unconfirmed save beyond it may have landed.
        assert last_confirmed <= max(iterations) <= last_confirmed + 1
        assert min(iterations) >= last_confirmed - N_FRAMES + 1
        assert len(store.audit("cine.dcm")) >= last_confirmed + 1
