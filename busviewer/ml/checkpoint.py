"""Save and load network weights as safetensors (never pickle), with metadata and a model id."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save

from busviewer.core.atomic import atomic_write_bytes
from busviewer.core.constants import CLASS_NAMES, DEFAULT_CHANNELS, INPUT_SIZE, MAX_INPUT_SIZE, MIN_INPUT_SIZE
from busviewer.core.errors import WeightsError
from busviewer.core.model_id import model_id_for
from busviewer.ml.blocks import NORMS
from busviewer.ml.ensemble import AttentionUNetEnsemble, members_of
from busviewer.ml.guidance import GUIDANCE_CHANNELS
from busviewer.ml.network import AttentionUNetClassifier, build_network

#: Most members an ensemble file may ask for: each one costs a forward pass per scan.
MAX_MEMBERS = 4


@dataclass
class LoadedModel:
    """A network ready for inference, with where it came from."""

    network: AttentionUNetClassifier | AttentionUNetEnsemble
    model_id: str
    metadata: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    #: Square side the network was trained at; scans are resized to it.
    input_size: int = INPUT_SIZE

    @property
    def in_channels(self) -> int:
        """1 (grey) or 1 + guidance channels (the network also takes click and box prompts)."""
        return int(members_of(self.network)[0].in_channels)

    @property
    def preprocessing(self) -> str:
        """How scans become inputs: the imaging area letterboxed, or (older weights) the frame squashed."""
        from busviewer.ml.network_input import SQUASH

        return str(self.metadata.get("preprocessing", SQUASH))

    @property
    def temperature(self) -> float:
        """Divides the class logits (fitted on the validation parts); 1 when the weights carry none."""
        try:
            value = float(self.metadata.get("temperature", 1.0))
        except (TypeError, ValueError):
            return 1.0
        return value if value > 0 else 1.0


def save_weights(
    network: torch.nn.Module, path: Path, metadata: dict[str, Any] | None = None, input_size: int = INPUT_SIZE
) -> str:
    """Write the network's weights and metadata atomically; return the model id (name + short hash)."""
    meta = {
        "channels": json.dumps(list(getattr(network, "channels", DEFAULT_CHANNELS))),
        "in_channels": str(int(getattr(members_of(network)[0], "in_channels", 1))),
        "norm": str(getattr(members_of(network)[0], "norm", "batch")),
        "input_size": str(int(input_size)),
        "members": str(len(members_of(network))),
        "class_names": json.dumps(list(CLASS_NAMES)),
        "format": "busviewer-attention-unet-1",
    }
    for key, value in (metadata or {}).items():
        meta[key] = value if isinstance(value, str) else json.dumps(value)
    tensors = {k: v.detach().cpu().contiguous() for k, v in network.state_dict().items()}
    atomic_write_bytes(Path(path), save(tensors, metadata=meta))
    return model_id_for(Path(path))


def read_metadata(path: Path) -> dict[str, Any]:
    """Metadata stored in a safetensors header, JSON values decoded where they are JSON."""
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as handle:
        raw = handle.metadata() or {}
    out: dict[str, Any] = {}
    for key, value in raw.items():
        try:
            out[key] = json.loads(value)
        except (json.JSONDecodeError, TypeError):
            out[key] = value
    return out


def load_weights(path: Path) -> LoadedModel:
    """Build a network from a safetensors file.

    Raises
    ------
    WeightsError
        The file is missing, not safetensors (a pickle, say), or does not fit the network.
    """
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"Model weights {path} do not exist.")
    try:
        metadata = read_metadata(path)
        state = load_file(str(path))
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise WeightsError(f"{path.name} is not a safetensors weights file; other formats are refused.") from exc
    if metadata.get("format") != "busviewer-attention-unet-1":
        raise WeightsError(f"{path.name} does not hold busviewer Attention U-Net weights.")
    input_size = _input_size(metadata, path)
    network = _build(metadata, path)
    try:
        network.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise WeightsError(f"{path.name} does not match the network's layers.") from exc
    network.eval()
    return LoadedModel(network=network, model_id=model_id_for(path), metadata=metadata, path=path, input_size=input_size)


def _input_size(metadata: dict[str, Any], path: Path) -> int:
    """The stored input size; the network halves it once per level, so it must divide by 16 and stay sane."""
    try:
        size = int(metadata.get("input_size", INPUT_SIZE))
    except (TypeError, ValueError) as exc:
        raise WeightsError(f"{path.name} states no usable input size.") from exc
    if not MIN_INPUT_SIZE <= size <= MAX_INPUT_SIZE or size % 16:
        raise WeightsError(f"{path.name} asks for a {size}-pixel input, which this version cannot run.")
    return size


def _build(metadata: dict[str, Any], path: Path) -> AttentionUNetClassifier | AttentionUNetEnsemble:
    """One network, or an ensemble when the file stores several members side by side."""
    channels = metadata.get("channels", DEFAULT_CHANNELS)
    try:
        count = int(metadata.get("members", 1))
    except (TypeError, ValueError) as exc:
        raise WeightsError(f"{path.name} states no usable member count.") from exc
    if not 1 <= count <= MAX_MEMBERS:
        raise WeightsError(f"{path.name} holds {count} networks; this version runs 1 to {MAX_MEMBERS}.")
    norm = str(metadata.get("norm", "batch"))
    if norm not in NORMS:
        raise WeightsError(f"{path.name} asks for {norm!r} normalisation, which this version does not know.")
    try:
        in_channels = int(metadata.get("in_channels", 1))
    except (TypeError, ValueError) as exc:
        raise WeightsError(f"{path.name} states no usable input channel count.") from exc
    if in_channels not in (1, 1 + GUIDANCE_CHANNELS):
        raise WeightsError(f"{path.name} takes {in_channels} input channels; this version runs 1 or {1 + GUIDANCE_CHANNELS}.")

    def one() -> AttentionUNetClassifier:
        return build_network(channels=channels, in_channels=in_channels, norm=norm)

    if count == 1:
        return one()
    return AttentionUNetEnsemble([one() for _ in range(count)])


def default_weights_path() -> Path:
    """The shipped weights, wherever this install keeps them (see ``busviewer.core.paths``)."""
    from busviewer.core.paths import shipped_weights_path

    return shipped_weights_path()
