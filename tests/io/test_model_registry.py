"""The model registry: versions, activation, rollback, persistence across restarts and damaged files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from busviewer.core.case import current_user
from busviewer.core.case import utc_now_iso as now_iso
from busviewer.core.errors import UserFacingError
from busviewer.io.model_registry import BASE_VERSION, GateRefusal, ModelRegistry, ModelVersion


def make_weights_file(path: Path, payload: bytes = b"weights") -> Path:
    path.write_bytes(payload)
    return path


def fine_tuned_version(registry: ModelRegistry, parent: str, payload: bytes = b"candidate") -> ModelVersion:
    version_id, path = registry.new_weights_path()
    make_weights_file(path, payload)
    return ModelVersion(
        version_id=version_id, weights_file=path.name, parent=parent, created_at=now_iso(),
        created_by=current_user(), case_ids=["a", "b"], validation_ids=["c"],
        metrics_before={"dice": 0.5}, metrics_after={"dice": 0.6}, settings={"epochs": 2}, accepted_by_gate=True,
    )


@pytest.fixture
def registry(tmp_path: Path) -> ModelRegistry:
    base = make_weights_file(tmp_path / "shipped.safetensors", b"shipped")
    return ModelRegistry(base, root=tmp_path / "models")


def test_a_new_registry_has_only_the_base_and_it_is_active(registry: ModelRegistry) -> None:
    assert [v.version_id for v in registry.versions()] == [BASE_VERSION]
    assert registry.active_id == BASE_VERSION
    assert registry.weights_path(registry.active()) == registry.base_weights


def test_register_without_activating_keeps_the_active_version(registry: ModelRegistry) -> None:
    version = registry.register(fine_tuned_version(registry, BASE_VERSION), activate=False)
    assert registry.active_id == BASE_VERSION
    stored = registry.get(version.version_id)
    assert stored.parent == BASE_VERSION and stored.case_ids == ["a", "b"] and stored.metrics_after == {"dice": 0.6}
    assert registry.weights_path(stored).read_bytes() == b"candidate"


def test_register_refuses_a_version_whose_weights_are_missing(registry: ModelRegistry) -> None:
    version = fine_tuned_version(registry, BASE_VERSION)
    registry.weights_path(version).unlink()
    with pytest.raises(UserFacingError, match="missing"):
        registry.register(version, activate=True)
    assert registry.active_id == BASE_VERSION


def test_activate_and_rollback_walk_the_parent_chain(registry: ModelRegistry) -> None:
    first = registry.register(fine_tuned_version(registry, BASE_VERSION, b"one"), activate=True)
    second = registry.register(fine_tuned_version(registry, first.version_id, b"two"), activate=False)
    assert first.version_id != second.version_id
    registry.activate(second.version_id)
    assert registry.active_id == second.version_id
    assert registry.rollback().version_id == first.version_id
    assert registry.active_id == first.version_id
    assert registry.rollback().version_id == BASE_VERSION
    assert registry.active_id == BASE_VERSION


def test_a_refused_version_becomes_active_only_with_a_recorded_override(registry: ModelRegistry) -> None:
    refused = fine_tuned_version(registry, BASE_VERSION)
    refused.metrics_after, refused.accepted_by_gate = {"dice": 0.45}, False
    with pytest.raises(GateRefusal, match=r"Dice 0.500 -> 0.450 \(-0.050\)"):
        registry.register(refused, activate=True)
    assert registry.active_id == BASE_VERSION
    registry.register(refused, activate=False)
    with pytest.raises(GateRefusal):
        registry.activate(refused.version_id)
    assert registry.active_id == BASE_VERSION and registry.get(refused.version_id).overrides == []
    registry.activate(refused.version_id, override=True, by="dr-who")
    reopened = ModelRegistry(registry.base_weights, root=registry.root)
    assert reopened.active_id == refused.version_id
    (override,) = reopened.get(refused.version_id).overrides
    assert override["by"] == "dr-who" and "0.450" in override["reason"]


def test_an_imported_version_is_not_gated_whatever_its_file_claims(registry: ModelRegistry) -> None:
    imported = fine_tuned_version(registry, BASE_VERSION)
    imported.gated = False  # accepted_by_gate=True is the file's own claim
    registry.register(imported, activate=False)
    assert registry.get(imported.version_id).gate_status == "not gated"
    with pytest.raises(GateRefusal, match="never measured"):
        registry.activate(imported.version_id)


def test_rollback_goes_to_the_previously_active_version(registry: ModelRegistry) -> None:
    first = registry.register(fine_tuned_version(registry, BASE_VERSION, b"one"), activate=False)
    second = registry.register(fine_tuned_version(registry, BASE_VERSION, b"two"), activate=False)
    registry.activate(second.version_id)
    registry.activate(first.version_id)  # both are children of base; first's parent is not where we came from
    assert registry.rollback().version_id == second.version_id
    assert registry.rollback().version_id == BASE_VERSION
    assert registry.rollback().version_id == BASE_VERSION  # nothing before the base: it stays


REGISTER_MANY = """
import sys
from pathlib import Path
from busviewer.core.case import utc_now_iso
from busviewer.io.model_registry import ModelRegistry, ModelVersion
registry = ModelRegistry(Path(sys.argv[1]), root=Path(sys.argv[2]))
sys.stdin.readline()  # both processes start writing at the same moment
for i in range(int(sys.argv[3])):
    version_id, path = registry.new_weights_path()
    path.write_bytes(b"w")
    registry.register(ModelVersion(version_id, path.name, "base", utc_now_iso(), sys.argv[4],
                                   accepted_by_gate=True), activate=i % 2 == 0)
