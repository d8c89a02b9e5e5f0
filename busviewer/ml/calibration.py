"""Temperature scaling of the class head (Guo et al. 2017): one scalar that divides the logits, fitted
by minimising the negative log-likelihood on held-out cases, so "benign 80 %" means about 80 %."""

from __future__ import annotations

import numpy as np

#: Temperatures searched (log-spaced): a network is rarely off by more than this either way.
_LOG_T_RANGE = (np.log(0.25), np.log(8.0))


def negative_log_likelihood(log_probabilities: np.ndarray, labels: np.ndarray, temperature: float) -> float:
    """Mean NLL of ``labels`` after dividing the (log-probability) logits by ``temperature``."""
    scaled = log_probabilities / temperature
    scaled = scaled - scaled.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(scaled).sum(axis=1))
    return float(np.mean(log_norm - scaled[np.arange(len(labels)), labels]))


def fit_temperature(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """The temperature that minimises held-out NLL of probabilities that were computed at temperature 1.

    Log-probabilities equal the logits up to a per-case constant, which softmax ignores, so the fit
    needs only what the predictor already returns.
    """
    log_p = np.log(np.clip(np.asarray(probabilities, np.float64), 1e-12, 1.0))
    labels = np.asarray(labels, np.int64)
    low, high = _LOG_T_RANGE
    ratio = (np.sqrt(5.0) - 1.0) / 2.0
    for _ in range(60):  # golden-section search on log T: NLL is unimodal in T
        a, b = high - ratio * (high - low), low + ratio * (high - low)
        if negative_log_likelihood(log_p, labels, float(np.exp(a))) < negative_log_likelihood(log_p, labels, float(np.exp(b))):
            high = b
        else:
            low = a
    return float(np.exp((low + high) / 2.0))


def apply_temperature(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """Probabilities computed at temperature 1, recomputed at ``temperature``."""
    log_p = np.log(np.clip(np.asarray(probabilities, np.float64), 1e-12, 1.0)) / temperature
    log_p -= log_p.max(axis=-1, keepdims=True)
    out = np.exp(log_p)
    return out / out.sum(axis=-1, keepdims=True)
