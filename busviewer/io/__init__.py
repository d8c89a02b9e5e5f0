"""File formats: image and DICOM readers, mask/SEG/SR/PDF/CSV writers, the case store."""
