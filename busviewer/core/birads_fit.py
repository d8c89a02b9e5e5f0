"""Fitting and cross-validating the BI-RADS heads (numpy + scipy): what ``busviewer fit-birads`` runs.

Heads are L2-regularised multinomial logistic regressions; the regularisation and class weighting are
chosen by an inner cross-validation, and each head is compared with its rule by an outer one, both on the
design cases only (stratified folds, fixed seed), so anyone can refit and get the same file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from busviewer.core.birads_heads import LogisticHead
from busviewer.core.metrics import cohen_kappa

#: Inverse regularisation strengths tried (larger: weaker penalty).
C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0)
#: Class weighting tried: none, or each class weighted by the inverse of its frequency ("balanced").
BALANCE_GRID = (False, True)


@dataclass(frozen=True)
class HeadSettings:
    """The fitting settings of one head."""

    c: float
    balanced: bool


def fit_logistic(x: np.ndarray, y: Sequence[str], classes: Sequence[str], inputs: Sequence[str],
                 settings: HeadSettings) -> LogisticHead:
    """Fit a multinomial logistic head on rows ``x`` (n, d) with words ``y``.

    Classes that never occur in ``y`` keep a bias far below the others, so they are never chosen.
    """
    x = np.asarray(x, dtype=np.float64)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = (x - mean) / scale
    index = {word: k for k, word in enumerate(classes)}
    target = np.array([index[word] for word in y])
    n, d, k = len(target), z.shape[1], len(classes)
    counts = np.bincount(target, minlength=k).astype(np.float64)
    sample_weight = (n / (np.count_nonzero(counts) * counts[target])) if settings.balanced else np.ones(n)
    onehot = np.eye(k)[target]
    present = counts > 0

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[: k * d].reshape(k, d), theta[k * d :]
        logits = z @ w.T + b
        logits[:, ~present] = -30.0
        logits -= logits.max(axis=1, keepdims=True)
        log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        value = -np.sum(sample_weight * np.sum(onehot * log_p, axis=1)) / n + np.sum(w**2) / (2 * settings.c * n)
        residual = (np.exp(log_p) - onehot) * sample_weight[:, None] / n
        residual[:, ~present] = 0.0
        grad_w = residual.T @ z + w / (settings.c * n)
        return float(value), np.concatenate([grad_w.ravel(), residual.sum(axis=0)])

    result = minimize(loss, np.zeros(k * d + k), jac=True, method="L-BFGS-B", options={"maxiter": 500})
    weights, bias = result.x[: k * d].reshape(k, d), result.x[k * d :].copy()
    bias[~present] = -30.0
    return LogisticHead(classes=tuple(classes), inputs=tuple(inputs), mean=mean, scale=scale,
                        weights=weights, bias=bias)


def stratified_folds(y: Sequence[str], folds: int, seed: int) -> list[np.ndarray]:
    """Indices of ``folds`` test folds, each class dealt round-robin after a seeded shuffle."""
    rng = np.random.default_rng(seed)
    assignment = np.empty(len(y), dtype=int)
    offset = 0
    for word in sorted(set(y)):
        members = np.flatnonzero(np.asarray(y) == word)
        rng.shuffle(members)
        assignment[members] = (np.arange(len(members)) + offset) % folds
        offset += len(members)
    return [np.flatnonzero(assignment == f) for f in range(folds)]


#: Scores a list of (truth, predicted) words; higher is better.
Score = Callable[[list[str], list[str]], float]


def kappa_score(truth: list[str], pred: list[str]) -> float:
    value = cohen_kappa(truth, pred)
    return 0.0 if value is None else value


def out_of_fold(x: np.ndarray, y: Sequence[str], fit_predict: Callable[[np.ndarray, list[str], np.ndarray], list[str]],
                folds: int, seed: int) -> list[str]:
    """Predictions of every row by a model fitted without its fold."""
    pred: list[str] = [""] * len(y)
    labels = list(y)
    for test in stratified_folds(labels, folds, seed):
        train = np.setdiff1d(np.arange(len(labels)), test)
        for i, word in zip(test, fit_predict(x[train], [labels[j] for j in train], x[test]), strict=True):
            pred[i] = word
    return pred


def choose_settings(x: np.ndarray, y: Sequence[str], classes: Sequence[str], inputs: Sequence[str],
                    decide: Callable[[LogisticHead, np.ndarray], list[str]], score: Score,
                    folds: int, seed: int) -> tuple[HeadSettings, float]:
    """The settings of ``C_GRID`` x ``BALANCE_GRID`` with the best cross-validated score, and that score."""
    best: tuple[HeadSettings, float] | None = None
    for balanced in BALANCE_GRID:
        for c in C_GRID:
            settings = HeadSettings(c, balanced)

            def fit_predict(xt: np.ndarray, yt: list[str], xv: np.ndarray, s: HeadSettings = settings) -> list[str]:
                return decide(fit_logistic(xt, yt, classes, inputs, s), xv)

            value = score(list(y), out_of_fold(x, y, fit_predict, folds, seed))
            if best is None or value > best[1] + 1e-9:
                best = (settings, value)
    assert best is not None
    return best


def argmax_words(head: LogisticHead, x: np.ndarray) -> list[str]:
    """The most probable word of each row."""
    return [head.classes[i] for i in np.argmax(head.probabilities_of(x), axis=1)]


def nested_head_score(x: np.ndarray, y: Sequence[str], classes: Sequence[str], inputs: Sequence[str],
                      decide: Callable[[LogisticHead, np.ndarray], list[str]], score: Score,
                      folds: int, seeds: Sequence[int]) -> float:
    """Mean over ``seeds`` of the outer cross-validated score of a head whose settings an inner
    cross-validation chooses on each outer training part: an honest estimate of the whole procedure."""
    values = []
    for seed in seeds:
        def fit_predict(xt: np.ndarray, yt: list[str], xv: np.ndarray, s: int = seed) -> list[str]:
            settings, _ = choose_settings(xt, yt, classes, inputs, decide, score, folds - 1, s + 1000)
            return decide(fit_logistic(xt, yt, classes, inputs, settings), xv)

        values.append(score(list(y), out_of_fold(x, y, fit_predict, folds, seed)))
    return float(np.mean(values))
