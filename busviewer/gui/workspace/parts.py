"""What the workspace controller's parts (its autosave and decisions mixins) share: the controller's
attributes they read, declared once. :class:`~busviewer.gui.workspace.controller.WorkspaceController` sets them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from PySide6.QtCore import QTimer, SignalInstance

    from busviewer.core.review_state import ReviewState
    from busviewer.gui.workspace.case_columns import CaseColumns
    from busviewer.gui.workspace.store_worker import StoreWorker


class WorkspacePart:
    """Base of the workspace controller's parts."""

    window: Any
    review: Any
    worker: StoreWorker | None
    workspace_dir: Path | None
    columns: CaseColumns
    rows_changed: SignalInstance
    _finetune_refresh: QTimer
    _dirty: dict[str, ReviewState]
    _listed_keys: set[str]
