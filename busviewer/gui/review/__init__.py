"""Review workspace: AI proposal, class panel, Grad-CAM, uncertainty, mask editing and measurements.

``busviewer.app`` calls :func:`install_review` once the window is on screen; nothing here imports torch,
so installing is quick: the network loads and runs in the compute process (``busviewer.services.compute``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction, QKeySequence

if TYPE_CHECKING:
    from busviewer.gui.review.controller import ReviewController

logger = logging.getLogger(__name__)


def install_review(window: Any, weights: Path | None = None, device: str = "auto") -> ReviewController:
    """Attach the review workspace to ``window`` and return its controller.

    Parameters
    ----------
    window
        The :class:`~busviewer.gui.main_window.MainWindow` (or anything with the same attributes).
    weights
        Model weights to use; ``$BUSVIEWER_WEIGHTS`` or ``models/busviewer-attn-unet.safetensors`` when None.
    device
        ``auto``, ``cpu``, ``cuda`` or ``mps``.

    Returns
    -------
    ReviewController
        Keep it alive (``window.review = install_review(window)``).
    """
    from busviewer.gui.review.controller import ReviewController
    from busviewer.gui.review.key_frames import KeyFrameMarker
    from busviewer.gui.review.layer_settings import bind_layer_settings

    controller = ReviewController(window, weights=weights, device=device)
    controller.key_frames = KeyFrameMarker(window, controller)
    _give_review_keys_priority(window, [*controller.shortcut_actions(), controller.key_frames.action])
    settings = getattr(window, "settings", None)
    if settings is not None:
        bind_layer_settings(controller.layers_panel, settings)
    return controller


def _give_review_keys_priority(window: Any, review_actions: list[QAction]) -> None:
    """Take the review's single keys (e.g. R for Run AI) off other window actions that also claim them.

    Two actions with the same shortcut make Qt ignore the key altogether, so a clash would silently
    disable both; the review's keys are the ones the issue specifies.
    """
    ours = {action for action in review_actions}
    wanted = {key.toString() for action in review_actions for key in action.shortcuts() if not key.isEmpty()}
    for action in window.findChildren(QAction):
        if action in ours:
            continue
        keys = action.shortcuts()
        kept = [key for key in keys if key.toString() not in wanted]
        if len(kept) != len(keys):
            logger.warning(
                "shortcut %s of %r is taken by the review workspace",
                ", ".join(k.toString() for k in keys if k not in kept),
                action.text(),
            )
            action.setShortcuts([QKeySequence(key) for key in kept])
