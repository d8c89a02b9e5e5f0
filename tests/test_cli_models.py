"""``busviewer models``: the registry the GUI's fine-tune writes to, from the shell."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from busviewer.cli import main
from tests.ml.conftest import TINY_CHANNELS


@pytest.fixture
def finetuned_weights(tmp_path: Path) -> Path:
    """A tiny network saved the way ``busviewer finetune`` saves its result."""
    from busviewer.ml.checkpoint import save_weights
    from busviewer.ml.network import build_network

    path = tmp_path / "tuned.safetensors"
    metadata = {
        "finetune_cases": ["a", "b", "c"],
        "finetune_validation_cases": ["d"],
        "metrics_before": {"dice": 0.5},
        "metrics_after": {"dice": 0.6},
        "accepted_by_gate": True,
    }
    save_weights(build_network(channels=TINY_CHANNELS), path, metadata, input_size=64)
    return path


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert main(["models", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_import_activate_and_roll_back(finetuned_weights: Path, capsys: pytest.CaptureFixture[str]) -> None:
    listing = _json(capsys, "list")
    assert listing["active"] == "base" and [v["version_id"] for v in listing["versions"]] == ["base"]

    # The file says its gate accepted it; that claim is not a measurement, so activation needs --force.
    assert main(["models", "import", str(finetuned_weights), "--activate"]) == 2
    assert "not measured by the gate" in capsys.readouterr().err
    assert _json(capsys, "list")["active"] == "base"
    imported = _json(capsys, "import", str(finetuned_weights), "--activate", "--force")
    assert imported["parent"] == "base" and imported["case_ids"] == ["a", "b", "c"]
    assert imported["metrics_after"] == {"dice": 0.6}
    assert imported["accepted_by_gate"] is False and imported["gated"] is False
    assert len(imported["overrides"]) == 1 and "never measured" in imported["overrides"][0]["reason"]

    listing = _json(capsys, "list")
    assert listing["active"] == imported["version_id"]
    from busviewer.io.model_registry import ModelRegistry
    from busviewer.ml.checkpoint import default_weights_path, load_weights

    registry = ModelRegistry(default_weights_path())
    copy = registry.weights_path(registry.active())
    assert copy != finetuned_weights and load_weights(copy).input_size == 64

    rolled = _json(capsys, "rollback")
    assert rolled == {"active": "base", "previous": imported["version_id"]}
    assert main(["models", "activate", imported["version_id"]]) == 2  # still not gated: no silent switch
    assert "never measured by the gate" in capsys.readouterr().err
    assert main(["models", "activate", imported["version_id"], "--force"]) == 0
    capsys.readouterr()
    assert main(["models"]) == 0
    assert f"* {imported['version_id']}" in capsys.readouterr().out  # the table stars the active version


def test_bad_requests_are_one_sentence_and_change_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pickle = tmp_path / "evil.safetensors"
    pickle.write_bytes(b"\x80\x04\x95 not weights")
    for argv, words in (
        (["import", str(pickle)], "not a safetensors weights file"),
        (["import", str(tmp_path / "missing.safetensors")], "do not exist"),
        (["activate", "ft-nope"], "no model version 'ft-nope'"),
    ):
        assert main(["models", *argv]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and words in err and "Traceback" not in err
    assert [v["version_id"] for v in _json(capsys, "list")["versions"]] == ["base"]


def test_rollback_returns_to_the_previously_active_version_not_the_parent(
    finetuned_weights: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = _json(capsys, "import", str(finetuned_weights), "--activate", "--force")["version_id"]
    second = _json(capsys, "import", str(finetuned_weights), "--activate", "--force")["version_id"]
    # second's parent is first; activate base in between, then roll back: back to second, not its parent.
    assert _json(capsys, "activate", "base")["active"] == "base"
    assert _json(capsys, "rollback") == {"active": second, "previous": "base"}
    assert _json(capsys, "rollback") == {"active": first, "previous": second}
