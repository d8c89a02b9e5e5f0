"""Model versions in the user's data folder: each fine-tune is a version with its parent, cases and scores.

``versions.json`` is the single record (rewritten atomically, under a file lock, since the GUI, its compute
child and shell commands all write it); the weights live beside it. The shipped weights are the implicit
root version ``base``. The fine-tune gate is enforced here, where every path that activates a version
passes (the panel, the versions dialog, ``busviewer models``): a version the gate refused, or never
measured, becomes active only with an explicit override, which is recorded on the version.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from busviewer.core.atomic import atomic_write_text
from busviewer.core.case import current_user, utc_now_iso
from busviewer.core.errors import UserFacingError
from busviewer.core.file_lock import locked
from busviewer.core.gate import ACCEPTED, NOT_GATED, REFUSED, SHIPPED, dice_change_text
from busviewer.core.paths import familiarity_reference_path, user_data_dir

BASE_VERSION = "base"


@dataclass
class ModelVersion:
    """One set of weights the app can activate.

    Attributes
    ----------
    accepted_by_gate
        The gate measured this version on held-out cases and its Dice rose (``busviewer.core.gate``).
    gated
        False when nobody measured it here (an imported file): its own claims are not trusted.
    overrides
        Every activation despite the gate: ``{"by", "at", "reason"}``.
    gate_reason
        The gate's one-sentence reason (``busviewer.core.gate.GateDecision.reason``); empty for versions
        registered before the gate gave one.
    held_out_patients, held_out_lesion_scans, held_out_normal_scans
        What the gate's verdict rests on; None when not recorded (older versions, imported files).
    """

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
    gated: bool = True
    overrides: list[dict[str, str]] = field(default_factory=list)
    gate_reason: str = ""
    held_out_patients: int | None = None
    held_out_lesion_scans: int | None = None
    held_out_normal_scans: int | None = None

    @property
    def held_out_text(self) -> str:
        """``3 patients, 12 lesion scans, 4 normal scans held out``: the same words in the fine-tune panel,
        the models dialog and ``busviewer models list``; says so when the counts were never recorded."""
        return held_out_text(self.held_out_patients, self.held_out_lesion_scans, self.held_out_normal_scans)

    @property
    def gate_label(self) -> str:
        """The gate status to show: ``accepted`` only with its held-out counts recorded, else
        ``accepted (counts not recorded)``; never a bare "accepted" without what it rests on."""
        status = self.gate_status
        return f"{status} (counts not recorded)" if status == ACCEPTED and not self.gate_counts_known else status

    @property
    def gate_counts_known(self) -> bool:
        """True when the held-out counts the verdict rests on were recorded: only then is "accepted" shown as one."""
        return None not in (self.held_out_patients, self.held_out_lesion_scans, self.held_out_normal_scans)

    @property
    def gate_status(self) -> str:
        """``shipped``, ``accepted``, ``refused`` or ``not gated``."""
        if self.version_id == BASE_VERSION:
            return SHIPPED
        if not self.gated:
            return NOT_GATED
        return ACCEPTED if self.accepted_by_gate else REFUSED

    def gate_objection(self) -> str | None:
        """Why activating this version needs an override, as one sentence; None when it does not."""
        status = self.gate_status
        if status == REFUSED:
            if self.gate_reason:
                return f"The gate refused version {self.version_id}: {self.gate_reason} ({self.held_out_text})."
            return (f"The gate refused version {self.version_id}: on its held-out cases "
                    f"{dice_change_text(self.metrics_before, self.metrics_after)}.")
        if status == NOT_GATED:
            return f"Version {self.version_id} was imported and never measured by the gate."
        return None


def held_out_text(patients: int | None, lesion_scans: int | None, normal_scans: int | None) -> str:
    """The held-out counts a gate verdict rests on, in words; ``held-out counts not recorded`` when unknown."""
    if patients is None or lesion_scans is None or normal_scans is None:
        return "held-out counts not recorded"

    def count(n: int, word: str) -> str:
        return f"{n} {word}{'s' if n != 1 else ''}"

    return (f"{count(patients, 'patient')}, {count(lesion_scans, 'lesion scan')}, "
            f"{count(normal_scans, 'normal scan')} held out")


class GateRefusal(UserFacingError):
    """Activating a version the gate refused (or never measured) was asked for without an override."""

    def __init__(self, version: ModelVersion) -> None:
        super().__init__(f"{version.gate_objection()} Activate it only with an explicit override.")
        self.version = version


class ModelRegistry:
    """Versions, the active choice, activation and rollback; safe to share between threads and processes."""

    def __init__(self, base_weights: Path, root: Path | None = None) -> None:
        self.root = root or (user_data_dir() / "models")
        self.root.mkdir(parents=True, exist_ok=True)
        self.base_weights = Path(base_weights)
        self._index = self.root / "versions.json"
        self._lock_path = self.root / "versions.lock"

    def _read(self) -> dict[str, Any]:
        if not self._index.exists():
            return {"active": BASE_VERSION, "versions": [], "history": []}
        try:
            data = json.loads(self._index.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:  # ValueError covers bad JSON and bytes that are not UTF-8
            raise self._damaged() from exc
        if not isinstance(data, dict) or not isinstance(data.setdefault("versions", []), list):
            raise self._damaged()
        if not isinstance(data.setdefault("history", []), list):
            data["history"] = []
        return data

    def _damaged(self) -> UserFacingError:
        return UserFacingError(f"The model version list {self._index} is unreadable.")

    def _write(self, data: dict[str, Any]) -> None:
        atomic_write_text(self._index, json.dumps(data, indent=2))

    def _base(self) -> ModelVersion:
        return ModelVersion(BASE_VERSION, str(self.base_weights), None, "", "busviewer", note="shipped weights")

    def _versions_of(self, data: dict[str, Any]) -> list[ModelVersion]:
        try:
            stored = [ModelVersion(**v) for v in data["versions"]]
        except TypeError as exc:  # an entry that is not an object, or lacks or adds fields
            raise self._damaged() from exc
        return [self._base()] + stored

    def versions(self) -> list[ModelVersion]:
        """Every version, the shipped base first."""
        return self._versions_of(self._read())

    def get(self, version_id: str) -> ModelVersion:
        for version in self.versions():
            if version.version_id == version_id:
                return version
        raise UserFacingError(f"There is no model version {version_id!r}.")

    @property
    def active_id(self) -> str:
        data = self._read()
        active = str(data.get("active", BASE_VERSION))
        known = {v.version_id for v in self._versions_of(data)}
        return active if active in known else BASE_VERSION

    def active(self) -> ModelVersion:
        return self.get(self.active_id)

    def weights_path(self, version: ModelVersion) -> Path:
        path = Path(version.weights_file)
        return path if path.is_absolute() else self.root / path

    def new_weights_path(self) -> tuple[str, Path]:
        """A fresh version id and the file its weights should be written to (reserved at once, so two
        processes saving in the same second never pick the same name)."""
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
        n = 1
        while True:
            version_id = f"ft-{stamp}" if n == 1 else f"ft-{stamp}-{n}"
            path = self.root / f"{version_id}.safetensors"
            try:
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
            except FileExistsError:
                n += 1
                continue
            return version_id, path

    def register(self, version: ModelVersion, activate: bool, override: bool = False) -> ModelVersion:
        """Record a version whose weights file already exists; optionally make it active in the same write.

        Raises
        ------
        GateRefusal
            ``activate`` for a version the gate refused or never measured, without ``override``.
        """
        path = self.weights_path(version)
        if not path.is_file() or path.stat().st_size == 0:
            raise UserFacingError(f"The weights of version {version.version_id} are missing.")
        if activate and version.gate_objection() is not None and not override:
            raise GateRefusal(version)
        with locked(self._lock_path):
            data = self._read()
            if activate:
                self._record_override(version, override)
                self._switch(data, version.version_id)
            data["versions"].append(asdict(version))
            self._write(data)
        return version

    def import_weights(self, source: Path) -> tuple[str, Path]:
        """Copy a weights file into the registry folder (e.g. a CLI fine-tune's output), with the familiarity
        reference beside it when there is one (without it the imported model's scans would not be checked)."""
        version_id, target = self.new_weights_path()
        reference = familiarity_reference_path(source)
        if reference.is_file():
            shutil.copyfile(reference, familiarity_reference_path(target))
        shutil.copyfile(source, target)
        return version_id, target

    def activate(self, version_id: str, override: bool = False, by: str | None = None) -> ModelVersion:
        """Make ``version_id`` active; the one it replaces is remembered for :meth:`rollback`.

        Parameters
        ----------
        override
            Activate even though the gate refused (or never measured) the version; the override is
            recorded on the version with who and when.

        Raises
        ------
        GateRefusal
            The gate objects to the version and ``override`` is False.
        """
        with locked(self._lock_path):
            data = self._read()
            version = self._find(data, version_id)
            if version.gate_objection() is not None:
                if not override:
                    raise GateRefusal(version)
                self._record_override(version, True, by)
                self._replace(data, version)
            self._switch(data, version.version_id)
            self._write(data)
        return version

    def rollback(self) -> ModelVersion:
        """Go back to the version that was active before the current one (the shipped base when none was).

        Versions removed since, or the current one itself, are skipped. Rolling back does not add to the
        history, so repeated rollbacks keep walking back.
        """
        with locked(self._lock_path):
            data = self._read()
            known = {v.version_id for v in self._versions_of(data)}
            current = str(data.get("active", BASE_VERSION))
            history = [h for h in data["history"] if h in known]
            target = BASE_VERSION
            while history:
                candidate = history.pop()
                if candidate != current:
                    target = candidate
                    break
            data["history"] = history
            data["active"] = target
            self._write(data)
            return self._find(data, target)

    def restore_active(self, version_id: str) -> None:
        """Put back the version that was active a moment ago (the app could not load the new one).

        No gate check and no history entry: this undoes a switch, it is not a new activation.
        """
        with locked(self._lock_path):
            data = self._read()
            self._find(data, version_id)
            if data["history"] and data["history"][-1] == version_id:
                data["history"].pop()
            data["active"] = version_id
            self._write(data)

    def _find(self, data: dict[str, Any], version_id: str) -> ModelVersion:
        for version in self._versions_of(data):
            if version.version_id == version_id:
                return version
        raise UserFacingError(f"There is no model version {version_id!r}.")

    @staticmethod
    def _switch(data: dict[str, Any], version_id: str) -> None:
        current = str(data.get("active", BASE_VERSION))
        if current != version_id:
            data["history"].append(current)
        data["active"] = version_id

    @staticmethod
    def _record_override(version: ModelVersion, override: bool, by: str | None = None) -> None:
        objection = version.gate_objection()
        if override and objection is not None:
            version.overrides.append({"by": by or current_user(), "at": utc_now_iso(), "reason": objection})

    @staticmethod
    def _replace(data: dict[str, Any], version: ModelVersion) -> None:
        data["versions"] = [asdict(version) if v.get("version_id") == version.version_id else v
                            for v in data["versions"]]
