"""GeneratorRun and drain: a training generator's yields and its return value, read without StopIteration."""

from __future__ import annotations

from collections.abc import Generator

import pytest

from busviewer.core.generators import GeneratorRun, drain


def _progress(steps: int) -> Generator[int, None, str]:
    yield from range(steps)
    return f"{steps} steps"


def test_the_loop_sees_every_yield_and_then_the_return_value() -> None:
    run = GeneratorRun(_progress(3))
    assert list(run) == [0, 1, 2]
    assert run.returned == "3 steps"


def test_a_loop_left_early_has_no_return_value_to_hand_out() -> None:
    run = GeneratorRun(_progress(3))
    for step in run:
        if step == 1:
            break
    with pytest.raises(RuntimeError, match="not finished"):
        _ = run.returned


def test_drain_returns_what_the_generator_returns() -> None:
    assert drain(_progress(5)) == "5 steps"
    assert drain(_progress(0)) == "0 steps"
