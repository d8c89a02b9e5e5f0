"""The case store keeps masks, classes and statuses across close and reopen, and audits every change."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from busviewer.core.case import CaseRecord, FrameReview, ReviewStatus
from busviewer.core.errors import UserFacingError
from busviewer.io.mask_files import mask_digest
from busviewer.io.store import CaseStore, has_store


def _mask(shape: tuple[int, int], top: int, left: int, size: int) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    mask[top : top + size, left : left + size] = True
    return mask


def _record(workspace: Path, name: str = "a.png") -> CaseRecord:
    ai = _mask((40, 50), 5, 5, 10)
    current = ai.copy()
    current[5:8, 5:20] = True
    frame = FrameReview(
        frame_index=0, ai_mask=ai, ai_model_id="attn-unet-abc123", ai_probabilities=(0.1, 0.3, 0.6),
        current_mask=current, uncertainty_score=0.25,
    )
    return CaseRecord(case_id=name, source_path=workspace / name, status=ReviewStatus.AI_PROPOSED, frames={0: frame})


def test_round_trip_across_close_and_reopen(tmp_path: Path) -> None:
    record = _record(tmp_path)
    second = _record(tmp_path, "sub/b.png")
    second.frames[3] = FrameReview(frame_index=3, current_mask=_mask((40, 50), 0, 0, 4))
    with CaseStore(tmp_path) as store:
        store.upsert_case(record, user="alice")
        store.upsert_case(second, user="alice")
        store.set_status("a.png", ReviewStatus.APPROVED, user="bob")
        store.set_reviewer_class("a.png", "benign", user="bob")
    assert has_store(tmp_path)

    with CaseStore(tmp_path) as reopened:
        restored = reopened.get_case("a.png")
        assert restored is not None
        assert restored.status is ReviewStatus.APPROVED
        assert restored.reviewer_class == "benign"
        assert restored.updated_by == "bob"
        assert restored.source_path == tmp_path / "a.png"
        frame = restored.frames[0]
        np.testing.assert_array_equal(frame.ai_mask, record.frames[0].ai_mask)
        np.testing.assert_array_equal(frame.current_mask, record.frames[0].current_mask)
        assert frame.ai_probabilities == pytest.approx((0.1, 0.3, 0.6))
        assert frame.ai_model_id == "attn-unet-abc123"
        assert frame.uncertainty_score == pytest.approx(0.25)
        assert restored.ai_class == "malignant" and restored.risk_score == pytest.approx(0.6)
        assert [c.case_id for c in reopened.list_cases()] == ["a.png", "sub/b.png"]
        other = reopened.get_case("sub/b.png")
        assert other is not None and sorted(other.frames) == [0, 3]
        assert other.frames[3].ai_mask is None and other.frames[3].current_mask.sum() == 16
        assert reopened.get_case("missing.png") is None


def test_every_change_is_audited_with_who_and_what(tmp_path: Path) -> None:
    record = _record(tmp_path)
    with CaseStore(tmp_path) as store:
        store.upsert_case(record, user="alice")
        edited = FrameReview(**{**record.frames[0].__dict__})
        edited.current_mask = _mask((40, 50), 20, 20, 5)
        assert store.save_frame("a.png", edited, user="carol") is True
        assert store.save_frame("a.png", edited, user="carol") is False  # nothing new: no write, no audit row
        store.set_status("a.png", "corrected", user="carol")
        store.set_status("a.png", "corrected", user="carol")
        store.set_reviewer_class("a.png", "malignant", user="dave")
        trail = store.audit("a.png")
    actions = [(row["who"], row["action"]) for row in trail]
    assert actions == [
        ("alice", "case_created"),
        ("alice", "frame_saved"),
        ("carol", "frame_saved"),
        ("carol", "status_changed"),
        ("dave", "reviewer_class_changed"),
    ]
    assert trail[2]["details"]["changed"] == ["current_mask"]
    assert trail[2]["details"]["mask_pixels"] == 25
    assert trail[3]["details"] == {"from": "ai_proposed", "to": "corrected"}
    assert trail[4]["details"] == {"from": None, "to": "malignant"}
    assert all(row["when"].endswith("+00:00") for row in trail)


def test_default_user_is_the_login_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "reader7")
    with CaseStore(tmp_path) as store:
        store.upsert_case(_record(tmp_path))
        store.set_status("a.png", ReviewStatus.FLAGGED)
        assert {row["who"] for row in store.audit("a.png")} == {"reader7"}
        assert store.get_case("a.png").updated_by == "reader7"  # type: ignore[union-attr]


def test_replaced_masks_are_deleted_and_shared_ones_kept(tmp_path: Path) -> None:
    record = _record(tmp_path)
    with CaseStore(tmp_path) as store:
        store.upsert_case(record)
        old_current = mask_digest(record.frames[0].current_mask)
        ai_key = mask_digest(record.frames[0].ai_mask)
        frame = record.frames[0]
        frame.current_mask = frame.ai_mask.copy()  # "accept AI mask": both columns share one file
        store.save_frame("a.png", frame)
        files = {p.stem for p in store.mask_dir.glob("*.npz")}
    assert files == {ai_key}
    assert old_current not in files


def test_corrupt_mask_file_is_ignored_not_trusted(tmp_path: Path) -> None:
    record = _record(tmp_path)
    with CaseStore(tmp_path) as store:
        store.upsert_case(record)
        path = store.mask_dir / f"{mask_digest(record.frames[0].current_mask)}.npz"
    other = np.zeros((40, 50), dtype=bool)
    np.savez_compressed(path, shape=np.asarray(other.shape), bits=np.packbits(other))
    with CaseStore(tmp_path) as store:
        restored = store.get_case("a.png")
    assert restored is not None
    assert restored.frames[0].current_mask is None
    np.testing.assert_array_equal(restored.frames[0].ai_mask, record.frames[0].ai_mask)


def test_upsert_removes_frames_missing_from_the_record(tmp_path: Path) -> None:
    record = _record(tmp_path)
    record.frames[1] = FrameReview(frame_index=1, current_mask=_mask((40, 50), 1, 1, 3))
    with CaseStore(tmp_path) as store:
        store.upsert_case(record)
        del record.frames[1]
        store.upsert_case(record)
        assert sorted(store.get_case("a.png").frames) == [0]  # type: ignore[union-attr]
        assert store.audit("a.png")[-1]["action"] == "frame_removed"


def test_save_frame_of_unknown_case_raises(tmp_path: Path) -> None:
    with CaseStore(tmp_path) as store, pytest.raises(KeyError):
        store.save_frame("nope.png", FrameReview(frame_index=0))


def test_store_uses_wal_and_full_sync(tmp_path: Path) -> None:
    with CaseStore(tmp_path) as store:
        store.upsert_case(_record(tmp_path))
        db_path = store.db_path
    connection = sqlite3.connect(db_path)
    try:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        connection.close()


def test_damaged_database_gives_a_sentence(tmp_path: Path) -> None:
    folder = tmp_path / ".busviewer"
    folder.mkdir()
    (folder / "cases.sqlite").write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(UserFacingError, match="damaged"):
        CaseStore(tmp_path)


def test_missing_workspace_gives_a_sentence(tmp_path: Path) -> None:
    with pytest.raises(UserFacingError, match="does not exist"):
        CaseStore(tmp_path / "nowhere")


def test_invalid_reviewer_class_is_refused(tmp_path: Path) -> None:
    with CaseStore(tmp_path) as store:
        store.upsert_case(_record(tmp_path))
        with pytest.raises(ValueError):
            store.set_reviewer_class("a.png", "cancerous")


def test_saving_an_unchanged_record_writes_nothing(tmp_path: Path) -> None:
    record = _record(tmp_path)
    with CaseStore(tmp_path) as store:
        store.upsert_case(record, user="alice")
        first_time = store.get_case("a.png").updated_at  # type: ignore[union-attr]
        trail = store.audit("a.png")
        store.upsert_case(_record(tmp_path), user="mallory")
        assert store.audit("a.png") == trail
        unchanged = store.get_case("a.png")
    assert unchanged is not None and unchanged.updated_by == "alice" and unchanged.updated_at == first_time
