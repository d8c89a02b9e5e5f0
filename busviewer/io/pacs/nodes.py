"""PACS nodes: parse ``AET@HOST:PORT`` or a DICOMweb URL, and keep named nodes in the user's settings file.

Nodes live in the ``[pacs]`` section of ``settings.ini`` (the file the app's QSettings uses), written here
without Qt: only that section is replaced, every other line stays as it was, and the file is made
owner-only (0600) because a DICOMweb password may be stored in it. Passwords never appear in ``repr`` or logs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from busviewer.core.paths import settings_file
from busviewer.io.pacs.errors import PacsError
from busviewer.io.settings_ini import read_section, replace_section

#: Our own application entity title unless Settings say otherwise.
DEFAULT_OWN_AE_TITLE = "BUSVIEWER"
#: Seconds any one network step (connect, association, response, HTTP request) may take.
DEFAULT_TIMEOUT_S = 10.0
#: Port our storage SCP listens on while a C-MOVE sends us a study.
DEFAULT_MOVE_PORT = 11113
RETRIEVE_METHODS = ("get", "move")
SECTION = "pacs"

_SPEC = re.compile(r"^(?P<aet>[^@\\]{1,16})@(?P<host>[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:]+\]):(?P<port>\d{1,5})$")
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_FIELDS = ("ae_title", "host", "port", "dicomweb_url", "retrieve", "username", "password", "timeout_s")


@dataclass(frozen=True)
class PacsNode:
    """One PACS: DIMSE (AE title, host, port; C-GET or C-MOVE to retrieve) or DICOMweb (base URL)."""

    name: str
    ae_title: str = ""
    host: str = ""
    port: int = 0
    dicomweb_url: str = ""
    retrieve: str = "get"
    username: str = ""
    password: str = field(default="", repr=False)
    timeout_s: float = DEFAULT_TIMEOUT_S

    @property
    def is_dicomweb(self) -> bool:
        return bool(self.dicomweb_url)

    def describe(self) -> str:
        """How the node is named in messages: its name and address, never its password."""
        address = self.dicomweb_url if self.is_dicomweb else f"{self.ae_title}@{self.host}:{self.port}"
        return address if self.name in ("", address) else f"{self.name} ({address})"


@dataclass(frozen=True)
class PacsSettings:
    """Our side of the conversation and the nodes the user saved."""

    own_ae_title: str = DEFAULT_OWN_AE_TITLE
    move_port: int = DEFAULT_MOVE_PORT
    timeout_s: float = DEFAULT_TIMEOUT_S
    nodes: tuple[PacsNode, ...] = ()

    def node(self, name: str) -> PacsNode | None:
        return next((node for node in self.nodes if node.name == name), None)


def parse_dimse_spec(text: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> PacsNode:
    """``AET@HOST:PORT`` -> a DIMSE node, or a PacsError saying what is wrong with the text."""
    match = _SPEC.match(text.strip())
    if match is None:
        raise PacsError(f"{text!r} is not a PACS node; write it as AE_TITLE@HOST:PORT, e.g. ORTHANC@10.0.0.5:4242.")
    port = int(match["port"])
    if not 0 < port < 65536:
        raise PacsError(f"Port {port} of {text!r} is outside 1-65535.")
    return PacsNode(name=text.strip(), ae_title=match["aet"].strip(), host=match["host"].strip("[]"), port=port,
                    timeout_s=timeout_s)


def parse_dicomweb_url(url: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> PacsNode:
    """A DICOMweb base URL (``http(s)://host[:port]/path``) -> a node."""
    if not re.match(r"^https?://[^\s/]+(/\S*)?$", url.strip()):
        raise PacsError(f"{url!r} is not a DICOMweb base URL (it must start with http:// or https://).")
    return PacsNode(name=url.strip(), dicomweb_url=url.strip().rstrip("/"), timeout_s=timeout_s)


def resolve_node(node: str | None, dicomweb: str | None, settings: PacsSettings | None = None) -> PacsNode:
    """The node the user means: a saved name, an ``AET@HOST:PORT`` spec, or a DICOMweb URL."""
    settings = settings if settings is not None else load_pacs_settings()
    if dicomweb:
        return parse_dicomweb_url(dicomweb, settings.timeout_s)
    if not node:
        raise PacsError("Name a PACS node with --node AET@HOST:PORT (or a saved node's name) or --dicomweb URL.")
    saved = settings.node(node)
    if saved is not None:
        return saved
    if "@" not in node:
        known = ", ".join(n.name for n in settings.nodes) or "none saved"
        raise PacsError(f"There is no saved PACS node called {node!r} ({known}).")
    return parse_dimse_spec(node, settings.timeout_s)


def load_pacs_settings(path: Path | None = None) -> PacsSettings:
    """Read the ``[pacs]`` section of the settings file; defaults where it is absent."""
    values = read_section(path or settings_file(), SECTION)
    nodes: dict[str, dict[str, str]] = {}
    for key, value in values.items():
        parts = key.split("\\")
        if len(parts) == 3 and parts[0] == "nodes" and parts[2] in _FIELDS:
            nodes.setdefault(parts[1], {})[parts[2]] = value
    timeout = _number(values.get("timeout_s"), DEFAULT_TIMEOUT_S)
    parsed = tuple(
        PacsNode(name=name, ae_title=f.get("ae_title", ""), host=f.get("host", ""), port=int(_number(f.get("port"), 0)),
                 dicomweb_url=f.get("dicomweb_url", ""), retrieve=f.get("retrieve", "get") or "get",
                 username=f.get("username", ""), password=f.get("password", ""),
                 timeout_s=_number(f.get("timeout_s"), timeout))
        for name, f in sorted(nodes.items())
    )
    return PacsSettings(own_ae_title=values.get("own_ae_title") or DEFAULT_OWN_AE_TITLE,
                        move_port=int(_number(values.get("move_port"), DEFAULT_MOVE_PORT)), timeout_s=timeout,
                        nodes=parsed)


def save_pacs_settings(settings: PacsSettings, path: Path | None = None) -> None:
    """Replace the ``[pacs]`` section of the settings file (atomically, owner-only)."""
    for node in settings.nodes:
        validate_node(node)
    values = {"own_ae_title": settings.own_ae_title, "move_port": str(settings.move_port),
              "timeout_s": f"{settings.timeout_s:g}"}
    for node in settings.nodes:
        for name in _FIELDS:
            value = getattr(node, name)
            if value not in ("", 0):
                values[f"nodes\\{node.name}\\{name}"] = str(value)
    replace_section(path or settings_file(), SECTION, values)


def with_node(settings: PacsSettings, node: PacsNode) -> PacsSettings:
    """``settings`` with ``node`` added, or replacing the node of the same name."""
    return replace(settings, nodes=tuple(n for n in settings.nodes if n.name != node.name) + (node,))


def validate_node(node: PacsNode) -> None:
    """Raise a one-sentence PacsError when a node to be saved is incomplete."""
    if not _NAME.match(node.name):
        raise PacsError(f"A PACS node name must be 1-40 letters, digits, '-' or '_' ({node.name!r} is not).")
    if node.is_dicomweb:
        parse_dicomweb_url(node.dicomweb_url)
        return
    parse_dimse_spec(f"{node.ae_title}@{node.host}:{node.port}")
    if node.retrieve not in RETRIEVE_METHODS:
        raise PacsError(f"Node {node.name} retrieves with {node.retrieve!r}; choose get or move.")


def _number(text: str | None, default: float) -> float:
    try:
        return float(text) if text not in (None, "") else default
    except ValueError:
        return default
