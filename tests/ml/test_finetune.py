"""fine_tune on tiny synthetic cases: it learns, the gate refuses a worse candidate, cancel keeps the base intact."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from busviewer.core.errors import UserFacingError
from busviewer.core.generators import GeneratorRun
from busviewer.core.training_case import LabelledCase
from busviewer.ml.checkpoint import load_weights, save_weights
from busviewer.ml.finetune import MIN_CASES, FineTuneConfig, FineTuneResult, PhaseRecord, fine_tune
from busviewer.ml.network import build_network
from busviewer.ml.train import EpochRecord, StepRecord

TINY_CHANNELS = (4, 8, 16)
SIDE = 64

#: Enough epochs and a high enough rate that an untrained tiny network finds the bright discs.
LEARNING_CONFIG = FineTuneConfig(epochs=15, batch_size=4, learning_rate=1e-2, anchor_weight=0.0, patience=15)


def synthetic_cases(n: int = 16, seed: int = 0) -> list[LabelledCase]:
    """Speckled 64x64 frames with one bright disc each (the lesion), alternating benign and malignant."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[:SIDE, :SIDE]
    cases = []
    for i in range(n):
        image = rng.normal(60, 15, (SIDE, SIDE))
        radius = rng.uniform(9, 15)
        centre_row, centre_col = rng.uniform(20, 44, 2)
        mask = (rows - centre_row) ** 2 + (cols - centre_col) ** 2 <= radius**2
        image[mask] = rng.normal(200, 15, int(mask.sum()))
        cases.append(LabelledCase(np.clip(image, 0, 255).astype(np.uint8), mask, 1 + i % 2, f"case-{i:02d}"))
    return cases


def save_tiny_weights(path: Path, seed: int = 0) -> Path:
    """An untrained tiny network, saved as the app saves weights."""
    torch.manual_seed(seed)
    save_weights(build_network(channels=TINY_CHANNELS), path)
    return path


def run_to_end(runner: Generator[object, None, FineTuneResult]) -> tuple[list[object], FineTuneResult]:
    """Drain a fine_tune generator: (records, result)."""
    run = GeneratorRun(runner)
    return list(run), run.returned


