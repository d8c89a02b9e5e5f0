"""Layer style and opacity (outline or filled, Grad-CAM colour map, each layer's opacity) kept across restarts.

Visibility is left out on purpose: every scan starts with the mask shown and the heat maps hidden, so a
reader never misses an outline because the previous session turned it off.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QComboBox, QSlider

from busviewer.gui.review.panels import LayersPanel

_PREFIX = "layers/"


def _controls(panel: LayersPanel) -> dict[str, QComboBox | QSlider]:
    return {
        "mask_style": panel.mask_style,
        "mask_opacity": panel.mask_opacity,
        "heat_colour_map": panel.heat_colour_map,
        "heat_opacity": panel.heat_opacity,
        "uncertainty_opacity": panel.uncertainty_opacity,
    }


def bind_layer_settings(panel: LayersPanel, settings: QSettings) -> None:
    """Restore the panel's saved style and opacities (emitting the panel's signals), then save every change.

    Call after the panel's signals are connected, so restored values reach the overlays.
    """
    for name, control in _controls(panel).items():
        key = _PREFIX + name
        stored = settings.value(key)
        if isinstance(control, QComboBox):
            index = control.findData(stored) if stored is not None else -1
            if index >= 0:
                control.setCurrentIndex(index)
            control.currentIndexChanged.connect(
                lambda _i, k=key, c=control: settings.setValue(k, c.currentData())
            )
        else:
            try:
                value = int(stored) if stored is not None else None
            except (TypeError, ValueError):
                value = None  # a hand-edited settings file: keep the default
            if value is not None:
                control.setValue(value)
            control.valueChanged.connect(lambda v, k=key: settings.setValue(k, int(v)))
