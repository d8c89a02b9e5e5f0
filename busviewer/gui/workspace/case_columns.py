"""The workspace's columns in the case list: Status, Class, AI malignancy score, Doubt, BI-RADS and what was sent
to a PACS, and the search for unreviewed cases. A scan the AI flagged as unlike its training scans carries a
warning sign in its score cell."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QHeaderView

from busviewer.core.ai_remarks import SCORE_NAME, SCORE_TIP, UNFAMILIAR_REMARK
from busviewer.core.birads import CATEGORIES
from busviewer.core.case import ReviewStatus
from busviewer.core.constants import CLASS_NAMES
from busviewer.core.review_records import AWAITING_REVIEW, STATUS_ORDER, CaseRow
from busviewer.core.sends import sent_text
from busviewer.gui import theme
from busviewer.gui.case_list import CaseListPanel

#: The score column is named for what it is: the class head's calibrated malignant probability, not a risk.
SCORE_COLUMN = SCORE_NAME
COLUMNS = ("Status", "Class", SCORE_COLUMN, "Doubt", "BI-RADS", "PACS")
#: Beside the score of a scan unlike the AI's training scans.
UNFAMILIAR_SIGN = "⚠"

_STATUS_COLOURS = {
    ReviewStatus.APPROVED: theme.SUCCESS,
    ReviewStatus.FLAGGED: theme.CAUTION,
    ReviewStatus.CORRECTED: theme.ACCENT_LIGHT,
    ReviewStatus.AI_PROPOSED: theme.TEXT_DIM,
    ReviewStatus.UNREVIEWED: theme.TEXT_DIM,
}
#: The longest text each column shows.
#: The PACS cell shows the newest node a case went to; its tooltip says what went where and when.
_PACS_CELL_CHARS = 10
_WIDEST_TEXTS = ("AI proposed", "malignant", f"{UNFAMILIAR_SIGN} 100 %", "0.00", "4C", "→ " + "W" * 7)
_SORT_ARROW = 14
_PADDING = 14
_HEADER_TIPS = {
    "Status": "Where the review of the case stands (click to sort)",
    "Class": "Your class (capitalised), else the AI's (lower case)",
    SCORE_COLUMN: f"{SCORE_TIP}. {UNFAMILIAR_SIGN}: {UNFAMILIAR_REMARK}",
    "Doubt": "The AI's uncertainty along the lesion border (0 sure - 1 unsure)",
    "BI-RADS": "Your BI-RADS assessment category (empty until you give one)",
    "PACS": "The PACS node this case's SEG/SR/PDF were last sent to (the tooltip lists what went where)",
}
#: Shell status of a file that did not open; such cases keep that text and sort last.
_UNREADABLE = "unreadable"
#: Cases the store knows nothing about sort as unreviewed.
UNSAVED = ReviewStatus.UNREVIEWED


class CaseColumns:
    """Writes case rows into the shell's :class:`CaseListPanel`.

    Attributes
    ----------
    case_ids
        The store's case id of each listed path.
    rows
        What the list shows, by case id.
    """

    def __init__(self, case_list: CaseListPanel) -> None:
        self.case_list = case_list
        self.case_ids: dict[Path, str] = {}
        self.rows: dict[str, CaseRow] = {}

    def show_all(self, case_ids: dict[Path, str], rows: dict[str, CaseRow]) -> None:
        """Replace every row (a workspace was opened or the list refilled) and fill each listed case."""
        self.case_ids = dict(case_ids)
        self.rows = dict(rows)
        for path in self.case_list.paths():
            case_id = self.case_ids.get(path)
            self._fill(path, self.rows.get(case_id) if case_id is not None else None)
        self._fit_columns()
        header = self.case_list.tree.headerItem()
        names = self.case_list.column_names()
        for name, tip in _HEADER_TIPS.items():
            if name in names:
                header.setToolTip(names.index(name), tip)

    def columns_width(self) -> int:
        """Pixels the workspace's columns take (to size the panel so the scan names stay readable)."""
        return sum(self._column_widths().values())

    def _column_widths(self) -> dict[str, int]:
        # Fixed from the widest text each column can show (value or header with its sort arrow), so the
        # columns do not grow as rows fill in and squeeze the scan names out of a narrow panel.
        metrics = self.case_list.tree.fontMetrics()
        return {
            name: max(metrics.horizontalAdvance(widest), metrics.horizontalAdvance(name) + _SORT_ARROW) + _PADDING
            for name, widest in zip(COLUMNS, _WIDEST_TEXTS, strict=True)
        }

    def _fit_columns(self) -> None:
        header = self.case_list.tree.header()
        names = self.case_list.column_names()
        for name, width in self._column_widths().items():
            if name in names:
                header.setSectionResizeMode(names.index(name), QHeaderView.ResizeMode.Interactive)
                header.resizeSection(names.index(name), width)

    def update(self, case_id: str, row: CaseRow) -> CaseRow | None:
        """Show ``row`` for ``case_id``; returns the row it replaced."""
        before = self.rows.get(case_id)
        self.rows[case_id] = row
        for path, listed_id in self.case_ids.items():
            if listed_id == case_id:
                self._fill(path, row)
        return before

    def refresh(self, path: Path) -> None:
        """Fill the row of ``path`` again (after the shell wrote its own status into it)."""
        if path in self.case_ids:
            self._fill(path, self.row_of(path))

    def row_of(self, path: Path) -> CaseRow | None:
        case_id = self.case_ids.get(path)
        return self.rows.get(case_id) if case_id is not None else None

    def next_unreviewed(self, after: Path | None) -> Path | None:
        """The first listed case after ``after`` (in the order on screen, wrapping round) that waits for review.

        A case waits when the store has no decision, correction or approval for it; unreadable ones are skipped.
        """
        paths = self.case_list.paths()
        start = paths.index(after) + 1 if after in paths else 0
        for path in paths[start:] + paths[:start]:
            if path == after or self.case_list.text(path, "Status") == _UNREADABLE:
                continue
            row = self.row_of(path)
            if row is None or row.status in AWAITING_REVIEW:
                return path
        return None

    def _fill(self, path: Path, row: CaseRow | None) -> None:
        panel = self.case_list
        if row is None:
            # Keep the shell's "viewed"/"unreadable" for cases never saved; they sort with the unreviewed ones.
            shown = panel.text(path, "Status")
            panel.set_column(path, "Status", shown, None if shown == _UNREADABLE else STATUS_ORDER[UNSAVED])
            for name in COLUMNS[1:]:
                panel.set_column(path, name, "")
            return
        panel.set_column(path, "Status", row.status_text, STATUS_ORDER[row.status], _STATUS_COLOURS[row.status])
        if row.reviewer_class is not None:
            panel.set_column(path, "Class", row.class_text, CLASS_NAMES.index(row.reviewer_class))
        elif row.ai_class is not None:
            # The AI's class sorts beside the reader's of the same name, and looks tentative: lower case, dim.
            panel.set_column(path, "Class", row.class_text, CLASS_NAMES.index(row.ai_class) + 0.5, theme.TEXT_DIM)
        else:
            panel.set_column(path, "Class", "")
        if row.unfamiliar:
            # The sign first: a narrow case list still shows it where the column begins.
            panel.set_column(path, SCORE_COLUMN, f"{UNFAMILIAR_SIGN} {row.risk_text}".strip(), row.risk, theme.CAUTION)
            panel.set_tooltip(path, SCORE_COLUMN, UNFAMILIAR_REMARK)
        else:
            panel.set_column(path, SCORE_COLUMN, row.risk_text, row.risk)
            panel.set_tooltip(path, SCORE_COLUMN, "")
        panel.set_column(path, "Doubt", row.doubt_text, row.doubt)
        category = row.birads_category
        panel.set_column(path, "BI-RADS", category or "", CATEGORIES.index(category) if category in CATEGORIES else None)
        newest = max(row.sends, key=lambda record: record.at, default=None)
        node = newest.node if newest is not None else ""
        short = node if len(node) <= _PACS_CELL_CHARS else node[: _PACS_CELL_CHARS - 1] + "…"
        panel.set_column(path, "PACS", f"→ {short}" if newest is not None else "", None, theme.SUCCESS)
        panel.set_tooltip(path, "PACS", f"Sent: {sent_text(row.sends)}" if row.sends else "")
