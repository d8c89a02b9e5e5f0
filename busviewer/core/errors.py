"""Errors whose message is one plain sentence meant for the person using the tool."""

from __future__ import annotations


class UserFacingError(Exception):
    """An error whose ``str()`` is a complete sentence suitable for a dialog or ``error:`` line."""


class ScanLoadError(UserFacingError):
    """A file could not be read as an ultrasound scan."""


class ExportError(UserFacingError):
    """Results could not be written."""


class WeightsError(UserFacingError):
    """Model weights could not be loaded."""
