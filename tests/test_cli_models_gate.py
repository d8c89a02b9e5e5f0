"""``busviewer models list`` shows the gate's held-out counts and reason in the words of the GUI."""

from __future__ import annotations

import json

import pytest

from busviewer.cli import main
from busviewer.core.case import utc_now_iso
from busviewer.io.model_registry import BASE_VERSION, ModelRegistry, ModelVersion


def test_models_list_shows_held_out_counts_and_reason(capsys: pytest.CaptureFixture[str]) -> None:
    from busviewer.ml.checkpoint import default_weights_path

    registry = ModelRegistry(default_weights_path())
    counted_id, path = registry.new_weights_path()
    path.write_bytes(b"weights")  # listing reads no weights; the registry only wants a file there
    reason = "only 1 held-out patient(s); the gate needs 2 to tell a better model from luck"
    registry.register(ModelVersion(counted_id, path.name, BASE_VERSION, utc_now_iso(), "me", validation_ids=["x"],
                                   gate_reason=reason, held_out_patients=1, held_out_lesion_scans=3,
                                   held_out_normal_scans=0), activate=False)
    old_id, old_path = registry.new_weights_path()
    old_path.write_bytes(b"weights")
    registry.register(ModelVersion(old_id, old_path.name, BASE_VERSION, utc_now_iso(), "me", accepted_by_gate=True),
                      activate=False)
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert f"1 patient, 3 lesion scans, 0 normal scans held out; {reason}" in out
    old_line = next(line for line in out.splitlines() if old_id in line)
    assert "accepted (counts not recorded)" in old_line  # never a bare "accepted"
    assert "held-out counts not recorded; gate reason not recorded" in out
    assert main(["models", "list", "--json"]) == 0
    listed = {v["version_id"]: v for v in json.loads(capsys.readouterr().out)["versions"]}
    assert listed[counted_id]["held_out_lesion_scans"] == 3 and listed[counted_id]["gate_reason"] == reason
