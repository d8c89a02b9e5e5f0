"""The case store's content-key part: each case carries the SHA-256 of its scan file, so a case reviewed
in another workspace (or a folder moved or renamed since) is found again by what the scan holds, not by
its name. :class:`CaseStore` mixes this in.
"""

from __future__ import annotations

from pathlib import Path

from busviewer.io.store_part import StorePart
from busviewer.io.workspace_locations import file_sha256


def content_key(source_path: Path) -> str | None:
    """The content key of a case's scan (``file_sha256``), or None when the file cannot be read."""
    try:
        return file_sha256(Path(source_path)) if Path(source_path).is_file() else None
    except OSError:
        return None


class ContentKeysMixin(StorePart):
    """Fills in and looks up the cases' content keys; needs the store's connection, lock and folder."""

    workspace_dir: Path

    def fill_content_keys(self, limit: int | None = None, after: str = "") -> str | None:
        """Give cases saved before content keys were kept the key of their scan (when the file is there).

        Reads whole files, so it goes in steps: at most ``limit`` cases with an id after ``after``. Returns
        the id to continue after, or None when every case has been seen.
        """
        with self._lock:
            missing = self._conn.execute(
                "SELECT case_id, source_path FROM cases WHERE content_sha256 IS NULL AND case_id > ? ORDER BY case_id"
                + (" LIMIT ?" if limit is not None else ""), (after, limit) if limit is not None else (after,),
            ).fetchall()
        for case_id, source in missing:
            path = Path(source) if Path(source).is_absolute() else self.workspace_dir / source
            key = content_key(path)
            if key is not None:
                with self._transaction() as db:
                    db.execute("UPDATE cases SET content_sha256 = ? WHERE case_id = ?", (key, case_id))
        return missing[-1][0] if limit is not None and len(missing) == limit else None

    def case_with_content(self, content_sha256: str) -> str | None:
        """The id of the most recently changed case whose scan has this content key, or None."""
        with self._lock:
            row = self._conn.execute(
                "SELECT case_id FROM cases WHERE content_sha256 = ? ORDER BY updated_at DESC LIMIT 1",
                (content_sha256,),
            ).fetchone()
        return row[0] if row is not None else None
