"""The compute process's request loop: one thread per lane runs the requests sent by the GUI process.

Runs only in the child (the GUI process imports this module for :func:`serve`, the child's entry point,
but never its task table). Each reply is ``(kind, request_id, payload)`` with kind ``record`` (a value a
generator task yielded), ``done`` (the return value) or ``error`` (the exception). The loop ends when the
GUI process says ``quit`` or its end of the pipe closes, so a child never outlives its window.
"""

from __future__ import annotations

import importlib
import logging
import os
import pickle
import queue
import sys
import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from busviewer.core.errors import UserFacingError
from busviewer.core.generators import GeneratorRun
from busviewer.services.compute.requests import DescribeRequest

log = logging.getLogger("busviewer.compute")

#: The app's task table, imported by name in the child so the GUI process's imports never reach torch.
PRODUCTION_TASKS = "busviewer.services.compute_tasks"

#: Maps a request's type to the function that answers it: ``handler(context, request)``.
TaskTable = dict[type, Callable[..., Any]]


@dataclass
class Request:
    """One request to answer: its id, the typed request, and the flag a cancel sets."""

    request_id: int
    body: object
    cancelled: threading.Event = field(default_factory=threading.Event)


class LaneContext:
    """What a handler gets besides its request: the lane's cached models and the request's stop flag."""

    def __init__(self, models: dict[str, Any], request: Request) -> None:
        self.models = models
        self.should_stop: Callable[[], bool] = request.cancelled.is_set


class Lane:
    """A thread that runs its requests in order and keeps network copies between them."""

    def __init__(self, name: str, tasks: TaskTable, reply: Callable[[str, int, Any], None]) -> None:
        self.name = name
        self._tasks = tasks
        self._reply = reply
        self._models: dict[str, Any] = {}
        self._requests: queue.Queue[Request | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name=f"lane-{name}", daemon=True)
        self._thread.start()

    def submit(self, request: Request) -> None:
        self._requests.put(request)

    def _run(self) -> None:
        while (request := self._requests.get()) is not None:
            kind = type(request.body).__name__
            try:
                handler = self._tasks.get(type(request.body))
                if isinstance(request.body, DescribeRequest):
                    handler = describe
                if handler is None:
                    raise TypeError(f"the compute process cannot answer a {kind}")
                outcome = handler(LaneContext(self._models, request), request.body)
                if isinstance(outcome, Generator):
                    outcome = self._drain(request, outcome)
            except Exception as exc:  # every failure goes back to the waiting thread
                if not isinstance(exc, UserFacingError):
                    log.error("compute request %s failed", kind, exc_info=True)
                self._reply("error", request.request_id, _sendable(exc))
            else:
                self._reply("done", request.request_id, outcome)

    def _drain(self, request: Request, generator: Generator[Any, None, Any]) -> Any:
        run = GeneratorRun(generator)
        for record in run:
            self._reply("record", request.request_id, record)
        return run.returned


def describe(context: LaneContext, request: DescribeRequest) -> dict[str, Any]:
    """Who is answering: the process id and whether torch or Qt are loaded (part of the protocol, for the
    log and for the checks that the child never loads Qt)."""
    return {
        "pid": os.getpid(),
        "torch_loaded": "torch" in sys.modules,
        "qt_loaded": sorted(m for m in ("PySide6", "pyqtgraph", "superqt") if m in sys.modules),
    }


def _sendable(exc: BaseException) -> BaseException:
    """The exception itself when it survives pickling, else a RuntimeError carrying its text."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001 - any pickling failure means: send a plain copy
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def _setup_logging(log_path: str | None) -> None:
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s [compute]: %(message)s")
    if log_path:
        try:
            handler: logging.Handler = logging.FileHandler(log_path, encoding="utf-8")
            handler.setFormatter(formatter)
            root.addHandler(handler)
        except OSError:
            pass
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.WARNING)
    console.setFormatter(formatter)
    root.addHandler(console)


def run_child(conn: Connection, log_path: str | None, task_table: str = PRODUCTION_TASKS) -> None:
    """The compute process's entry point: serve, then leave without finalizing the interpreter. A lane may
    still be inside torch when the GUI quits, and finalizing under it aborts ("terminate called ...")."""
    status = 1
    try:
        serve(conn, log_path, task_table)
        status = 0
    except BaseException:
        log.critical("the compute process failed", exc_info=True)
    finally:
        logging.shutdown()
        os._exit(status)


def serve(conn: Connection, log_path: str | None, task_table: str = PRODUCTION_TASKS) -> None:
    """Answer requests from ``conn`` with the handlers of ``task_table`` until told to quit or the parent goes away."""
    _setup_logging(log_path)
    table = importlib.import_module(task_table)
    tasks: TaskTable = table.TASKS
    send_lock = threading.Lock()

    def reply(kind: str, request_id: int, payload: Any) -> None:
        try:
            with send_lock:
                conn.send((kind, request_id, payload))
        except (OSError, ValueError):
            log.info("the GUI process is gone; reply %s dropped", request_id)
        except Exception as exc:  # e.g. a result that cannot be pickled
            log.error("reply %s could not be sent", request_id, exc_info=True)
            with send_lock:
                conn.send(("error", request_id, RuntimeError(f"the result could not be sent back ({type(exc).__name__})")))

    warm_up = getattr(table, "warm_up", None)
    if warm_up is not None:
        # torch loads while the first request is still on its way.
        threading.Thread(target=warm_up, name="warm-up", daemon=True).start()
    lanes: dict[str, Lane] = {}
    requests: dict[int, Request] = {}
    while True:
        try:
            kind, request_id, lane, body = conn.recv()
        except (EOFError, OSError):
            break
        if kind == "quit":
            break
        if kind == "cancel":
            if (request := requests.get(request_id)) is not None:
                request.cancelled.set()
            continue
        request = Request(request_id, body)
        requests[request_id] = request
        if len(requests) > 1000:
            # Old entries only serve late cancels; keep the newest.
            for old in sorted(requests)[:500]:
                requests.pop(old, None)
        if lane not in lanes:
            lanes[lane] = Lane(lane, tasks, reply)
        lanes[lane].submit(request)
    log.info("compute process finished")
