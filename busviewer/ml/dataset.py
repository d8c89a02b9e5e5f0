"""In-memory training set: each case's imaging area kept at about twice the network size, augmented on
every draw, then letterboxed (aspect kept) to the network input with optional guidance channels."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import torch

from busviewer.core.constants import INPUT_SIZE, NORMAL_LABEL
from busviewer.core.prompts import Prompt
from busviewer.ml.guidance import GUIDANCE_CHANNELS, empty_guidance, encode_prompts, simulate_guidance
from busviewer.ml.imaging_area import ImagingArea, find_imaging_area
from busviewer.ml.letterbox import Letterbox, normalise_content
from busviewer.ml.network_input import LETTERBOX, SQUASH
from busviewer.ml.site_augment import augment_imaging_area

#: The kept imaging area's longer side, as a multiple of the input size: augmentation (crops, zoom,
#: speckle, blur, JPEG) works on this finer copy before the final resize, as it would on the source.
CACHE_FACTOR = 2
#: Share of a prompted case's training draws that replay the reader's own prompts (the rest simulate).
REPLAY_SHARE = 0.5


def _cached_area(image: np.ndarray, mask: np.ndarray, longest: int, squash: bool) -> tuple[np.ndarray, np.ndarray]:
    area = ImagingArea.whole(image.shape) if squash else find_imaging_area(image)
    img, msk = area.crop(image), area.crop(mask).astype(np.float32)
    scale = longest / max(img.shape)
    if scale < 1:
        size = (max(int(round(img.shape[1] * scale)), 1), max(int(round(img.shape[0] * scale)), 1))
        img = cv2.resize(img, size, interpolation=cv2.INTER_AREA)
        msk = cv2.resize(msk, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(img), np.ascontiguousarray(msk)


def _area_prompts(image: np.ndarray, prompts: tuple[Prompt, ...], longest: int, squash: bool) -> tuple[Prompt, ...]:
    """``prompts`` (source pixels of ``image``) in the coordinates of its cached imaging area (``_cached_area``)."""
    area = ImagingArea.whole(image.shape) if squash else find_imaging_area(image)
    scale = min(longest / max(area.rows, area.columns), 1.0)
    scale_y = max(int(round(area.rows * scale)), 1) / area.rows if scale < 1 else 1.0
    scale_x = max(int(round(area.columns * scale)), 1) / area.columns if scale < 1 else 1.0

    def at(row: float, col: float) -> tuple[float, float]:
        return (row - area.top + 0.5) * scale_y - 0.5, (col - area.left + 0.5) * scale_x - 0.5

    moved = []
    for p in prompts:
        corner = at(float(p.row2), float(p.col2)) if p.kind == "box" else (None, None)  # type: ignore[arg-type]
        moved.append(Prompt(p.kind, *at(p.row, p.col), *corner))
    return tuple(moved)


class CaseArrays:
    """Imaging areas (uint8) and mask coverage maps (float32) of labelled cases, with their sources.

    Parameters
    ----------
    sources
        A source index per case (one per data folder); draws are balanced across sources.
    guided
        The network takes guidance channels: training draws get simulated prompts, validation none.
    prompts
        Optional, per case: the reader's Point-tool prompts (source pixels) that produced its mask
        (fine-tuning on reviewed cases). With guidance channels, ``REPLAY_SHARE`` of such a case's
        training draws replay them as guidance instead of simulated prompts; those draws skip the
        augmentation, which moves pixels but not points.
    """

    def __init__(
        self,
        images: Sequence[np.ndarray],
        masks: Sequence[np.ndarray],
        labels: Sequence[int],
        input_size: int = INPUT_SIZE,
        sources: Sequence[int] | None = None,
        guided: bool = False,
        no_guidance_share: float = 0.5,
        preprocessing: str = LETTERBOX,
        prompts: Sequence[Sequence[Prompt]] | None = None,
    ) -> None:
        if not (len(images) == len(masks) == len(labels)):
            raise ValueError("images, masks and labels differ in length")
        self.input_size = int(input_size)
        self.guided = guided
        self.no_guidance_share = no_guidance_share
        self.squash = preprocessing == SQUASH
        longest = CACHE_FACTOR * self.input_size
        pairs = [_cached_area(img, m, longest, self.squash) for img, m in zip(images, masks, strict=True)]
        self.images = [p[0] for p in pairs]
        self.masks = [p[1] for p in pairs]
        self.labels = np.asarray(labels, dtype=np.int64)
        self.sources = np.zeros(len(self.labels), np.int64) if sources is None else np.asarray(sources, np.int64)
        self.prompts = [_area_prompts(img, tuple(p), longest, self.squash) if p else ()
                        for img, p in zip(images, prompts or [()] * len(images), strict=True)]  # fmt: skip

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def epoch_order(self, rng: np.random.Generator, draws: int | None, normal_share: float = 0.0) -> np.ndarray:
        """Case indices for one epoch: a permutation, or ``draws`` picks with every source equally likely.

        With ``normal_share`` > 0, that share of the draws picks a normal scan from any source: normal
        scans are few and one source has none, so site-balanced draws alone show the network too few
        scans where the right outline is none.
        """
        if draws is None or len(self) == 0:
            return rng.permutation(len(self))
        present = np.unique(self.sources)
        picked_sources = rng.choice(present, size=draws)
        order = np.empty(draws, np.int64)
        for source in present:
            members = np.flatnonzero(self.sources == source)
            slots = np.flatnonzero(picked_sources == source)
            order[slots] = rng.choice(members, size=slots.size)
        normals = np.flatnonzero(self.labels == NORMAL_LABEL)
        if normal_share > 0 and normals.size:
            slots = np.flatnonzero(rng.random(draws) < normal_share)
            order[slots] = rng.choice(normals, size=slots.size)
        return order

    def _one(self, index: int, rng: np.random.Generator | None, mirror_probability: float) -> tuple[np.ndarray, np.ndarray]:
        img, msk = self.images[index], self.masks[index]
        replay = self.guided and rng is not None and bool(self.prompts[index]) and rng.random() < REPLAY_SHARE
        if rng is not None and not replay:
            img, msk = augment_imaging_area(img, msk, rng, mirror_probability)
        box = Letterbox(img.shape[:2], ImagingArea.whole(img.shape), self.input_size, keep_aspect=not self.squash)
        grey = box.to_input(img.astype(np.float32))
        truth = box.to_input(msk.astype(np.float32)) > 0.5
        channels = [normalise_content(grey, box)[np.newaxis]]
        if self.guided:
            content = np.zeros_like(truth)
            content[box.content_slice()] = True
            if replay:
                guidance = encode_prompts(self.prompts[index], box)
            else:
                guidance = (simulate_guidance(truth, content, rng, self.no_guidance_share) if rng is not None
                            else empty_guidance(self.input_size))
            channels.append(guidance)
        return np.concatenate(channels).astype(np.float32), truth.astype(np.float32)

    def batch(
        self, indices: Sequence[int], rng: np.random.Generator | None, mirror_probability: float = 0.5
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Tensors (inputs [B,C,S,S], masks [B,1,S,S], labels [B]); augmented when ``rng`` is given."""
        pairs = [self._one(int(i), rng, mirror_probability) for i in indices]
        return (
            torch.from_numpy(np.stack([p[0] for p in pairs])),
            torch.from_numpy(np.stack([p[1] for p in pairs])[:, np.newaxis]),
            torch.from_numpy(self.labels[list(indices)]),
        )

    @property
    def in_channels(self) -> int:
        return 1 + (GUIDANCE_CHANNELS if self.guided else 0)
