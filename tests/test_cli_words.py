"""A first word that is neither a sub-command nor a file gets argparse's error, not a window."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from busviewer.cli import main, opens_gui


def test_a_typo_of_a_subcommand_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["predcit", "scan.png"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'predcit'" in err and err.strip().splitlines()[-1].startswith("busviewer: error:")


def test_a_missing_file_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["absent_scan.dcm"])
    assert exit_info.value.code == 2
    assert "absent_scan.dcm does not exist" in capsys.readouterr().err


def test_existing_files_nothing_or_options_open_the_window(tmp_path: Path) -> None:
    scan = tmp_path / "scan.png"
    scan.write_bytes(b"")
    assert opens_gui([]) and opens_gui(["-v"]) and opens_gui([str(scan)]) and opens_gui([str(tmp_path)])
    assert not opens_gui(["predict", str(scan)]) and not opens_gui(["-v", "info", str(scan)])
    assert not opens_gui(["--help"]) and not opens_gui(["nonsense"])


def test_the_typo_never_reaches_qt_without_a_display(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    env["BUSVIEWER_HOME"] = str(tmp_path)
    result = subprocess.run([sys.executable, "-m", "busviewer", "predcit"], env=env, capture_output=True, text=True,
                            timeout=60, cwd=tmp_path)
    assert result.returncode == 2 and "invalid choice" in result.stderr and "Aborted" not in result.stderr
