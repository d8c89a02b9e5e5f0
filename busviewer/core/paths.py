"""Where busviewer finds what it ships (model, model card, demo scan, icon) and keeps per-user data.

Shipped files have one source of truth in the repository, ``models/`` and ``resources/`` at its root.
A wheel or a PyInstaller bundle carries copies as package data under ``busviewer/_shipped/`` (``setup.py``
and ``packaging/busviewer.spec`` put them there); a checkout or an editable install reads the originals.
Either way :func:`shipped_dir` finds them through :mod:`importlib.resources`, so no caller needs to know
how busviewer was installed.

Per-user data lives where each system expects it (:mod:`platformdirs`), or all of it under
``$BUSVIEWER_HOME`` when that is set (tests, portable installs).
"""

from __future__ import annotations

import os
import shutil
from importlib import resources
from pathlib import Path

import platformdirs

#: File name of the shipped weights in ``models/``; the familiarity reference and card sit beside it.
SHIPPED_WEIGHTS_NAME = "busviewer-attn-unet.safetensors"
#: The model card of the shipped weights, beside them.
MODEL_CARD_NAME = "README.md"
#: Package-data folder of an installed wheel or bundle (``models/`` and ``resources/`` inside).
PACKAGED_DATA_DIR = "_shipped"
#: Environment variable that puts all per-user data (settings, logs, model versions) in one folder.
HOME_ENV = "BUSVIEWER_HOME"
_APP_NAME = "busviewer"


def shipped_dir(kind: str) -> Path:
    """The folder of shipped files of ``kind`` (``models`` or ``resources``).

    Looks inside the installed package first (a wheel or a bundle), then beside it (a checkout, where the
    package folder sits next to ``models/`` and ``resources/``).
    """
    if kind not in ("models", "resources"):
        raise ValueError(f"unknown kind of shipped files {kind!r}")
    package = resources.files("busviewer")
    for candidate in (package / PACKAGED_DATA_DIR / kind, package / ".." / kind):
        if candidate.is_dir():
            # Wheels are unpacked and PyInstaller unpacks data files, so the folder is a real one on disk.
            return Path(os.fspath(candidate)).resolve()  # type: ignore[call-overload]
    return Path(os.fspath(package / PACKAGED_DATA_DIR / kind))  # type: ignore[call-overload]


def shipped_weights_path() -> Path:
    """Where the shipped weights are: the one answer every weights lookup falls back to."""
    return shipped_dir("models") / SHIPPED_WEIGHTS_NAME


def model_card_path(weights: Path) -> Path:
    """The model card that describes ``weights`` (the shipped card lives beside the shipped weights)."""
    return Path(weights).with_name(MODEL_CARD_NAME)


#: The familiarity reference of ``NAME.safetensors`` is ``NAME`` + this, beside it.
FAMILIARITY_REFERENCE_SUFFIX = ".reference.safetensors"


def familiarity_reference_path(weights: Path) -> Path:
    """Where the familiarity reference of ``weights`` lives (``busviewer.ml.familiarity`` reads and writes it)."""
    name = Path(weights).name
    stem = name[: -len(".safetensors")] if name.endswith(".safetensors") else Path(name).stem
    return Path(weights).with_name(stem + FAMILIARITY_REFERENCE_SUFFIX)


def resource_path(name: str) -> Path:
    """A shipped resource (demo scan, icon) by file name."""
    return shipped_dir("resources") / name


def user_data_dir() -> Path:
    """``$BUSVIEWER_HOME``, else the system's place for app data (``~/.local/share/busviewer`` on Linux,
    ``%LOCALAPPDATA%\\busviewer`` on Windows, ``~/Library/Application Support/busviewer`` on macOS);
    created on demand."""
    return _ensure(_home() or Path(platformdirs.user_data_dir(_APP_NAME, appauthor=False)))


def user_config_dir() -> Path:
    """``$BUSVIEWER_HOME``, else the system's place for settings (``~/.config/busviewer`` on Linux)."""
    return _ensure(_home() or Path(platformdirs.user_config_dir(_APP_NAME, appauthor=False)))


def settings_file() -> Path:
    """The settings file; one left in the data folder by an older version is moved here on first use."""
    path = user_config_dir() / "settings.ini"
    legacy = user_data_dir() / "settings.ini"
    if not path.exists() and legacy.is_file() and legacy != path:
        shutil.move(str(legacy), str(path))
    return path


def log_file() -> Path:
    """The log file that receives tracebacks (never patient identifiers)."""
    folder = _home() or Path(platformdirs.user_log_dir(_APP_NAME, appauthor=False))
    return _ensure(folder) / "busviewer.log"


def _home() -> Path | None:
    override = os.environ.get(HOME_ENV)
    return Path(override) if override else None


def _ensure(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder
