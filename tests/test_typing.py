"""mypy over the packages pyproject.toml names ([tool.mypy] files: core, io, services) reports no error."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
@pytest.mark.timeout(900)  # a cold cache reads numpy's, pydicom's and highdicom's types first
def test_mypy_finds_no_type_error() -> None:
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed (pip install -e '.[test]')")
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-color-output", "--no-error-summary"],
        cwd=ROOT, capture_output=True, text=True, timeout=880,
    )
    assert run.returncode == 0, f"mypy reports:\n{run.stdout}{run.stderr}"
