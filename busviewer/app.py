"""GUI composition root (filled in by the window work)."""

from __future__ import annotations


def run_app(argv: list[str]) -> int:
    raise SystemExit("the GUI is not built yet")
