"""The training command runs unchanged under torchrun with two CPU processes (gloo)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_torchrun_two_cpu_processes(busi_folder: Path, tmp_path: Path) -> None:
    torchrun = Path(sys.executable).with_name("torchrun")
    if not torchrun.exists():
        pytest.skip("torchrun is not installed beside this Python")
    out = tmp_path / "ddp.safetensors"
    env = dict(os.environ, OMP_NUM_THREADS="1", CUDA_VISIBLE_DEVICES="")
    result = subprocess.run(
        [str(torchrun), "--standalone", "--nproc_per_node=2", "-m", "busviewer", "train", str(busi_folder),
         "--out", str(out), "--epochs", "1", "--channels", "4,8,16", "--device", "cpu"],
        capture_output=True, text=True, timeout=300, env=env,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "world size 2" in result.stderr
    assert out.is_file()
    history = (tmp_path / "ddp.history.csv").read_text().strip().splitlines()
    assert len(history) == 2   # header + one epoch, written once by rank 0

    from busviewer.ml.checkpoint import load_weights

    assert load_weights(out).metadata["train_cases"] == 9
