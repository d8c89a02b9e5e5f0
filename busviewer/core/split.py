"""Stratified train/validation split with a fixed seed."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from busviewer.core.constants import NEAR_DUPLICATE_CORRELATION


def stratified_split(
    labels: list[int], fraction: float, seed: int
) -> tuple[list[int], list[int]]:
    """Split indices into (train, validation), taking ``fraction`` of each class for validation."""
    rng = np.random.default_rng(seed)
    train: list[int] = []
    val: list[int] = []
    for label in sorted(set(labels)):
        idx = [i for i, lab in enumerate(labels) if lab == label]
        rng.shuffle(idx)
        n_val = int(round(len(idx) * fraction))
        if len(idx) >= 2:
            n_val = min(max(n_val, 1), len(idx) - 1)
        else:
            n_val = 0
        val.extend(idx[:n_val])
        train.extend(idx[n_val:])
    return sorted(train), sorted(val)


def grouped_stratified_split(
    labels: list[int], groups: list[str], fraction: float, seed: int
) -> tuple[list[int], list[int]]:
    """Like ``stratified_split``, but whole groups (patients, near-identical images) go to one side.

    A group is stratified by its highest class (a patient with any malignant image counts as malignant).
    """
    members: dict[str, list[int]] = {}
    for index, group in enumerate(groups):
        members.setdefault(group, []).append(index)
    names = sorted(members)
    group_labels = [max(labels[i] for i in members[name]) for name in names]
    train_groups, val_groups = stratified_split(group_labels, fraction, seed)
    train = sorted(i for g in train_groups for i in members[names[g]])
    val = sorted(i for g in val_groups for i in members[names[g]])
    return train, val


def near_duplicate_groups(thumbnails: np.ndarray, threshold: float) -> list[int]:
    """Group index per image: images whose thumbnails correlate above ``threshold`` share a group.

    ``thumbnails`` is (N, P) with one flattened small grey thumbnail per row; linked pairs are merged
    transitively (union-find), so a chain of near-identical captures stays in one group.
    """
    data = thumbnails.astype(np.float64)
    data = data - data.mean(axis=1, keepdims=True)
    data /= np.linalg.norm(data, axis=1, keepdims=True) + 1e-9
    parent = list(range(len(data)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    correlation = data @ data.T
    rows, cols = np.nonzero(np.triu(correlation > threshold, k=1))
    for a, b in zip(rows.tolist(), cols.tolist(), strict=True):
        parent[root(a)] = root(b)
    return [root(i) for i in range(len(data))]


def fill_twin_groups(
    groups: Sequence[str | None], thumbnails: np.ndarray, case_ids: Sequence[str], prefix: str
) -> list[str]:
    """Every case without a known group (``None``) joins the group of its near-identical captures.

    ``thumbnails`` holds one flattened ``TWIN_THUMBNAIL_SIDE`` grey thumbnail per ungrouped case, in
    order; a twin group is named ``prefix`` + the case id of its first member, so one scan captured
    twice never lands on both sides of a split.
    """
    filled = list(groups)
    unknown = [i for i, g in enumerate(filled) if g is None]
    if unknown:
        for i, root in zip(unknown, near_duplicate_groups(thumbnails, NEAR_DUPLICATE_CORRELATION), strict=True):
            filled[i] = f"{prefix}{case_ids[unknown[root]]}"
    return [str(g) for g in filled]
