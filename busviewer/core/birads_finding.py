"""One lesion as the report states it: the AI's BI-RADS proposal, the reader's choices over it, size and location.

The reader's word wins wherever one was given; the AI's stands elsewhere, and every value knows whose
it is. PDF, CSV/JSON summary, DICOM SR and the review panel all read this one object.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from busviewer.core.birads import CATEGORIES, DESCRIPTORS, MANAGEMENT, BiradsAssessment

LATERALITIES = ("right", "left")
#: Clock-face positions as the reader sees the breast facing her.
CLOCK_FACES = tuple(str(hour) for hour in range(1, 13))
#: What the reader may set, by name, in the order the panel and the store list them.
READER_FIELDS = (*DESCRIPTORS, "category", "laterality", "clock_face", "nipple_distance_cm")
#: DICOM ImageLaterality / Laterality code -> our word ("B" both and "U" unpaired say nothing of one lesion).
DICOM_LATERALITY = {"R": "right", "L": "left"}


def check_reader_value(name: str, value: str | None) -> str | None:
    """``value`` checked for reader field ``name`` (None or empty clears it).

    Raises
    ------
    ValueError
        Unknown field or a value outside its vocabulary, in one sentence.
    """
    if name not in READER_FIELDS:
        raise ValueError(f"{name!r} is not a BI-RADS field ({', '.join(READER_FIELDS)})")
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    allowed: tuple[str, ...] | None = {
        **DESCRIPTORS, "category": CATEGORIES, "laterality": LATERALITIES, "clock_face": CLOCK_FACES,
    }.get(name)
    if name == "category":
        text = text.upper()
    if allowed is not None:
        if text not in allowed:
            raise ValueError(f"{name.replace('_', ' ')} must be one of {', '.join(allowed)}, not {text!r}")
        return text
    try:
        distance = float(text)
    except ValueError:
        raise ValueError(f"the distance from the nipple is a number of centimetres, not {text!r}") from None
    if not math.isfinite(distance) or not 0.0 <= distance <= 30.0:
        raise ValueError(f"the distance from the nipple must lie between 0 and 30 cm, not {text}")
    return f"{distance:g}"


def laterality_from_dicom(image_laterality: str | None, laterality: str | None) -> str | None:
    """``right``/``left`` from the DICOM ImageLaterality (0020,0062), else Laterality (0020,0060)."""
    for code in (image_laterality, laterality):
        word = DICOM_LATERALITY.get((code or "").strip().upper())
        if word is not None:
            return word
    return None


@dataclass(frozen=True)
class BiradsFinding:
    """The lesion of one frame as reported.

    Attributes
    ----------
    ai
        The rules' proposal, None when no lesion is outlined.
    reader
        The reader's choices by ``READER_FIELDS`` name (only those given).
    image_laterality
        Laterality from the DICOM header, used when the reader gave none.
    long_axis, short_axis, unit
        Size of the lesion: mm when calibrated, else pixels with unit ``px``.
    """

    ai: BiradsAssessment | None
    reader: Mapping[str, str] = field(default_factory=dict)
    image_laterality: str | None = None
    long_axis: float | None = None
    short_axis: float | None = None
    unit: str = "mm"

    def word(self, name: str) -> str | None:
        """The reported value of a descriptor or the category: the reader's, else the AI's."""
        if self.reader.get(name):
            return self.reader[name]
        if self.ai is None:
            return None
        return self.ai.category if name == "category" else self.ai.descriptors()[name].value

    def source(self, name: str) -> str | None:
        """``reader`` or ``AI`` for the reported value of ``name``; None when there is none."""
        if self.reader.get(name):
            return "reader"
        return "AI" if self.word(name) is not None else None

    @property
    def category(self) -> str | None:
        return self.word("category")

    @property
    def laterality(self) -> str | None:
        return self.reader.get("laterality") or self.image_laterality

    @property
    def has_lesion(self) -> bool:
        return self.ai is not None or any(self.reader.get(name) for name in DESCRIPTORS)

    def size_text(self) -> str:
        """``12.3 x 8.1 mm`` or ``120 x 80 px (uncalibrated)``; ``size not measured`` without a mask."""
        if self.long_axis is None or self.short_axis is None:
            return "size not measured"
        if self.unit == "mm":
            return f"{self.long_axis:.1f} × {self.short_axis:.1f} mm"
        return f"{self.long_axis:.0f} × {self.short_axis:.0f} px (uncalibrated)"

    def location_text(self) -> str:
        """``Right breast, 10 o'clock, 3 cm from the nipple``; the parts not given are said to be so."""
        side = f"{self.laterality.capitalize()} breast" if self.laterality else "Breast side not given"
        parts = [side]
        clock = self.reader.get("clock_face")
        parts.append(f"{clock} o'clock" if clock else "clock position not given")
        distance = self.reader.get("nipple_distance_cm")
        parts.append(f"{distance} cm from the nipple" if distance else "distance from the nipple not given")
        return ", ".join(parts)

    def description(self) -> str:
        """The mass in lexicon words, e.g. ``Oval, parallel, circumscribed, hypoechoic mass; no posterior features``."""
        words = [self.word(name) for name in ("shape", "orientation", "margin", "echo_pattern")]
        margin = self.word("margin")
        if margin is not None and margin != "circumscribed":
            words[2] = f"not circumscribed ({margin})"
        text = ", ".join(w for w in words if w) + " mass"
        posterior = self.word("posterior_features")
        if posterior is not None:
            text += "; no posterior features" if posterior == "none" else f"; posterior {posterior}"
        return text[0].upper() + text[1:]

    def assessment_text(self) -> str:
        """``BI-RADS 4B: Moderate suspicion for malignancy. Tissue diagnosis.``, with whose category it is."""
        category = self.category
        if category is None:
            return "No assessment category."
        who = "reader's assessment" if self.source("category") == "reader" else "AI suggestion, not confirmed by the reader"
        return f"BI-RADS {category} ({who}): {MANAGEMENT[category]}"

    def summary_fields(self) -> dict[str, object]:
        """Columns of the CSV/JSON summary: reported value, the AI's, and the reader's location entries."""
        out: dict[str, object] = {}
        for name in (*DESCRIPTORS, "category"):
            out[f"birads_{name}"] = self.word(name)
            ai_value = None
            if self.ai is not None:
                ai_value = self.ai.category if name == "category" else self.ai.descriptors()[name].value
            out[f"ai_birads_{name}"] = ai_value
        out["birads_category_source"] = self.source("category")
        out["ai_malignancy_probability"] = self.ai.malignancy_probability if self.ai is not None else None
        out["laterality"] = self.laterality
        out["clock_face"] = self.reader.get("clock_face")
        out["nipple_distance_cm"] = self.reader.get("nipple_distance_cm")
        return out


