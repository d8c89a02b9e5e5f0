"""Atomic writes leave the old file or the new one, never a torn one, with ordinary permissions."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from busviewer.core.atomic import atomic_open, atomic_write_bytes, atomic_write_with


def test_failed_write_keeps_the_previous_version(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    atomic_write_bytes(target, b"old")
    with pytest.raises(RuntimeError):
        with atomic_open(target) as handle:
            handle.write(b"half of the new")
            raise RuntimeError("crash mid-write")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["a.txt"]


def test_written_files_get_the_umask_permissions(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        atomic_write_bytes(tmp_path / "b.bin", b"x")
        atomic_write_with(tmp_path / "c.bin", lambda p: p.write_bytes(b"y"))
    finally:
        os.umask(old)
    for name in ("b.bin", "c.bin"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644
