"""The GUI side of the compute process: start it on first use, send requests, route replies to the waiters.

Worker threads call :meth:`ComputeProcess.call` (or iterate :meth:`ComputeProcess.stream`) and block
until the child answers; the GUI thread never does. Blocking on a pipe releases the GIL, so a waiting
worker costs the window nothing. When the child dies (killed, out of memory), every waiting request gets
one sentence, and the next request starts a fresh child.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import multiprocessing
import queue
import threading
from collections.abc import Callable, Generator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from busviewer.core.errors import UserFacingError
from busviewer.core.generators import drain
from busviewer.services.compute.server import PRODUCTION_TASKS, run_child

log = logging.getLogger(__name__)

#: How often a stream checks whether its consumer wants it stopped.
STOP_POLL_SECONDS = 0.2


class ComputeProcessError(UserFacingError):
    """The compute process stopped, or could not start."""


PROCESS_DIED = "The AI engine stopped unexpectedly; it restarts with the next request (details are in the log file)."


def _never() -> bool:
    return False


class ComputeProcess:
    """A child process (started with ``spawn``) that answers typed requests (``requests``) from a task table.

    Requests name a *lane*: each lane is a thread in the child with its own network copies, so a
    Grad-CAM never waits behind (or shares hooks with) an inference, and a fine-tune runs beside both.

    Parameters
    ----------
    log_path
        File the child appends its log records to (the app's log file); None: the child logs warnings
        to stderr only.
    task_table
        Module whose ``TASKS`` maps request types to handlers, imported in the child only; tests pass a
        table of their own instead of adding test-only tasks to the production one.
    """

    def __init__(self, log_path: Path | None = None, task_table: str = PRODUCTION_TASKS) -> None:
        self._log_path = log_path
        self._task_table = task_table
        self._start_lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._waiting: dict[int, queue.Queue[tuple[str, Any]]] = {}
        self._waiting_lock = threading.Lock()
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs."""
        process = self._process
        return process.pid if process is not None and process.is_alive() else None

    def start(self) -> None:
        """Start the child now (it imports torch at once), so the first request finds it warm."""
        self._connection()

    def _connection(self) -> Connection:
        with self._start_lock:
            if self._conn is not None and self._process is not None and self._process.is_alive():
                return self._conn
            context = multiprocessing.get_context("spawn")
            parent_end, child_end = context.Pipe(duplex=True)
            process = context.Process(
                target=run_child, args=(child_end, str(self._log_path) if self._log_path else None, self._task_table),
                name="busviewer-compute", daemon=True,
            )
            try:
                process.start()
            except OSError as exc:
                raise ComputeProcessError(f"The AI engine could not start ({exc.strerror or exc}).") from exc
            child_end.close()
            self._process, self._conn = process, parent_end
            threading.Thread(target=self._read_replies, args=(parent_end,), name="compute-replies", daemon=True).start()
            log.info("compute process %s started", process.pid)
            return parent_end

    def _send(self, message: tuple[Any, ...]) -> None:
        conn = self._connection()
        try:
            with self._send_lock:
                conn.send(message)
        except (OSError, ValueError) as exc:
            raise ComputeProcessError(PROCESS_DIED) from exc

    def _read_replies(self, conn: Connection) -> None:
        """Route every reply to its waiting request; when the pipe ends, fail whatever still waits."""
        while True:
            try:
                kind, request_id, payload = conn.recv()
            except (EOFError, OSError):
                break
            except Exception:  # an unreadable reply must not kill the router
                log.error("unreadable reply from the compute process", exc_info=True)
                continue
            with self._waiting_lock:
                waiter = self._waiting.get(request_id)
            if waiter is not None:
                waiter.put((kind, payload))
        with self._start_lock:
            if self._conn is conn:
                self._conn = None
        with self._waiting_lock:
            orphans = list(self._waiting.values())
        for waiter in orphans:
            waiter.put(("died", None))
        with self._send_lock:  # a send under way finishes first; a later one finds the pipe closed (OSError)
            conn.close()

    def stream(self, lane: str, request: object, should_stop: Callable[[], bool] = _never) -> Generator[Any, None, Any]:
        """Run the handler of ``request`` in the child: yield what it yields, return what it returns.

        ``should_stop`` is polled before every wait; once it says True the child's task is asked to stop
        (it sees that through its own ``should_stop``), further records are dropped, and the stream ends
        when the task does.
        """
        request_id = next(self._ids)
        replies: queue.Queue[tuple[str, Any]] = queue.Queue()
        with self._waiting_lock:
            self._waiting[request_id] = replies
        try:
            self._send(("run", request_id, lane, request))
            cancelled = False
            while True:
                # Checked before every wait, not only when replies pause: a fast task never pauses.
                if not cancelled and should_stop():
                    cancelled = True
                    self._send(("cancel", request_id, None, None))
                try:
                    kind, payload = replies.get(timeout=STOP_POLL_SECONDS)
                except queue.Empty:
                    continue
                if kind == "record":
                    if not cancelled:  # progress after a cancel is no longer wanted
                        yield payload
                elif kind == "done":
                    return payload
                elif kind == "error":
                    raise payload
                else:
                    raise ComputeProcessError(PROCESS_DIED)
        finally:
            with self._waiting_lock:
                self._waiting.pop(request_id, None)

    def call(self, lane: str, request: object) -> Any:
        """Answer ``request`` on ``lane`` in the child and return its result (or raise its error)."""
        return drain(self.stream(lane, request))

    def close(self, timeout_s: float = 5.0) -> None:
        """Ask the child to finish and wait for it; kill it when it does not."""
        with self._start_lock:
            process, conn = self._process, self._conn
            self._process = self._conn = None
        if process is None:
            return
        if conn is not None:
            try:
                with self._send_lock:
                    conn.send(("quit", 0, None, None))
            except (OSError, ValueError):
                pass
        process.join(timeout_s)
        if process.is_alive():
            process.kill()
            process.join(timeout_s)


_shared: ComputeProcess | None = None
_shared_lock = threading.Lock()


def _app_log_path() -> Path | None:
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler):
            return Path(handler.baseFilename)
    return None


def compute_process() -> ComputeProcess:
    """The one compute process of this GUI process (created on first use, closed at exit)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = ComputeProcess(_app_log_path())
            atexit.register(_shared.close)
        return _shared


def close_compute_process(timeout_s: float = 5.0) -> None:
    """Stop the compute process if one was started (at quit: requests still running end at once, with an
    error nobody is waiting for any more); the next ``compute_process()`` starts a new one."""
    global _shared
    with _shared_lock:
        shared, _shared = _shared, None
    if shared is not None:
        shared.close(timeout_s)
