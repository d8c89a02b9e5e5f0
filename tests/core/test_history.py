"""Tests for the bounded undo/redo history."""

from __future__ import annotations

import numpy as np
import pytest

from busviewer.core.history import EditAtom, EditHistory


def make_atom(rows: int = 2, cols: int = 3, description: str = "edit") -> EditAtom:
    return EditAtom(
        0,
        rows,
        0,
        cols,
        old=np.zeros((rows, cols), dtype=bool),
        new=np.ones((rows, cols), dtype=bool),
        description=description,
    )


def test_atom_nbytes_counts_old_and_new() -> None:
    assert make_atom(4, 5).nbytes == 2 * 4 * 5


def test_atom_rejects_pixels_that_do_not_match_the_box() -> None:
    with pytest.raises(ValueError):
        EditAtom(0, 2, 0, 2, old=np.zeros((2, 3), bool), new=np.zeros((2, 2), bool), description="bad")


def test_undo_and_redo_move_steps_between_stacks_in_order() -> None:
    history = EditHistory()
    first, second = make_atom(description="first"), make_atom(description="second")
    history.push(first)
    history.push(second)
    assert history.can_undo and not history.can_redo
    assert history.undo_description == "second"

    assert history.pop_undo() is second
    assert history.can_redo
    assert history.redo_description == "second"
    assert history.pop_undo() is first
    assert not history.can_undo
    assert history.pop_undo() is None

    assert history.pop_redo() is first
    assert history.pop_redo() is second
    assert history.pop_redo() is None
    assert not history.can_redo


def test_push_clears_redo() -> None:
    history = EditHistory()
    history.push(make_atom())
    history.pop_undo()
    assert history.can_redo
    history.push(make_atom())
    assert not history.can_redo
    assert history.n_steps == 1


def test_step_limit_drops_oldest_steps() -> None:
    history = EditHistory(limit_steps=3)
    atoms = [make_atom(description=str(i)) for i in range(5)]
    for atom in atoms:
        history.push(atom)
    assert history.n_steps == 3
    undone = [history.pop_undo() for _ in range(4)]
    assert undone[:3] == [atoms[4], atoms[3], atoms[2]]
    assert undone[3] is None


def test_byte_limit_holds_after_many_large_edits() -> None:
    limit = 10_000
    history = EditHistory(limit_bytes=limit, limit_steps=1000)
    for _ in range(50):
        history.push(make_atom(40, 40))  # 3200 bytes each
        assert history.nbytes <= limit
    assert history.n_steps == 3
    assert history.nbytes == 3 * 3200


def test_nbytes_counts_redo_steps_and_drops_them_on_push() -> None:
    history = EditHistory()
    history.push(make_atom(10, 10))
    history.push(make_atom(5, 5))
    history.pop_undo()
    assert history.nbytes == 200 + 50
    history.push(make_atom(1, 1))
    assert history.nbytes == 200 + 2


def test_step_larger_than_the_byte_limit_is_not_kept() -> None:
    history = EditHistory(limit_bytes=100)
    history.push(make_atom(2, 2))
    history.push(make_atom(10, 10))
    assert history.nbytes == 0
    assert not history.can_undo


def test_clear_forgets_everything() -> None:
    history = EditHistory()
    history.push(make_atom())
    history.push(make_atom())
    history.pop_undo()
    history.clear()
    assert not history.can_undo and not history.can_redo
    assert history.nbytes == 0


def test_undo_steps_count_only_what_undo_can_take_back() -> None:
    history = EditHistory()
    for _ in range(3):
        history.push(make_atom())
    history.pop_undo()
    assert (history.n_undo_steps, history.n_steps) == (2, 3)
