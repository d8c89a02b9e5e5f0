"""Shared test set-up: Qt offscreen, a private user-data folder, and the path to the shared data."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

# The session's real Orthanc PACS (fixture ``orthanc``), shared by the io and gui tests.
pytest_plugins = ["tests.orthanc_server"]


@pytest.fixture(autouse=True)
def _private_user_data(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Model versions, logs and settings of a test never touch the real user's folder."""
    monkeypatch.setenv("BUSVIEWER_HOME", str(tmp_path_factory.mktemp("busviewer_home")))


@pytest.fixture(autouse=True)
def _garbage_collected_on_the_main_thread() -> Iterator[None]:
    """Once a GUI test has moved collection to the GUI thread (as the app does), tests that never spin
    the event loop still get their garbage collected, here on the main thread."""
    yield
    if not gc.isenabled():
        from busviewer.gui.gc_policy import collect_due

        collect_due()


@pytest.fixture(scope="session")
def tiny_weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An untrained network with a few channels: fast on CPU, same file format as the real model."""
    import torch

    from busviewer.ml.checkpoint import save_weights
    from busviewer.ml.network import build_network

    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("weights") / "tiny.safetensors"
    save_weights(build_network(channels=(4, 8, 16)), path)
    return path


@pytest.fixture
def shared_dicom_dir() -> Path:
    folder = SHARED_DATA / "dicom"
    if not folder.is_dir():
        pytest.skip(f"shared DICOM data not present at {folder}")
    return folder


@pytest.fixture
def shared_busi_dir() -> Path:
    folder = SHARED_DATA / "busi"
    if not folder.is_dir():
        pytest.skip(f"shared BUSI data not present at {folder}")
    return folder


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Let Qt's pooled workers finish before the interpreter tears down: a worker still running
    Python while PySide6 unloads can crash the process after every test has passed."""
    import sys

    if "PySide6.QtCore" in sys.modules:
        from PySide6.QtCore import QThreadPool
        from PySide6.QtWidgets import QApplication

        QThreadPool.globalInstance().waitForDone(10_000)
        app = QApplication.instance()
        if app is not None:
            for widget in app.topLevelWidgets():
                widget.close()
            app.processEvents()
