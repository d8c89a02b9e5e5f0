"""Content-addressed mask files: one ``<sha256>.npz`` per distinct mask, written atomically, checked on read.

The file name is the checksum, so an existing file never needs rewriting and a damaged one is detected.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from busviewer.core.atomic import atomic_open
from busviewer.core.errors import UserFacingError

log = logging.getLogger(__name__)

#: Unreferenced mask files younger than this are left alone: another process may be about to commit them.
ORPHAN_GRACE_SECONDS = 600.0

_CACHE_SIZE = 64


def mask_digest(mask: np.ndarray) -> str:
    """SHA-256 of a bool mask's shape and bits: the mask file's name and its checksum."""
    data = np.asarray(mask, dtype=bool)
    hasher = hashlib.sha256(np.asarray(data.shape, dtype="<i8").tobytes())
    hasher.update(np.packbits(data, axis=None).tobytes())
    return hasher.hexdigest()


class MaskFiles:
    """The mask folder of a store, with a small cache of recently read masks (read-only copies handed out)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.npz"

    def exists(self, key: str) -> bool:
        return self.path(key).exists()

    def write(self, mask: np.ndarray | None) -> str | None:
        """Store ``mask`` (None stays None) and return its key."""
        if mask is None:
            return None
        data = np.asarray(mask, dtype=bool)
        key = mask_digest(data)
        path = self.path(key)
        if path.exists():
            return key  # content-addressed: an existing file already holds exactly these bits
        try:
            with atomic_open(path, "wb") as handle:
                np.savez_compressed(
                    handle, shape=np.asarray(data.shape, dtype=np.int64), bits=np.packbits(data, axis=None)
                )
        except OSError as exc:
            raise UserFacingError(f"The mask could not be saved in {self.folder} ({exc.strerror}).") from exc
        return key

    def read(self, key: str | None, case_id: str) -> np.ndarray | None:
        """The mask stored under ``key``; None (and a log line naming only ids) when missing or damaged."""
        if key is None:
            return None
        cached = self._cache.get(key)
        if cached is None:
            try:
                with np.load(self.path(key), allow_pickle=False) as data:
                    shape = tuple(int(n) for n in data["shape"])
                    bits = data["bits"]
                cached = np.unpackbits(bits, count=int(np.prod(shape))).reshape(shape).astype(bool)
            except (OSError, KeyError, ValueError) as exc:
                log.warning("mask %s of case %s cannot be read: %s", key, case_id, exc)
                return None
            if mask_digest(cached) != key:
                log.warning("mask %s of case %s fails its checksum; ignoring it", key, case_id)
                return None
            self._cache[key] = cached
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        self._cache.move_to_end(key)
        return cached.copy()

    def delete(self, key: str) -> None:
        with contextlib.suppress(OSError):
            self.path(key).unlink()

    def sweep(self, referenced: Iterable[str]) -> None:
        """Delete mask and temporary files not in ``referenced``, once they are old enough to be nobody's work."""
        keep = set(referenced)
        cutoff = time.time() - ORPHAN_GRACE_SECONDS
        for path in self.folder.iterdir():
            is_temp = path.name.startswith(".") and path.name.endswith(".tmp")
            if is_temp or (path.suffix == ".npz" and path.stem not in keep):
                with contextlib.suppress(OSError):
                    if path.stat().st_mtime < cutoff:
                        path.unlink()
