"""The one error PACS operations raise: a sentence that names the node and what failed."""

from __future__ import annotations

from busviewer.core.errors import UserFacingError


class PacsError(UserFacingError):
    """A PACS could not be reached, refused us, failed an operation, or was misconfigured."""


class PacsCancelled(PacsError):
    """The user cancelled a transfer; nothing partial was kept."""
