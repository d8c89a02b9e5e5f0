"""Where busviewer keeps per-user data: logs, model versions, settings."""

from __future__ import annotations

import os
from pathlib import Path


def user_data_dir() -> Path:
    """``$BUSVIEWER_HOME``, else ``$XDG_DATA_HOME/busviewer``, else ``~/.local/share/busviewer``; created on demand."""
    override = os.environ.get("BUSVIEWER_HOME")
    if override:
        folder = Path(override)
    else:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        folder = Path(base) / "busviewer"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def log_file() -> Path:
    """The log file that receives tracebacks (never patient identifiers)."""
    return user_data_dir() / "busviewer.log"
