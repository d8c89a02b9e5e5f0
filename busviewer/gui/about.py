"""Help > About: version, the model in use and its card, licence, the data behind the model, and what the tool is not."""

from __future__ import annotations

import html
from importlib import metadata

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTabWidget, QTextBrowser, QVBoxLayout, QWidget

from busviewer import __version__
from busviewer.core.paths import model_card_path, shipped_weights_path

#: The public data sets the project's models are trained and measured on (the model card says which ones
#: trained the shipped weights and how).
DATA_CITATIONS: tuple[str, ...] = (
    "BUSI: Al-Dhabyani W, Gomaa M, Khaled H, Fahmy A. Dataset of breast ultrasound images. "
    "Data in Brief 28, 104863 (2020).",
    "BUS-BRA: Gómez-Flores W, Gregorio-Calas MJ, Coelho de Albuquerque Pereira W. BUS-BRA: a breast ultrasound "
    "dataset for assessing computer-aided diagnosis systems. Medical Physics 51(4):3110-3123 (2024).",
    "BrEaST-Lesions-USG: Pawłowska A, et al. Curated benchmark dataset for ultrasound based breast lesion "
    "analysis. Scientific Data 11:148 (2024), CC BY 4.0.",
)
#: What the tool is, in the words every screen of it must agree with.
INTENDED_USE = "Decision support for trained readers, not diagnosis. For research and education; not a medical device."


def licence() -> str:
    """The licence the installed package declares (SPDX), from its metadata."""
    try:
        meta = metadata.metadata("busviewer")
    except metadata.PackageNotFoundError:
        return "see the LICENSE file of the source distribution"
    return str(meta.get("License-Expression") or meta.get("License") or "unknown")


def about_html(model_text: str) -> str:
    """The About page as rich text; ``model_text`` names the model in use (the status bar's model field)."""
    card = model_card_path(shipped_weights_path())
    citations = "".join(f"<li>{html.escape(text)}</li>" for text in DATA_CITATIONS)
    return (
        f"<h3>busviewer {html.escape(__version__)}</h3>"
        "<p>Breast ultrasound review with an AI lesion proposal, Grad-CAM and measurements.</p>"
        f"<p><b>{html.escape(INTENDED_USE)}</b></p>"
        f"<p>Model in use: {html.escape(model_text.removeprefix('model: ') or 'not loaded yet')}<br>"
        f"Model card: {html.escape(str(card))} (next tab)</p>"
        f"<p>Licence: {html.escape(licence())}</p>"
        f"<p>Data:</p><ul>{citations}</ul>"
    )


class AboutDialog(QDialog):
    """The About box with the model card in a second tab."""

    def __init__(self, parent: QWidget | None, model_text: str) -> None:
        super().__init__(parent)
        self.setWindowTitle("About busviewer")
        self.resize(640, 560)
        self.tabs = QTabWidget()
        self.about = QLabel(about_html(model_text))
        self.about.setObjectName("aboutText")
        self.about.setWordWrap(True)
        self.about.setOpenExternalLinks(False)
        page = QWidget()
        page_layout = QVBoxLayout(page)
        page_layout.addWidget(self.about)
        page_layout.addStretch(1)
        self.tabs.addTab(page, "About")
        self.card = QTextBrowser()
        self.card.setObjectName("modelCard")
        card_path = model_card_path(shipped_weights_path())
        try:
            self.card.setMarkdown(card_path.read_text(encoding="utf-8"))
        except OSError:
            self.card.setPlainText(f"The model card {card_path} is missing from this installation.")
        self.tabs.addTab(self.card, "Model card")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)
