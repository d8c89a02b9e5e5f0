"""The case store in the GUI: autosave and restore of the review per opened folder, case statuses and
decisions in the case list, and the export dialog.

``busviewer.app`` calls :func:`install_workspace` after the review workspace and the fine-tune panel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from busviewer.gui.workspace.controller import WorkspaceController


def install_workspace(window: Any, **options: Any) -> WorkspaceController:
    """Attach the workspace to ``window`` (which should already have ``review`` and ``finetune``) and return it.

    Parameters
    ----------
    window
        The main window.
    **options
        Passed to :class:`WorkspaceController` (``autosave_delay_ms``).

    Returns
    -------
    WorkspaceController
        Keep it alive (``window.workspace = install_workspace(window)``).
    """
    from busviewer.gui.workspace.controller import WorkspaceController

    return WorkspaceController(window, **options)
