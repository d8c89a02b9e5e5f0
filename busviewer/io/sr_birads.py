"""BI-RADS content of the DICOM SR: descriptors and category as coded evaluations, laterality and clock face
as the finding site, distance from the nipple as a measurement.

Codes come from the DICOM breast-imaging context groups (PS3.16) as pydicom's code dictionary carries them:
shape CID 6005, margin CID 6007, orientation CID 6152, echo pattern CID 6154, posterior acoustic features
CID 6155, assessment (SNOMED "Mammography assessment (Category N)", CID 6026/6027), laterality CID 244,
clock face CID 6018, distance from nipple (DCM 121242, CID 6165). Two values have no standard code:
"heterogeneous" echo pattern takes the DICOM "Heterogeneous echotexture" (DCM 111353, CID 6151), the
nearest standard concept; the 4A/4B/4C subdivision of category 4 is a private ``99BUSV`` evaluation beside
the standard category-4 code. The values are the reported ones: the reader's where she chose, else the AI's.
"""

from __future__ import annotations

import highdicom as hd
from highdicom.sr import CodedConcept
from pydicom.sr.codedict import codes
from pydicom.sr.coding import Code

from busviewer.core.birads_finding import BiradsFinding

#: Concept name of each descriptor's evaluation.
CONCEPTS: dict[str, Code] = {
    "shape": codes.SCT.Shape,
    "orientation": codes.DCM.Orientation,
    "margin": codes.DCM.Margins,
    "echo_pattern": codes.DCM.EchoPattern,
    "posterior_features": codes.DCM.PosteriorAcousticFeatures,
    "category": codes.DCM.AssessmentCategory,
}
# SNOMED's full meanings pass the 64 characters a DICOM code meaning may hold; the codes are SNOMED's own.
_CATEGORY_2 = CodedConcept("397141009", "SCT", "Mammography assessment (Category 2) - Benign finding")
_CATEGORY_3 = CodedConcept("397143007", "SCT", "Mammography assessment (Category 3) - Probably benign")
_CATEGORY_4 = CodedConcept("397144001", "SCT", "Mammography assessment (Category 4) - Suspicious abnormality")
_CATEGORY_5 = CodedConcept("397145000", "SCT", "Mammography assessment (Category 5) - Highly suggestive")
#: Coded value of each lexicon word.
VALUES: dict[str, dict[str, Code | CodedConcept]] = {
    "shape": {"oval": codes.SCT.OvoidShapeOval, "round": codes.SCT.RoundShape, "irregular": codes.SCT.Irregular},
    "orientation": {"parallel": codes.DCM.Parallel, "not parallel": codes.DCM.NotParallel},
    "margin": {
        "circumscribed": codes.SCT.CircumscribedLesion, "indistinct": codes.SCT.IndistinctLesion,
        "angular": codes.DCM.AngularMargins, "microlobulated": codes.SCT.MicrolobulatedLesion,
        "spiculated": codes.SCT.SpiculatedLesion,
    },
    "echo_pattern": {
        "anechoic": codes.DCM.Anechoic, "hyperechoic": codes.DCM.Hyperechoic,
        "complex cystic and solid": codes.DCM.Complex, "hypoechoic": codes.DCM.Hypoechoic,
        "isoechoic": codes.DCM.Isoechoic, "heterogeneous": codes.DCM.HeterogeneousEchotexture,
    },
    "posterior_features": {
        "none": codes.DCM.NoPosteriorAcousticFeatures, "enhancement": codes.DCM.PosteriorEnhancement,
        "shadowing": codes.DCM.PosteriorShadowing, "combined": codes.DCM.CombinedPosteriorEnhancementAndShadowing,
    },
    "category": {
        "2": _CATEGORY_2, "3": _CATEGORY_3, "4A": _CATEGORY_4, "4B": _CATEGORY_4, "4C": _CATEGORY_4, "5": _CATEGORY_5,
    },
}
SUBCATEGORY = CodedConcept("BIRADS-4-SUB", "99BUSV", "BI-RADS category 4 subdivision")
SUBCATEGORIES = {
    "4A": CodedConcept("BIRADS-4A", "99BUSV", "4A: low suspicion for malignancy"),
    "4B": CodedConcept("BIRADS-4B", "99BUSV", "4B: moderate suspicion for malignancy"),
    "4C": CodedConcept("BIRADS-4C", "99BUSV", "4C: high suspicion for malignancy"),
}
LATERALITY = {"right": codes.SCT.Right, "left": codes.SCT.Left}
CLOCK_FACE = {str(hour): getattr(codes.SCT, f"_{hour}OClockPosition") for hour in range(1, 13)}


def birads_evaluations(finding: BiradsFinding) -> list[hd.sr.QualitativeEvaluation]:
    """The reported descriptors and category as coded evaluations (none for a frame without a lesion)."""
    evaluations = []
    for name, concept in CONCEPTS.items():
        word = finding.word(name)
        if word is None:
            continue
        evaluations.append(hd.sr.QualitativeEvaluation(concept, VALUES[name][word]))
        if name == "category" and word in SUBCATEGORIES:
            evaluations.append(hd.sr.QualitativeEvaluation(SUBCATEGORY, SUBCATEGORIES[word]))
    return evaluations


def birads_measurements(finding: BiradsFinding) -> list[hd.sr.Measurement]:
    """The reader's distance from the nipple (cm), when she gave one."""
    distance = finding.reader.get("nipple_distance_cm")
    if not distance:
        return []
    return [hd.sr.Measurement(name=codes.DCM.DistanceFromNipple, value=float(distance), unit=codes.UCUM.Centimeter)]


def birads_finding_sites(finding: BiradsFinding) -> list[hd.sr.FindingSite] | None:
    """The breast, with its laterality and the clock-face position when known; None when neither is."""
    laterality = LATERALITY.get(finding.laterality or "")
    clock = CLOCK_FACE.get(finding.reader.get("clock_face") or "")
    if laterality is None and clock is None:
        return None
    return [hd.sr.FindingSite(anatomic_location=codes.SCT.Breast, laterality=laterality, topographical_modifier=clock)]
