"""The calm dark look of a reading room: a dark Fusion palette, one muted accent and a black image canvas."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

WINDOW = "#1d2025"
PANEL = "#17191d"
PANEL_ALT = "#1f2227"
BUTTON = "#2a2e35"
BORDER = "#30343b"
TEXT = "#d3d6db"
TEXT_DIM = "#8a9099"
TEXT_DISABLED = "#5c616a"
ACCENT = "#4f7a99"
ACCENT_TEXT = "#f2f4f6"
#: For states that need attention but are not errors (e.g. an uncalibrated scan): a muted amber.
CAUTION = "#c8a35f"
ERROR = "#c46a6a"
#: For finished, good states (an approved case): a muted green that reads on the dark panels.
SUCCESS = "#7fb38e"
#: A lighter form of the accent for text on dark panels (e.g. a corrected case).
ACCENT_LIGHT = "#8fb4d1"
CANVAS_BACKGROUND = "#050607"

_STYLE_SHEET = f"""
QMainWindow::separator {{ background: {BORDER}; width: 1px; height: 1px; }}
QStatusBar {{ background: {PANEL}; color: {TEXT_DIM}; border-top: 1px solid {BORDER}; }}
QStatusBar::item {{ border: none; }}
QStatusBar QLabel {{ color: {TEXT_DIM}; padding: 0 8px; }}
QStatusBar QLabel[role="caution"] {{ color: {CAUTION}; }}
QStatusBar QLabel[role="strong"] {{ color: {TEXT}; }}
QDockWidget {{ color: {TEXT_DIM}; }}
QDockWidget::title {{ background: {PANEL}; padding: 5px 8px; border-bottom: 1px solid {BORDER}; }}
QToolBar {{ background: {WINDOW}; border: none; border-bottom: 1px solid {BORDER}; spacing: 4px; padding: 2px; }}
QHeaderView::section {{ background: {PANEL_ALT}; color: {TEXT_DIM}; border: none;
                        border-right: 1px solid {BORDER}; border-bottom: 1px solid {BORDER}; padding: 4px 6px; }}
QTreeView, QTableView, QListView {{ border: none; }}
QTreeView::item {{ padding: 3px 2px; }}
QLabel#emptyHint {{ color: {TEXT_DIM}; font-size: 15px; }}
QLabel#emptyTitle {{ color: {TEXT}; font-size: 22px; font-weight: 300; }}
QFrame#cineBar {{ background: {PANEL}; border-top: 1px solid {BORDER}; }}
QFrame#cineBar QLabel {{ color: {TEXT_DIM}; }}
QToolTip {{ color: {TEXT}; background: {PANEL_ALT}; border: 1px solid {BORDER}; padding: 4px; }}
QWidget#dockTitle {{ background: {PANEL}; border-bottom: 1px solid {BORDER}; }}
QWidget#dockTitle QLabel {{ color: {TEXT_DIM}; }}
QWidget#dockTitle QToolButton {{ color: {TEXT_DIM}; border: none; padding: 0 2px; }}
QFrame#firstRunHint {{ background: {PANEL_ALT}; border: 1px solid {ACCENT}; border-radius: 6px; }}
QFrame#firstRunHint QLabel {{ color: {TEXT}; }}
"""


def dark_palette() -> QPalette:
    """The palette of every widget: dark greys, light grey text, one muted steel-blue accent."""
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: WINDOW,
        QPalette.ColorRole.WindowText: TEXT,
        QPalette.ColorRole.Base: PANEL,
        QPalette.ColorRole.AlternateBase: PANEL_ALT,
        QPalette.ColorRole.ToolTipBase: PANEL_ALT,
        QPalette.ColorRole.ToolTipText: TEXT,
        QPalette.ColorRole.PlaceholderText: TEXT_DISABLED,
        QPalette.ColorRole.Text: TEXT,
        QPalette.ColorRole.Button: BUTTON,
        QPalette.ColorRole.ButtonText: TEXT,
        QPalette.ColorRole.BrightText: ACCENT_TEXT,
        QPalette.ColorRole.Highlight: ACCENT,
        QPalette.ColorRole.HighlightedText: ACCENT_TEXT,
        QPalette.ColorRole.Link: ACCENT,
        QPalette.ColorRole.Light: "#3a3f47",
        QPalette.ColorRole.Midlight: "#30343b",
        QPalette.ColorRole.Mid: "#25282e",
        QPalette.ColorRole.Dark: "#121418",
        QPalette.ColorRole.Shadow: "#0b0c0e",
    }
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(TEXT_DISABLED))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Highlight, QColor(BORDER))
    return palette


def apply_theme(app: QApplication) -> None:
    """Give ``app`` the Fusion style, the dark palette and the few style-sheet touches the palette cannot do."""
    app.setStyle("Fusion")
    app.setPalette(dark_palette())
    app.setStyleSheet(_STYLE_SHEET)
