"""The network's forward pass through ONNX Runtime on CPU: the same graph, measured ~40 % faster.

The graph is exported from the loaded torch network in memory (about half a second; never read
from a file), and every session is checked against torch on a probe image before use. Any failure
falls back to torch.
"""

from __future__ import annotations

import io
import logging
import warnings

import numpy as np
import torch

log = logging.getLogger(__name__)

#: Largest difference from torch's logits a session may show on the probe image.
PROBE_TOLERANCE = 1e-3


class OnnxForward:
    """Callable ``batch [N, 1, S, S] float32 -> (mask_logits, class_logits)`` as numpy arrays."""

    def __init__(self, session: object) -> None:
        self._session = session

    def __call__(self, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mask_logits, class_logits = self._session.run(None, {"image": batch})  # type: ignore[attr-defined]
        return mask_logits, class_logits


def onnx_forward_for(network: torch.nn.Module, input_size: int, model_id: str) -> OnnxForward | None:
    """An ONNX Runtime forward equal to ``network``'s, or None when the runtime is missing or disagrees."""
    try:
        import onnxruntime
    except ImportError:
        return None
    try:
        graph = export_graph(network, input_size)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = torch.get_num_threads()
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # Spinning worker threads would steal the cores that decode and post-processing need next.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        session = onnxruntime.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
        forward = OnnxForward(session)
        if _agrees_with_torch(forward, network, input_size):
            return forward
        log.warning("ONNX Runtime disagrees with torch for %s; using torch", model_id)
    except Exception:  # noqa: BLE001 - any exporter or runtime failure leaves the torch path in charge
        log.warning("ONNX Runtime unavailable for %s; using torch", model_id, exc_info=True)
    return None


def export_graph(network: torch.nn.Module, input_size: int) -> bytes:
    """ONNX bytes of ``network`` in eval mode with a free batch size."""
    buffer = io.BytesIO()
    probe = torch.zeros(1, 1, input_size, input_size)
    network = network.eval()
    with warnings.catch_warnings():
        # The tracer notes the decoder's size check, which is constant for a fixed input size.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            network, (probe,), buffer, input_names=["image"], output_names=["mask_logits", "class_logits"],
            dynamic_axes={"image": {0: "batch"}, "mask_logits": {0: "batch"}, "class_logits": {0: "batch"}},
            opset_version=17, dynamo=False,
        )
    return buffer.getvalue()


def _agrees_with_torch(forward: OnnxForward, network: torch.nn.Module, input_size: int) -> bool:
    probe = torch.from_numpy(np.random.default_rng(0).standard_normal((1, 1, input_size, input_size), dtype=np.float32))
    with torch.inference_mode():
        mask_ref, class_ref = network(probe)
    mask, classes = forward(probe.numpy())
    difference = max(np.abs(mask - mask_ref.numpy()).max(), np.abs(classes - class_ref.numpy()).max())
    return bool(difference <= PROBE_TOLERANCE)
