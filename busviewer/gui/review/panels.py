"""Side panels of the review: AI classes and the reader's class, and the display layers (the lesion
measurements are in ``measurement_panel``).

Panels hold no state of their own: controllers fill them, and they report the reader's choices by signal.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QRadioButton,
    QWidget,
)

from busviewer.core.constants import CLASS_NAMES
from busviewer.core.explanation import AI_CLASS_TARGET, LESION_TARGET
from busviewer.gui import theme
from busviewer.gui.review.overlays import HEAT_COLOUR_MAPS
from busviewer.gui.review.panel_parts import caution_label, compact, dim_label, opacity_slider

#: Grad-CAM targets in the panel: "class" follows the AI's class (the lesion output when it says normal,
#: as in the reports); the rest are fixed.
HEAT_TARGETS: tuple[tuple[str, str], ...] = (
    (AI_CLASS_TARGET, "AI's class"),
    (LESION_TARGET, "lesion outline"),
    *((name, name) for name in CLASS_NAMES),
)


#: The class panel's note when the model has no familiarity reference to check a scan against.
NOT_CHECKED_NOTE = ("Not checked against the AI's training scans: this model has no familiarity reference "
                    "(busviewer reference fits one).")


class ClassPanel(QWidget):
    """AI class probabilities as bars, the reader's own class, uncertainty and where the mask came from.

    Signals
    -------
    reviewer_class_chosen(object)
        The reader picked a class name, or None for "not set".
    """

    reviewer_class_chosen = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        compact(grid)
        self._shown_probabilities: tuple[float, ...] | None = ()
        self._message_text = "no scan"
        self.message = QLabel(self._message_text)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setFixedSize(56, 8)
        self.busy.setTextVisible(False)
        self.busy.setVisible(False)
        header = QHBoxLayout()
        header.addWidget(self.message, 1)
        header.addWidget(self.busy)
        grid.addLayout(header, 0, 0, 1, 2)

        self.bars: dict[str, QProgressBar] = {}
        self.names: dict[str, QLabel] = {}
        for row, name in enumerate(CLASS_NAMES, start=1):
            label = QLabel(name)
            bar = QProgressBar()
            bar.setRange(0, 1000)
            bar.setFormat("–")
            bar.setFixedHeight(15)
            grid.addWidget(label, row, 0)
            grid.addWidget(bar, row, 1)
            self.names[name], self.bars[name] = label, bar

        self.class_buttons = QButtonGroup(self)
        choices = QHBoxLayout()
        choices.setSpacing(10)
        for index, text in enumerate(("–", *CLASS_NAMES)):
            button = QRadioButton(text)
            button.setToolTip("not set" if index == 0 else f"Your class: {text}")
            self.class_buttons.addButton(button, index)
            choices.addWidget(button)
        choices.addStretch(1)
        self.class_buttons.button(0).setChecked(True)
        self.class_buttons.idClicked.connect(self._on_class_clicked)
        yours = QLabel("yours")
        yours.setToolTip("Your own class for this scan, stored beside the AI's")
        grid.addWidget(yours, 4, 0)
        grid.addLayout(choices, 4, 1)

        self.uncertainty = dim_label()
        self.mask_source = dim_label()
        grid.addWidget(self.uncertainty, 5, 0, 1, 2)
        grid.addWidget(self.mask_source, 6, 0, 1, 2)
        self.unfamiliar = caution_label()
        grid.addWidget(self.unfamiliar, 7, 0, 1, 2)
        # Where the AI's class and outline disagree, and where its strongest withheld candidate lies.
        self.disagreement = caution_label()
        grid.addWidget(self.disagreement, 8, 0, 1, 2)
        self.candidate = caution_label()
        grid.addWidget(self.candidate, 9, 0, 1, 2)
        self._bars_dimmed = False
        grid.setColumnStretch(1, 1)

    def set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)

    def set_message(self, text: str) -> None:
        """The panel's first line (``AI: benign``); a scan unlike the training scans says so there too, since
        the full warning sits below the bars and may be scrolled out of a short panel."""
        self._message_text = text
        flagged = self._bars_dimmed and text.startswith("AI: ")
        self.message.setText(f"{text} · unfamiliar scan" if flagged else text)

    def set_probabilities(self, probabilities: Sequence[float] | None) -> None:
        """Fill the bars; None empties them. The most probable class is shown in bold."""
        shown = None if probabilities is None else tuple(round(float(p), 3) for p in probabilities)
        if shown == self._shown_probabilities:
            return  # progress bars repaint at once on every change, so skip repeats
        self._shown_probabilities = shown
        top = (
            None if probabilities is None else CLASS_NAMES[max(range(len(CLASS_NAMES)), key=lambda i: probabilities[i])]
        )
        for index, name in enumerate(CLASS_NAMES):
            bar, label = self.bars[name], self.names[name]
            if probabilities is None:
                bar.setValue(0)
                bar.setFormat("–")
            else:
                bar.setValue(round(float(probabilities[index]) * 1000))
                bar.setFormat(f"{float(probabilities[index]) * 100:.0f} %")
            label.setStyleSheet("font-weight: bold;" if name == top else "")

    def set_uncertainty(self, score: float | None) -> None:
        if score is None:
            self.uncertainty.setText("")
            return
        word = "low" if score < 0.25 else "moderate" if score < 0.5 else "high"
        self.uncertainty.setText(f"Border uncertainty: {word} ({score:.2f})")

    def set_familiarity(self, distance: float | None, threshold: float | None, checked: bool = True) -> None:
        """Warn when the scan looks unlike the model's training scans, and dim the class bars so a
        "benign 100 %" there does not read as knowledge; say so when the model could not check (``checked``
        False: its weights have no familiarity reference), so silence never reads as "familiar"."""
        unfamiliar = distance is not None and threshold is not None and distance > threshold
        self.unfamiliar.setVisible(unfamiliar or not checked)
        if unfamiliar:
            self.unfamiliar.setText(
                f"This scan looks unlike the breast ultrasound the AI was trained on (distance {distance:.1f}, "
                f"training scans up to {threshold:.1f}). Treat its proposal with extra care."
            )
        elif not checked:
            self.unfamiliar.setText(NOT_CHECKED_NOTE)
        self._dim_bars(unfamiliar)
        self.set_message(self._message_text)

    @property
    def bars_dimmed(self) -> bool:
        """True while the class bars are drawn faint (the scan is unlike the training scans)."""
        return self._bars_dimmed

    def _dim_bars(self, dimmed: bool) -> None:
        if dimmed == self._bars_dimmed:
            return
        self._bars_dimmed = dimmed
        style = (f"QProgressBar {{ color: {theme.TEXT_DISABLED}; }} "
                 f"QProgressBar::chunk {{ background: {theme.BORDER}; }}") if dimmed else ""
        tip = "Faint: the scan is unlike the AI's training scans, so these numbers mean little" if dimmed else ""
        for bar in self.bars.values():
            bar.setStyleSheet(style)
            bar.setToolTip(tip)

    def set_remarks(self, disagreement: str, candidate: str) -> None:
        """Show the class/outline disagreement and the withheld candidate's note; empty hides each."""
        for label, text in ((self.disagreement, disagreement), (self.candidate, candidate)):
            label.setText(text)
            label.setVisible(bool(text))

    def set_mask_source(self, text: str) -> None:
        self.mask_source.setText(text)

    def set_reviewer_class(self, name: str | None) -> None:
        """Show the reader's class without emitting ``reviewer_class_chosen``."""
        index = 0 if name is None else CLASS_NAMES.index(name) + 1
        self.class_buttons.button(index).setChecked(True)

    def _on_class_clicked(self, index: int) -> None:
        self.reviewer_class_chosen.emit(None if index == 0 else CLASS_NAMES[index - 1])


