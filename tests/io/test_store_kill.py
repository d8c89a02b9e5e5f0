"""SIGKILL in the middle of autosaving leaves a store whose every saved frame is intact and recent."""

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

from busviewer.io.store import CaseStore

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")

N_FRAMES = 3
SHAPE = (96, 128)

# The writer saves iteration i into frame i % N_FRAMES with a mask that is a pure function of i, and prints i
# only after save_frame returned: every printed iteration must survive the kill.
WRITER = textwrap.dedent(
    f"""
    import sys
    from pathlib import Path
    import numpy as np
    from busviewer.core.case import CaseRecord, FrameReview
    from busviewer.io.store import CaseStore

    def mask_for(i):
        rng = np.random.default_rng(i)
        return rng.random({SHAPE}) < 0.3

    store = CaseStore(Path(sys.argv[1]))
    store.upsert_case(CaseRecord(case_id="cine.dcm", source_path=Path(sys.argv[1]) / "cine.dcm"))
    i = 0
    while True:
        frame = FrameReview(frame_index=i % {N_FRAMES}, ai_mask=mask_for(i // 2), ai_model_id=f"iter-{{i}}",
                            current_mask=mask_for(i), uncertainty_score=(i % 100) / 100)
        store.save_frame("cine.dcm", frame, user="writer")
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

    connection = sqlite3.connect(tmp_path / ".busviewer" / "cases.sqlite")
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
