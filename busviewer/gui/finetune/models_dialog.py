"""The model versions dialog: every version with its parent, cases and scores; activate one or roll back.

The dialog reads the registry and forwards the two actions to callbacks (the controller swaps the weights).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from busviewer.core.errors import UserFacingError
from busviewer.io.model_registry import BASE_VERSION, ModelRegistry, ModelVersion

COLUMNS = ("", "Version", "Parent", "Created", "By", "Cases", "Dice before", "Dice after", "Gate", "Held out")


def _score(metrics: dict[str, object], key: str) -> str:
    value = metrics.get(key)
    return "–" if value is None else f"{float(value):.3f}"  # type: ignore[arg-type]


def gate_text(version: ModelVersion) -> str:
    """``accepted`` / ``refused`` / ``not gated`` (``, overridden`` when activated anyway); a dash for the base."""
    if version.version_id == BASE_VERSION:
        return "–"
    return version.gate_label + (", overridden" if version.overrides else "")


def gate_tip(version: ModelVersion) -> str:
    """The gate's reason with the held-out counts (the Gate and Held out cells' tooltip)."""
    if version.version_id == BASE_VERSION:
        return "The shipped weights: not fine-tuned here."
    reason = version.gate_reason or "reason not recorded"
    cases = f"\nHeld-out cases: {', '.join(version.validation_ids)}" if version.validation_ids else ""
    return f"{reason} ({version.held_out_text}).{cases}"


def version_row(version: ModelVersion, active_id: str) -> list[str]:
    """The table cells of one version, in ``COLUMNS`` order."""
    created = version.created_at.replace("T", " ").replace("+00:00", " UTC") if version.created_at else "shipped"
    cases = str(len(version.case_ids) + len(version.validation_ids)) if version.parent is not None else "–"
    return [
        "●" if version.version_id == active_id else "",
        version.version_id,
        version.parent or "–",
        created,
        version.created_by,
        cases,
        _score(version.metrics_before, "dice"),
        _score(version.metrics_after, "dice"),
        gate_text(version),
        _held_out_cell(version),
    ]


def _held_out_cell(version: ModelVersion) -> str:
    if version.version_id == BASE_VERSION:
        return "–"
    if not version.gate_counts_known:
        return "not recorded"
    return f"{version.held_out_patients} pat · {version.held_out_lesion_scans} lesion · {version.held_out_normal_scans} normal"


class ModelsDialog(QDialog):
    """Lists the registry's versions (active one marked), with Activate selected and Roll back.

    Parameters
    ----------
    registry
        The versions shown; re-read after every action.
    activate
        Called with a version id; returns True when the version is now active.
    rollback
        Called to activate the active version's parent; returns True on success.
    """

    def __init__(
        self,
        registry: ModelRegistry,
        activate: Callable[[str], bool],
        rollback: Callable[[], bool],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Model versions")
        self.resize(820, 320)
        self._registry = registry
        self._activate = activate
        self._rollback = rollback
        self._active_id: str | None = None

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(lambda _index: self.activate_selected())

        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        # The selected version's gate reason, counts and held-out cases, in full.
        self.detail_label = QLabel("")
        self.detail_label.setWordWrap(True)
        self.detail_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._versions: dict[str, ModelVersion] = {}
        self.activate_button = QPushButton("Activate selected")
        self.activate_button.clicked.connect(self.activate_selected)
        self.rollback_button = QPushButton("Roll back")
        self.rollback_button.setToolTip("Go back to the version that was active before this one")
        self.rollback_button.clicked.connect(self.roll_back)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)

        buttons = QHBoxLayout()
        buttons.addWidget(self.activate_button)
        buttons.addWidget(self.rollback_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail_label)
        layout.addWidget(self.status_label)
        layout.addLayout(buttons)
        self.refresh()

    def refresh(self) -> None:
        """Re-read the registry and show every version, the active one in bold."""
        try:
            versions = self._registry.versions()
            active_id = self._registry.active_id
        except UserFacingError as exc:
            self.table.setRowCount(0)
            self._active_id = None
            self.status_label.setText(str(exc))
            self._update_buttons()
            return
        self._active_id = active_id
        self.table.setRowCount(len(versions))
        bold = QFont(self.font())
        bold.setBold(True)
        for row, version in enumerate(versions):
            for column, text in enumerate(version_row(version, active_id)):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, version.version_id)
                if version.version_id == active_id:
                    item.setFont(bold)
                if COLUMNS[column] in ("Gate", "Held out"):
                    item.setToolTip(gate_tip(version))
                self.table.setItem(row, column, item)
        self._versions = {version.version_id: version for version in versions}
        self.status_label.setText(f"Active: {active_id}. New predictions use the active version.")
        self._update_buttons()

    def selected_version_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 1)
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def select_version(self, version_id: str) -> None:
        """Select the row of ``version_id`` (for keyboard users and tests)."""
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 1)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == version_id:
                self.table.selectRow(row)
                return

    def activate_selected(self) -> None:
        version_id = self.selected_version_id()
        if version_id is not None and version_id != self._active_id:
            self._activate(version_id)
        self.refresh()

    def roll_back(self) -> None:
        self._rollback()
        self.refresh()

    def _update_buttons(self) -> None:
        selected = self.selected_version_id()
        active_id = self._active_id
        self.activate_button.setEnabled(selected is not None and selected != active_id)
        self.rollback_button.setEnabled(active_id is not None and active_id != BASE_VERSION)
        version = self._versions.get(selected) if selected is not None else None
        self.detail_label.setText(f"{version.version_id}: {gate_tip(version)}" if version is not None else "")
