"""In-memory training set: cases resized once to the network size, augmented on every draw."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from busviewer.core.constants import INPUT_SIZE
from busviewer.ml.transforms import augment, normalise, resize_image, resize_mask


class CaseArrays:
    """Images (uint8) and mask coverage maps (float32) at the network size, with class labels."""

    def __init__(
        self,
        images: Sequence[np.ndarray],
        masks: Sequence[np.ndarray],
        labels: Sequence[int],
        input_size: int = INPUT_SIZE,
    ) -> None:
        if not (len(images) == len(masks) == len(labels)):
            raise ValueError("images, masks and labels differ in length")
        size = int(input_size)
        self.input_size = size
        self.images = np.stack([resize_image(img, size) for img in images]) if images else np.zeros((0, size, size), np.uint8)
        self.masks = np.stack([resize_mask(m, size) for m in masks]) if masks else np.zeros((0, size, size), np.float32)
        self.labels = np.asarray(labels, dtype=np.int64)

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def batch(
        self, indices: Sequence[int], rng: np.random.Generator | None, mirror_probability: float = 0.5
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Tensors (images [B,1,S,S], masks [B,1,S,S], labels [B]); augmented when ``rng`` is given."""
        imgs, msks = [], []
        for i in indices:
            img, msk = self.images[i], self.masks[i]
            if rng is not None:
                img, msk = augment(img, msk, rng, mirror_probability)
            imgs.append(normalise(img))
            msks.append((msk > 0.5).astype(np.float32))
        return (
            torch.from_numpy(np.stack(imgs)[:, np.newaxis]),
            torch.from_numpy(np.stack(msks)[:, np.newaxis]),
            torch.from_numpy(self.labels[list(indices)]),
        )
