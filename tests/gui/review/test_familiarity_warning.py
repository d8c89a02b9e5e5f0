"""The AI panel warns, in words, when a scan looks unlike the model's training scans."""

from __future__ import annotations

from busviewer.gui.review.panels import ClassPanel


def test_warning_shows_only_beyond_the_threshold(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = ClassPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.set_familiarity(22.0, 12.8)
    assert panel.unfamiliar.isVisible()
    assert "unlike the breast ultrasound" in panel.unfamiliar.text() and "22.0" in panel.unfamiliar.text()
    panel.set_familiarity(9.0, 12.8)
    assert not panel.unfamiliar.isVisible()
    panel.set_familiarity(None, None)  # weights without a reference: no claim either way
    assert not panel.unfamiliar.isVisible()
