"""The window at 1280x720: panels scroll and fold instead of growing the window, the image keeps half the
width, status-bar fields leave room for messages, and layer settings, folds and the first-run hint persist."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSettings, Qt
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from busviewer.core.paths import settings_file
from busviewer.gui.docks import FoldingDock
from busviewer.gui.main_window import MainWindow
from busviewer.gui.review.layer_settings import bind_layer_settings
from busviewer.gui.review.panels import LayersPanel
from busviewer.gui.status_fields import FIELDS_SHARE


def tall_panel(lines: int) -> QWidget:
    """A panel that wants ``lines`` rows of text: more than a 720-pixel column holds when several are stacked."""
    panel = QWidget()
    layout = QVBoxLayout(panel)
    for i in range(lines):
        layout.addWidget(QLabel(f"row {i} of a panel that needs its height"))
    return panel


def laptop_window(qtbot: QtBot) -> MainWindow:
    window = MainWindow()
    qtbot.addWidget(window)
    for title in ("AI proposal", "Layers", "Measurements"):
        window.add_side_panel(title, tall_panel(14))
    window.resize(1280, 720)
    window.show()
    qtbot.waitExposed(window)
    window.restore_layout()
    QApplication.processEvents()
    qtbot.wait(50)
    return window


def test_panels_scroll_instead_of_growing_the_window(qtbot: QtBot) -> None:
    window = laptop_window(qtbot)
    assert window.height() <= 720 and window.width() <= 1280
    window.session.set_scan(__import__("tests.gui.conftest", fromlist=["make_scan"]).make_scan())
    qtbot.waitUntil(lambda: window.canvas.isVisible())
    assert window.canvas.width() >= window.width() // 2
    window.navigator.shutdown()


def test_a_folded_panel_shows_only_its_title_and_stays_folded(qtbot: QtBot) -> None:
    window = laptop_window(qtbot)
    dock = next(d for d in window.findChildren(FoldingDock) if d.windowTitle() == "Layers")
    unfolded = dock.height()
    qtbot.mouseClick(dock.titleBarWidget().arrow, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dock.height() < unfolded // 2)
    assert dock.is_folded and dock.content.visibleRegion().isEmpty()
    column = [d for d in window.findChildren(FoldingDock) if d.windowTitle() in ("AI proposal", "Measurements")]
    assert all(d.width() >= window.width() * 0.25 for d in column)  # the column keeps its width
    window.close()
    again = MainWindow()
    qtbot.addWidget(again)
    reopened = again.add_side_panel("Layers", tall_panel(3))
    assert isinstance(reopened, FoldingDock) and reopened.is_folded


def test_status_fields_leave_room_for_messages_and_elide_with_a_tooltip(qtbot: QtBot) -> None:
    window = laptop_window(qtbot)
    window.set_permanent_status("model", "model: busviewer-attn-unet-e81ad2ea-finetuned-on-site-b-2026 (fine-tuned)")
    window.set_permanent_status("workspace", "workspace: a-very-long-folder-name-of-a-hospital-export")
    window.set_permanent_status("levels", "W 255  L 128")
    QApplication.processEvents()
    bar = window.statusBar()
    labels = [label for label in bar.findChildren(QLabel) if label.objectName().startswith("status_") and label.isVisible()]
    assert sum(label.width() for label in labels) <= bar.width() * FIELDS_SHARE + 40 * len(labels)
    model = bar.findChild(QLabel, "status_model")
    assert model.is_elided() and model.toolTip() == model.full_text()
    assert window.permanent_status("model").endswith("(fine-tuned)")  # the full text, not the elided one
    levels = bar.findChild(QLabel, "status_levels")
    assert not levels.is_elided()  # short fields keep their whole text


def test_layer_style_and_opacity_survive_a_restart(qtbot: QtBot) -> None:
    settings = QSettings(str(settings_file()), QSettings.Format.IniFormat)
    first = LayersPanel()
    qtbot.addWidget(first)
    bind_layer_settings(first, settings)
    first.mask_style.setCurrentIndex(first.mask_style.findData("filled"))
    first.mask_opacity.setValue(35)
    first.heat_opacity.setValue(80)
    settings.sync()

    second = LayersPanel()
    qtbot.addWidget(second)
    styles: list[str] = []
    opacities: list[float] = []
    second.mask_style_changed.connect(styles.append)
    second.mask_opacity_changed.connect(opacities.append)
    bind_layer_settings(second, QSettings(str(settings_file()), QSettings.Format.IniFormat))
    assert second.mask_style.currentData() == "filled" and styles == ["filled"]
    assert second.mask_opacity.value() == 35 and opacities == [0.35]
    assert second.heat_opacity.value() == 80


def test_the_first_run_hint_shows_once(qtbot: QtBot) -> None:
    window = laptop_window(qtbot)
    hint = window.first_run_hint
    assert hint.isVisible() and "Ctrl+O" in hint.findChild(QLabel).text()
    assert hint.geometry().top() >= 0 and hint.width() <= window.centralWidget().width()
    qtbot.mouseClick(hint.findChild(QWidget, "firstRunDismiss"), Qt.MouseButton.LeftButton)
    assert not hint.isVisible()
    window.close()
    again = MainWindow()
    qtbot.addWidget(again)
    again.show()
    assert not again.first_run_hint.isVisible()


def test_a_wide_case_list_gives_way_to_the_image(qtbot: QtBot, tmp_path) -> None:
    from tests.gui.conftest import write_png

    window = laptop_window(qtbot)
    window.case_dock.show()
    window.resizeDocks([window.case_dock], [700], Qt.Orientation.Horizontal)
    QApplication.processEvents()
    paths = [write_png(tmp_path / f"case_{i}.png") for i in range(3)]
    window.open_paths([tmp_path])
    qtbot.waitUntil(lambda: len(window.case_list.paths()) == len(paths), timeout=10_000)
    qtbot.waitUntil(lambda: window.centralWidget().width() >= window.width() // 2 - 2, timeout=5_000)
    window.navigator.shutdown()


def test_the_first_run_hint_sits_above_the_image_and_gives_its_room_back(qtbot: QtBot) -> None:
    window = laptop_window(qtbot)
    window.session.set_scan(__import__("tests.gui.conftest", fromlist=["make_scan"]).make_scan())
    qtbot.waitUntil(lambda: window.canvas.isVisible())
    hint = window.first_run_hint
    assert hint.isVisible()

    def on_window(widget: QWidget) -> QRect:
        return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())

    # The top of a scan (skin line, shallow lesions) is never under the banner.
    assert not on_window(hint).intersects(on_window(window.canvas))
    top_with_hint = on_window(window.canvas).top()
    qtbot.mouseClick(hint.findChild(QWidget, "firstRunDismiss"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: on_window(window.canvas).top() < top_with_hint)
    assert on_window(window.canvas).top() == on_window(window.centralWidget()).top()
    window.navigator.shutdown()
