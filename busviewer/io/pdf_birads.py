"""The findings and assessment section at the top of the PDF report, in the order radiologists write it.

Findings first (the lesion in BI-RADS lexicon words with its size and location), then the assessment
category with the atlas's management wording; ``pdf_report`` draws the images, provenance and disclaimer
below it.
"""

from __future__ import annotations

import textwrap

from matplotlib.figure import Figure

from busviewer.core.birads import DESCRIPTORS, MANAGEMENT
from busviewer.core.birads_finding import BiradsFinding
from busviewer.core.report import CaseReport

#: Height of the section on the page, as a share of the page height.
SECTION_HEIGHT = 0.225
_LINE = 0.019
_WRAP = 105
_LABELS = {"shape": "Shape", "orientation": "Orientation", "margin": "Margin", "echo_pattern": "Echo pattern",
           "posterior_features": "Posterior features"}
_CATEGORY_COLOURS = {"2": "#2e7d32", "3": "#2e7d32", "4A": "#b26a00", "4B": "#b26a00", "4C": "#b00020", "5": "#b00020"}


def draw_findings(figure: Figure, report: CaseReport, top: float, left: float = 0.06) -> None:
    """Write the findings and assessment between ``top`` and ``top - SECTION_HEIGHT`` (figure fractions)."""
    finding = report.birads_finding()
    figure.text(left, top, "Findings", fontsize=12, weight="bold")
    y = top - 0.024
    if not finding.has_lesion:
        figure.text(left, y, "No mass outlined on this image.", fontsize=10)
    else:
        sentence = f"{finding.location_text()}: {finding.description()}, {finding.size_text()}."
        for line in textwrap.wrap(sentence, _WRAP):
            figure.text(left, y, line, fontsize=10)
            y -= _LINE
        y -= 0.004
        y = _descriptor_table(figure, finding, left, y)
    if report.comment.strip():
        comment = textwrap.wrap(f"Reader's comment: {report.comment.strip()}", _WRAP)[:2]
        for line in comment:
            figure.text(left, y, line, fontsize=9, style="italic")
            y -= _LINE * 0.9
    y -= 0.008
    figure.text(left, y, "Assessment", fontsize=12, weight="bold")
    category = finding.category
    colour = _CATEGORY_COLOURS.get(category or "", "#000000")
    if category is None:
        figure.text(left, y - 0.022, "No assessment category.", fontsize=10)
        return
    who = "reader's assessment" if finding.source("category") == "reader" else "AI suggestion, not confirmed by the reader"
    figure.text(left, y - 0.022, f"BI-RADS {category}", fontsize=11, weight="bold", color=colour)
    figure.text(left + 0.135, y - 0.022, f"({who})", fontsize=9, color="#444444")
    figure.text(left, y - 0.040, MANAGEMENT[category], fontsize=10, color=colour)
    if finding.ai is not None:
        figure.text(left, y - 0.056, textwrap.shorten(f"AI reasoning: {finding.ai.reason}", 125, placeholder="…"),
                    fontsize=8, color="#555555")


def _descriptor_table(figure: Figure, finding: BiradsFinding, left: float, y: float) -> float:
    """One small line per descriptor: the reported word, whose it is, and the AI's confidence."""
    columns = (left, left + 0.44)
    names = list(DESCRIPTORS)
    for index, name in enumerate(names):
        x = columns[index % 2]
        row_y = y - _LINE * 0.85 * (index // 2)
        word = finding.word(name) or "-"
        note = ""
        if finding.source(name) == "reader":
            note = " (reader)"
        elif finding.ai is not None:
            note = f" (AI, {finding.ai.descriptors()[name].confidence:.0%} sure)"
        figure.text(x, row_y, f"{_LABELS[name]}: ", fontsize=8.5, color="#444444")
        figure.text(x + 0.14, row_y, f"{word}{note}", fontsize=8.5)
    return y - _LINE * 0.85 * ((len(names) + 1) // 2) - 0.004
