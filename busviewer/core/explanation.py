"""What a Grad-CAM explains by default: the one rule the screen, the PDF reports, ``predict`` and ``evaluate`` share.

The AI's class when it sees a lesion (benign or malignant): the map then shows what drove that call. For a
scan it calls normal there is no lesion class to explain, so the map explains the lesion output instead
(where the network would have drawn one), which is also what it shows when no prediction exists yet.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from busviewer.core.constants import CLASS_NAMES

#: Target of a Grad-CAM of the lesion (mask) output rather than a class score.
LESION_TARGET = "lesion"
#: The GUI's "explain the AI's class" choice, resolved with :func:`gradcam_target`.
AI_CLASS_TARGET = "class"


def gradcam_target(probabilities: Sequence[float] | np.ndarray | None) -> str:
    """``benign`` or ``malignant`` when that is the AI's class; ``lesion`` for normal or no prediction."""
    if probabilities is None:
        return LESION_TARGET
    name = CLASS_NAMES[int(np.argmax(np.asarray(probabilities)))]
    return LESION_TARGET if name == "normal" else name
