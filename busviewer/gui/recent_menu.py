"""File > Open Recent: the menu mirrors the remembered files and folders and reopens them on click."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QMenu

from busviewer.gui.recent_files import RecentFiles


class RecentMenu:
    """Keeps ``menu`` in step with ``recent``; choosing an entry calls ``open_paths([path])``."""

    def __init__(self, menu: QMenu, recent: RecentFiles, open_paths: Callable[[list[Path]], None]) -> None:
        self.menu = menu
        self.recent = recent
        self._open_paths = open_paths
        self.refresh()

    def remember(self, paths: list[Path]) -> None:
        """Put the paths that exist at the top of the list."""
        for path in paths:
            if Path(path).exists():
                self.recent.add(Path(path))
        self.refresh()

    def forget(self, path: Path) -> None:
        self.recent.remove(path)
        self.refresh()

    def last_folder(self) -> Path | None:
        """Where an open dialog should start: the newest entry, or the folder holding it."""
        entries = self.recent.paths()
        if not entries:
            return None
        return entries[0] if entries[0].is_dir() else entries[0].parent

    def refresh(self) -> None:
        self.menu.clear()
        entries = self.recent.paths()
        for path in entries:
            label = f"{path.name}{'/' if path.is_dir() else ''}  —  {path.parent}"
            action = self.menu.addAction(label)
            action.triggered.connect(lambda _checked=False, p=path: self._open_paths([p]))
        if entries:
            self.menu.addSeparator()
            self.menu.addAction("Clear List", self._clear)
        self.menu.setEnabled(bool(entries))

    def _clear(self) -> None:
        self.recent.clear()
        self.refresh()
