"""The one weights policy: --weights > $BUSVIEWER_WEIGHTS > the registry's active version > shipped, used by
the commands and the GUI alike, and named in every JSON output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from busviewer.core.case import utc_now_iso
from busviewer.core.model_id import model_id_for
from busviewer.core.paths import shipped_weights_path
from busviewer.io.model_registry import BASE_VERSION, ModelRegistry, ModelVersion
from busviewer.services.weights import WEIGHTS_ENV, choose_weights, user_registry


def _activate_copy(registry: ModelRegistry, source: Path) -> ModelVersion:
    version_id, path = registry.new_weights_path()
    path.write_bytes(source.read_bytes())
    version = ModelVersion(version_id, path.name, BASE_VERSION, utc_now_iso(), "me", accepted_by_gate=True)
    return registry.register(version, activate=True)


def test_the_policy_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(WEIGHTS_ENV, raising=False)
    registry = ModelRegistry(tmp_path / "shipped.safetensors", root=tmp_path / "models")
    (tmp_path / "shipped.safetensors").write_bytes(b"shipped")
    assert (choose_weights(registry=registry).source, choose_weights(registry=registry).version_id) == ("shipped", "base")
    version = _activate_copy(registry, tmp_path / "shipped.safetensors")
    chosen = choose_weights(registry=registry)
    assert (chosen.path, chosen.source, chosen.version_id) == (registry.weights_path(version), "registry", version.version_id)
    monkeypatch.setenv(WEIGHTS_ENV, str(tmp_path / "env.safetensors"))
    assert choose_weights(registry=registry).source == "environment"
    given = choose_weights(tmp_path / "given.safetensors", registry=registry)
    assert (given.path, given.source) == (tmp_path / "given.safetensors", "explicit")


def test_the_users_registry_is_rooted_on_the_shipped_weights() -> None:
    assert user_registry().base_weights == shipped_weights_path()


def test_predict_without_weights_uses_the_active_version_and_names_it(
    tiny_weights: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from PIL import Image

    from busviewer.cli import main

    monkeypatch.delenv(WEIGHTS_ENV, raising=False)
    version = _activate_copy(user_registry(), tiny_weights)
    image = tmp_path / "scan.png"
    Image.new("L", (40, 30), 90).save(image)
    assert main(["predict", str(image), "--out", str(tmp_path / "out"), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["weights_source"] == "registry" and record["model_version"] == version.version_id
    assert record["model_id"] == model_id_for(user_registry().weights_path(version))


def test_the_review_starts_on_the_active_version(
    tiny_weights: Path, monkeypatch: pytest.MonkeyPatch, qtbot: object
) -> None:
    from busviewer.gui.main_window import MainWindow
    from busviewer.gui.review import install_review

    monkeypatch.delenv(WEIGHTS_ENV, raising=False)
    version = _activate_copy(user_registry(), tiny_weights)
    window = MainWindow()
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    review = install_review(window, device="cpu")
    assert review.proposal.weights == user_registry().weights_path(version)
    window.navigator.shutdown()
