"""The case store's send part: which of a case's exported objects went to which PACS node, when, by whom.

One row per send (node name, kinds sent, instances accepted); each is also an audited row (``sent_to_pacs``).
The case list reads them to show what was sent where. :class:`CaseStore` mixes this in.
"""

from __future__ import annotations

from collections.abc import Sequence

from busviewer.core.case import current_user, utc_now_iso
from busviewer.core.sends import SENT_KINDS, SendRecord
from busviewer.io.store_part import StorePart

SENDS_SCHEMA = """
CREATE TABLE IF NOT EXISTS pacs_sends (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id TEXT NOT NULL REFERENCES cases(case_id) ON DELETE CASCADE,
    node TEXT NOT NULL, sent_at TEXT NOT NULL, sent_by TEXT NOT NULL, what TEXT NOT NULL, instances INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS pacs_sends_by_case ON pacs_sends (case_id, id);
"""


class SendsMixin(StorePart):
    """Audited writes and reads of each case's PACS sends; needs the store's connection and helpers."""

    def record_send(self, case_id: str, node: str, what: Sequence[str], instances: int,
                    user: str | None = None) -> SendRecord:
        """Keep that ``instances`` objects of kinds ``what`` (``SENT_KINDS``) of a case reached ``node``.

        Raises
        ------
        KeyError
            No case ``case_id`` in the store.
        ValueError
            A kind outside ``SENT_KINDS``.
        """
        kinds = tuple(kind for kind in SENT_KINDS if kind in set(what))
        if set(what) - set(SENT_KINDS):
            raise ValueError(f"kinds sent must be among {SENT_KINDS}, got {sorted(what)}")
        who, when = user or current_user(), utc_now_iso()
        with self._transaction() as db:
            self._require_case(db, case_id)
            db.execute("INSERT INTO pacs_sends (case_id, node, sent_at, sent_by, what, instances) VALUES (?, ?, ?, ?, ?, ?)",
                       (case_id, node, when, who, ",".join(kinds), int(instances)))
            self._audit(db, case_id, None, who, when, "sent_to_pacs",
                        {"node": node, "what": list(kinds), "instances": int(instances)})
        return SendRecord(node, when, who, kinds, int(instances))

    def _sends_of(self, case_id: str) -> tuple[SendRecord, ...]:
        rows = self._conn.execute(
            "SELECT node, sent_at, sent_by, what, instances FROM pacs_sends WHERE case_id = ? ORDER BY id", (case_id,)
        ).fetchall()
        return tuple(SendRecord(node, at, by, tuple(what.split(",")) if what else (), count)
                     for node, at, by, what, count in rows)  # fmt: skip
