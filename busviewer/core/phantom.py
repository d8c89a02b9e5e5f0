"""A synthetic breast-ultrasound phantom with an exactly known lesion, drawn in pure numpy.

It is the demo scan (no patient data ships with the program) and a test image whose true lesion outline is
known to the pixel. The picture is built the way a scanner forms one: a map of tissue echogenicity (skin, fat,
glandular tissue, ligaments, muscle, a hypoechoic lesion), multiplied by Rayleigh speckle from a blurred complex
scatterer field, by posterior shadowing below the lesion and by depth attenuation, then log-compressed.
"""

from __future__ import annotations

import numpy as np

#: Log-compression dynamic range in decibels; scanners show roughly 50-60 dB.
DYNAMIC_RANGE_DB = 45.0
#: Independent speckle patterns averaged (spatial compounding).
SPECKLE_LOOKS = 2


def make_phantom(shape: tuple[int, int] = (480, 640), seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Draw a breast-ultrasound-like image and the exact mask of its lesion.

    Parameters
    ----------
    shape
        (rows, columns) of the image; the anatomy scales with it. Both must be at least 64.
    seed
        Seed of the random generator; the same seed always gives the same image.

    Returns
    -------
    image
        uint8 grey image of ``shape``.
    mask
        bool array of ``shape``, True inside the lesion.
    """
    rows, cols = shape
    if rows < 64 or cols < 64:
        raise ValueError("the phantom needs at least 64 x 64 pixels")
    rng = np.random.default_rng(seed)
    depth = np.broadcast_to((np.arange(rows, dtype=np.float64) / rows)[:, None], shape)

    mask = _lesion_mask(shape, rng)
    echo = _tissue_echogenicity(shape, rng)
    # The lesion edge is blurred a little in the echo map only; the mask stays the exact outline.
    lesion_weight = _blur(mask.astype(np.float64), sigma=(1.2, 1.2))
    interior = 0.025 * np.clip(1.0 + 0.4 * _smooth_noise(shape, rng, sigma=(6.0, 9.0)), 0.2, None)
    echo = echo * (1.0 - lesion_weight) + interior * lesion_weight

    speckle = _speckle(shape, rng)
    shadow = _posterior_shadow(mask)
    # Tissue attenuates with depth; time-gain compensation undoes most but not all of it.
    attenuation = np.exp(-2.2 * depth) * (1.0 + 1.0 * depth)

    intensity = echo * speckle * shadow * attenuation
    decibels = 20.0 * np.log10(intensity / np.percentile(intensity, 99.9) + 1e-12)
    image = np.clip((decibels + DYNAMIC_RANGE_DB) / DYNAMIC_RANGE_DB, 0.0, 1.0) * 255.0
    return np.rint(image).astype(np.uint8), mask


def _tissue_echogenicity(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Layered anatomy: gel, skin, subcutaneous fat with ligaments, glandular tissue, retromammary fat, muscle."""
    rows, cols = shape
    y = np.arange(rows, dtype=np.float64)[:, None] / rows
    x = np.arange(cols, dtype=np.float64) / cols

    gel_bottom = 0.025 + 0.004 * _wavy(x, rng, 2)
    skin_bottom = gel_bottom + 0.018
    fat_bottom = 0.20 + 0.05 * _wavy(x, rng, 3)
    gland_bottom = 0.66 + 0.06 * _wavy(x, rng, 3)
    muscle_top = gland_bottom + 0.07 + 0.02 * _wavy(x, rng, 2)

    # Fat: dark lobules separated by brighter septa (Cooper's ligaments), i.e. the ridges of a smooth field.
    lobule_field = _smooth_noise(shape, rng, sigma=(rows / 45, cols / 22))
    echo = 0.10 + 0.40 * np.exp(-((lobule_field / 0.2) ** 2))
    gland = (y >= fat_bottom) & (y < gland_bottom)
    texture = _smooth_noise(shape, rng, sigma=(rows / 60, cols / 30))
    echo[gland] = np.clip(0.9 + 0.3 * texture, 0.3, None)[gland]
    # Fat islands inside the glandular layer make it look like parenchyma rather than a flat band.
    islands = _smooth_noise(shape, rng, sigma=(rows / 35, cols / 20)) > 1.0
    echo[gland & islands] = 0.14
    muscle = y >= muscle_top
    fibres = _smooth_noise(shape, rng, sigma=(2.0, cols / 8))
    echo[muscle] = np.clip(0.22 + 0.07 * fibres, 0.05, None)[muscle]
    for boundary in (fat_bottom, gland_bottom, muscle_top):  # specular reflection at tissue interfaces
        echo[np.abs(y - boundary) < 1.5 / rows] *= 1.6

    # Real tissue boundaries are not pixel-sharp; the skin and gel below stay crisp as on a scanner.
    echo = _blur(echo, sigma=(2.0, 3.0))
    echo[(y >= gel_bottom) & (y < skin_bottom)] = 1.3  # bright skin
    echo[y < gel_bottom] = 0.004  # coupling gel: the dark line at the top
    return np.broadcast_to(echo, shape).copy()


def _lesion_mask(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """An irregular, wider-than-tall ellipse in the glandular layer: a Fourier-perturbed radius."""
    rows, cols = shape
    centre_y = rows * rng.uniform(0.40, 0.48)
    centre_x = cols * rng.uniform(0.42, 0.58)
    half_width = cols * rng.uniform(0.11, 0.14)
    half_height = rows * rng.uniform(0.08, 0.10)
    yy, xx = np.mgrid[0:rows, 0:cols].astype(np.float64)
    dy, dx = (yy - centre_y) / half_height, (xx - centre_x) / half_width
    angle = np.arctan2(dy, dx)
    radius = np.ones(shape)
    for harmonic in range(2, 9):
        amplitude = rng.uniform(0.02, 0.07) / np.sqrt(harmonic - 1)
        radius += amplitude * np.cos(harmonic * angle + rng.uniform(0, 2 * np.pi))
    return np.asarray(np.hypot(dx, dy) < radius)


def _posterior_shadow(mask: np.ndarray) -> np.ndarray:
    """Darkening that starts below the lesion and deepens with distance, strongest behind its centre."""
    rows, cols = mask.shape
    shadow = np.ones(mask.shape)
    covered = np.asarray(mask.any(axis=0))  # numpy types any(axis=...) as maybe a scalar
    if not covered.any():
        return shadow
    coverage = _blur(covered.astype(np.float64)[None, :], sigma=(0.0, cols / 80))[0]
    bottom = np.where(covered, rows - 1 - np.argmax(mask[::-1], axis=0), 0)
    reference = int(np.max(bottom))
    bottom_smooth = np.where(covered, bottom, reference).astype(np.float64)
    below = np.arange(rows, dtype=np.float64)[:, None] - bottom_smooth[None, :]
    ramp = np.clip(1.0 - np.exp(-np.clip(below, 0, None) / (rows / 40)), 0.0, 1.0)
    shadow -= 0.85 * coverage[None, :] * ramp
    return np.clip(shadow, 0.05, 1.0)


def _speckle(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Speckle with mean 1: envelopes of complex scatterer fields blurred by the beam (Rayleigh each).

    The beam is wider laterally than axially, so the grains are elongated sideways as on a real scanner; a few
    independent looks are averaged, as spatial compounding does, which softens the black pits of pure Rayleigh.
    """
    envelope = np.zeros(shape)
    for _ in range(SPECKLE_LOOKS):
        field = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
        envelope += np.abs(_blur(field, sigma=(1.0, 2.2)))
    return envelope / envelope.mean()


def _smooth_noise(shape: tuple[int, int], rng: np.random.Generator, sigma: tuple[float, float]) -> np.ndarray:
    """Smooth random field of about ``sigma`` correlation length, zero mean and unit standard deviation.

    Wide fields are drawn on a coarse grid, blurred there and interpolated up: far cheaper than a wide blur.
    """
    steps = [max(1, int(s // 2)) for s in sigma]
    coarse_shape = tuple(n // step + 3 for n, step in zip(shape, steps, strict=True))
    coarse = _blur(rng.standard_normal(coarse_shape), sigma=(sigma[0] / steps[0], sigma[1] / steps[1]))
    row_pos = np.arange(shape[0]) / steps[0]
    col_pos = np.arange(shape[1]) / steps[1]
    by_rows = np.stack([np.interp(row_pos, np.arange(coarse_shape[0]), coarse[:, j]) for j in range(coarse_shape[1])], 1)
    noise = np.stack([np.interp(col_pos, np.arange(coarse_shape[1]), row) for row in by_rows])
    return (noise - noise.mean()) / (noise.std() + 1e-12)


def _wavy(x: np.ndarray, rng: np.random.Generator, waves: int) -> np.ndarray:
    """A smooth curve over ``x`` in [0, 1] with values in about [-1, 1], for undulating tissue boundaries."""
    curve = np.zeros_like(x)
    for k in range(1, waves + 1):
        curve += np.sin(2 * np.pi * k * x * rng.uniform(0.5, 1.2) + rng.uniform(0, 2 * np.pi)) / k
    return curve / sum(1.0 / k for k in range(1, waves + 1))


def _blur(image: np.ndarray, sigma: tuple[float, float]) -> np.ndarray:
    """Separable Gaussian blur with reflected edges (works for real and complex arrays)."""
    result = image
    for axis, s in enumerate(sigma):
        if s <= 0:
            continue
        radius = max(1, int(3 * s))
        offsets = np.arange(-radius, radius + 1)
        kernel = np.exp(-0.5 * (offsets / s) ** 2)
        kernel /= kernel.sum()
        pad = [(0, 0)] * result.ndim
        pad[axis] = (radius, radius)
        padded = np.pad(result, pad, mode="reflect")
        length = result.shape[axis]
        result = sum(
            weight * np.take(padded, np.arange(i, i + length), axis=axis) for i, weight in enumerate(kernel)
        )
    return np.asarray(result)
