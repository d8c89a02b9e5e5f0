"""What a weights file says about itself without loading it: read from the safetensors JSON header only.

The GUI process never imports torch, yet the Point tool's panel must say before the first click whether
the network takes prompts (guidance input channels) or the GrabCut fallback will draw the outline.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

from busviewer.core.prompts import GRABCUT_METHOD, GUIDED_METHOD

#: A header larger than this is not one of our weights files (ours are a few kilobytes).
_MAX_HEADER_BYTES = 16 * 2**20


def weights_metadata(path: Path) -> dict[str, str] | None:
    """The ``__metadata__`` strings of a safetensors file, or None when it is missing or unreadable."""
    try:
        with Path(path).open("rb") as handle:
            (length,) = struct.unpack("<Q", handle.read(8))
            if not 0 < length <= _MAX_HEADER_BYTES:
                return None
            header = json.loads(handle.read(length))
    except (OSError, struct.error, ValueError):
        return None
    metadata = header.get("__metadata__") if isinstance(header, dict) else None
    return {str(k): str(v) for k, v in metadata.items()} if isinstance(metadata, dict) else {}


def prompt_method(path: Path) -> str | None:
    """How prompts become an outline with these weights (``GUIDED_METHOD`` or ``GRABCUT_METHOD``); None
    when the file cannot be read. Weights written before guidance inputs existed carry no ``in_channels``."""
    metadata = weights_metadata(path)
    if metadata is None:
        return None
    try:
        guided = int(metadata.get("in_channels", "1")) > 1
    except ValueError:
        return None
    return GUIDED_METHOD if guided else GRABCUT_METHOD
