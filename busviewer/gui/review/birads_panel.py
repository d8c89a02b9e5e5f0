"""The BI-RADS panel: each descriptor as a row of one-click word buttons, the AI's word and confidence
beside the reader's, the suggested category with its reason, location, size and a comment.

The panel holds no state: :class:`~busviewer.gui.review.birads_review.BiradsController` fills it and
listens to its signals.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from busviewer.core.birads import CATEGORIES, DESCRIPTORS, BiradsAssessment
from busviewer.core.birads_finding import CLOCK_FACES, LATERALITIES, BiradsFinding
from busviewer.gui import theme

#: Row titles and the short button texts (the full word is the tooltip).
TITLES = {"shape": "Shape", "orientation": "Orientation", "margin": "Margin", "echo_pattern": "Echo",
          "posterior_features": "Posterior", "category": "Category", "laterality": "Side"}
SHORT = {"circumscribed": "circ.", "indistinct": "indist.", "microlobulated": "microlob.", "spiculated": "spic.",
         "complex cystic and solid": "complex", "hyperechoic": "hyper", "hypoechoic": "hypo", "isoechoic": "iso",
         "heterogeneous": "hetero", "anechoic": "an", "enhancement": "enh.", "shadowing": "shadow",
         "not parallel": "not par.", "right": "R", "left": "L"}
#: Keyboard shortcuts of the common choices (descriptor, word) -> key; categories are Ctrl+digit.
KEYS: dict[tuple[str, str], str] = {
    ("shape", "oval"): "Shift+O", ("shape", "round"): "Shift+D", ("shape", "irregular"): "Shift+I",
    ("orientation", "parallel"): "Shift+P", ("orientation", "not parallel"): "Shift+T",
    ("margin", "circumscribed"): "Shift+C", ("margin", "indistinct"): "Shift+N", ("margin", "spiculated"): "Shift+S",
    ("echo_pattern", "hypoechoic"): "Shift+H", ("echo_pattern", "anechoic"): "Shift+A",
    ("posterior_features", "none"): "Shift+0", ("posterior_features", "shadowing"): "Shift+W",
    ("posterior_features", "enhancement"): "Shift+E",
    ("category", "2"): "Ctrl+2", ("category", "3"): "Ctrl+3", ("category", "4A"): "Ctrl+4",
    ("category", "4B"): "Ctrl+Alt+4", ("category", "4C"): "Ctrl+Shift+4", ("category", "5"): "Ctrl+5",
}
_CHOICES: dict[str, tuple[str, ...]] = {**DESCRIPTORS, "category": CATEGORIES, "laterality": LATERALITIES}
#: Compact word buttons; the reported word is filled, the AI's word has a dashed border.
WORD_STYLE = (f"QToolButton {{ padding: 1px 3px; }} "
              f"QToolButton:checked {{ background: {theme.ACCENT}; color: {theme.ACCENT_TEXT}; }}")
AI_WORD_STYLE = WORD_STYLE + f" QToolButton {{ border: 1px dashed {theme.ACCENT_TEXT}; border-radius: 2px; }}"
_COMMENT_DEBOUNCE_MS = 600


class BiradsPanel(QWidget):
    """Descriptor rows, category, location, size and comment of the lesion on screen.

    Signals
    -------
    choice_made(str, object)
        The reader picked a word for a field (``READER_FIELDS`` name), or None to go back to the AI's.
    comment_changed(str)
        The reader's comment, once typing has paused.
    """

    choice_made = Signal(str, object)
    comment_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(8, 4, 8, 4)
        grid.setSpacing(3)
        self.summary = QLabel("no lesion outlined")
        self.summary.setWordWrap(True)
        grid.addWidget(self.summary, 0, 0, 1, 3)
        self.buttons: dict[str, dict[str, QToolButton]] = {}
        self.notes: dict[str, QLabel] = {}
        self._groups: dict[str, QButtonGroup] = {}
        for row, name in enumerate(_CHOICES, start=1):
            # The note (AI's confidence, or that the word is the reader's) sits under the row's title, so
            # the rows stay narrow enough for a side panel.
            title = QVBoxLayout()
            title.setSpacing(0)
            title.addWidget(QLabel(TITLES[name]))
            note = QLabel("")
            note.setStyleSheet(f"color: {theme.TEXT_DIM}; font-size: 9px;")
            title.addWidget(note)
            grid.addLayout(title, row, 0)
            grid.addLayout(self._button_row(name), row, 1, 1, 2)
            self.notes[name] = note
        row = len(_CHOICES) + 1
        self.reason = QLabel("")
        self.reason.setWordWrap(True)
        self.reason.setStyleSheet(f"color: {theme.TEXT_DIM};")
        grid.addWidget(self.reason, row, 0, 1, 3)
        location = QHBoxLayout()
        self.clock = QComboBox()
        self.clock.addItems(["–", *CLOCK_FACES])
        self.clock.setToolTip("Clock-face position of the lesion, as seen facing the patient")
        self.clock.activated.connect(lambda index: self.choice_made.emit("clock_face", None if index == 0 else CLOCK_FACES[index - 1]))
        self.distance = QDoubleSpinBox()
        self.distance.setRange(0.0, 30.0)
        self.distance.setDecimals(1)
        self.distance.setSingleStep(0.5)
        self.distance.setSpecialValueText("–")
        self.distance.setSuffix(" cm")
        self.distance.setToolTip("Distance from the nipple (– : not given)")
        self.distance.editingFinished.connect(self._on_distance)
        location.addWidget(QLabel("clock"))
        location.addWidget(self.clock)
        location.addWidget(QLabel("nipple"))
        location.addWidget(self.distance, 1)
        grid.addWidget(QLabel("Where"), row + 1, 0)
        grid.addLayout(location, row + 1, 1, 1, 2)
        self.size = QLabel("–")
        grid.addWidget(QLabel("Size"), row + 2, 0)
        grid.addWidget(self.size, row + 2, 1, 1, 2)
        self.comment = QPlainTextEdit()
        self.comment.setPlaceholderText("Comment on this case")
        self.comment.setFixedHeight(46)
        grid.addWidget(self.comment, row + 3, 0, 1, 3)
        self._comment_timer = QTimer(self, singleShot=True, interval=_COMMENT_DEBOUNCE_MS)
        self._comment_timer.timeout.connect(lambda: self.comment_changed.emit(self.comment.toPlainText()))
        self.comment.textChanged.connect(self._on_comment_typed)
        self._quiet = False

    def _button_row(self, name: str) -> QHBoxLayout:
        layout = QHBoxLayout()
        layout.setSpacing(2)
        group = QButtonGroup(self)
        group.setExclusive(False)  # a click on the checked word clears the reader's choice
        self._groups[name] = group
        self.buttons[name] = {}
        for word in _CHOICES[name]:
            button = QToolButton()
            button.setText(SHORT.get(word, word))
            key = KEYS.get((name, word))
            button.setToolTip(word + (f" ({key})" if key else "") + "; click again to go back to the AI's word")
            button.setCheckable(True)
            button.setStyleSheet(WORD_STYLE)
            button.clicked.connect(lambda checked, n=name, w=word: self._on_clicked(n, w, checked))
            group.addButton(button)
            layout.addWidget(button)
            self.buttons[name][word] = button
        layout.addStretch(1)
        return layout

    # ----------------------------------------------------------------- showing
    def show_finding(self, finding: BiradsFinding | None, calibrated: bool) -> None:
        """Show what is reported (reader's word over the AI's) without emitting anything."""
        self._quiet = True
        try:
            ai = finding.ai if finding is not None else None
            self.summary.setText(self._summary(finding))
            for name in _CHOICES:
                self._show_row(name, finding, ai)
            self.reason.setText(f"AI: {ai.reason}" if ai is not None else "")
            reader = finding.reader if finding is not None else {}
            clock = reader.get("clock_face")
            self.clock.setCurrentIndex(CLOCK_FACES.index(clock) + 1 if clock in CLOCK_FACES else 0)
            self.distance.setValue(float(reader.get("nipple_distance_cm") or 0.0))
            if finding is None or finding.long_axis is None:
                self.size.setText("–")
            else:
                self.size.setText(finding.size_text() if calibrated else f"{finding.size_text()}: no mm without calibration")
        finally:
            self._quiet = False

    def show_comment(self, text: str) -> None:
        """Put the case's saved comment in the box (not reported back)."""
        self._quiet = True
        try:
            if self.comment.toPlainText() != text:
                self.comment.setPlainText(text)
            self._comment_timer.stop()
        finally:
            self._quiet = False

    def _show_row(self, name: str, finding: BiradsFinding | None, ai: BiradsAssessment | None) -> None:
        reader: Mapping[str, str] = finding.reader if finding is not None else {}
        ai_word = None
        confidence = None
        if ai is not None and name in DESCRIPTORS:
            ai_word, confidence = ai.descriptors()[name].value, ai.descriptors()[name].confidence
        elif ai is not None and name == "category":
            ai_word = ai.category
        elif name == "laterality" and finding is not None:
            ai_word = finding.image_laterality
        chosen = reader.get(name) or ai_word
        for word, button in self.buttons[name].items():
            button.setChecked(word == chosen)
            style = AI_WORD_STYLE if word == ai_word else WORD_STYLE
            if button.styleSheet() != style:  # setting a style sheet re-polishes the button, even the same one
                button.setStyleSheet(style)
        note = self.notes[name]
        source = "DICOM" if name == "laterality" else "AI"
        if reader.get(name):
            note.setText(f"yours (AI {SHORT.get(ai_word, ai_word)})" if ai_word and ai_word != reader[name] else "yours")
        elif ai_word is None:
            note.setText("")
        elif confidence is not None:
            note.setText(f"AI {confidence:.0%}")
        else:
            note.setText("from DICOM" if source == "DICOM" else "AI suggests")

    @staticmethod
    def _summary(finding: BiradsFinding | None) -> str:
        if finding is None or not finding.has_lesion:
            return "No lesion outlined: draw or accept a mask to get BI-RADS descriptors."
        return f"{finding.description()}. {finding.location_text()}."

    # ----------------------------------------------------------------- input
    def _on_clicked(self, name: str, word: str, checked: bool) -> None:
        if self._quiet:
            return
        # Checked: the reader picks this word; unchecked (a click on the word shown): back to the AI's word.
        self.choice_made.emit(name, word if checked else None)

    def _on_distance(self) -> None:
        if not self._quiet:
            value = self.distance.value()
            self.choice_made.emit("nipple_distance_cm", f"{value:g}" if value > 0 else None)

    def _on_comment_typed(self) -> None:
        if not self._quiet:
            self._comment_timer.start()

    def flush_comment(self) -> None:
        """Report a comment still waiting for its pause (the case is about to change)."""
        if self._comment_timer.isActive():
            self._comment_timer.stop()
            self.comment_changed.emit(self.comment.toPlainText())

