"""Build step of the wheel: copy the shipped model, its card and the resources in as package data.

``models/`` and ``resources/`` at the repository root stay the one source of truth; only built wheels
(and, through ``packaging/busviewer.spec``, the bundle) carry copies, under ``busviewer/_shipped/``,
where ``busviewer.core.paths.shipped_dir`` looks first. Editable installs read the originals instead.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
#: What each shipped folder contributes (kept in step with ``packaging/busviewer.spec``).
SHIPPED = {
    "models": ("*.safetensors", "README.md"),
    "resources": ("*.png", "*.svg", "*.json"),
}


def shipped_files() -> list[tuple[Path, str]]:
    """(source file, folder inside ``busviewer/_shipped``) for every shipped file."""
    found = []
    for folder, patterns in SHIPPED.items():
        for pattern in patterns:
            found += [(path, folder) for path in sorted((ROOT / folder).glob(pattern)) if path.is_file()]
    return found


class BuildWithShippedData(build_py):
    """``build_py`` that also copies ``models/`` and ``resources/`` into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads models/ and resources/ where they are
        missing = [name for name in ("models/busviewer-attn-unet.safetensors",) if not (ROOT / name).is_file()]
        if missing:
            raise SystemExit(f"error: cannot build a wheel without {', '.join(missing)}.")
        for source, folder in shipped_files():
            target = Path(self.build_lib) / "busviewer" / "_shipped" / folder / source.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)


setup(cmdclass={"build_py": BuildWithShippedData})
