"""List cases in the BUSI folder layout: class folders holding NAME.png with NAME_mask*.png beside it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from busviewer.core.constants import CLASS_NAMES
from busviewer.core.errors import UserFacingError
from busviewer.io.image_reader import read_image_array, read_mask_image

#: BUSI lesion masks beside their images ("benign (3)_mask.png", "..._mask_1.png"); the one rule for the
#: dataset loader and for folder discovery, which must not list masks as cases.
BUSI_MASK_NAME = re.compile(r"^(?P<stem>.+)_mask(_\d+)?$", re.IGNORECASE)
_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"}


@dataclass(frozen=True)
class BusiCase:
    """One image of a BUSI-layout dataset with its class and mask files."""

    image_path: Path
    label: int
    mask_paths: tuple[Path, ...]

    @property
    def case_id(self) -> str:
        return f"{CLASS_NAMES[self.label]}/{self.image_path.stem}"


def list_busi_cases(data_dir: Path) -> list[BusiCase]:
    """Return every image case under ``data_dir`` in a stable order.

    Raises
    ------
    UserFacingError
        The folder is missing or holds no class folders with images.
    """
    if not data_dir.is_dir():
        raise UserFacingError(f"{data_dir} is not a folder.")
    cases: list[BusiCase] = []
    for label, class_name in enumerate(CLASS_NAMES):
        class_dir = data_dir / class_name
        if not class_dir.is_dir():
            continue
        files = sorted(p for p in class_dir.iterdir() if p.suffix.lower() in _IMAGE_SUFFIXES)
        masks: dict[str, list[Path]] = {}
        images: list[Path] = []
        for path in files:
            match = BUSI_MASK_NAME.match(path.stem)
            if match:
                masks.setdefault(match.group("stem"), []).append(path)
            else:
                images.append(path)
        for image in images:
            cases.append(BusiCase(image, label, tuple(sorted(masks.get(image.stem, [])))))
    if not cases:
        raise UserFacingError(
            f"{data_dir} holds no images in class folders named {', '.join(CLASS_NAMES)}."
        )
    return cases


def load_busi_case(case: BusiCase) -> tuple[np.ndarray, np.ndarray]:
    """Load a case as (uint8 grey image, bool mask union), both at the source size."""
    from busviewer.core.scan import to_grey_uint8

    array, _ = read_image_array(case.image_path)
    image = to_grey_uint8(array)
    mask = np.zeros(image.shape, dtype=bool)
    for mask_path in case.mask_paths:
        part = read_mask_image(mask_path)
        if part.shape != mask.shape:
            raise UserFacingError(f"{mask_path.name} does not match the size of its image.")
        mask |= part
    return image, mask
