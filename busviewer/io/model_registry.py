"""Model versions in the user's data folder: each fine-tune is a version with its parent, cases and scores.

``versions.json`` is the single record (rewritten atomically); the weights live beside it. The shipped
weights are the implicit root version ``base``.
"""

from __future__ import annotations

import json
import shutil
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from busviewer.core.atomic import atomic_write_text
from busviewer.core.errors import UserFacingError
from busviewer.core.paths import user_data_dir

BASE_VERSION = "base"


@dataclass
class ModelVersion:
    """One set of weights the app can activate."""

    version_id: str
    weights_file: str
    parent: str | None
    created_at: str
    created_by: str
    case_ids: list[str] = field(default_factory=list)
    validation_ids: list[str] = field(default_factory=list)
    metrics_before: dict[str, Any] = field(default_factory=dict)
    metrics_after: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    accepted_by_gate: bool = False
    note: str = ""


class ModelRegistry:
    """Versions, the active choice, activation and rollback; safe to share between threads."""

    def __init__(self, base_weights: Path, root: Path | None = None) -> None:
        self.root = root or (user_data_dir() / "models")
        self.root.mkdir(parents=True, exist_ok=True)
        self.base_weights = Path(base_weights)
        self._index = self.root / "versions.json"
        self._lock = threading.Lock()

    def _read(self) -> dict[str, Any]:
        if not self._index.exists():
            return {"active": BASE_VERSION, "versions": []}
        try:
            data = json.loads(self._index.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:  # ValueError covers bad JSON and bytes that are not UTF-8
            raise self._damaged() from exc
        if not isinstance(data, dict) or not isinstance(data.setdefault("versions", []), list):
            raise self._damaged()
        return data

    def _damaged(self) -> UserFacingError:
        return UserFacingError(f"The model version list {self._index} is unreadable.")

    def _write(self, data: dict[str, Any]) -> None:
        atomic_write_text(self._index, json.dumps(data, indent=2))

    def versions(self) -> list[ModelVersion]:
        """Every version, the shipped base first."""
        base = ModelVersion(BASE_VERSION, str(self.base_weights), None, "", "busviewer", note="shipped weights")
        try:
            stored = [ModelVersion(**v) for v in self._read()["versions"]]
        except TypeError as exc:  # an entry that is not an object, or lacks or adds fields
            raise self._damaged() from exc
        return [base] + stored

    def get(self, version_id: str) -> ModelVersion:
        for version in self.versions():
            if version.version_id == version_id:
                return version
        raise UserFacingError(f"There is no model version {version_id!r}.")

    @property
    def active_id(self) -> str:
        active = str(self._read().get("active", BASE_VERSION))
        known = {v.version_id for v in self.versions()}
        return active if active in known else BASE_VERSION

    def active(self) -> ModelVersion:
        return self.get(self.active_id)

    def weights_path(self, version: ModelVersion) -> Path:
        path = Path(version.weights_file)
        return path if path.is_absolute() else self.root / path

    def new_weights_path(self) -> tuple[str, Path]:
        """A fresh version id and the file its weights should be written to."""
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
        version_id = f"ft-{stamp}"
        n = 1
        while (self.root / f"{version_id}.safetensors").exists():
            n += 1
            version_id = f"ft-{stamp}-{n}"
        return version_id, self.root / f"{version_id}.safetensors"

    def register(self, version: ModelVersion, activate: bool) -> ModelVersion:
        """Record a version whose weights file already exists; optionally make it active in the same write."""
        if not self.weights_path(version).is_file():
            raise UserFacingError(f"The weights of version {version.version_id} are missing.")
        with self._lock:
            data = self._read()
            data["versions"].append(asdict(version))
            if activate:
                data["active"] = version.version_id
            self._write(data)
        return version

    def import_weights(self, source: Path) -> tuple[str, Path]:
        """Copy a weights file into the registry folder (e.g. a CLI fine-tune's output)."""
        version_id, target = self.new_weights_path()
        shutil.copyfile(source, target)
        return version_id, target

    def activate(self, version_id: str) -> ModelVersion:
        version = self.get(version_id)
        with self._lock:
            data = self._read()
            data["active"] = version.version_id
            self._write(data)
        return version

    def rollback(self) -> ModelVersion:
        """Activate the parent of the active version (the base stays where it is)."""
        active = self.active()
        return self.activate(active.parent or BASE_VERSION)

