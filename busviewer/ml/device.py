"""Choose the compute device: CUDA, then Apple MPS, then CPU."""

from __future__ import annotations

import os

import torch

from busviewer.core.errors import UserFacingError


def pick_device(preference: str = "auto") -> torch.device:
    """Return the device for ``preference`` (``auto``, ``cpu``, ``cuda`` or ``mps``).

    Raises
    ------
    UserFacingError
        A specific device was asked for and is not available.
    """
    if preference == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if preference == "cuda" and not torch.cuda.is_available():
        raise UserFacingError("CUDA was asked for, but no CUDA GPU is available on this machine.")
    if preference == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise UserFacingError("MPS was asked for, but it is not available on this machine.")
    if preference not in ("cpu", "cuda", "mps"):
        raise UserFacingError(f"Unknown device {preference!r}; use auto, cpu, cuda or mps.")
    return torch.device(preference)


def use_all_cores() -> None:
    """Let torch use every core this process may run on."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    torch.set_num_threads(max(cores, 1))
