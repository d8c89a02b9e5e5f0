"""Read a PDF the way a person sees it: its text through a real text extractor, its page rendered to pixels,
and the raster images it embeds (pypdfium2, the PDF engine of Chromium)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 reads the PDFs back (pip install -e '.[test]')")


def pdf_text(path: Path) -> str:
    """All text of every page, as a text extractor (copy and paste, a search engine) gets it."""
    document = pdfium.PdfDocument(str(path))
    try:
        return "\n".join(page.get_textpage().get_text_bounded() for page in document)
    finally:
        document.close()


def page_count(path: Path) -> int:
    document = pdfium.PdfDocument(str(path))
    try:
        return len(document)
    finally:
        document.close()


def embedded_images(path: Path, page_index: int = 0) -> list[np.ndarray]:
    """The raster images drawn on a page, as stored in the file (not resampled by a viewer), largest first."""
    import pypdfium2.raw as pdfium_c

    document = pdfium.PdfDocument(str(path))
    try:
        page = document[page_index]
        images = [obj.get_bitmap(render=False).to_numpy().copy()
                  for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE])]
    finally:
        document.close()
    return sorted(images, key=lambda a: -a.shape[0] * a.shape[1])


def rendered_page(path: Path, page_index: int = 0, scale: float = 1.0) -> np.ndarray:
    """The page as a viewer shows it, RGB uint8 (72 dpi times ``scale``)."""
    document = pdfium.PdfDocument(str(path))
    try:
        return document[page_index].render(scale=scale).to_numpy()[..., :3].copy()
    finally:
        document.close()
