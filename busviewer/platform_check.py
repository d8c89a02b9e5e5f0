"""What the desktop needs before Qt starts: a display, and on Linux the system libraries of Qt's xcb plugin.

Qt itself reports a missing library with several lines and an abort (a core dump on some systems); this
check runs first and, when something is missing, gives one sentence that names the package(s) to install.
It imports nothing of Qt, so it is cheap and cannot itself trip over the missing pieces.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

#: Sonames whose Debian package does not follow the ``lib<name><version>`` rule.
_DEBIAN_PACKAGE_OF = {
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libgobject-2.0.so.0": "libglib2.0-0",
    "libstdc++.so.6": "libstdc++6",
    "libgcc_s.so.1": "libgcc-s1",
}
#: Qt platforms that draw on a real screen (``offscreen``, ``minimal``, ``vnc`` ... need none).
_SCREEN_PLATFORMS = ("xcb", "wayland", "wayland-egl")
#: Longest wait for ``ldd``; it only reads ELF headers, so this is generous.
_LDD_TIMEOUT_S = 10

#: Answers ``ldd``-style: the sonames a shared object needs that the loader cannot find.
MissingLibraries = Callable[[Path], list[str]]


def debian_package(soname: str) -> str:
    """The Debian package that ships ``soname`` (``libxcb-cursor.so.0`` -> ``libxcb-cursor0``).

    Debian names library packages after the soname: ``libfoo.so.N`` lives in ``libfooN``, with a
    hyphen before ``N`` when the name already ends in a digit (``libxkbcommon-x11.so.0`` ->
    ``libxkbcommon-x11-0``); a few historical names are listed in ``_DEBIAN_PACKAGE_OF``.
    """
    if soname in _DEBIAN_PACKAGE_OF:
        return _DEBIAN_PACKAGE_OF[soname]
    match = re.fullmatch(r"(.+?)\.so\.(\d+)(?:\.\d+)*", soname)
    if match is None:
        return soname
    name, version = match.group(1).lower(), match.group(2)
    return f"{name}-{version}" if name[-1].isdigit() else f"{name}{version}"


def qt_platforms_dir(environ: Mapping[str, str] | None = None) -> Path | None:
    """Where Qt will look for its platform plugins: ``$QT_QPA_PLATFORM_PLUGIN_PATH``, else PySide6's own."""
    environ = os.environ if environ is None else environ
    override = environ.get("QT_QPA_PLATFORM_PLUGIN_PATH")
    if override:
        return Path(override)
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "Qt" / "plugins" / "platforms"


def missing_libraries_ldd(shared_object: Path) -> list[str]:
    """Sonames that ``shared_object`` (or what it links) needs and the dynamic loader cannot find."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return []  # musl or an unusual system: let Qt speak for itself
    try:
        result = subprocess.run([ldd, str(shared_object)], capture_output=True, text=True, timeout=_LDD_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired):
        return []
    missing = re.findall(r"^\s*(\S+)\s*=>\s*not found", result.stdout, flags=re.MULTILINE)
    return sorted(set(missing))


def uses_xcb(environ: Mapping[str, str]) -> bool:
    """Whether Qt will draw through X11: asked for, or the default outside a Wayland session."""
    platform = environ.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if platform:
        return platform == "xcb"
    wayland_session = bool(environ.get("WAYLAND_DISPLAY")) and environ.get("XDG_SESSION_TYPE") == "wayland"
    return not wayland_session


def platform_problem(
    environ: Mapping[str, str] | None = None,
    system: str | None = None,
    missing_libraries: MissingLibraries = missing_libraries_ldd,
) -> str | None:
    """One sentence on what keeps the window from opening on this machine, or None when nothing does.

    Parameters
    ----------
    environ, system
        The environment and ``sys.platform`` to judge (the current ones by default; tests pass their own).
    missing_libraries
        Lists the unresolved sonames of a shared object (``ldd`` by default; tests fake it).
    """
    environ = os.environ if environ is None else environ
    system = sys.platform if system is None else system
    if not system.startswith("linux"):
        return None  # Windows and macOS bundles carry every library Qt needs
    platform = environ.get("QT_QPA_PLATFORM", "").split(":")[0].strip()
    if platform and platform not in _SCREEN_PLATFORMS:
        return None
    if not environ.get("DISPLAY") and not environ.get("WAYLAND_DISPLAY"):
        return (
            "there is no display to open the window on; start busviewer from a desktop session, "
            "or set QT_QPA_PLATFORM=offscreen to run it without a screen."
        )
    if not uses_xcb(environ):
        return None
    folder = qt_platforms_dir(environ)
    if folder is None:
        return None
    plugin = folder / "libqxcb.so"
    if not plugin.is_file():
        return f"Qt's X11 display plugin libqxcb.so is missing from {folder}; reinstall busviewer (or PySide6)."
    missing = missing_libraries(plugin)
    if not missing:
        return None
    packages = sorted({debian_package(name) for name in missing})
    libraries = ", ".join(missing)
    if shutil.which("apt-get"):
        return (
            f"the window cannot open because the system lacks {libraries}; "
            f"install them with: sudo apt-get install {' '.join(packages)}"
        )
    return (
        f"the window cannot open because the system lacks {libraries} "
        f"(Debian/Ubuntu packages: {' '.join(packages)}); install them with your system's package manager."
    )
