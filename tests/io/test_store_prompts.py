"""Point-tool prompts in the case store: saved per frame with who and when, audited, read back in order."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from busviewer.core.case import CaseRecord, FrameReview, ReviewStatus
from busviewer.core.prompts import Prompt
from busviewer.core.review_records import reader_layer, state_from_record
from busviewer.io.store import CaseStore

CLICK = Prompt("positive", 10.0, 12.0)
BOX = Prompt("box", 2.0, 3.0, 20.0, 25.0)


def _record(prompts: dict[int, tuple[Prompt, ...]]) -> CaseRecord:
    mask = np.zeros((24, 32), bool)
    frames = {i: FrameReview(i, ai_mask=mask, current_mask=mask, prompts=p) for i, p in prompts.items()}
    return CaseRecord("case.png", Path("case.png"), ReviewStatus.CORRECTED, frames=frames)


def test_prompts_round_trip_per_frame_with_origin_and_audit(tmp_path: Path) -> None:
    with CaseStore(tmp_path) as store:
        store.upsert_case(_record({0: (CLICK,), 1: (BOX, CLICK)}), user="alice")
        store.upsert_case(_record({0: (CLICK, Prompt("negative", 5.0, 6.0)), 1: (BOX, CLICK)}), user="bob")
    with CaseStore(tmp_path) as store:  # a restart
        record = store.get_case("case.png")
        assert record is not None
        assert record.frames[0].prompts == (CLICK, Prompt("negative", 5.0, 6.0))
        assert record.frames[1].prompts == (BOX, CLICK)
        origins = store.prompt_origins("case.png", 0)
        assert [o["placed_by"] for o in origins] == ["alice", "bob"]
        trail = [e for e in store.audit("case.png") if e["action"] == "prompts_changed"]
    assert [(e["who"], e["frame_index"]) for e in trail] == [("alice", 0), ("alice", 1), ("bob", 0)]
    assert trail[-1]["details"]["added"] == [{"kind": "negative", "row": 5.0, "col": 6.0}]
    assert trail[-1]["when"]


def test_a_prompted_frame_counts_as_edited_even_when_its_mask_equals_the_ai(tmp_path: Path) -> None:
    record = _record({0: (CLICK,)})
    assert record.frames[0].is_edited and record.is_edited
    assert not _record({0: ()}).frames[0].is_edited


def test_restored_review_shows_the_prompts_without_undo_steps() -> None:
    record = _record({0: (CLICK, BOX)})
    state = state_from_record(record, "key", None, (24, 32), 1)
    layer = state.frames[0].mask
    assert layer is not None and layer.prompts == (CLICK, BOX) and not layer.can_undo
    assert reader_layer(np.zeros((2, 2), bool)).prompts == ()
