"""The one pre-processing path from a source frame to the network's input, shared by inference,
Grad-CAM and the click tool: imaging area, letterbox, normalisation, guidance channels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from busviewer.core.prompts import Prompt
from busviewer.ml.guidance import GUIDANCE_CHANNELS, empty_guidance, encode_prompts
from busviewer.ml.imaging_area import ImagingArea, find_imaging_area
from busviewer.ml.letterbox import Letterbox, normalise_content

#: Pre-processing a weights file was trained with (its ``preprocessing`` metadata). Weights written
#: before letterboxing carry none and get the old squash of the whole frame.
LETTERBOX = "imaging-area-letterbox"
SQUASH = "squash"


@dataclass(frozen=True)
class NetworkInput:
    """The input array (C, S, S) float32 and where the source frame landed in it."""

    array: np.ndarray
    letterbox: Letterbox


@dataclass(frozen=True)
class NetworkImage:
    """The image channel (S, S) float32 of a frame and where it landed: everything of the input that does
    not depend on the prompts, so the click tool prepares a frame once and reuses it for every click."""

    channel: np.ndarray
    letterbox: Letterbox


def prepare_image(grey: np.ndarray, size: int, preprocessing: str = LETTERBOX) -> NetworkImage:
    """The image channel for a uint8 grey source frame (H, W): imaging area, letterbox, normalisation."""
    if preprocessing == SQUASH:
        box = Letterbox(grey.shape[:2], ImagingArea.whole(grey.shape), size, keep_aspect=False)
    else:
        box = Letterbox(grey.shape[:2], find_imaging_area(grey), size)
    return NetworkImage(normalise_content(box.to_input(grey.astype(np.float32)), box), box)


def prepare_input(
    grey: np.ndarray | None, size: int, in_channels: int = 1, prompts: Sequence[Prompt] = (),
    preprocessing: str = LETTERBOX, image: NetworkImage | None = None,
) -> NetworkInput:
    """Network input for a uint8 grey source frame (H, W), with guidance channels when the network has them.

    ``image`` is the frame's :func:`prepare_image` when the caller kept it (``grey`` is then not read,
    unless ``image`` was made for another input size).
    """
    if image is None or image.channel.shape != (size, size):
        if grey is None:
            raise ValueError("prepare_input needs a frame or its prepared image")
        image = prepare_image(grey, size, preprocessing)
    box = image.letterbox
    channels = [image.channel[np.newaxis]]
    if in_channels == 1 + GUIDANCE_CHANNELS:
        channels.append(encode_prompts(prompts, box) if prompts else empty_guidance(size))
    elif in_channels != 1:
        raise ValueError(f"a network with {in_channels} input channels is not one this version builds")
    return NetworkInput(np.concatenate(channels).astype(np.float32), box)
