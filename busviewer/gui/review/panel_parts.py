"""Small widgets the review's side panels share: dim and caution labels, an opacity slider, tight margins."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QSlider, QVBoxLayout

from busviewer.gui import theme


def dim_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setStyleSheet(f"color: {theme.TEXT_DIM};")
    return label


def caution_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {theme.CAUTION};")
    label.setVisible(False)
    return label


def opacity_slider(value: float) -> QSlider:
    slider = QSlider(Qt.Orientation.Horizontal)
    slider.setRange(0, 100)
    slider.setValue(round(value * 100))
    slider.setToolTip("Opacity")
    return slider


def compact(layout: QVBoxLayout | QGridLayout) -> None:
    # Four panels share the right side with others; tight margins keep the window within small screens.
    layout.setContentsMargins(8, 4, 8, 4)
    layout.setSpacing(3)
