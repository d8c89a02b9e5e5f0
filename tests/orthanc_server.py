"""A real Orthanc PACS for the PACS tests: one per test session, on free loopback ports, in a temporary folder.

Needs the Debian packages ``orthanc`` and ``orthanc-dicomweb`` (``.ci/run`` installs them); tests that use
the ``orthanc`` fixture are skipped with the reason when they are missing. Orthanc knows our AE title
``BUSVIEWER`` as a modality at ``move_port``, so C-MOVE has somewhere to send to; like a hospital PACS, it
answers searches and retrievals from known modalities only (echo and store from anyone).
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ORTHANC_AET = "ORTHANC"
OUR_AET = "BUSVIEWER"
DICOMWEB_PLUGIN = Path("/usr/share/orthanc/plugins/libOrthancDicomWeb.so")


@dataclass(frozen=True)
class OrthancServer:
    """Where the running test Orthanc listens."""

    dicom_port: int
    http_port: int
    move_port: int
    log: Path

    @property
    def node_spec(self) -> str:
        return f"{ORTHANC_AET}@127.0.0.1:{self.dicom_port}"

    @property
    def dicomweb_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/dicom-web"

    def rest(self, path: str, method: str = "GET", body: bytes | None = None, raw: bool = False) -> Any:
        """Call Orthanc's REST API (to inspect or empty its store from a test); ``raw`` returns the bytes."""
        request = urllib.request.Request(f"http://127.0.0.1:{self.http_port}{path}", data=body, method=method)
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback only
            text = response.read()
        if raw:
            return text
        return json.loads(text) if text else None

    def clear(self) -> None:
        """Delete every patient, so each test starts from an empty PACS."""
        for patient in self.rest("/patients"):  # type: ignore[union-attr]
            self.rest(f"/patients/{patient}", method="DELETE")


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(server: OrthancServer, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Orthanc exited with {process.returncode}; see {server.log}")
        try:
            server.rest("/system")
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"Orthanc did not answer within {seconds:.0f} s; see {server.log}")


@pytest.fixture(scope="session")
def orthanc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrthancServer]:
    """Start Orthanc (with DICOMweb) for the session; stopped when the session ends."""
    binary = shutil.which("Orthanc") or ("/usr/sbin/Orthanc" if Path("/usr/sbin/Orthanc").exists() else None)
    if binary is None:
        pytest.skip("Orthanc is not installed (Debian packages orthanc and orthanc-dicomweb)")
    if not DICOMWEB_PLUGIN.exists():
        pytest.skip(f"the Orthanc DICOMweb plugin is not installed ({DICOMWEB_PLUGIN}, Debian orthanc-dicomweb)")
    folder = tmp_path_factory.mktemp("orthanc")
    server = OrthancServer(free_port(), free_port(), free_port(), folder / "orthanc.log")
    config = {
        "Name": "busviewer-tests",
        "StorageDirectory": str(folder / "storage"),
        "IndexDirectory": str(folder / "index"),
        "HttpPort": server.http_port,
        "DicomPort": server.dicom_port,
        "DicomAet": ORTHANC_AET,
        "RemoteAccessAllowed": False,
        "AuthenticationEnabled": False,
        "DicomCheckCalledAet": True,
        "DicomCheckModalityHost": False,
        "DicomAlwaysAllowEcho": True,
        "DicomAlwaysAllowStore": True,
        "DicomModalities": {"busviewer": [OUR_AET, "127.0.0.1", server.move_port]},
        "DicomScuTimeout": 10,
        "StorageCompression": False,
        "Plugins": [str(DICOMWEB_PLUGIN)],
        "DicomWeb": {"Enable": True, "Root": "/dicom-web/", "EnableWado": False},
    }
    (folder / "orthanc.json").write_text(json.dumps(config), encoding="utf-8")
    with server.log.open("wb") as log:
        process = subprocess.Popen([binary, str(folder / "orthanc.json")], stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(server, process)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
