"""Keep full garbage collections short enough that they never freeze the window.

A full collection walks every tracked object while holding the GIL: with Qt, pyqtgraph and our modules
loaded that is about 100,000 objects and 30-60 ms on a 2-core machine, enough to stall painting. The
objects alive once start-up is done (modules, classes, widgets) live as long as the app, so they are
moved to the permanent generation, which collections skip; later collections walk only what came after.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)


def freeze_startup_objects() -> None:
    """Exclude every object alive now from future collections (call once start-up has finished)."""
    gc.freeze()
    log.debug("%d start-up objects excluded from garbage collection", gc.get_freeze_count())
