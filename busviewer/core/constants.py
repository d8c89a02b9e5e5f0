"""The one source of truth for model constants shared by training, inference, the GUI and the model card."""

from __future__ import annotations

#: Class order of the network's classification head.
CLASS_NAMES: tuple[str, ...] = ("normal", "benign", "malignant")
#: Index of "normal" in ``CLASS_NAMES`` (the class whose right outline is none).
NORMAL_LABEL: int = CLASS_NAMES.index("normal")

#: Square side (pixels) new training runs use unless told otherwise. Every weights file stores its own
#: size, and inference resizes scans to that, so older weights keep working.
INPUT_SIZE: int = 192

#: Input sizes a weights file may ask for (multiples of 16 in between).
MIN_INPUT_SIZE: int = 32
MAX_INPUT_SIZE: int = 1024

#: Probability above which a pixel is called lesion.
MASK_THRESHOLD: float = 0.5

#: The class head's "normal" above this probability may withhold the lesion outline, but only while the
#: lesion map is weak (``STRONG_LESION_MEAN``): chosen with it on the validation parts (model card).
NORMAL_SUPPRESSES_MASK: float = 0.6

#: Also run the horizontally flipped scan and average the two (``--flip-tta`` in the CLI). Off: on the
#: validation split it cost Dice and accuracy with the shipped weights and doubles the forward pass (model card).
FLIP_TTA: bool = False

#: Connected lesion components smaller than this share of the image are dropped as noise.
MIN_LESION_FRACTION: float = 0.0015

#: A lesion component whose summed probability is below this share of the strongest component's is
#: dropped as a weak echo of it. Chosen on the training split, not the validation split (model card).
MIN_COMPONENT_MASS_SHARE: float = 0.1

#: Channels per encoder level of the default Attention U-Net.
DEFAULT_CHANNELS: tuple[int, ...] = (16, 32, 64, 128, 256)

#: Seed for splits and training.
DEFAULT_SEED: int = 42

#: Share of each class held out for validation.
VALIDATION_FRACTION: float = 0.2

#: Fewest corrected cases a fine-tune accepts: fewer cannot be split into a meaningful validation part.
MIN_FINETUNE_CASES: int = 6

#: BUSI saves some scans twice: images whose small grey thumbnails correlate above this are one group
#: and stay on one side of the split (``../shared/README.md``), or validation measures memory.
NEAR_DUPLICATE_CORRELATION: float = 0.95
#: Side of the grey thumbnail (area-resized) whose correlation finds near-identical captures.
TWIN_THUMBNAIL_SIDE: int = 16

#: A lesion outline whose mean probability is at least this is always shown, whatever the class head
#: says; below it, a "normal" call withholds it. On the validation parts of the three training sites
#: this pair (with ``NORMAL_SUPPRESSES_MASK``) gave lesion Dice 0.777, detection 0.923 and normal false
#: outlines 0.227, against 0.751 / 0.890 / 0.227 for the old "normal > 0.5 withholds" rule; thresholds on
#: "normal" below 0.4 were left out, since there the class head does not say normal (model card).
STRONG_LESION_MEAN: float = 0.90

#: When nothing is shown, the strongest candidate is the region around the lesion map's peak where the
#: probability stays above this share of the peak: what the reader's "show candidate" key reveals.
CANDIDATE_PEAK_SHARE: float = 0.5

#: The fine-tune gate decides only with at least this many held-out patients and lesion scans: fewer
#: cannot tell a better model from luck (two patients: a single patient's scans are all alike).
MIN_HELD_OUT_PATIENTS: int = 2
MIN_HELD_OUT_LESION_SCANS: int = 4
