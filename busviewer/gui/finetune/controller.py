"""Wires the fine-tune panel to the worker and the model registry, and swaps the app's weights on activation."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtGui import QAction

from busviewer.core.case import CaseRecord
from busviewer.core.errors import UserFacingError
from busviewer.core.finetune_cases import FrameLoader, count_usable, describe_skipped
from busviewer.gui.finetune.models_dialog import ModelsDialog
from busviewer.gui.finetune.panel import FineTunePanel
from busviewer.gui.finetune.worker import FineTuneWorker
from busviewer.io.model_registry import BASE_VERSION, GateRefusal, ModelRegistry, ModelVersion
from busviewer.services.finetune import FineTuneOutcome

log = logging.getLogger(__name__)

#: Returns the workspace's case records with their masks (e.g. ``CaseStore.list_cases``).
CaseSource = Callable[[], Iterable[CaseRecord]]
#: Usable reviewed cases and skipped counts by reason, cheaply (no mask or image read).
CaseCounter = Callable[[], tuple[int, dict[str, int]]]
#: Told the weights file and version id whenever the active version changes.
WeightsListener = Callable[[Path, str], None]
#: Asked whether to activate a version the gate objects to; True means: override, and record it.
OverrideQuestion = Callable[[ModelVersion], bool]


def model_status_text(version_id: str) -> str:
    """The permanent status line naming the active version, so every prediction can be traced to it."""
    kind = "shipped" if version_id == BASE_VERSION else "fine-tuned"
    return f"model: {version_id} ({kind})"


class FineTuneController(QObject):
    """One-click fine-tuning for a main window: the panel, the job, and model activation and rollback.

    Parameters
    ----------
    window
        The main window (``add_side_panel``, ``set_permanent_status``, ``show_error``, ``show_status``;
        ``review.set_weights`` and ``tools_menu`` are used when present).
    registry
        The model versions; the active one is what inference uses.
    case_source
        Returns the workspace's case records; None until a workspace is open.
    config
        A ``FineTuneConfig`` for the runs; the defaults when None.
    on_weights_changed
        Called with (weights path, version id) after the active version changed; by default the
        review workspace's ``set_weights`` is called and the status line updated.
    confirm_override
        Asked, with the version, before a version the gate refused (or never measured) is activated;
        True activates it and records the override. By default a question dialog that names the Dice drop.
    """

    def __init__(
        self,
        window: Any,
        registry: ModelRegistry,
        case_source: CaseSource | None = None,
        config: Any | None = None,
        device: str = "auto",
        on_weights_changed: WeightsListener | None = None,
        load_frame: FrameLoader | None = None,
        confirm_override: OverrideQuestion | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.registry = registry
        self.config = config
        self.device = device
        self.worker: FineTuneWorker | None = None
        self.candidate: FineTuneOutcome | None = None
        self.dialog: ModelsDialog | None = None
        self._case_source = case_source
        self._case_counter: CaseCounter | None = None
        self._prepare: Callable[[], None] | None = None
        self._load_frame = load_frame
        self._on_weights_changed = on_weights_changed or self.apply_weights_to_window
        self._confirm_override = confirm_override or self.ask_override

        self.panel = FineTunePanel()
        self.dock = window.add_side_panel("Fine-tune", self.panel, tab_with="Measurements")
        self.panel.sig_start_requested.connect(self.start)
        self.panel.sig_cancel_requested.connect(self.cancel)
        self.panel.sig_activate_requested.connect(self.activate_candidate)
        self.panel.sig_models_requested.connect(self.open_models_dialog)
        self.panel.sig_refresh_requested.connect(self.refresh_cases)
        tools_menu = getattr(window, "tools_menu", None)
        if tools_menu is not None:
            action = QAction("Fine-tune on reviewed cases…", self)
            action.triggered.connect(self.show_panel)
            tools_menu.addAction(action)
            models_action = QAction("Model versions…", self)
            models_action.triggered.connect(self.open_models_dialog)
            tools_menu.addAction(models_action)
        app = QCoreApplication.instance()
        if app is not None:
            # Quitting mid-run cancels the job, so no half-finished candidate is saved.
            app.aboutToQuit.connect(self.shutdown)
        self.refresh_cases()
        self._sync_active_on_start()

    # ------------------------------------------------------------------ cases

    def set_case_source(
        self, case_source: CaseSource | None, counter: CaseCounter | None = None, prepare: Callable[[], None] | None = None
    ) -> None:
        """Use another workspace's cases (e.g. after a folder was opened).

        Parameters
        ----------
        case_source
            Returns the case records with masks; called on the job's worker thread when a run starts.
        counter
            Usable and skipped counts without any I/O (the case list's rows); without it the count
            calls ``case_source`` (fine for sources held in memory).
        prepare
            Called on the GUI thread before a run starts (the workspace sends its pending saves).
        """
        self._case_source = case_source
        self._case_counter = counter
        self._prepare = prepare
        self.refresh_cases()

    def _records(self) -> list[CaseRecord]:
        return list(self._case_source()) if self._case_source is not None else []

    def refresh_cases(self) -> int:
        """Recount the usable reviewed cases and show the count; returns it."""
        if self._case_source is None:
            self.panel.set_case_count(0, "")
            self.panel.case_label.setText("Open a workspace to fine-tune on its corrected and approved cases.")
            return 0
        try:
            usable, skipped = self._case_counter() if self._case_counter is not None else count_usable(self._records())
        except UserFacingError as exc:
            self.window.show_error(str(exc))
            return 0
        self.panel.set_case_count(usable, describe_skipped(skipped))
        return usable

    # ------------------------------------------------------------------ the run

    def show_panel(self) -> None:
        self.dock.show()
        self.dock.raise_()

    @property
    def is_running(self) -> bool:
        return self.worker is not None and self.worker.is_running

    def start(self) -> bool:
        """Start a fine-tune of the active model on the reviewed cases; False when one is already running."""
        if self.is_running:
            return False
        if self._prepare is not None:
            self._prepare()
        self.candidate = None
        # The records (masks included) are read on the job's thread, never here on the GUI thread.
        worker = FineTuneWorker(self.registry, self._records, self.config, self.device, self._load_frame, parent=self)
        worker.sig_phase.connect(self.panel.show_phase)
        worker.sig_progress.connect(self.panel.show_progress)
        worker.sig_epoch.connect(self.panel.add_epoch)
        worker.sig_done.connect(self._on_done)
        worker.sig_failed.connect(self._on_failed)
        self.worker = worker
        self.panel.set_running(True)
        worker.start()
        self.window.show_status("Fine-tuning started; you can keep reviewing meanwhile.")
        return True

    def cancel(self) -> None:
        """Stop the running fine-tune after its current step; the active model stays as it is."""
        if self.worker is not None:
            self.worker.cancel()

    def shutdown(self, timeout_s: float = 30.0) -> None:
        """Cancel a running job and wait for its thread (call when the app quits)."""
        if self.worker is not None and self.worker.is_running:
            self.worker.cancel()
            self.worker.wait(timeout_s)

    def _on_done(self, outcome: FineTuneOutcome) -> None:
        self.panel.show_outcome(outcome)
        if outcome.cancelled:
            self.window.show_status("Fine-tune cancelled; the active model is unchanged.")
            return
        self.candidate = outcome
        verdict = "accepted" if outcome.accepted else "refused"
        name = outcome.version.version_id if outcome.version else "?"
        self.window.show_status(f"Fine-tune finished: candidate {name} saved, gate {verdict}.")
        if self.dialog is not None:
            self.dialog.refresh()

    def _on_failed(self, sentence: str) -> None:
        self.panel.show_failed(sentence)
        self.window.show_error(sentence)

    # ------------------------------------------------------------------ versions

    def activate_candidate(self, force: bool = False) -> bool:
        """Activate the last run's candidate; ``force`` is the panel's explicit override of a refusal."""
        candidate = self.candidate
        if candidate is None or candidate.version is None:
            return False
        if not self.activate(candidate.version.version_id, override=force):
            return False
        self.panel.set_candidate_activated(candidate.version.version_id)
        return True

    def activate(self, version_id: str, override: bool = False) -> bool:
        """Make ``version_id`` the active model (persisted) and swap the app's weights to it.

        A version the gate refused (or never measured) is activated only when ``override`` is given or
        the user confirms the question that names its Dice drop; the override is recorded on the version.
        """
        try:
            previous = self.registry.active_id
            try:
                version = self.registry.activate(version_id, override=override)
            except GateRefusal as refusal:
                if not self._confirm_override(refusal.version):
                    self.window.show_status(f"Model not changed: {refusal.version.gate_objection()}")
                    return False
                version = self.registry.activate(version_id, override=True)
        except UserFacingError as exc:
            self.window.show_error(str(exc))
            return False
        if version.overrides:
            log.warning("model %s activated over the gate's objection by %s", version.version_id,
                        version.overrides[-1]["by"])
        if not self._apply(version):
            self.registry.restore_active(previous)
            return False
        self.window.show_status(f"Model {version.version_id} is active.")
        return True

    def ask_override(self, version: ModelVersion) -> bool:
        """The default question before activating a version the gate objects to."""
        from PySide6.QtWidgets import QMessageBox

        answer = QMessageBox.warning(
            self.panel.window(), "Activate against the gate?",
            f"{version.gate_objection()}\n\nActivate it anyway? The override is recorded with your name.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def rollback(self) -> bool:
        """Go back to the previously active version and swap the app's weights back to it."""
        try:
            previous = self.registry.active_id
            version = self.registry.rollback()
        except UserFacingError as exc:
            self.window.show_error(str(exc))
            return False
        if not self._apply(version):
            self.registry.restore_active(previous)
            return False
        self.window.show_status(f"Rolled back to model {version.version_id}.")
        return True

    def open_models_dialog(self) -> ModelsDialog:
        """Show (or raise) the versions dialog; it stays open beside the window."""
        if self.dialog is None:
            self.dialog = ModelsDialog(self.registry, self.activate, self.rollback, parent=self.panel.window())
        self.dialog.refresh()
        self.dialog.show()
        self.dialog.raise_()
        return self.dialog

    def apply_weights_to_window(self, path: Path, version_id: str) -> None:
        """Default listener: hand the weights to the review workspace and name the version in the status bar."""
        review = getattr(self.window, "review", None)
        set_weights = getattr(review, "set_weights", None)
        if callable(set_weights):
            set_weights(path)
        self.window.set_permanent_status("model", model_status_text(version_id))

    def _apply(self, version: ModelVersion) -> bool:
        path = self.registry.weights_path(version)
        if not path.is_file():
            self.window.show_error(f"The weights of model {version.version_id} are missing from {path.parent}.")
            return False
        try:
            self._on_weights_changed(path, version.version_id)
        except UserFacingError as exc:
            self.window.show_error(str(exc))
            return False
        return True

    def _sync_active_on_start(self) -> None:
        # The weights policy (busviewer.services.weights) already started the review on the registry's
        # active version unless $BUSVIEWER_WEIGHTS overrides it; say in the status line which one it is.
        from busviewer.services.weights import choose_weights

        try:
            choice = choose_weights(registry=self.registry)
        except UserFacingError as exc:
            self.window.show_error(str(exc))
            return
        if choice.source == "registry":
            self._apply(self.registry.active())
        elif choice.source == "environment":
            self.window.set_permanent_status("model", f"model: {choice.describe()}")
