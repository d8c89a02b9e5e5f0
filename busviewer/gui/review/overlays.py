"""Canvas items of the review: lesion mask, heat maps, measurement calipers, brush cursor and lasso path.

Items only display state owned elsewhere. Coordinates are the canvas's: pixel (r, c) covers
[c, c+1) x [r, r+1), so a mask pixel centre (r, c) in numpy terms sits at (c + 0.5, r + 0.5).
"""

from __future__ import annotations

import cv2
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsPathItem

from busviewer.core.mask import MaskLayer
from busviewer.core.measurements import LesionMeasurements
from busviewer.core.review_state import HeatMap

Box = tuple[int, int, int, int]

#: Mask colours: the AI's proposal in amber, a mask a person edited or accepted in green.
AI_MASK_RGB = (255, 184, 28)
READER_MASK_RGB = (64, 224, 140)
#: Alpha of the inside of a filled mask; the outline is always opaque.
FILL_ALPHA = 90
#: Colour of the measurement calipers drawn by the review.
CALIPER_COLOUR = "#e29bff"
#: Heat colour maps offered to the reader (pyqtgraph names).
HEAT_COLOUR_MAPS = ("inferno", "turbo", "viridis", "plasma")


def _cosmetic_pen(colour: QColor | str, width: float = 1.5, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    pen = QPen(QColor(colour))
    pen.setWidthF(width)
    pen.setStyle(style)
    # Cosmetic pens keep their screen width whatever the zoom.
    pen.setCosmetic(True)
    return pen


#: A full redraw is split into bands of about this many pixels, each drawn in its own event-loop turn,
#: so showing a 4000 x 3000 mask never blocks the GUI thread for long.
REDRAW_BAND_PIXELS = 250_000


def _rgba_word(rgb: tuple[int, int, int], alpha: int) -> np.uint32:
    """One RGBA pixel as the uint32 whose bytes in memory are r, g, b, a."""
    return np.frombuffer(bytes((*rgb, alpha) if alpha else (0, 0, 0, 0)), dtype=np.uint32)[0]


class MaskOverlay(pg.ImageItem):
    """The mask as an RGBA image that is re-coloured only inside the box an edit changed.

    ``style`` is ``filled`` (translucent inside plus outline) or ``contour`` (outline only). A whole
    redraw (new frame, colour or style) of a large mask is done in bands over a few event-loop turns.
    """

    def __init__(self) -> None:
        super().__init__(axisOrder="row-major")
        self._rgba = np.zeros((1, 1, 4), dtype=np.uint8)
        self._layer: MaskLayer | None = None
        self._style = "contour"
        self._rgb = AI_MASK_RGB
        self._outline_px = 1
        self._wanted_visible = True
        self._lut = np.zeros(3, dtype=np.uint32)
        self._bands: list[Box] = []
        self._band_timer = QTimer(self, singleShot=True, interval=0)
        self._band_timer.timeout.connect(self._draw_next_band)
        self._update_lut()

    @property
    def style(self) -> str:
        return self._style

    @property
    def outline_px(self) -> int:
        return self._outline_px

    @property
    def rgba(self) -> np.ndarray:
        """The RGBA buffer on screen (read it in tests; it is rewritten on every edit)."""
        return self._rgba

    @property
    def drawing(self) -> bool:
        """True while a banded redraw is still under way."""
        return bool(self._bands)

    def show_layer(self, layer: MaskLayer | None, reader_owned: bool) -> None:
        """Display ``layer`` (None clears), coloured as the reader's mask or the AI proposal."""
        self._layer = layer
        self._rgb = READER_MASK_RGB if reader_owned else AI_MASK_RGB
        self._update_lut()
        self.redraw_all()

    def set_reader_owned(self, reader_owned: bool) -> None:
        """Switch colour between AI proposal and reader's mask."""
        rgb = READER_MASK_RGB if reader_owned else AI_MASK_RGB
        if rgb != self._rgb:
            self._rgb = rgb
            self._update_lut()
            self._recolour()

    def set_style(self, style: str) -> None:
        if style not in ("filled", "contour"):
            raise ValueError(f"unknown mask style {style!r}")
        if style != self._style:
            self._style = style
            self._update_lut()
            self._recolour()

    def set_outline_px(self, pixels: int) -> None:
        """Outline thickness in image pixels; the controller keeps it near 1.5 screen pixels."""
        pixels = max(1, int(pixels))
        if pixels != self._outline_px:
            self._outline_px = pixels
            self._recolour()

    def set_wanted_visible(self, visible: bool) -> None:
        """The reader's show/hide choice (the item also hides itself while there is no layer)."""
        self._wanted_visible = visible
        self.setVisible(visible and self._layer is not None)

    def _update_lut(self) -> None:
        # Pixel classes: 0 outside, 1 inside, 2 outline.
        fill = FILL_ALPHA if self._style == "filled" else 0
        self._lut = np.array([0, _rgba_word(self._rgb, fill), _rgba_word(self._rgb, 255)], dtype=np.uint32)

    def redraw_all(self) -> None:
        """Rebuild the whole RGBA buffer: small masks at once, large ones band by band."""
        layer = self._layer
        self._bands = []
        if layer is None:
            self._rgba = np.zeros((1, 1, 4), dtype=np.uint8)
            self.setImage(self._rgba, autoLevels=False)
            self.setRect(QRectF(0, 0, 1, 1))
            self.setVisible(False)
            return
        rows, cols = layer.shape
        # A fresh zeroed buffer (cheap: the pages are zeroed lazily) never shows the previous mask.
        self._rgba = np.zeros((rows, cols, 4), dtype=np.uint8)
        self.setImage(self._rgba, autoLevels=False)
        self.setRect(QRectF(0, 0, cols, rows))
        self.setVisible(self._wanted_visible)
        self._recolour()

    def _recolour(self) -> None:
        """Paint the mask again in the current colour, style and outline, in place: every coloured pixel
        (inside and outline) lies in the mask's bounding box, so only that box is drawn, not the frame."""
        layer = self._layer
        if layer is None or self._rgba.shape[:2] != layer.shape:
            self.redraw_all()
            return
        self._bands = []
        data = layer.data
        row_any = np.flatnonzero(data.any(axis=1))
        if row_any.size == 0:
            return
        row0, row1 = int(row_any[0]), int(row_any[-1]) + 1
        col_any = np.flatnonzero(data[row0:row1].any(axis=0))
        self._queue_bands((row0, row1, int(col_any[0]), int(col_any[-1]) + 1))

    def _queue_bands(self, box: Box) -> None:
        """Draw ``box`` now if it is small, else in bands of rows over the next event-loop turns."""
        row0, row1, col0, col1 = box
        step = max(1, REDRAW_BAND_PIXELS // max(col1 - col0, 1))
        self._bands.extend((start, min(start + step, row1), col0, col1) for start in range(row0, row1, step))
        self._draw_next_band()

    def _draw_next_band(self) -> None:
        if not self._bands or self._layer is None:
            return
        # Bands always read the mask as it is now, so edits made in between are never overwritten.
        self._paint(self._bands.pop(0))
        if self._bands:
            self._band_timer.start()

    def redraw_box(self, box: Box) -> None:
        """Re-colour the pixels an edit changed (plus the outline's reach) and upload them."""
        if self._layer is None or self._rgba.shape[:2] != self._layer.shape:
            return
        self._queue_bands(box)

    def _paint(self, box: Box) -> None:
        assert self._layer is not None
        data = self._layer.data
        rows, cols = data.shape
        reach = self._outline_px
        # The outline of a pixel depends on neighbours up to `reach` away, and those on theirs.
        r0, r1 = max(box[0] - reach, 0), min(box[1] + reach, rows)
        c0, c1 = max(box[2] - reach, 0), min(box[3] + reach, cols)
        e0, e1 = max(r0 - reach, 0), min(r1 + reach, rows)
        f0, f1 = max(c0 - reach, 0), min(c1 + reach, cols)
        around = data[e0:e1, f0:f1].view(np.uint8)
        eroded = cv2.erode(
            around, np.ones((3, 3), np.uint8), iterations=reach, borderType=cv2.BORDER_CONSTANT, borderValue=0
        )
        inside = around[r0 - e0 : r1 - e0, c0 - f0 : c1 - f0]
        # inside + (inside - eroded): 0 outside, 1 inside, 2 on the outline.
        level = inside + (inside - eroded[r0 - e0 : r1 - e0, c0 - f0 : c1 - f0])
        self._rgba.view(np.uint32)[r0:r1, c0:c1, 0] = self._lut[level]
        self._upload(QRectF(c0, r0, c1 - c0, r1 - r0))

    def _upload(self, changed: QRectF) -> None:
        """Show new pixels: repaint only ``changed`` when the QImage on screen wraps our buffer."""
        qimage = self.qimage
        shared = getattr(qimage, "data", None) if qimage is not None else None
        if isinstance(shared, np.ndarray) and np.may_share_memory(shared, self._rgba):
            # pyqtgraph wraps an RGBA uint8 array without copying, so the pixels are already in place.
            self.update(changed)
        else:
            self.updateImage(self._rgba)


def heat_lut(colour_map: str) -> np.ndarray:
    """uint32 RGBA words for 0..255 of ``colour_map``; weak heat fades out so the anatomy stays readable."""
    rgb = pg.colormap.get(colour_map).getLookupTable(0.0, 1.0, 256, alpha=False).astype(np.uint8)
    ramp = np.clip((np.arange(256, dtype=np.float32) / 255.0 - 0.2) / 0.5, 0.0, 1.0)
    rgba = np.concatenate([rgb, (ramp * 220.0).astype(np.uint8)[:, None]], axis=1)
    return np.ascontiguousarray(rgba).view(np.uint32)[:, 0]


def tint_lut(rgb: tuple[int, int, int]) -> np.ndarray:
    """uint32 RGBA words for 0..255: one colour whose opacity follows the value (uncertainty layer).

    Low values stay clear and even certain doubt stays see-through, so the anatomy under it remains readable.
    """
    ramp = np.clip((np.arange(256, dtype=np.float32) / 255.0 - 0.1) / 0.6, 0.0, 1.0)
    alpha = (ramp * 170.0).astype(np.uint8)
    rgba = np.concatenate([np.tile(np.array(rgb, np.uint8), (256, 1)), alpha[:, None]], axis=1)
    return np.ascontiguousarray(rgba).view(np.uint32)[:, 0]


def apply_lut(display: np.ndarray, lut: np.ndarray) -> np.ndarray:
    """(h, w) uint8 through a 256-entry uint32 LUT into an (h, w, 4) uint8 RGBA image."""
    return lut[display].view(np.uint8).reshape(*display.shape, 4)


class HeatOverlay(pg.ImageItem):
    """A reduced heat map stretched over the whole frame."""

    def __init__(self) -> None:
        super().__init__(axisOrder="row-major")
        self._heat: HeatMap | None = None
        self._frame_shape: tuple[int, int] = (1, 1)
        self.colour_map = "inferno"
        self.tint: tuple[int, int, int] | None = None
        self._wanted_visible = False
        self.setVisible(False)

    @property
    def heat(self) -> HeatMap | None:
        return self._heat

    def show_heat(self, heat: HeatMap | None, frame_shape: tuple[int, int]) -> None:
        """Display ``heat`` over a frame of ``frame_shape``; None clears."""
        self._heat = heat
        self._frame_shape = frame_shape
        self._render()

    def set_colour_map(self, name: str) -> None:
        self.colour_map = name
        self._render()

    def set_wanted_visible(self, visible: bool) -> None:
        self._wanted_visible = visible
        self.setVisible(visible and self._heat is not None)

    def _render(self) -> None:
        if self._heat is None:
            self.clear()
            self.setVisible(False)
            return
        lut = tint_lut(self.tint) if self.tint is not None else heat_lut(self.colour_map)
        rgba = apply_lut(self._heat.display, lut)
        self.setImage(rgba, autoLevels=False)
        rows, cols = self._frame_shape
        self.setRect(QRectF(0, 0, cols, rows))
        self.setVisible(self._wanted_visible)


class CaliperOverlay(pg.GraphicsObject):
    """Long axis (solid) and short axis (dashed) of the measured lesion, with end ticks."""

    def __init__(self) -> None:
        super().__init__()
        # Violet with round ends: unlike the white/cyan "+" calipers scanners burn into their images.
        line_pen, end_pen = _cosmetic_pen(CALIPER_COLOUR, 1.6), _cosmetic_pen(CALIPER_COLOUR, 1.4)
        dashed = _cosmetic_pen(CALIPER_COLOUR, 1.6, Qt.PenStyle.DashLine)
        ends = {"symbol": "o", "symbolSize": 7, "symbolPen": end_pen, "symbolBrush": None}
        self._long = pg.PlotDataItem(pen=line_pen, **ends)
        self._short = pg.PlotDataItem(pen=dashed, **ends)
        # A dark backing keeps the numbers legible over bright tissue.
        backing = pg.mkBrush(0, 0, 0, 170)
        self._long_label = pg.TextItem(color=CALIPER_COLOUR, anchor=(0, 1), fill=backing)
        self._short_label = pg.TextItem(color=CALIPER_COLOUR, anchor=(0, 1), fill=backing)
        for child in (self._long, self._short, self._long_label, self._short_label):
            child.setParentItem(self)
        self._wanted_visible = True
        self.show_measurements(None)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        return QRectF()

    def paint(self, *args: object) -> None:
        """The children draw themselves."""

    def set_wanted_visible(self, visible: bool) -> None:
        self._wanted_visible = visible
        self.setVisible(visible and self._has_data)

    def show_measurements(
        self, measurements: LesionMeasurements | None, long_text: str = "", short_text: str = ""
    ) -> None:
        """Draw the axes of ``measurements`` (None hides them); texts label the two lines."""
        self._has_data = measurements is not None
        if measurements is None:
            self.setVisible(False)
            return
        for line, label, ends, text in (
            (self._long, self._long_label, measurements.long_axis_endpoints, long_text),
            (self._short, self._short_label, measurements.short_axis_endpoints, short_text),
        ):
            (ra, ca), (rb, cb) = ends
            line.setData(x=[ca + 0.5, cb + 0.5], y=[ra + 0.5, rb + 0.5])
            label.setText(text)
            # Put the label at the end nearer the top-right, away from the lesion's middle.
            end = max(((ra, ca), (rb, cb)), key=lambda p: p[1] - p[0])
            label.setPos(QPointF(end[1] + 0.5, end[0] + 0.5))
        self.setVisible(self._wanted_visible)


class BrushCursor(QGraphicsEllipseItem):
    """A circle the size of the brush under the mouse; dashed red while erasing."""

    def __init__(self) -> None:
        super().__init__()
        self.setPen(_cosmetic_pen("#ffffff", 1.2))
        self.setVisible(False)

    def place(self, row: float, col: float, radius: float, erasing: bool) -> None:
        """Centre the circle on canvas position (row, col) with ``radius`` image pixels."""
        self.setPen(
            _cosmetic_pen(
                "#ff6b6b" if erasing else "#ffffff", 1.2, Qt.PenStyle.DashLine if erasing else Qt.PenStyle.SolidLine
            )
        )
        self.setRect(QRectF(col - radius, row - radius, 2 * radius, 2 * radius))
        self.setVisible(True)


class LassoPath(QGraphicsPathItem):
    """The outline being drawn with the lasso, in canvas coordinates."""

    def __init__(self) -> None:
        super().__init__()
        self.setPen(_cosmetic_pen("#ffffff", 1.4, Qt.PenStyle.DashLine))
        self.setVisible(False)

    def show_points(self, points: list[tuple[float, float]], erasing: bool) -> None:
        """Draw the open polyline through canvas (row, col) ``points``; an empty list hides it."""
        if len(points) < 2:
            self.setVisible(False)
            return
        path = QPainterPath(QPointF(points[0][1], points[0][0]))
        for row, col in points[1:]:
            path.lineTo(QPointF(col, row))
        path.closeSubpath()
        self.setPen(_cosmetic_pen("#ff6b6b" if erasing else "#ffffff", 1.4, Qt.PenStyle.DashLine))
        self.setPath(path)
        self.setVisible(True)
