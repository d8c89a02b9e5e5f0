"""Where shipped files are found (checkout vs installed package data) and where per-user data goes."""

from __future__ import annotations

from pathlib import Path

import pytest

from busviewer.core import paths

REPO = Path(__file__).resolve().parents[2]


def test_a_checkout_reads_the_repository_folders() -> None:
    if (Path(paths.__file__).parent.parent / paths.PACKAGED_DATA_DIR).is_dir():
        pytest.skip("running from an installed wheel, not a checkout")
    assert paths.shipped_weights_path() == REPO / "models" / paths.SHIPPED_WEIGHTS_NAME
    assert paths.resource_path("demo_scan.png") == REPO / "resources" / "demo_scan.png"
    assert paths.model_card_path(paths.shipped_weights_path()) == REPO / "models" / "README.md"


def test_package_data_wins_over_the_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An installed wheel or bundle carries busviewer/_shipped/; the same call finds the copies there."""
    package = tmp_path / "site-packages" / "busviewer"
    (package / paths.PACKAGED_DATA_DIR / "models").mkdir(parents=True)
    (package / paths.PACKAGED_DATA_DIR / "resources").mkdir(parents=True)
    (tmp_path / "site-packages" / "models").mkdir()  # a stray top-level folder must not be picked
    monkeypatch.setattr(paths.resources, "files", lambda _name: package)
    assert paths.shipped_weights_path() == package / "_shipped" / "models" / paths.SHIPPED_WEIGHTS_NAME
    assert paths.resource_path("busviewer.png").parent == package / "_shipped" / "resources"


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError):
        paths.shipped_dir("weights")


def test_busviewer_home_holds_everything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUSVIEWER_HOME", str(tmp_path / "home"))
    assert paths.user_data_dir() == tmp_path / "home"
    assert paths.user_config_dir() == tmp_path / "home"
    assert paths.log_file() == tmp_path / "home" / "busviewer.log"
    assert paths.settings_file() == tmp_path / "home" / "settings.ini"


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="XDG folders are Linux's convention")
def test_without_an_override_the_xdg_folders_are_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BUSVIEWER_HOME", raising=False)
    for name in ("DATA", "CONFIG", "STATE"):
        monkeypatch.setenv(f"XDG_{name}_HOME", str(tmp_path / name.lower()))
    assert paths.user_data_dir() == tmp_path / "data" / "busviewer"
    assert paths.user_config_dir() == tmp_path / "config" / "busviewer"
    assert paths.log_file().is_relative_to(tmp_path / "state" / "busviewer")


def test_settings_of_an_older_version_move_to_the_settings_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BUSVIEWER_HOME", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    legacy = tmp_path / "data" / "busviewer" / "settings.ini"
    legacy.parent.mkdir(parents=True)
    legacy.write_text("[recent]\npaths=/scans\n")
    moved = paths.settings_file()
    assert moved == tmp_path / "config" / "busviewer" / "settings.ini"
    assert moved.read_text() == "[recent]\npaths=/scans\n" and not legacy.exists()