@pytest.fixture(autouse=True)
def one_torch_thread() -> Iterator[None]:
    """Tiny networks run fastest on one thread, and the machine is shared with other work."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="module")
def trained_weights(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, FineTuneResult]:
    """A tiny network fine-tuned from scratch on the synthetic cases (shared by the tests below)."""
    torch.set_num_threads(1)
    folder = tmp_path_factory.mktemp("trained")
    base = load_weights(save_tiny_weights(folder / "untrained.safetensors"))
    _, result = run_to_end(fine_tune(base, synthetic_cases(), LEARNING_CONFIG, device="cpu"))
    base.network.load_state_dict(result.state)
    path = folder / "trained.safetensors"
    save_weights(base.network.cpu(), path)
    return path, result


def test_fine_tune_improves_validation_dice_of_an_untrained_base(trained_weights: tuple[Path, FineTuneResult]) -> None:
    _, result = trained_weights
    assert not result.cancelled
    assert result.after["dice"] > result.before["dice"] + 0.3
    assert result.after["dice"] > 0.7
    assert result.accepted is True
    assert len(result.validation_ids) >= 2 and not set(result.validation_ids) & set(result.train_ids)
    assert [rec.epoch for rec in result.history] == list(range(1, len(result.history) + 1))


def test_fine_tune_yields_phases_steps_and_epochs(tmp_path: Path) -> None:
    base = load_weights(save_tiny_weights(tmp_path / "w.safetensors"))
    config = FineTuneConfig(epochs=2, batch_size=4, patience=5)
    records, result = run_to_end(fine_tune(base, synthetic_cases(8), config, device="cpu"))
    phases = [r.phase for r in records if isinstance(r, PhaseRecord)]
    assert phases == ["evaluate-before", "train", "evaluate-after"]
    steps = [r for r in records if isinstance(r, StepRecord)]
    epochs = [r for r in records if isinstance(r, EpochRecord)]
    assert [e.epoch for e in epochs] == [1, 2]
    assert len(steps) == 2 * steps[0].steps_per_epoch
    assert set(result.before) >= {"dice", "accuracy"} and set(result.after) >= {"dice", "accuracy"}


def test_gate_refuses_a_candidate_that_scores_worse(trained_weights: tuple[Path, FineTuneResult], tmp_path: Path) -> None:
    good_path, _ = trained_weights
    base = load_weights(good_path)
    # A learning rate this high wrecks the weights in one epoch: a genuinely worse candidate.
    destructive = FineTuneConfig(epochs=1, batch_size=4, learning_rate=2.0, anchor_weight=0.0, patience=1)
    _, result = run_to_end(fine_tune(base, synthetic_cases(), destructive, device="cpu"))
    assert result.before["dice"] > 0.7
    assert result.after["dice"] < result.before["dice"]
    assert result.accepted is False


def test_cancel_mid_run_returns_cancelled_and_leaves_the_weights_file_alone(tmp_path: Path) -> None:
    path = save_tiny_weights(tmp_path / "active.safetensors")
    original_bytes = path.read_bytes()
    base = load_weights(path)
    original_state = {k: v.clone() for k, v in base.network.state_dict().items()}
    polls = 0

    def stop_after_three_steps() -> bool:
        nonlocal polls
        polls += 1
        return polls > 3

    config = FineTuneConfig(epochs=5, batch_size=2, learning_rate=1e-2, patience=5)
    records, result = run_to_end(fine_tune(base, synthetic_cases(12), config, device="cpu",
                                           should_stop=stop_after_three_steps))
    assert result.cancelled is True
    assert result.accepted is False
    assert sum(isinstance(r, StepRecord) for r in records) == 3
    assert path.read_bytes() == original_bytes
    for key, value in base.network.state_dict().items():
        assert torch.equal(value.cpu(), original_state[key]), key


def test_too_few_cases_is_a_user_facing_sentence(tmp_path: Path) -> None:
    base = load_weights(save_tiny_weights(tmp_path / "w.safetensors"))
    with pytest.raises(UserFacingError, match=f"at least {MIN_CASES}") as caught:
        run_to_end(fine_tune(base, synthetic_cases(MIN_CASES - 1), FineTuneConfig(epochs=1), device="cpu"))
    message = str(caught.value)
    assert message.endswith(".") and "\n" not in message


def test_finetune_cli_prints_one_json_object_and_writes_the_weights(
    busi_folder: Path, tiny_weights: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from busviewer.cli import main
    from busviewer.ml.checkpoint import read_metadata

    out = tmp_path / "tuned.safetensors"
    threads = torch.get_num_threads()
    try:
        code = main(["finetune", str(busi_folder), "--out", str(out), "--base", str(tiny_weights),
                     "--epochs", "2", "--device", "cpu", "--json"])
    finally:
        torch.set_num_threads(threads)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    lines = [line for line in captured.out.splitlines() if line.strip()]
    assert len(lines) == 1
    summary = json.loads(lines[0])
    assert isinstance(summary["before"]["dice"], float) and isinstance(summary["after"]["dice"], float)
    assert isinstance(summary["accepted"], bool)
    assert summary["accepted"] == (summary["after"]["dice"] > summary["before"]["dice"])  # a tie is refused
    assert summary["seconds"] > 0
    assert out.is_file()
    metadata = read_metadata(out)
    assert metadata["accepted_by_gate"] == summary["accepted"]
    assert summary["train_cases"] + summary["validation_cases"] == 12


def test_finetune_cli_too_few_cases_is_error_and_exit_2(
    tmp_path: Path, tiny_weights: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from busviewer.cli import main
    from tests.ml.conftest import write_busi_folder

    folder = write_busi_folder(tmp_path / "small", per_class=1)
    out = tmp_path / "tuned.safetensors"
    threads = torch.get_num_threads()
    try:
        code = main(["finetune", str(folder), "--out", str(out), "--base", str(tiny_weights), "--device", "cpu"])
    finally:
        torch.set_num_threads(threads)
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: Fine-tuning needs at least")
    assert not out.exists()


def test_split_holds_out_whole_patients_and_at_least_two() -> None:
    import numpy as np

    from busviewer.core.training_case import LabelledCase
    from busviewer.ml.finetune import FineTuneConfig, split_cases

    rng = np.random.default_rng(0)
    cases = []
    for patient in range(5):
        for view in range(4):
            image = (rng.random((40, 40)) * 255).astype(np.uint8)  # distinct scans, no twins
            cases.append(LabelledCase(image, np.zeros((40, 40), bool), 1, f"p{patient}-{view}", f"P{patient}"))
    train, val = split_cases(cases, FineTuneConfig())
    assert {c.patient for c in train}.isdisjoint({c.patient for c in val})
    assert len({c.patient for c in val}) >= 2 and train


def test_twins_without_a_patient_stay_on_one_side() -> None:
    import numpy as np

    from busviewer.core.training_case import LabelledCase
    from busviewer.ml.finetune import patient_groups

    rng = np.random.default_rng(1)
    base = (rng.random((40, 40)) * 255).astype(np.uint8)
    twin = np.clip(base.astype(int) + 1, 0, 255).astype(np.uint8)  # the same scan saved again
    other = (rng.random((40, 40)) * 255).astype(np.uint8)
    groups = patient_groups([LabelledCase(x, np.zeros((40, 40), bool), 1, str(i)) for i, x in enumerate((base, twin, other))])
    assert groups[0] == groups[1] != groups[2]
