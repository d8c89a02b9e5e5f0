"""The application's settings file and the list of recently opened scans and folders kept in it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from busviewer.core.paths import settings_file

#: How many recent entries File > Open Recent offers.
MAX_RECENT = 10
_RECENT_KEY = "recent/paths"


def app_settings() -> QSettings:
    """The settings file in the user's settings folder (``$BUSVIEWER_HOME`` in tests), not the system registry."""
    return QSettings(str(settings_file()), QSettings.Format.IniFormat)


class RecentFiles:
    """Most-recent-first list of opened files and folders, persisted in :func:`app_settings`."""

    def __init__(self, settings: QSettings | None = None) -> None:
        self._settings = settings if settings is not None else app_settings()

    def paths(self) -> list[Path]:
        """The entries that still exist, newest first."""
        return [path for path in self._stored() if path.exists()]

    def add(self, path: Path) -> None:
        """Put ``path`` at the top, removing an older copy and the oldest entry beyond :data:`MAX_RECENT`."""
        path = Path(path).resolve()
        entries = [path] + [p for p in self._stored() if p != path]
        self._store(entries[:MAX_RECENT])

    def remove(self, path: Path) -> None:
        """Forget ``path`` (e.g. because it no longer opens)."""
        path = Path(path).resolve()
        self._store([p for p in self._stored() if p != path])

    def clear(self) -> None:
        """Forget every entry."""
        self._store([])

    def _stored(self) -> list[Path]:
        value = self._settings.value(_RECENT_KEY, [])
        # The INI back end hands back a bare string for a one-item list and None for an empty one.
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        return [Path(str(item)) for item in value if str(item)]

    def _store(self, entries: list[Path]) -> None:
        self._settings.setValue(_RECENT_KEY, [str(p) for p in entries])
        self._settings.sync()
