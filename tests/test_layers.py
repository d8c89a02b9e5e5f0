"""The architecture holds: import-linter's layer contracts are kept and the window never pulls in torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _lint_imports_command() -> list[str]:
    script = Path(sys.executable).parent / "lint-imports"
    if not script.exists():
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    return [str(script), "--config", str(REPO / "pyproject.toml")]


def test_import_contracts_are_kept() -> None:
    result = subprocess.run(_lint_imports_command(), cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "BROKEN" not in report and "0 broken" in report


@pytest.mark.parametrize("module", ["busviewer.app", "busviewer.gui.main_window", "busviewer.cli"])
def test_gui_modules_do_not_import_torch(module: str) -> None:
    code = (
        f"import sys, importlib; importlib.import_module({module!r}); "
        "heavy = sorted(m for m in ('torch', 'monai', 'busviewer.ml') if m in sys.modules); "
        "print(','.join(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"{module} imported {result.stdout.strip()} at start-up"