class LayersPanel(QWidget):
    """Show/hide, style and opacity of the mask, Grad-CAM and uncertainty layers.

    Signals
    -------
    mask_visible_changed(bool), mask_style_changed(str), mask_opacity_changed(float)
    heat_visible_changed(bool), heat_target_changed(str), heat_colour_map_changed(str), heat_opacity_changed(float)
    uncertainty_visible_changed(bool), uncertainty_opacity_changed(float)
    """

    mask_visible_changed = Signal(bool)
    mask_style_changed = Signal(str)
    mask_opacity_changed = Signal(float)
    heat_visible_changed = Signal(bool)
    heat_target_changed = Signal(str)
    heat_colour_map_changed = Signal(str)
    heat_opacity_changed = Signal(float)
    uncertainty_visible_changed = Signal(bool)
    uncertainty_opacity_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        compact(grid)
        self.mask_visible = QCheckBox("mask (H)")
        self.mask_visible.setChecked(True)
        self.mask_style = QComboBox()
        # Outline first: a fill tints the lesion's inside, and its echogenicity is part of the reading.
        self.mask_style.addItem("outline", "contour")
        self.mask_style.addItem("filled", "filled")
        self.mask_opacity = opacity_slider(0.9)
        grid.addWidget(self.mask_visible, 0, 0)
        grid.addWidget(self.mask_style, 0, 1)
        grid.addWidget(self.mask_opacity, 0, 2)

        self.heat_visible = QCheckBox("Grad-CAM (G)")
        self.heat_target = QComboBox()
        self.heat_target.setToolTip("What the heat map explains")
        for key, text in HEAT_TARGETS:
            self.heat_target.addItem(text, key)
        self.heat_opacity = opacity_slider(0.6)
        self.heat_status = dim_label()
        self.heat_colour_map = QComboBox()
        self.heat_colour_map.setToolTip("Colour map of the heat")
        for name in HEAT_COLOUR_MAPS:
            self.heat_colour_map.addItem(name, name)
        self.heat_note = caution_label()
        grid.addWidget(self.heat_visible, 1, 0)
        grid.addWidget(self.heat_target, 1, 1)
        grid.addWidget(self.heat_opacity, 1, 2)
        grid.addWidget(self.heat_status, 2, 0)
        grid.addWidget(self.heat_colour_map, 2, 1)
        # Two lines reserved, so the warning is never clipped when the column is short.
        self.heat_note.setMinimumHeight(2 * self.heat_note.fontMetrics().lineSpacing() + 4)
        grid.addWidget(self.heat_note, 3, 0, 1, 3)

        self.uncertainty_visible = QCheckBox("uncertainty (U)")
        self.uncertainty_opacity = opacity_slider(0.7)
        grid.addWidget(self.uncertainty_visible, 4, 0, 1, 2)
        grid.addWidget(self.uncertainty_opacity, 4, 2)
        grid.setColumnStretch(2, 1)

        self.mask_visible.toggled.connect(self.mask_visible_changed)
        self.mask_style.currentIndexChanged.connect(
            lambda _i: self.mask_style_changed.emit(self.mask_style.currentData())
        )
        self.mask_opacity.valueChanged.connect(lambda v: self.mask_opacity_changed.emit(v / 100.0))
        self.heat_visible.toggled.connect(self.heat_visible_changed)
        self.heat_target.currentIndexChanged.connect(
            lambda _i: self.heat_target_changed.emit(self.heat_target.currentData())
        )
        self.heat_colour_map.currentIndexChanged.connect(
            lambda _i: self.heat_colour_map_changed.emit(self.heat_colour_map.currentData())
        )
        self.heat_opacity.valueChanged.connect(lambda v: self.heat_opacity_changed.emit(v / 100.0))
        self.uncertainty_visible.toggled.connect(self.uncertainty_visible_changed)
        self.uncertainty_opacity.valueChanged.connect(lambda v: self.uncertainty_opacity_changed.emit(v / 100.0))

    def set_heat_note(self, text: str) -> None:
        """A caution under the heat map (e.g. its peak lies outside the lesion); empty hides it."""
        self.heat_note.setText(text)
        self.heat_note.setVisible(bool(text))
