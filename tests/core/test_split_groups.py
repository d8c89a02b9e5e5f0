"""Patients and near-identical images never straddle the split."""

from __future__ import annotations

import numpy as np

from busviewer.core.split import grouped_stratified_split, near_duplicate_groups


def test_groups_stay_on_one_side() -> None:
    groups = [f"p{i // 3}" for i in range(90)]
    labels = [1 if i < 60 else 2 for i in range(90)]
    train, val = grouped_stratified_split(labels, groups, 0.2, seed=7)
    assert {groups[i] for i in train}.isdisjoint({groups[i] for i in val})
    assert sorted(train + val) == list(range(90)) and 12 <= len(val) <= 24


def test_near_identical_thumbnails_share_a_group() -> None:
    rng = np.random.default_rng(0)
    base = rng.random((5, 64))
    twins = base + rng.normal(0, 0.01, base.shape)  # the same scans captured again
    groups = near_duplicate_groups(np.vstack([base, twins]), 0.95)
    assert all(groups[i] == groups[i + 5] for i in range(5))
    assert len(set(groups)) == 5
