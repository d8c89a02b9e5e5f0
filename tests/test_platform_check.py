"""The pre-Qt platform check: one sentence naming what to install, never a Qt abort."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from busviewer import platform_check
from busviewer.platform_check import debian_package, platform_problem

X11 = {"DISPLAY": ":0"}


def no_missing(_plugin: Path) -> list[str]:
    return []


@pytest.mark.parametrize(
    ("soname", "package"),
    [
        ("libxcb-cursor.so.0", "libxcb-cursor0"),
        ("libxcb-icccm.so.4", "libxcb-icccm4"),
        ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
        ("libX11-xcb.so.1", "libx11-xcb1"),
        ("libdbus-1.so.3", "libdbus-1-3"),
        ("libEGL.so.1", "libegl1"),
        ("libglib-2.0.so.0", "libglib2.0-0"),
    ],
)
def test_debian_package_follows_the_soname(soname: str, package: str) -> None:
    assert debian_package(soname) == package


def test_missing_xcb_libraries_name_the_packages_and_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(platform_check.shutil, "which", lambda name: f"/usr/bin/{name}")
    sentence = platform_problem(X11, "linux", lambda _plugin: ["libxcb-cursor.so.0", "libxcb-icccm.so.4"])
    assert sentence is not None
    assert "libxcb-cursor.so.0" in sentence
    assert sentence.endswith("sudo apt-get install libxcb-cursor0 libxcb-icccm4")
    assert "\n" not in sentence


def test_without_apt_the_sentence_still_names_the_debian_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(platform_check.shutil, "which", lambda _name: None)
    sentence = platform_problem(X11, "linux", lambda _plugin: ["libxcb-cursor.so.0"])
    assert sentence is not None and "libxcb-cursor0" in sentence and "apt-get" not in sentence


def test_no_display_suggests_offscreen_or_a_desktop() -> None:
    sentence = platform_problem({}, "linux", no_missing)
    assert sentence is not None
    assert "QT_QPA_PLATFORM=offscreen" in sentence and "desktop session" in sentence


def test_an_empty_plugin_folder_is_named(tmp_path: Path) -> None:
    sentence = platform_problem({**X11, "QT_QPA_PLATFORM_PLUGIN_PATH": str(tmp_path)}, "linux", no_missing)
    assert sentence is not None and "libqxcb.so" in sentence and str(tmp_path) in sentence


@pytest.mark.parametrize(
    ("environ", "system"),
    [
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux"),  # no screen needed at all
        ({"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"}, "linux"),  # Qt draws through Wayland
        ({}, "win32"),
        ({}, "darwin"),
    ],
)
def test_nothing_to_say_where_xcb_is_not_used(environ: dict[str, str], system: str) -> None:
    def fail(_plugin: Path) -> list[str]:
        raise AssertionError("the xcb libraries were checked although Qt will not load them")

    assert platform_problem(environ, system, fail) is None


def test_the_real_plugin_resolves_on_this_machine() -> None:
    """With the README's packages installed (CI installs them) the check passes on the real plugin."""
    folder = platform_check.qt_platforms_dir({})
    assert folder is not None and (folder / "libqxcb.so").is_file()
    missing = platform_check.missing_libraries_ldd(folder / "libqxcb.so")
    if missing:
        pytest.skip(f"this machine lacks {missing}; .ci/run installs them")
    assert platform_problem(X11, "linux") is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb check only runs on Linux")
def test_the_command_says_one_sentence_instead_of_a_qt_abort(tmp_path: Path) -> None:
    """Pointing Qt at an empty plugin folder: exit 2 and one sentence, before any Qt code runs."""
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env.update(DISPLAY=":0", QT_QPA_PLATFORM_PLUGIN_PATH=str(tmp_path), BUSVIEWER_HOME=str(tmp_path / "home"))
    result = subprocess.run([sys.executable, "-m", "busviewer"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "libqxcb.so" in lines[0]


def test_the_command_without_a_display_suggests_offscreen(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    env["BUSVIEWER_HOME"] = str(tmp_path)
    result = subprocess.run([sys.executable, "-m", "busviewer"], env=env, capture_output=True, text=True, timeout=60)
    if not sys.platform.startswith("linux"):
        pytest.skip("displays are always there on Windows and macOS")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "QT_QPA_PLATFORM=offscreen" in result.stderr
