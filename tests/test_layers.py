"""The architecture holds: import-linter's contracts are kept, no module imports itself through a cycle, the
GUI side never pulls in torch and the compute child's side never pulls in Qt."""

from __future__ import annotations

import os
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


def test_the_app_module_leaves_scipy_and_scikit_image_for_after_the_first_paint() -> None:
    # They take ~0.3 s to import; the start-up warm-up loads them on a worker once the window is painted.
    assert _loaded_after_importing(["busviewer.app"], ("scipy", "skimage")) == []


def test_no_import_cycles() -> None:
    result = subprocess.run([sys.executable, str(REPO / "tools" / "import_cycles.py"), "busviewer"], cwd=REPO,
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"cycles": []' in result.stdout


def _modules_under(*packages: str) -> list[str]:
    names = []
    for package in packages:
        folder = REPO / Path(*package.split("."))
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def _loaded_after_importing(modules: list[str], watched: tuple[str, ...]) -> list[str]:
    code = (
        f"import sys, importlib\nfor m in {modules!r}: importlib.import_module(m)\n"
        f"print(','.join(sorted(w for w in {watched!r} if w in sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return [name for name in result.stdout.strip().split(",") if name]


def test_importing_every_gui_and_services_module_loads_no_torch() -> None:
    modules = _modules_under("busviewer.gui", "busviewer.services") + ["busviewer.app"]
    assert _loaded_after_importing(modules, ("torch", "busviewer.ml", "onnxruntime", "safetensors")) == []


def test_importing_every_services_module_loads_no_qt() -> None:
    # The compute child imports these (its task table included); Qt must stay out of it.
    modules = _modules_under("busviewer.services", "busviewer.core", "busviewer.io")
    assert _loaded_after_importing(modules, ("PySide6", "pyqtgraph", "superqt")) == []
