"""The model id that travels with every prediction: the weights file's stem plus a short content hash.

Plain hashing, no torch: the GUI process and the commands name the model they use without loading it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_digest(path: Path) -> str:
    """First 8 hex digits of the file's SHA-256."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:8]


def model_id_for(path: Path) -> str:
    """E.g. ``busviewer-attn-unet-e81ad2ea``: the file stem plus a short content hash."""
    return f"{Path(path).stem}-{file_digest(Path(path))}"
