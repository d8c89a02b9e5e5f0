"""Where the review of a scan folder is kept: in the user's data folder by default, in the folder itself on request.

Scan folders are often not ours to write into (a read-only PACS export, a shared drive, a colleague's data),
so a folder's review state lives under ``<user data>/workspaces/<name>-<digest>/`` unless the user chose to
keep it beside the scans (``<folder>/.busviewer``, what older versions always did; such a store is still read
in place). Every workspace has an entry under ``workspaces/`` whose ``folder.json`` names the folder it reviews
and, for one kept in a scan folder, where its state is; so a folder is found again by path, a moved or renamed
one by the content of its scans, and a case by the content of its scan in whichever workspace reviewed it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from busviewer.core.atomic import atomic_write_text
from busviewer.core.paths import user_data_dir

log = logging.getLogger(__name__)

#: The store's folder inside a scan folder, when the review is kept there.
STORE_DIR_NAME = ".busviewer"
#: The store's database file, in the store's folder.
DB_NAME = "cases.sqlite"
#: The user-data sub-folder that holds one entry per workspace.
WORKSPACES_DIR_NAME = "workspaces"
#: The file in each entry that names the folder reviewed (and the state's folder when it is elsewhere).
FOLDER_FILE = "folder.json"
#: How many of a folder's scans are fingerprinted to recognise it after a move or a rename.
FINGERPRINT_SCANS = 3


@dataclass(frozen=True)
class WorkspaceLocation:
    """A workspace: the folder it reviews and the folder that holds its review state."""

    folder: Path
    state_dir: Path

    @property
    def in_scan_folder(self) -> bool:
        """True when the review state sits beside the scans (``<folder>/.busviewer``)."""
        return self.state_dir == self.folder / STORE_DIR_NAME

    @property
    def db_path(self) -> Path:
        return self.state_dir / DB_NAME

    @property
    def name(self) -> str:
        """The workspace's name: the folder it reviews."""
        return self.folder.name or str(self.folder)

    def describe(self) -> str:
        """The workspace in words, e.g. ``workspace “scans” (kept in your data folder)``."""
        place = "kept in the scan folder" if self.in_scan_folder else "kept in your data folder"
        return f"workspace “{self.name}” ({place})"


def workspaces_root() -> Path:
    """``<user data>/workspaces``, where every workspace has its entry."""
    return user_data_dir() / WORKSPACES_DIR_NAME


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes: the content key a scan is found again by, wherever it is."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def default_state_dir(folder: Path) -> Path:
    """Where a new workspace of ``folder`` keeps its state in the user's data folder."""
    return workspaces_root() / _entry_name(Path(folder).resolve())


def find_workspace(folder: Path) -> WorkspaceLocation | None:
    """The workspace that reviews ``folder``, or None: a store in the folder itself first (chosen there, or
    written by an older version), then the entry registered for the folder's path. Creates nothing."""
    folder = Path(folder).resolve()
    in_folder = WorkspaceLocation(folder, folder / STORE_DIR_NAME)
    if in_folder.db_path.is_file():
        return in_folder
    for location in registered_workspaces():
        if location.folder == folder:
            return location
    return None


def locate_workspace(folder: Path, in_scan_folder: bool = False, scans: Sequence[Path] = ()) -> WorkspaceLocation:
    """The workspace of ``folder``, found or made (and registered).

    Parameters
    ----------
    in_scan_folder
        Make a new workspace beside the scans instead of in the user's data folder.
    scans
        Some of the folder's scan files: a folder reviewed before under another path (moved or renamed) is
        recognised by their content and its workspace follows it.
    """
    folder = Path(folder).resolve()
    found = find_workspace(folder)
    if found is None and not in_scan_folder:
        found = _moved_workspace(folder, scans)
    location = found or WorkspaceLocation(
        folder, folder / STORE_DIR_NAME if in_scan_folder else default_state_dir(folder)
    )
    _register(location)
    return location


