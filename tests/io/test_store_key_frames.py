"""Key frames and PACS sends in the case store: saved with who/when, audited, read back with the case."""

from __future__ import annotations

from pathlib import Path

import pytest

from busviewer.core.case import CaseRecord, FrameReview
from busviewer.core.review_records import CaseSnapshot, record_from_snapshot
from busviewer.core.sends import sent_text
from busviewer.io.store import CaseStore
from busviewer.services.review_saving import save_snapshot


def _store(tmp_path: Path) -> CaseStore:
    store = CaseStore(tmp_path)
    store.upsert_case(CaseRecord("cine.dcm", tmp_path / "cine.dcm", frames={0: FrameReview(0)}), user="alice")
    return store


def test_key_frame_mark_and_unmark_are_audited(tmp_path: Path) -> None:
    with _store(tmp_path) as store:
        assert store.set_key_frame("cine.dcm", 7, True, user="bob") is True
        assert store.set_key_frame("cine.dcm", 7, True, user="bob") is False  # already marked: no second row
        assert store.get_case("cine.dcm").key_frames == {7}  # type: ignore[union-attr]
        assert store.key_frame_origins("cine.dcm")[7][0] == "bob"
        store.set_key_frame("cine.dcm", 7, False, user="carol")
        assert store.get_case("cine.dcm").key_frames == frozenset()  # type: ignore[union-attr]
        actions = [(row["action"], row["frame_index"], row["who"]) for row in store.audit("cine.dcm")]
    assert actions[-2:] == [("key_frame_marked", 7, "bob"), ("key_frame_unmarked", 7, "carol")]
    with CaseStore(tmp_path) as store, pytest.raises(KeyError):
        store.set_key_frame("missing.dcm", 0, True)


def test_key_frames_travel_with_autosave_snapshots(tmp_path: Path) -> None:
    with _store(tmp_path) as store:
        snapshot = CaseSnapshot("cine.dcm", tmp_path / "cine.dcm", None, [], key_frames=frozenset({2, 5}))
        save_snapshot(store, snapshot)
        assert store.get_case("cine.dcm").key_frames == {2, 5}  # type: ignore[union-attr]
        save_snapshot(store, CaseSnapshot("cine.dcm", tmp_path / "cine.dcm", None, [], key_frames=frozenset({5})))
        assert store.get_case("cine.dcm").key_frames == {5}  # type: ignore[union-attr]
        assert [row["frame_index"] for row in store.audit("cine.dcm") if row["action"] == "key_frame_unmarked"] == [2]
    assert record_from_snapshot(snapshot).key_frames == {2, 5}


def test_send_records_say_what_went_where(tmp_path: Path) -> None:
    with _store(tmp_path) as store:
        store.record_send("cine.dcm", "ORTHANC", ["SR", "SEG"], 2, user="alice")
        store.record_send("cine.dcm", "ORTHANC", ["SEG", "SR", "PDF"], 3, user="alice")
        store.record_send("cine.dcm", "archive", ["SEG"], 1, user="alice")
        sends = store.get_case("cine.dcm").sends  # type: ignore[union-attr]
        audit = [row for row in store.audit("cine.dcm") if row["action"] == "sent_to_pacs"]
        with pytest.raises(ValueError, match="kinds sent"):
            store.record_send("cine.dcm", "ORTHANC", ["PNG"], 1)
    assert [(s.node, s.what, s.instances) for s in sends] == [
        ("ORTHANC", ("SEG", "SR"), 2), ("ORTHANC", ("SEG", "SR", "PDF"), 3), ("archive", ("SEG",), 1)]
    assert len(audit) == 3 and audit[0]["details"] == {"node": "ORTHANC", "what": ["SEG", "SR"], "instances": 2}
    text = sent_text(sends)
    assert "SEG, SR, PDF → ORTHANC" in text and "SEG → archive" in text and "SEG, SR →" not in text
