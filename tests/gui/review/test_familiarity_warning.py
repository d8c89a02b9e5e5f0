"""The AI panel warns, in words, when a scan looks unlike the model's training scans."""

from __future__ import annotations

from busviewer.gui.review.panels import NOT_CHECKED_NOTE, ClassPanel


def test_warning_shows_only_beyond_the_threshold(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = ClassPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.set_familiarity(22.0, 12.8)
    assert panel.unfamiliar.isVisible()
    assert "unlike the breast ultrasound" in panel.unfamiliar.text() and "22.0" in panel.unfamiliar.text()
    panel.set_familiarity(9.0, 12.8)
    assert not panel.unfamiliar.isVisible()
    panel.set_familiarity(None, None)  # no proposal: nothing to say
    assert not panel.unfamiliar.isVisible()


def test_a_proposal_from_weights_without_a_reference_says_it_was_not_checked(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = ClassPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.set_familiarity(None, None, checked=False)
    assert panel.unfamiliar.isVisible() and panel.unfamiliar.text() == NOT_CHECKED_NOTE
    assert not panel.bars_dimmed  # not a warning about the scan, only that nobody looked
