"""Which workspace cases a fine-tune uses: reviewed ones with a mask and a class; the rest are counted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from busviewer.core.case import CaseRecord, FrameReview, ReviewStatus
from busviewer.core.errors import ScanLoadError
from busviewer.core.finetune_cases import (
    NO_MASK,
    SIZE_MISMATCH,
    UNREADABLE,
    collect_cases,
    collect_cases_with_report,
    count_usable,
    training_frame,
)
from busviewer.core.training_case import UNKNOWN_LABEL
from busviewer.io.scan_loader import load_grey_frame
from tests.core.finetune_helpers import ImageShelf, reviewed_record


@pytest.fixture
def shelf() -> ImageShelf:
    return ImageShelf()


def disc_mask(shape: tuple[int, int] = (40, 50)) -> np.ndarray:
    rows, cols = np.mgrid[: shape[0], : shape[1]]
    return (rows - 20) ** 2 + (cols - 25) ** 2 < 64


def test_reviewed_cases_become_labelled_cases_with_the_reviewers_class_and_mask(shelf: ImageShelf) -> None:
    mask = disc_mask()
    shelf.images["a.png"] = np.full(mask.shape, 7, np.uint8)
    record = reviewed_record("a", "a.png", mask, label=2)
    cases = collect_cases([record], load_frame=shelf)
    assert len(cases) == 1
    assert cases[0].case_id == "a" and cases[0].label == 2
    np.testing.assert_array_equal(cases[0].mask, mask)
    assert cases[0].image.dtype == np.uint8 and cases[0].image[0, 0] == 7


def test_the_ai_class_is_never_a_label_and_unreviewed_cases_are_ignored(shelf: ImageShelf) -> None:
    mask = disc_mask()
    shelf.images["b.png"] = np.zeros(mask.shape, np.uint8)
    approved = CaseRecord("b", Path("/w/b.png"), status=ReviewStatus.APPROVED, reviewer_class=None,
                          frames={0: FrameReview(0, ai_mask=mask, ai_probabilities=(0.1, 0.7, 0.2))})
    unreviewed = CaseRecord("c", Path("/w/c.png"), status=ReviewStatus.AI_PROPOSED, reviewer_class="benign",
                            frames={0: FrameReview(0, ai_mask=mask, ai_probabilities=(0.1, 0.7, 0.2))})
    collection = collect_cases_with_report([approved, unreviewed], load_frame=shelf)
    assert [(c.case_id, c.label) for c in collection.cases] == [("b", UNKNOWN_LABEL)]
    np.testing.assert_array_equal(collection.cases[0].mask, mask)
    assert collection.n_skipped == 0 and collection.skipped_summary() == ""
    assert shelf.calls == 1


def test_cases_without_a_mask_are_skipped_and_without_a_class_train_the_outline_only(shelf: ImageShelf) -> None:
    mask = disc_mask()
    shelf.images["ok.png"] = np.zeros(mask.shape, np.uint8)
    shelf.images["small.png"] = np.zeros((10, 10), np.uint8)
    shelf.images["z.png"] = np.zeros(mask.shape, np.uint8)
    no_mask = CaseRecord("no-mask", Path("/w/x.png"), status=ReviewStatus.CORRECTED, reviewer_class="benign",
                         frames={0: FrameReview(0)})
    no_frames = CaseRecord("no-frames", Path("/w/y.png"), status=ReviewStatus.APPROVED, reviewer_class="benign")
    no_class = CaseRecord("no-class", Path("/w/z.png"), status=ReviewStatus.CORRECTED,
                          frames={0: FrameReview(0, current_mask=mask)})
    wrong_size = reviewed_record("wrong-size", "small.png", mask, label=1)
    usable = reviewed_record("ok", "ok.png", mask, label=1)
    records = [no_mask, no_frames, no_class, wrong_size, usable]

    collection = collect_cases_with_report(records, load_frame=shelf)
    assert [c.case_id for c in collection.cases] == ["no-class", "ok"]
    # The AI's class is never used as a label: the reader set none, so the class head skips this case.
    assert [c.label for c in collection.cases] == [UNKNOWN_LABEL, 1]
    assert collection.skipped == {NO_MASK: ["no-mask", "no-frames"], SIZE_MISMATCH: ["wrong-size"]}
    assert collection.skipped_summary() == "3 skipped: 2 without a mask, 1 whose mask does not fit the image"
    # The cheap count (no images read) agrees except for what only the image can tell.
    assert count_usable(records) == (3, {NO_MASK: 2})


def test_an_unreadable_image_is_skipped_not_fatal(shelf: ImageShelf) -> None:
    def broken(path: Path, frame_index: int) -> np.ndarray:
        raise ScanLoadError(f"{path.name} is damaged.")

    collection = collect_cases_with_report([reviewed_record("a", "a.png", disc_mask(), 1)], load_frame=broken)
    assert collection.cases == [] and collection.skipped == {UNREADABLE: ["a"]}


def test_an_edited_frame_is_preferred_over_an_approved_ai_frame() -> None:
    ai = disc_mask()
    edited = np.zeros_like(ai)
    edited[5:10, 5:10] = True
    record = CaseRecord("cine", Path("/w/cine.dcm"), status=ReviewStatus.CORRECTED, reviewer_class="malignant",
                        frames={0: FrameReview(0, ai_mask=ai, current_mask=ai),
                                3: FrameReview(3, ai_mask=ai, current_mask=edited)})
    frame = training_frame(record)
    assert frame is not None and frame.frame_index == 3


def test_the_default_loader_reads_the_scan_file(tmp_path: Path) -> None:
    mask = disc_mask()
    image = (np.arange(mask.size).reshape(mask.shape) % 251).astype(np.uint8)
    Image.fromarray(image).save(tmp_path / "scan.png")
    record = CaseRecord("scan.png", tmp_path / "scan.png", status=ReviewStatus.APPROVED, reviewer_class="benign",
                        frames={0: FrameReview(0, current_mask=mask)})
    cases = collect_cases([record], load_grey_frame)
    assert len(cases) == 1
    np.testing.assert_array_equal(cases[0].image, image)


def test_cases_are_counted_from_the_stores_keys_and_the_list_rows_without_reading_masks(tmp_path: Path) -> None:
    from busviewer.core.finetune_cases import count_usable_rows
    from busviewer.core.review_records import CaseRow
    from busviewer.io.store import CaseStore

    mask = disc_mask()
    with CaseStore(tmp_path) as store:
        store.upsert_case(CaseRecord("a.png", tmp_path / "a.png", status=ReviewStatus.CORRECTED, reviewer_class="benign",
                                     frames={0: FrameReview(0, ai_mask=np.zeros_like(mask), current_mask=mask)}))
        store.upsert_case(CaseRecord("b.png", tmp_path / "b.png", status=ReviewStatus.APPROVED,
                                     frames={0: FrameReview(0, current_mask=mask)}))  # no class: outline only
        store.upsert_case(CaseRecord("c.png", tmp_path / "c.png", status=ReviewStatus.APPROVED, reviewer_class="normal"))
        listed = store.list_cases(with_masks=False)
    assert all(f.current_mask is None and f.ai_mask is None for r in listed for f in r.frames.values())
    assert listed[0].frames[0].has_mask and listed[0].frames[0].is_edited  # known from the keys alone
    expected = (2, {NO_MASK: 1})
    assert count_usable(listed) == expected
    assert count_usable_rows(CaseRow.of(record) for record in listed) == expected