def registered_workspaces() -> Iterator[WorkspaceLocation]:
    """Every workspace with an entry in the user's data folder (entries that cannot be read are skipped)."""
    for location, _volume in _registered_entries():
        yield location


def _registered_entries() -> Iterator[tuple[WorkspaceLocation, Path | None]]:
    """Each registered workspace with the volume (mount point) its folder was on, None when not recorded."""
    root = workspaces_root()
    if not root.is_dir():
        return
    for entry in sorted(root.iterdir()):
        try:
            data = json.loads((entry / FOLDER_FILE).read_text(encoding="utf-8"))
            location = WorkspaceLocation(Path(data["folder"]), Path(data.get("state_dir") or entry))
            volume = Path(data["volume"]) if data.get("volume") else None
        except (OSError, ValueError, KeyError, TypeError):
            continue
        yield location, volume


def volume_of(folder: Path) -> Path:
    """The mount point the folder lies on (``/`` at the least)."""
    place = Path(folder).resolve()
    while not place.is_mount() and place != place.parent:
        place = place.parent
    return place


def _entry_name(folder: Path) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", folder.name).strip("-.")[:40] or "folder"
    return f"{slug}-{hashlib.sha256(str(folder).encode('utf-8')).hexdigest()[:12]}"


def _entry_dir(location: WorkspaceLocation) -> Path:
    if not location.in_scan_folder:
        return location.state_dir
    return workspaces_root() / f"{_entry_name(location.folder)}-in-folder"


def _register(location: WorkspaceLocation) -> None:
    """Write (or update) the workspace's ``folder.json``; creates the state's folder when it is ours."""
    entry = _entry_dir(location)
    entry.mkdir(parents=True, exist_ok=True)
    data = {"folder": str(location.folder), "volume": str(volume_of(location.folder))}
    if location.in_scan_folder:
        data["state_dir"] = str(location.state_dir)
    path = entry / FOLDER_FILE
    try:
        if json.loads(path.read_text(encoding="utf-8")) == data:
            return
    except (OSError, ValueError):
        pass
    atomic_write_text(path, json.dumps(data, indent=1))


def _moved_workspace(folder: Path, scans: Sequence[Path]) -> WorkspaceLocation | None:
    """A workspace whose folder is gone and whose cases include some of ``scans`` by content, moved to ``folder``.

    A folder on a volume that is not mounted now (an unplugged drive, a network share that is down) is not
    gone, only out of reach: its workspace stays with it, and a copy of its scans opened meanwhile starts
    a workspace of its own.
    """
    gone = [location for location, volume in _registered_entries()
            if not location.folder.exists() and (volume is None or volume.is_mount())]
    if not gone or not scans:
        return None
    hashes = []
    for scan in list(scans)[:FINGERPRINT_SCANS]:
        try:
            hashes.append(file_sha256(scan))
        except OSError:
            continue
    best, best_hits = None, 0
    for location in gone:
        hits = _count_cases_with(location, hashes)
        if hits > best_hits:
            best, best_hits = location, hits
    if best is None:
        return None
    log.info("a reviewed folder was moved or renamed; its workspace follows it")
    return WorkspaceLocation(folder, best.state_dir)


def _count_cases_with(location: WorkspaceLocation, hashes: Sequence[str]) -> int:
    """How many of ``hashes`` the workspace's store holds cases for (0 when it cannot tell)."""
    if not hashes or not location.db_path.is_file():
        return 0
    try:
        connection = sqlite3.connect(f"{location.db_path.as_uri()}?mode=ro", uri=True, timeout=5.0)
        try:
            marks = ",".join("?" * len(hashes))
            (count,) = connection.execute(
                f"SELECT COUNT(*) FROM cases WHERE content_sha256 IN ({marks})", tuple(hashes)
            ).fetchone()
        finally:
            connection.close()
    except sqlite3.Error:
        return 0  # written before content keys were kept, or unreadable: not this one
    return int(count)
