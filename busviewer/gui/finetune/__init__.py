"""One-click fine-tuning in the GUI: the panel, its worker, case collection and the model versions dialog."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from busviewer.gui.finetune.controller import CaseSource, FineTuneController
    from busviewer.io.model_registry import ModelRegistry


def install_finetune(
    window: Any, registry: ModelRegistry | None = None, case_source: CaseSource | None = None, **options: Any
) -> FineTuneController:
    """Add the "Fine-tune" side panel to ``window`` and return its controller (keep it alive).

    Parameters
    ----------
    window
        The main window.
    registry
        Model versions; by default the user's registry whose base is the weights the review workspace
        starts with (``$BUSVIEWER_WEIGHTS`` or the shipped file).
    case_source
        Returns the workspace's ``CaseRecord`` objects with masks (the store's ``list_cases``).
    **options
        Passed to ``FineTuneController`` (``config``, ``device``, ``on_weights_changed``, ``load_frame``).
    """
    from busviewer.gui.finetune.controller import FineTuneController
    from busviewer.services.weights import user_registry

    if registry is None:
        registry = user_registry()
    return FineTuneController(window, registry, case_source, **options)
