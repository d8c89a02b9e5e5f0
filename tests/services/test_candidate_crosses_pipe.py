"""The withheld candidate crosses the pipe from the compute process intact, like the mask (float maps stay behind)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from busviewer.core.prediction import Prediction
from busviewer.services import compute_tasks


class _Predictor:
    def predict(self, grey: np.ndarray, frame_index: int = 0) -> Prediction:
        candidate = np.zeros(grey.shape, bool)
        candidate[3:9, 4:12] = True
        lesion = np.where(candidate, 0.45, 0.01).astype(np.float32)
        return Prediction(np.array([0.8, 0.15, 0.05]), lesion, np.zeros(grey.shape, bool), lesion * 0.5, "m", "cpu",
                          frame_index, candidate_mask=candidate, candidate_probability=0.45,
                          familiarity_distance=20.0, familiarity_threshold=12.0)


def test_candidate_and_familiarity_survive_the_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compute_tasks, "cached_model", lambda _context, _kind, _model: _Predictor())
    request = compute_tasks.PredictFrameRequest(model=None, grey=np.zeros((20, 30), np.uint8), frame_index=0)
    result = pickle.loads(pickle.dumps(compute_tasks.predict_frame(None, request)))
    prediction = result.prediction
    assert prediction.lesion_probability is None and prediction.uncertainty is None  # the maps stay behind
    assert prediction.candidate_mask is not None and prediction.candidate_mask[3:9, 4:12].all()
    assert int(prediction.candidate_mask.sum()) == 48 and prediction.candidate_probability == pytest.approx(0.45)
    assert prediction.unfamiliar
