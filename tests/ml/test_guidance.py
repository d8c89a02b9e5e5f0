"""Guidance channels: prompts land where the reader pointed; simulated prompts are what a reader could give."""

from __future__ import annotations

import numpy as np

from busviewer.core.prompts import Prompt
from busviewer.ml.guidance import encode_prompts, simulate_guidance
from busviewer.ml.imaging_area import ImagingArea
from busviewer.ml.letterbox import Letterbox


def test_prompts_are_encoded_at_their_input_position() -> None:
    box = Letterbox((200, 400), ImagingArea.whole((200, 400)), 64)
    channels = encode_prompts(
        [Prompt("positive", 100, 200), Prompt("negative", 20, 20), Prompt("box", 50, 100, 150, 300)], box
    )
    pos = np.unravel_index(int(np.argmax(channels[0])), channels[0].shape)
    assert abs(pos[0] - 31.5) <= 1 and abs(pos[1] - 31.5) <= 1
    neg = np.unravel_index(int(np.argmax(channels[1])), channels[1].shape)
    assert neg[0] < 24 and neg[1] < 8
    rows, cols = np.nonzero(channels[2])
    assert 23 <= rows.min() <= 25 and 38 <= rows.max() <= 40 and 15 <= cols.min() <= 17 and 47 <= cols.max() <= 49


def test_simulated_prompts_put_positive_clicks_on_the_lesion_and_negatives_off_it() -> None:
    mask = np.zeros((64, 64), bool)
    mask[20:40, 25:45] = True
    content = np.ones_like(mask)
    rng = np.random.default_rng(0)
    guided = 0
    for _ in range(200):
        g = simulate_guidance(mask, content, rng, no_guidance_share=0.5)
        if not g.any():
            continue
        guided += 1
        if g[0].max() > 0.99:
            peak = np.unravel_index(int(np.argmax(g[0])), g[0].shape)
            assert mask[peak]
        if g[1].max() > 0.99:
            peak = np.unravel_index(int(np.argmax(g[1])), g[1].shape)
            assert not mask[peak]
        if g[2].any():
            rows, cols = np.nonzero(g[2])
            assert rows.min() <= 22 and rows.max() >= 37 and cols.min() <= 27 and cols.max() >= 42
    assert 70 < guided < 130  # about half the draws carry no guidance


def test_a_normal_scan_gets_no_positive_click() -> None:
    mask = np.zeros((32, 32), bool)
    rng = np.random.default_rng(1)
    for _ in range(50):
        assert not simulate_guidance(mask, np.ones_like(mask), rng, 0.0)[0].any()


def test_corrective_clicks_follow_the_simulated_reader_of_the_evaluation() -> None:
    from busviewer.core.click_simulation import next_click
    from busviewer.ml.guidance import corrective_clicks, wrong_proposal

    lesion = np.zeros((96, 96), bool)
    lesion[30:60, 20:70] = True
    background = ~lesion
    rng = np.random.default_rng(2)
    kinds: set[str] = set()
    for _ in range(100):
        clicks = corrective_clicks(lesion, background, rng)
        assert 1 <= len(clicks) <= 4
        for click in clicks:
            assert lesion[int(click.row), int(click.col)] == (click.kind == "positive")
            kinds.add(click.kind)
    assert kinds == {"positive", "negative"}
    # The first click is exactly the evaluation's click for the same wrong proposal.
    proposal = wrong_proposal(lesion, background, np.random.default_rng(5))
    first = corrective_clicks(lesion, background, np.random.default_rng(5))[0]
    expected = next_click(proposal, lesion)
    assert expected is not None and (first.kind, first.row, first.col) == (expected.kind, expected.row, expected.col)


def test_normal_share_draws_normal_scans_from_every_source() -> None:
    from busviewer.ml.dataset import CaseArrays

    images = [np.full((40, 40), 100, np.uint8) for _ in range(20)]
    masks = [np.zeros((40, 40), np.uint8) for _ in range(20)]
    labels = [0] * 2 + [1] * 18
    sources = [0] * 10 + [1] * 10
    data = CaseArrays(images, masks, labels, input_size=16, sources=sources)
    plain = data.epoch_order(np.random.default_rng(0), 2000)
    boosted = data.epoch_order(np.random.default_rng(0), 2000, normal_share=0.3)
    share = lambda order: float(np.mean(data.labels[order] == 0))  # noqa: E731
    assert share(plain) < 0.15 and 0.3 < share(boosted) < 0.45
