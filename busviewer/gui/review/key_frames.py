"""Tools > Mark Frame as Reviewed (K): the reader says "I reviewed this frame" without having to edit it.

A cine export holds the frames a person reviewed, edited or marked here, never merely the frames the AI ran
on while the loop played (``busviewer.core.frame_review``). The mark lives in the review state, is autosaved
with the case (audited ``key_frame_marked`` / ``key_frame_unmarked``) and comes back when the case reopens.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence

KEY_FRAME_KEY = "K"


class KeyFrameMarker(QObject):
    """The checkable action that marks or unmarks the frame on screen; checked while that frame is marked."""

    def __init__(self, window: Any, review: Any) -> None:
        super().__init__(review)
        self.window, self.review = window, review
        self.action = QAction("Mark Frame as &Reviewed", window)
        self.action.setCheckable(True)
        self.action.setShortcut(QKeySequence(KEY_FRAME_KEY))
        self.action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.action.setToolTip(f"Mark the frame on screen as a reviewed key frame: exports include it ({KEY_FRAME_KEY})")
        self.action.triggered.connect(lambda _checked=False: self.toggle())
        window.tools_menu.addSeparator()
        window.tools_menu.addAction(self.action)
        review.session.frame_changed.connect(lambda _index: self.refresh())
        review.session.scan_changed.connect(lambda _scan: self.refresh())
        review.state_changed.connect(lambda _state: self.refresh())
        self.refresh()

    def toggle(self) -> None:
        """Mark the frame on screen as reviewed, or take the mark back."""
        state, index = self.review.state, self.review.session.frame_index
        if state is None:
            self.refresh()
            return
        if getattr(state, "locked", False):
            self.window.show_status("The case is approved and locked: reopen it to change which frames are reviewed.")
            self.refresh()
            return
        marked = index not in state.key_frames
        if marked:
            state.key_frames.add(index)
        else:
            state.key_frames.discard(index)
        self.review.state_changed.emit(state)
        frame = f"Frame {index + 1}"
        self.window.show_status(f"{frame} marked as reviewed: exports include it." if marked
                                else f"{frame} is no longer marked as reviewed.")  # fmt: skip

    def refresh(self) -> None:
        state = self.review.state
        self.action.setEnabled(state is not None)
        self.action.setChecked(state is not None and self.review.session.frame_index in state.key_frames)
