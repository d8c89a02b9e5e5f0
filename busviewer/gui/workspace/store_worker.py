"""The case store on a thread of its own: saves never wait on the disk on the GUI thread.

A commit with ``synchronous=FULL`` waits for fsync, which takes from a few to a few hundred
milliseconds depending on the disk; autosave runs after every edit, so it must not block painting.
One thread owns the store (its SQLite connection is made and used there only) and runs requests
in the order they were sent, so a read sent after a save sees that save.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QObject, Signal

from busviewer.core.errors import UserFacingError
from busviewer.io.store import CaseStore
from busviewer.io.workspace_locations import WorkspaceLocation, locate_workspace

log = logging.getLogger(__name__)

T = TypeVar("T")

#: How long the GUI waits for a read (or for pending saves) before it gives up and says so.
READ_TIMEOUT_S = 30.0


class StoreWorker(QObject):
    """Runs calls on one workspace's :class:`CaseStore` in a dedicated thread.

    Signals
    -------
    sig_failed(str)
        A background save failed; one sentence for the user (emitted from the worker thread, delivered
        queued on the GUI thread).

    Parameters
    ----------
    workspace_dir
        The folder whose review state to open (where ``workspace_locations.locate_workspace`` finds or
        makes it: the user's data folder, or the scan folder with ``in_scan_folder``).
    in_scan_folder
        Keep a new workspace's state beside the scans.
    scans
        Some of the folder's scans: a folder reviewed before under another path is recognised by them.

    Raises
    ------
    UserFacingError
        The store cannot be opened there (read-only folder, damaged database).
    """

    sig_failed = Signal(str)

    def __init__(self, workspace_dir: Path, parent: QObject | None = None, in_scan_folder: bool = False,
                 scans: Sequence[Path] = ()) -> None:  # fmt: skip
        super().__init__(parent)
        self.workspace_dir = Path(workspace_dir)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="case-store")
        self._store: CaseStore | None = None
        self._closed = False
        try:
            self._store = self._executor.submit(self._open, in_scan_folder, tuple(scans)).result(READ_TIMEOUT_S)
        except BaseException:
            self._executor.shutdown(wait=False)
            self._closed = True
            raise

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def location(self) -> WorkspaceLocation:
        """Where the workspace's review state is kept."""
        assert self._store is not None
        return self._store.location

    def _open(self, in_scan_folder: bool, scans: tuple[Path, ...]) -> CaseStore:
        # On the store's thread: recognising a moved folder may read a few of its scans.
        if not self.workspace_dir.is_dir():
            raise UserFacingError(f"The workspace folder {self.workspace_dir} does not exist.")
        try:
            location = locate_workspace(self.workspace_dir, in_scan_folder, scans)
        except OSError as exc:
            raise UserFacingError(f"Review state cannot be kept for {self.workspace_dir} ({exc.strerror}).") from exc
        return CaseStore(self.workspace_dir, location)

    def submit(self, call: Callable[[CaseStore], T]) -> Future[T]:
        """Run ``call(store)`` on the store thread after everything sent before; failures go to ``sig_failed``."""
        if self._closed:
            raise RuntimeError("the case store is closed")
        future = self._executor.submit(self._run, call)
        future.add_done_callback(self._report_failure)
        return future

    def call(self, call: Callable[[CaseStore], T], timeout_s: float = READ_TIMEOUT_S) -> T:
        """Run ``call(store)`` on the store thread and wait for its result (reads; re-raises its error)."""
        if self._closed:
            raise RuntimeError("the case store is closed")
        return self._executor.submit(self._run, call).result(timeout_s)

    def wait_idle(self, timeout_s: float = READ_TIMEOUT_S) -> None:
        """Block until every request sent so far has run."""
        if not self._closed:
            self._executor.submit(lambda: None).result(timeout_s)

    def close(self) -> None:
        """Finish every pending save, close the database and stop the thread."""
        if self._closed:
            return
        self._closed = True
        store = self._store

        def close_store() -> None:
            if store is not None:
                store.close()

        self._executor.submit(close_store)
        self._executor.shutdown(wait=True)

    def _run(self, call: Callable[[CaseStore], T]) -> T:
        assert self._store is not None
        return call(self._store)

    def _report_failure(self, future: Future[object]) -> None:
        exc = future.exception()
        if exc is None:
            return
        if isinstance(exc, UserFacingError):
            self.sig_failed.emit(str(exc))
        else:
            log.error("saving the review failed", exc_info=(type(exc), exc, exc.__traceback__))
            self.sig_failed.emit(f"The review could not be saved in {self.workspace_dir} ({type(exc).__name__}).")
