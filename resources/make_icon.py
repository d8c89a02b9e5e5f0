"""Draw the application icon: an ultrasound sector with a dark lesion and the AI's outline around it.

Writes ``busviewer.png`` (256 px, the desktop entry and window icon), ``busviewer.svg`` (scalable, for
icon themes) and ``busviewer.ico`` (Windows bundle) beside this script. Deterministic: the speckle comes
from a fixed seed, so re-running it reproduces the same files.

    python resources/make_icon.py
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

HERE = Path(__file__).resolve().parent
SIZE = 256
#: Colours shared by the raster and the vector icon.
BACKGROUND = (27, 31, 36)
OUTLINE = (255, 170, 40)
#: The sector: apex above the top edge, opening downwards.
APEX = (128, -40)
RADII = (80, 270)
HALF_ANGLE_DEG = 34
#: The lesion: centre, half-axes.
LESION = (128, 150, 38, 26)


def _sector_mask(size: int, scale: int) -> np.ndarray:
    rows, cols = np.mgrid[0:size * scale, 0:size * scale] / scale
    dx, dy = cols - APEX[0], rows - APEX[1]
    radius = np.hypot(dx, dy)
    angle = np.degrees(np.arctan2(dx, dy))
    return (radius >= RADII[0]) & (radius <= RADII[1]) & (np.abs(angle) <= HALF_ANGLE_DEG)


def draw_png() -> Image.Image:
    """The raster icon, drawn at 4x and reduced for smooth edges."""
    scale = 4
    side = SIZE * scale
    rng = np.random.default_rng(7)
    speckle = rng.rayleigh(0.5, (side // 16, side // 16))
    speckle = np.array(Image.fromarray((np.clip(speckle, 0, 1.6) / 1.6 * 255).astype(np.uint8)).resize((side, side), Image.Resampling.BICUBIC), dtype=np.float64)
    rows = np.mgrid[0:side, 0:side][0] / side
    grey = speckle * (1.25 - 0.6 * rows)  # depth attenuation, as on a real scan
    cx, cy, ax, ay = (v * scale for v in LESION)
    yy, xx = np.mgrid[0:side, 0:side]
    inside = ((xx - cx) / ax) ** 2 + ((yy - cy) / ay) ** 2 <= 1.0
    grey[inside] *= 0.18
    below = (np.abs(xx - cx) < ax * 0.8) & (yy > cy + ay)
    grey[below] *= 1.25  # posterior enhancement behind a cyst-like lesion
    sector = _sector_mask(SIZE, scale)
    canvas = np.zeros((side, side, 4), dtype=np.uint8)
    canvas[..., :3] = BACKGROUND
    canvas[..., 3] = 0
    value = np.clip(grey, 0, 255).astype(np.uint8)
    canvas[sector, 0] = canvas[sector, 1] = canvas[sector, 2] = value[sector]
    image = Image.fromarray(canvas, "RGBA")
    background = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    ImageDraw.Draw(background).rounded_rectangle((0, 0, side - 1, side - 1), radius=48 * scale, fill=(*BACKGROUND, 255))
    image.putalpha(Image.fromarray((sector * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(scale)))
    background.alpha_composite(image)
    pen = ImageDraw.Draw(background)
    pad = 6 * scale
    pen.ellipse((cx - ax - pad, cy - ay - pad, cx + ax + pad, cy + ay + pad), outline=(*OUTLINE, 255), width=7 * scale)
    return background.resize((SIZE, SIZE), Image.Resampling.LANCZOS)


def draw_svg() -> str:
    """The same picture as vectors (flat grey sector instead of speckle)."""
    ax0, ay0 = APEX
    half = math.radians(HALF_ANGLE_DEG)

    def point(radius: float, sign: int) -> str:
        return f"{ax0 + sign * radius * math.sin(half):.1f},{ay0 + radius * math.cos(half):.1f}"

    inner, outer = RADII
    sector = (
        f"M {point(inner, -1)} A {inner} {inner} 0 0 0 {point(inner, 1)} "
        f"L {point(outer, 1)} A {outer} {outer} 0 0 1 {point(outer, -1)} Z"
    )
    cx, cy, rx, ry = LESION
    bg = "#{:02x}{:02x}{:02x}".format(*BACKGROUND)
    outline = "#{:02x}{:02x}{:02x}".format(*OUTLINE)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" viewBox="0 0 {SIZE} {SIZE}">\n'
        f'  <defs><linearGradient id="depth" x1="0" y1="0" x2="0" y2="1">'
        f'<stop offset="0" stop-color="#b4b4b4"/><stop offset="1" stop-color="#4a4a4a"/></linearGradient>'
        f'<clipPath id="round"><rect width="{SIZE}" height="{SIZE}" rx="48"/></clipPath></defs>\n'
        f'  <rect width="{SIZE}" height="{SIZE}" rx="48" fill="{bg}"/>\n'
        f'  <path d="{sector}" fill="url(#depth)" clip-path="url(#round)"/>\n'
        f'  <ellipse cx="{cx}" cy="{cy}" rx="{rx}" ry="{ry}" fill="#1e1e1e"/>\n'
        f'  <ellipse cx="{cx}" cy="{cy}" rx="{rx + 6}" ry="{ry + 6}" fill="none" stroke="{outline}" stroke-width="7"/>\n'
        "</svg>\n"
    )


def main() -> None:
    png = draw_png()
    png.save(HERE / "busviewer.png", optimize=True)
    png.save(HERE / "busviewer.ico", sizes=[(16, 16), (32, 32), (48, 48), (256, 256)])
    (HERE / "busviewer.svg").write_text(draw_svg(), encoding="utf-8")


if __name__ == "__main__":
    main()
