"""The one weights policy: which weights file the app and every command use, and why.

Order: an explicit ``--weights`` (or the GUI's ``weights=`` argument) > ``$BUSVIEWER_WEIGHTS`` > the active
version of the user's model registry (a fine-tune activated in the GUI or with ``busviewer models``) >
the shipped weights (``busviewer.core.paths.shipped_weights_path``). Torch-free: the GUI process calls it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from busviewer.core.model_id import model_id_for
from busviewer.core.paths import shipped_weights_path
from busviewer.io.model_registry import BASE_VERSION, ModelRegistry

#: Environment variable naming the weights file to use instead of the registry's active version.
WEIGHTS_ENV = "BUSVIEWER_WEIGHTS"

#: Where a choice came from, in the order the policy tries them.
SOURCES = ("explicit", "environment", "registry", "shipped")


@dataclass(frozen=True)
class WeightsChoice:
    """The weights to use and where the choice came from.

    Attributes
    ----------
    path
        The weights file.
    source
        One of ``SOURCES``.
    version_id
        The registry version when the choice came from the registry (``base`` for the shipped weights);
        None for an explicit file or ``$BUSVIEWER_WEIGHTS``.
    """

    path: Path
    source: str
    version_id: str | None = None

    def model_id(self) -> str | None:
        """The id predictions made with these weights carry (hashes the file); None when it is missing."""
        try:
            return model_id_for(self.path)
        except OSError:
            return None

    def as_dict(self) -> dict[str, str | None]:
        """What every command's JSON says about the model it used."""
        return {"model_id": self.model_id(), "weights_source": self.source, "model_version": self.version_id}

    def describe(self) -> str:
        """E.g. ``fine-tuned version ft-20250101-120000`` or ``$BUSVIEWER_WEIGHTS (/path/w.safetensors)``."""
        if self.source == "registry":
            return f"fine-tuned version {self.version_id}"
        if self.source == "shipped":
            return "shipped model"
        if self.source == "environment":
            return f"${WEIGHTS_ENV} ({self.path})"
        return str(self.path)


def user_registry() -> ModelRegistry:
    """The user's model registry, rooted on the shipped weights (its ``base`` version)."""
    return ModelRegistry(shipped_weights_path())


def choose_weights(explicit: Path | None = None, registry: ModelRegistry | None = None) -> WeightsChoice:
    """Apply the policy: ``explicit`` > ``$BUSVIEWER_WEIGHTS`` > the registry's active version > shipped.

    Parameters
    ----------
    explicit
        A file the user named (``--weights``); used as given, even when it does not exist, so that the
        loader's one-sentence error names it.
    registry
        The registry to consult; the user's (``user_registry()``) when None.
    """
    if explicit is not None:
        return WeightsChoice(Path(explicit), "explicit")
    from_env = os.environ.get(WEIGHTS_ENV)
    if from_env:
        return WeightsChoice(Path(from_env), "environment")
    registry = registry if registry is not None else user_registry()
    active = registry.active()
    if active.version_id != BASE_VERSION:
        return WeightsChoice(registry.weights_path(active), "registry", active.version_id)
    return WeightsChoice(Path(registry.base_weights), "shipped", BASE_VERSION)


def resolve_weights(explicit: Path | None = None, registry: ModelRegistry | None = None) -> Path:
    """The weights file the policy chooses (``choose_weights(...).path``)."""
    return choose_weights(explicit, registry).path