def finding_for(
    grey: np.ndarray, mask: np.ndarray | None, probabilities: object | None, reader: Mapping[str, str],
    measurements: Mapping[str, object] | None, calibrated: bool, image_laterality: str | None = None,
) -> BiradsFinding:
    """The finding of one frame: the rules run on ``grey`` (uint8) and ``mask``, the reader's choices over them.

    ``measurements`` is ``LesionMeasurements.as_dict()`` (or any dict with ``long_axis_mm`` etc.); sizes are
    in mm when ``calibrated`` and they have them, else in pixels.
    """
    from busviewer.core.birads import assess_lesion

    ai = None
    if mask is not None and mask.any() and mask.shape == grey.shape[:2]:
        ai = assess_lesion(grey, mask, probabilities)
    unit = "mm" if calibrated and _number(measurements, "long_axis_mm") is not None else "px"
    sizes = {name: _number(measurements, f"{name}_{unit}") for name in ("long_axis", "short_axis")}
    return BiradsFinding(
        ai=ai, reader=dict(reader), image_laterality=image_laterality,
        long_axis=sizes["long_axis"], short_axis=sizes["short_axis"], unit=unit,
    )


def _number(values: Mapping[str, object] | None, key: str) -> float | None:
    value = (values or {}).get(key)
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(float(value)):
        return float(value)
    return None
