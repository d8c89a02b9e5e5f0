"""The reader's BI-RADS choices and comment in the case store: saved, audited, checked, kept across opens."""

from __future__ import annotations

from pathlib import Path

import pytest

from busviewer.core.case import CaseRecord
from busviewer.io.store import CaseStore


def _store(tmp_path: Path) -> CaseStore:
    store = CaseStore(tmp_path)
    store.upsert_case(CaseRecord("a.png", tmp_path / "a.png"), user="alice")
    return store


def test_a_choice_is_saved_beside_the_ai_word_and_audited(tmp_path: Path) -> None:
    with _store(tmp_path) as store:
        store.set_birads_choice("a.png", "margin", "spiculated", ai_value="circumscribed", user="bob")
        store.set_birads_choice("a.png", "category", "4c", user="bob")  # categories are upper-cased
        record = store.get_case("a.png")
        assert record is not None and record.birads_reader == {"margin": "spiculated", "category": "4C"}
        assert record.updated_by == "bob"
        entries = [e for e in store.audit("a.png") if e["action"] == "birads_changed"]
        assert entries[0]["details"] == {"field": "margin", "from": None, "to": "spiculated", "ai": "circumscribed"}
        assert entries[0]["who"] == "bob"
        store.set_birads_choice("a.png", "margin", None, user="bob")
        assert store.get_case("a.png").birads_reader == {"category": "4C"}  # type: ignore[union-attr]
    with CaseStore(tmp_path) as again:
        assert again.get_case("a.png").birads_reader == {"category": "4C"}  # type: ignore[union-attr]


def test_setting_the_same_value_twice_writes_one_audit_row(tmp_path: Path) -> None:
    with _store(tmp_path) as store:
        for _ in range(2):
            store.set_birads_choice("a.png", "laterality", "left")
        assert len([e for e in store.audit("a.png") if e["action"] == "birads_changed"]) == 1


@pytest.mark.parametrize(("name", "value"), [("shape", "lobulated"), ("clock_face", "13"),
                                             ("nipple_distance_cm", "far"), ("colour", "red")])
def test_a_value_outside_the_lexicon_is_refused(tmp_path: Path, name: str, value: str) -> None:
    with _store(tmp_path) as store, pytest.raises(ValueError):
        store.set_birads_choice("a.png", name, value)


def test_the_comment_is_saved_and_audited(tmp_path: Path) -> None:
    with _store(tmp_path) as store:
        store.set_comment("a.png", "  palpable, compare prior  ")
        assert store.get_case("a.png").comment == "palpable, compare prior"  # type: ignore[union-attr]
        store.set_comment("a.png", "")
        assert store.get_case("a.png").comment == ""  # type: ignore[union-attr]
        actions = [e["action"] for e in store.audit("a.png")]
        assert actions.count("comment_changed") == 2


def test_upsert_case_writes_the_records_choices_and_comment(tmp_path: Path) -> None:
    with CaseStore(tmp_path) as store:
        record = CaseRecord("b.png", tmp_path / "b.png", birads_reader={"shape": "oval", "clock_face": "3"},
                            comment="cyst?")
        store.upsert_case(record)
        saved = store.get_case("b.png", with_masks=False)
        assert saved is not None and saved.birads_reader == record.birads_reader and saved.comment == "cyst?"
        record.birads_reader = {"shape": "round"}
        store.upsert_case(record)
        assert store.get_case("b.png").birads_reader == {"shape": "round"}  # type: ignore[union-attr]
        fields = [e["details"]["field"] for e in store.audit("b.png") if e["action"] == "birads_changed"]
        assert fields.count("shape") == 2 and fields.count("clock_face") == 2  # set, then cleared


def test_an_unknown_case_is_a_key_error(tmp_path: Path) -> None:
    with CaseStore(tmp_path) as store, pytest.raises(KeyError):
        store.set_birads_choice("nope.png", "shape", "oval")
