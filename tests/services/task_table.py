"""A task table for the compute-process tests: the production one plus a counter that streams without pause.

Test-only work lives here, not in ``busviewer.services.compute_tasks``; tests start a
``ComputeProcess(task_table=TEST_TASKS)``.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

from busviewer.services.compute_tasks import TASKS as PRODUCTION

#: Module name to hand to ``ComputeProcess(task_table=...)``.
TEST_TASKS = __name__


@dataclass(frozen=True)
class CountRequest:
    """Yield 0, 1, 2, ... up to ``limit`` as fast as possible; return how far it got."""

    limit: int


def count(context: Any, request: CountRequest) -> Generator[int, None, int]:
    """Stream until ``limit`` or a cancel (exercises the cancel path a real fine-tune takes too long for)."""
    n = 0
    while n < request.limit and not context.should_stop():
        yield n
        n += 1
    return n


TASKS: dict[type, Callable[..., Any]] = {**PRODUCTION, CountRequest: count}
