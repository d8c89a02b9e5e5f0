"""What was sent to which PACS: one record per send of a case's exported objects, and how the case list says it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: The objects a case can send, in the order they are named.
SENT_KINDS = ("SEG", "SR", "PDF")


@dataclass(frozen=True)
class SendRecord:
    """One send of a case's objects to a PACS node.

    Attributes
    ----------
    node
        The node's name as configured (never a password).
    at
        ISO UTC time the node accepted the last object.
    by
        Login name of who sent.
    what
        The kinds sent (``SENT_KINDS`` names), e.g. ``("SEG", "SR")``.
    instances
        How many DICOM instances the node accepted.
    """

    node: str
    at: str
    by: str
    what: tuple[str, ...]
    instances: int


def sent_text(sends: Iterable[SendRecord]) -> str:
    """The case list's words for the newest send per node, e.g. ``SEG, SR, PDF → ORTHANC 2025-01-31 14:02``."""
    newest: dict[str, SendRecord] = {}
    for record in sends:
        if record.node not in newest or record.at >= newest[record.node].at:  # oldest first: ties go to the later
            newest[record.node] = record
    parts = [f"{', '.join(r.what)} → {r.node} {r.at[:16].replace('T', ' ')}" for r in
             sorted(newest.values(), key=lambda r: r.at, reverse=True)]  # fmt: skip
    return "; ".join(parts)
