"""The reader's decisions on the case on screen: approve, flag, clear, reopen, and go to the next unreviewed case.

An approved case is locked (the review refuses edits, class changes and AI runs on it) until it is reopened;
reopening sets it back in review, audited with the reason ``reopened``. A mixin of :class:`~busviewer.gui.workspace.controller.WorkspaceController` (it uses its ``review``,
``columns``, the autosave's ``_save`` and the window); each decision is saved as its own audited change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from busviewer.core.case import ReviewStatus, case_id_for
from busviewer.core.review_records import CaseRow
from busviewer.core.review_state import ReviewState
from busviewer.gui.workspace.parts import WorkspacePart

if TYPE_CHECKING:

    from PySide6.QtGui import QAction


_STATUS_WORDS = {ReviewStatus.APPROVED: "Approved", ReviewStatus.FLAGGED: "Flagged"}
#: The audit's reason for a status change made by Case > Reopen for Editing.
REOPENED = "reopened"


class WorkspaceDecisions(WorkspacePart):
    """Approve / flag / clear / reopen / next unreviewed; see the module docstring."""

    # Provided by WorkspaceController, besides WorkspacePart's.
    next_unreviewed_action: QAction

    def _case_on_screen(self) -> ReviewState | None:
        """The review state on screen when it is one of the workspace's cases."""
        state = self.review.state if self.review is not None else None
        if state is None or state.source_path is None or state.scan_key not in self._listed_keys:
            return None
        return state

    def approve(self) -> None:
        """Approve the case on screen (Ctrl+Return): the mask on screen, AI's or edited, is the reader's."""
        state = self._case_on_screen()
        if state is None or self.worker is None:
            self.window.show_status("Open a folder (or set a workspace location) to keep review decisions.")
            return
        if state.locked:
            self.window.show_status(f"{state.source_path.name} is approved already.", 3000)
            return
        frame = self.review.frame_state
        if frame is not None and frame.prediction is not None and not frame.reader_owned:
            self.review.accept_ai_mask()
        self._decide(state, ReviewStatus.APPROVED)
        self.review.set_locked(True)

    def flag(self) -> None:
        """Flag the case on screen for a second look (Ctrl+Shift+F)."""
        state = self._case_on_screen()
        if state is None or self.worker is None:
            self.window.show_status("Open a folder (or set a workspace location) to keep review decisions.")
            return
        self._decide(state, ReviewStatus.FLAGGED)
        self.review.set_locked(False)  # a second look may change it

    def clear_decision(self) -> None:
        """Withdraw the approval or flag of the case on screen; its status follows its masks again."""
        state = self._case_on_screen()
        if state is None or self.worker is None:
            return
        if state.locked:
            self.reopen()
            return
        self._dirty.pop(state.scan_key, None)
        self._save(state, clear_decision=True)
        self._finetune_refresh.start()
        self.window.show_status(f"Cleared the decision on {state.source_path.name}.", 3000)

    def reopen(self) -> None:
        """Case > Reopen for Editing (Ctrl+Shift+E): unlock the approved case on screen and set it back in review."""
        state = self._case_on_screen()
        if state is None or self.worker is None:
            return
        if not state.locked:
            self.window.show_status(f"{state.source_path.name} is not approved: it can be edited as it is.", 3000)
            return
        self._dirty.pop(state.scan_key, None)
        self._save(state, clear_decision=True, reason=REOPENED)
        self.review.set_locked(False)
        self._finetune_refresh.start()
        self.window.show_status(f"Reopened {state.source_path.name}: it is in review again.", 4000)

    def _decide(self, state: ReviewState, status: ReviewStatus) -> None:
        self._dirty.pop(state.scan_key, None)  # the decision's save carries the latest masks too
        self._save(state, decision=status)
        self._finetune_refresh.start()
        case_id = case_id_for(self.workspace_dir, state.source_path) if self.workspace_dir else None
        row = self.columns.rows.get(case_id) if case_id is not None else None
        if case_id is not None:
            # Show the decision at once; the saved row replaces this when the store has it.
            shown = CaseRow(status, state.reviewer_class, row.ai_class if row else state.ai_class,
                            row.risk if row else None, row.doubt if row else None,
                            state.birads_reader.get("category"))  # fmt: skip
            self.columns.update(case_id, shown)
            self.rows_changed.emit()
        hint = "  Ctrl+U: next unreviewed case." if self.next_unreviewed_action.isEnabled() else ""
        self.window.show_status(f"{_STATUS_WORDS[status]} {state.source_path.name}.{hint}", 4000)

    def go_to_next_unreviewed(self) -> bool:
        """Open the next case (in the list's order) that waits for review (Ctrl+U); False when none is left."""
        after = self.window.navigator.queue.current or self.window.case_list.current_path()
        path = self.columns.next_unreviewed(after)
        if path is None:
            self.window.show_status("Every case in the list has been reviewed.", 4000)
            return False
        self.window.navigator.open_file(path)
        return True
