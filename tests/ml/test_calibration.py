"""Temperature scaling recovers the temperature that made over-confident probabilities."""

from __future__ import annotations

import numpy as np
import pytest

from busviewer.ml.calibration import apply_temperature, fit_temperature, negative_log_likelihood


def test_fitted_temperature_undoes_over_confidence() -> None:
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 1.5, size=(4000, 3))
    true_p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    labels = np.array([rng.choice(3, p=p) for p in true_p])
    confident = apply_temperature(true_p, 1 / 2.5)  # sharpened: the network says 95 % where 70 % is true
    fitted = fit_temperature(confident, labels)
    assert fitted == pytest.approx(2.5, rel=0.1)
    log_p = np.log(confident)
    assert negative_log_likelihood(log_p, labels, fitted) < negative_log_likelihood(log_p, labels, 1.0)


def test_temperature_one_changes_nothing() -> None:
    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    assert np.allclose(apply_temperature(p, 1.0), p)
    assert apply_temperature(p, 100.0).std(axis=1).max() < 0.01  # a huge temperature flattens
