"""What is on screen: the current scan and frame, the list of cases to step through, and the status-bar texts.

The window only wires these to widgets; everything here can be tested without drawing anything.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from busviewer.core.scan import UltrasoundScan
from busviewer.gui.loader_worker import (
    BackgroundRunner,
    failure_sentence,
    load_demo_scan_file,
    load_scan_file,
)

_CALIBRATION_NAMES = {"us-region": "ultrasound region", "pixel-spacing": "pixel spacing"}


class ViewerSession(QObject):
    """The scan and frame on screen.

    Signals
    -------
    scan_changed(object)
        A new scan (or None) is on screen; ``frame_index`` is already set for it. ``frame_changed`` is not
        emitted in addition, so listeners read ``frame_index`` when they handle ``scan_changed``.
    frame_changed(int)
        Another frame of the same scan is on screen.
    """

    scan_changed = Signal(object)
    frame_changed = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.scan: UltrasoundScan | None = None
        self.frame_index: int = 0

    def set_scan(self, scan: UltrasoundScan | None, frame_index: int = 0) -> None:
        """Put ``scan`` on screen at ``frame_index`` (clamped to its frames)."""
        self.scan = scan
        self.frame_index = 0 if scan is None else _clamp(frame_index, scan.n_frames)
        self.scan_changed.emit(scan)

    def set_frame(self, index: int) -> None:
        """Show frame ``index`` of the current scan; does nothing without a scan or when already shown."""
        if self.scan is None:
            return
        index = _clamp(index, self.scan.n_frames)
        if index == self.frame_index:
            return
        self.frame_index = index
        self.frame_changed.emit(index)

    def current_frame(self) -> np.ndarray | None:
        """The pixels on screen, as stored (grey or RGB), or None without a scan."""
        return None if self.scan is None else self.scan.frame(self.frame_index)


class CaseQueue:
    """An ordered list of scan files and the one last asked for, for next/previous navigation.

    The position follows the last *requested* file, not the last one that opened, so stepping past an
    unreadable file moves on instead of getting stuck on it.
    """

    def __init__(self) -> None:
        self.paths: list[Path] = []
        self.index: int = -1

    def set_paths(self, paths: list[Path], current: Path | None = None) -> None:
        """Replace the list; ``current`` (if in it) becomes the position."""
        self.paths = list(paths)
        self.index = self.paths.index(current) if current in self.paths else -1

    def select(self, path: Path) -> None:
        """Make ``path`` the position (ignored when not in the list)."""
        if path in self.paths:
            self.index = self.paths.index(path)

    @property
    def current(self) -> Path | None:
        return self.paths[self.index] if 0 <= self.index < len(self.paths) else None

    def step(self, offset: int) -> Path | None:
        """Move by ``offset`` and return the new path, or None at either end (the position stays)."""
        target = self.index + offset
        if not self.paths or not 0 <= target < len(self.paths):
            return None
        self.index = target
        return self.paths[target]


class CaseNavigator(QObject):
    """Opens files, folders and next/previous cases in the background and reports what arrived.

    Only the newest request is reported, so stepping quickly through cases never shows a stale scan.

    Signals
    -------
    sig_cases_listed(list, object)
        The cases to step through (list of Path) and the folder they came from (or None).
    sig_loading(object)
        A scan file (Path) started loading.
    sig_loaded(object, object)
        The path (None for the demo scan) and the loaded :class:`UltrasoundScan`.
    sig_failed(object, str)
        The path that did not open (None for the demo scan) and one sentence saying why.
    """

    sig_cases_listed = Signal(list, object)
    sig_loading = Signal(object)
    sig_loaded = Signal(object, object)
    sig_failed = Signal(object, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.queue = CaseQueue()
        self.shown_path: Path | None = None
        self._scan_runner = BackgroundRunner(self)
        self._scan_runner.sig_succeeded.connect(self._on_scan_loaded)
        self._scan_runner.sig_failed.connect(self._on_scan_failed)
        self._list_runner = BackgroundRunner(self)
        self._list_runner.sig_succeeded.connect(self._on_cases_listed)
        self._list_runner.sig_failed.connect(self._on_listing_failed)
        self._loading: dict[int, Path | None] = {}
        self._listing: dict[int, list[Path]] = {}

    @property
    def is_busy(self) -> bool:
        return self._scan_runner.is_busy or self._list_runner.is_busy

    def open_paths(self, paths: list[Path]) -> None:
        """Make ``paths`` (files and/or folders) the case list and open its first scan."""
        sources = [Path(p) for p in paths]
        if not sources:
            return
        if not any(p.is_dir() for p in sources):
            self._show_cases(sources, None)
            return
        # Searching a large folder tree reads the first bytes of many files, so it is done off the GUI thread.
        generation = self._list_runner.submit(lambda: _list_cases(sources))
        self._listing[generation] = sources

    def open_file(self, path: Path) -> None:
        """Load ``path`` (it becomes the position in the case list when listed there)."""
        path = Path(path)
        self.queue.select(path)
        self.sig_loading.emit(path)
        generation = self._scan_runner.submit(lambda: load_scan_file(path))
        self._loading[generation] = path

    def open_demo(self) -> None:
        """Load the synthetic demo scan."""
        generation = self._scan_runner.submit(load_demo_scan_file)
        self._loading[generation] = None

    def step(self, offset: int) -> bool:
        """Open the case ``offset`` places away; False (and nothing happens) past either end."""
        path = self.queue.step(offset)
        if path is None:
            return False
        self.open_file(path)
        return True

    def shutdown(self, timeout_ms: int = 2000) -> None:
        """Drop every pending request and wait briefly for the workers (on closing the window)."""
        for runner in (self._scan_runner, self._list_runner):
            runner.cancel()
            runner.wait_until_idle(timeout_ms)

    def _show_cases(self, cases: list[Path], root: Path | None) -> None:
        self.queue.set_paths(cases)
        self.sig_cases_listed.emit(cases, root)
        if cases:
            self.step(1)

    @Slot(int, object)
    def _on_cases_listed(self, generation: int, cases: object) -> None:
        sources = self._listing.pop(generation, [])
        assert isinstance(cases, list)
        if not cases:
            names = ", ".join(p.name for p in sources)
            self.sig_failed.emit(sources[0] if sources else None, f"No image or DICOM files were found in {names}.")
            return
        root = sources[0] if len(sources) == 1 and sources[0].is_dir() else None
        self._show_cases(cases, root)

    @Slot(int, object)
    def _on_listing_failed(self, generation: int, error: object) -> None:
        sources = self._listing.pop(generation, [])
        assert isinstance(error, BaseException)
        folder = sources[0] if sources else Path(".")
        self.sig_failed.emit(folder, failure_sentence(folder.name, error))

    @Slot(int, object)
    def _on_scan_loaded(self, generation: int, scan: object) -> None:
        path = self._loading.pop(generation, None)
        self.shown_path = path
        self.sig_loaded.emit(path, scan)

    @Slot(int, object)
    def _on_scan_failed(self, generation: int, error: object) -> None:
        path = self._loading.pop(generation, None)
        assert isinstance(error, BaseException)
        self.sig_failed.emit(path, failure_sentence(path.name if path else "The demo scan", error))


def scan_summary_text(scan: UltrasoundScan | None) -> str:
    """One line for the status bar: name, size, frames. Never a patient identifier."""
    if scan is None:
        return "no scan"
    frames = f"{scan.n_frames} frames" if scan.n_frames > 1 else "1 frame"
    return f"{scan.name}  ·  {scan.columns}×{scan.rows}  ·  {frames}"


def calibration_text(scan: UltrasoundScan | None) -> str:
    """``calibrated 0.100 mm/px (ultrasound region)`` or ``uncalibrated``; a non-square pixel is given as
    (row × column), the order every output uses."""
    if scan is None:
        return ""
    spacing = scan.calibration.spacing_mm
    if spacing is None:
        return "uncalibrated"
    source = _CALIBRATION_NAMES.get(scan.calibration.source, scan.calibration.source)
    return f"calibrated {scan.calibration.spacing_text} ({source})"


def pixel_readout_text(scan: UltrasoundScan | None, frame_index: int, row: float, col: float) -> str:
    """Describe the pixel under the mouse: ``row 12, col 40 = 133  ·  x 4.00 mm, y 1.20 mm``.

    Returns an empty string when the position is outside the image or there is no scan.
    """
    if scan is None or math.isnan(row) or math.isnan(col):
        return ""
    r, c = math.floor(row), math.floor(col)
    if not (0 <= r < scan.rows and 0 <= c < scan.columns):
        return ""
    value = scan.frame(frame_index)[r, c]
    if np.ndim(value) == 0:
        value_text = str(int(value))
    else:
        value_text = "(" + ", ".join(str(int(v)) for v in np.ravel(value)[:3]) + ")"
    text = f"row {r}, col {c} = {value_text}"
    spacing = scan.calibration.spacing_mm
    if spacing is not None:
        # Positions are measured to the pixel centre the readout names, from the image's top-left corner.
        text += f"  ·  x {(c + 0.5) * spacing[1]:.2f} mm, y {(r + 0.5) * spacing[0]:.2f} mm"
    return text


def levels_text(levels: tuple[float, float] | None) -> str:
    """Window/level as radiologists read it: ``W 255  L 128``."""
    if levels is None:
        return ""
    low, high = levels
    return f"W {high - low:.0f}  L {(high + low) / 2:.0f}"


def _clamp(index: int, count: int) -> int:
    return max(0, min(int(index), count - 1))


def _list_cases(sources: list[Path]) -> list[Path]:
    """The scan files among ``sources`` (runs on the worker; the import pulls in pydicom, kept off start-up)."""
    from busviewer.io.scan_files import list_cases

    return list_cases(sources)
