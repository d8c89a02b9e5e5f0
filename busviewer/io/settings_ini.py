"""Read and replace one section of the app's ``settings.ini`` without Qt, leaving every other line as it was.

The GUI's QSettings writes the same file (INI format, keys of subgroups joined by ``\\``); values here are
quoted the way QSettings quotes them, so both sides read what the other wrote. Writes are atomic and the
file is owner-only (0600): it may hold a PACS password.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from busviewer.core.errors import UserFacingError


def read_section(path: Path, section: str) -> dict[str, str]:
    """``{key: value}`` of ``[section]`` (empty when the file or the section is absent)."""
    values: dict[str, str] = {}
    for name, lines in _sections(path):
        if name != section:
            continue
        for line in lines[1:]:
            if "=" in line and not line.lstrip().startswith((";", "#")):
                key, value = line.split("=", 1)
                values[key.strip()] = unquote(value)
    return values


def replace_section(path: Path, section: str, values: dict[str, str]) -> None:
    """Write ``[section]`` with ``values`` (replacing the old one), atomically and owner-only."""
    others = [line for name, lines in _sections(path) if name != section for line in lines]
    body = "".join(f"{key}={quote(value)}\n" for key, value in values.items())
    gap = "\n" if others and not "".join(others).endswith("\n\n") else ""
    _write_private(path, "".join(others) + gap + f"[{section}]\n" + body)


def quote(value: str) -> str:
    """QSettings' INI quoting for values with characters it would otherwise reinterpret."""
    if re.fullmatch(r"[A-Za-z0-9._:/@+\-]*", value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def _sections(path: Path) -> list[tuple[str | None, list[str]]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise UserFacingError(f"The settings file {path} cannot be read ({exc}).") from exc
    sections: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in text.splitlines(keepends=True):
        header = re.match(r"^\s*\[(.+)\]\s*$", line)
        if header:
            sections.append((header[1], []))
        sections[-1][1].append(line)
    return sections


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` atomically; mkstemp's 0600 is kept, so no moment exists where others can read it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UserFacingError(f"The settings file {path} cannot be written ({exc.strerror}).") from exc
