"""Run the per-edit computations once on a small synthetic lesion, so their lazy imports happen now.

scikit-image and SciPy load many submodules (``scipy.stats``, ``scipy.signal``, ...) on first use. When
that first use is a measurement after the reader's first brush stroke, the import and the garbage
collection that walks the freshly imported objects stall painting for 60-100 ms. The app runs this once
at start-up, on a worker thread, before it excludes the start-up objects from collection.
"""

from __future__ import annotations

import numpy as np

#: Side of the synthetic frame: big enough for every measurement and BI-RADS descriptor to run.
_WARM_UP_SIDE = 96


def warm_up_lesion_computations() -> None:
    """Measure and describe a synthetic elliptical lesion once (the result is discarded)."""
    # Imported here, on the worker: at module level they would delay the window's first paint.
    from busviewer.core.birads import assess_lesion
    from busviewer.core.measurements import measure_mask

    rows, cols = np.ogrid[:_WARM_UP_SIDE, :_WARM_UP_SIDE]
    centre = _WARM_UP_SIDE / 2
    lesion = ((rows - centre) / 18.0) ** 2 + ((cols - centre) / 28.0) ** 2 <= 1.0
    image = np.where(lesion, 40, 140).astype(np.uint8)
    measure_mask(lesion)
    assess_lesion(image, lesion, (0.2, 0.5, 0.3))