"""


def test_two_processes_registering_at_once_lose_no_version(registry: ModelRegistry) -> None:
    import os
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(repo)}
    per_process = 40
    writers = [
        subprocess.Popen([sys.executable, "-c", REGISTER_MANY, str(registry.base_weights), str(registry.root),
                          str(per_process), name], stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for name in ("gui", "compute")
    ]
    for writer in writers:
        assert writer.stdin is not None
        writer.stdin.write("go\n")
        writer.stdin.flush()
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err[-2000:]
    stored = registry.versions()[1:]
    assert len(stored) == 2 * per_process
    assert len({v.version_id for v in stored}) == 2 * per_process
    assert sorted(v.created_by for v in stored) == ["compute"] * per_process + ["gui"] * per_process


def test_activating_an_unknown_version_is_a_sentence_and_changes_nothing(registry: ModelRegistry) -> None:
    with pytest.raises(UserFacingError, match="no model version"):
        registry.activate("ft-nonexistent")
    assert registry.active_id == BASE_VERSION


def test_the_active_choice_survives_a_new_registry_instance(registry: ModelRegistry) -> None:
    version = registry.register(fine_tuned_version(registry, BASE_VERSION), activate=False)
    registry.activate(version.version_id)
    reopened = ModelRegistry(registry.base_weights, root=registry.root)
    assert reopened.active_id == version.version_id
    assert reopened.weights_path(reopened.active()).read_bytes() == b"candidate"


@pytest.mark.parametrize(
    "content",
    [b'{"active": "base", "versions": [', b"[1, 2, 3]", b'{"active": "base", "versions": [{"version_id": "x"}]}',
     b'{"active": "base", "versions": "nope"}', b"\xff\xfe\x00garbage"],
    ids=["truncated", "not-an-object", "incomplete-version", "versions-not-a-list", "not-utf8"],
)
def test_a_damaged_version_list_is_one_sentence(registry: ModelRegistry, content: bytes) -> None:
    (registry.root / "versions.json").write_bytes(content)
    with pytest.raises(UserFacingError) as caught:
        registry.versions()
    message = str(caught.value)
    assert "versions.json" in message and message.endswith(".") and "\n" not in message
    with pytest.raises(UserFacingError):
        _ = registry.active_id


def test_the_version_list_is_rewritten_whole_and_leaves_no_temporary_files(registry: ModelRegistry) -> None:
    registry.register(fine_tuned_version(registry, BASE_VERSION), activate=True)
    registry.rollback()
    leftovers = [p.name for p in registry.root.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    assert registry.active_id == BASE_VERSION


def test_rollback_restores_the_previous_predictions(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    from busviewer.ml.checkpoint import load_weights
    from busviewer.ml.finetune import FineTuneConfig, fine_tune
    from busviewer.ml.inference import Predictor
    from tests.ml.test_finetune import TINY_CHANNELS, run_to_end, save_tiny_weights, synthetic_cases

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        registry = ModelRegistry(save_tiny_weights(tmp_path / "shipped.safetensors"), root=tmp_path / "models")
        image = synthetic_cases(1, seed=7)[0].image

        def active_prediction() -> np.ndarray:
            predictor = Predictor(registry.weights_path(registry.active()), device="cpu")
            prediction = predictor.predict(image)
            return np.concatenate([prediction.probabilities, prediction.lesion_probability.ravel()])

        before = active_prediction()
        base = load_weights(registry.weights_path(registry.active()))
        config = FineTuneConfig(epochs=2, batch_size=4, learning_rate=1e-2, patience=2)
        _, result = run_to_end(fine_tune(base, synthetic_cases(8), config, device="cpu"))
        from busviewer.ml.checkpoint import save_weights

        version_id, path = registry.new_weights_path()
        base.network.load_state_dict(result.state)
        save_weights(base.network.cpu(), path, {"parent_version": BASE_VERSION})
        registry.register(
            ModelVersion(version_id, path.name, BASE_VERSION, now_iso(), current_user(), accepted_by_gate=result.accepted),
            activate=True, override=True,
        )
        assert getattr(base.network, "channels", None) == TINY_CHANNELS
        tuned = active_prediction()
        assert not np.allclose(tuned, before)

        registry.rollback()
        assert registry.active_id == BASE_VERSION
        np.testing.assert_array_equal(active_prediction(), before)
    finally:
        torch.set_num_threads(threads)


def test_an_imported_weights_file_brings_its_familiarity_reference(registry: ModelRegistry, tmp_path: Path) -> None:
    from busviewer.core.paths import familiarity_reference_path

    source = make_weights_file(tmp_path / "tuned.safetensors", b"tuned")
    familiarity_reference_path(source).write_bytes(b"the reference")
    _version_id, target = registry.import_weights(source)
    assert familiarity_reference_path(target).read_bytes() == b"the reference"  # so its scans are still checked
    lonely = make_weights_file(tmp_path / "lonely.safetensors", b"lonely")
    _version_id, target = registry.import_weights(lonely)
    assert not familiarity_reference_path(target).exists()
