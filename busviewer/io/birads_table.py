"""Read a radiologist's BI-RADS table (the BrEaST ``clinical.csv`` layout) for ``evaluate --birads``."""

from __future__ import annotations

import csv
from pathlib import Path

from busviewer.core.birads_agreement import TABLE_COLUMNS
from busviewer.core.errors import UserFacingError

#: Which rows a part of the table keeps: BrEaST marks its external-validation cases in this column.
PART_COLUMN = "external_validation"
PARTS = ("all", "external", "design")


def read_birads_table(path: Path, part: str = "all") -> dict[str, dict[str, str]]:
    """Rows of the table by image file name (``Image_filename``).

    Parameters
    ----------
    path
        CSV file with ``Image_filename`` and the columns of ``TABLE_COLUMNS``.
    part
        ``all`` rows, the ``external`` ones (``external_validation`` true) or the ``design`` ones (false).

    Raises
    ------
    UserFacingError
        The file is missing, unreadable or lacks a needed column.
    """
    if part not in PARTS:
        raise UserFacingError(f"--birads-part must be one of {', '.join(PARTS)}, not {part!r}.")
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            header = reader.fieldnames or []
    except OSError as exc:
        raise UserFacingError(f"The BI-RADS table {path} cannot be read ({exc.strerror or exc}).") from exc
    except (csv.Error, UnicodeDecodeError) as exc:
        raise UserFacingError(f"The BI-RADS table {path} is not a readable CSV file ({exc}).") from exc
    needed = ["Image_filename", *TABLE_COLUMNS.values()] + ([PART_COLUMN] if part != "all" else [])
    missing = [column for column in needed if column not in header]
    if missing:
        raise UserFacingError(f"The BI-RADS table {path.name} lacks the column(s) {', '.join(missing)}.")
    keep = {"all": None, "external": "true", "design": "false"}[part]
    return {row["Image_filename"]: row for row in rows
            if keep is None or (row.get(PART_COLUMN) or "").strip().lower() == keep}
