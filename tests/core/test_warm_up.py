"""The start-up warm-up covers every lazy import of the per-edit computations (so none lands in a stroke)."""

from __future__ import annotations

import subprocess
import sys

#: In a fresh interpreter, because this test process has imported most of SciPy already.
_PROBE = """
import sys
import numpy as np
from busviewer.core.warm_up import warm_up_lesion_computations
from busviewer.core.birads import assess_lesion
from busviewer.core.measurements import measure_mask

warm_up_lesion_computations()
before = set(sys.modules)
rng = np.random.default_rng(3)
image = rng.integers(0, 255, (300, 400), dtype=np.uint8)
mask = np.zeros((300, 400), bool)
mask[80:200, 100:320] = True
mask[150:230, 250:300] = True
measure_mask(mask)
assess_lesion(image, mask, (0.1, 0.3, 0.6))
print(sorted(set(sys.modules) - before))
"""


def test_after_the_warm_up_measuring_and_describing_a_lesion_imports_nothing_new() -> None:
    result = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == "[]"
