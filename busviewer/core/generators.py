"""Training, fine-tuning and the compute stream are generators that yield progress and *return* their
result; these read both without a hand-written ``next()``/``StopIteration`` loop."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any, Generic, TypeVar, cast

YieldT = TypeVar("YieldT")
ReturnT = TypeVar("ReturnT")


class GeneratorRun(Generic[YieldT, ReturnT]):
    """Iterate over what ``generator`` yields; once the loop ends, :attr:`returned` holds what it returned.

    Examples
    --------
    >>> def count(n):
    ...     yield from range(n)
    ...     return "done"
    >>> run = GeneratorRun(count(2))
    >>> [i for i in run], run.returned
    ([0, 1], 'done')
    """

    def __init__(self, generator: Generator[YieldT, Any, ReturnT]) -> None:
        self._generator = generator
        self._finished = False
        self._returned: ReturnT | None = None

    def __iter__(self) -> Iterator[YieldT]:
        self._returned = yield from self._generator
        self._finished = True

    @property
    def returned(self) -> ReturnT:
        """The generator's return value.

        Raises
        ------
        RuntimeError
            The generator has not run to its end (the loop was left early).
        """
        if not self._finished:
            raise RuntimeError("the generator has not finished yet")
        # Set by the finished loop; a cast, since ReturnT may itself allow None.
        return cast(ReturnT, self._returned)


def drain(generator: Generator[Any, Any, ReturnT]) -> ReturnT:
    """Run ``generator`` to its end, dropping what it yields, and return what it returns."""
    run = GeneratorRun(generator)
    for _ in run:
        pass
    return run.returned
