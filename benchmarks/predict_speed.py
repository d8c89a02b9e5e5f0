"""End-to-end ``predict`` time per image (decode, pre-process, forward, post-process) against the bare forward.

The forward runs through ONNX Runtime when the predictor uses it; torch eager, contiguous and frozen
TorchScript forwards are timed beside it, and so is MONAI's own eager ``AttentionUnet`` at 256 x 256 (when
MONAI is installed), the reference our end-to-end time must not exceed (``end_to_end_over_monai`` <= 1).

Prints one JSON object. Uses a ~560x470 BUSI image when ../shared/data is present, else the demo scan.
Run: ``.venv/bin/python benchmarks/predict_speed.py [--weights W] [--runs N]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

    from busviewer.ml.inference import Predictor

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "data" / "busi" / "benign" / "benign (1).png"


def _median_ms(fn: Callable[[], object], runs: int) -> float:
    for _ in range(3):
        fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _frozen(network: torch.nn.Module, batch: torch.Tensor) -> Callable[[], None]:
    """TorchScript trace, frozen and optimised for inference (folds BatchNorm, picks oneDNN kernels)."""
    import torch

    with torch.no_grad():
        traced = torch.jit.trace(network, batch, check_trace=False)
        runtime = torch.jit.optimize_for_inference(torch.jit.freeze(traced.eval()))

    def run() -> None:
        with torch.no_grad():
            runtime(batch)

    return run


def _monai_reference(runs: int) -> dict[str, float] | None:
    """Eager forward of MONAI's own AttentionUnet (channels 16-256, strides 2) at 256 x 256, one image."""
    try:
        import torch
        from monai.networks.nets import AttentionUnet
    except ImportError:
        return None
    network = AttentionUnet(spatial_dims=2, in_channels=1, out_channels=1, channels=(16, 32, 64, 128, 256),
                            strides=(2, 2, 2, 2)).eval()
    batch = torch.randn(1, 1, 256, 256)

    def forward() -> None:
        with torch.inference_mode():
            network(batch)

    return {"forward_ms": round(_median_ms(forward, runs), 2)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--weights", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    import numpy as np
    import torch

    from busviewer.io.scan_loader import demo_scan_path, load_scan
    from busviewer.ml.device import use_all_cores
    from busviewer.ml.inference import Predictor
    from busviewer.ml.network_input import prepare_input

    use_all_cores()
    path = SAMPLE if SAMPLE.exists() else demo_scan_path()
    results: dict[str, object] = {"image": path.name, "threads": torch.get_num_threads()}
    for tta in (False, True):
        predictor = Predictor(args.weights, device="cpu", flip_tta=tta)
        eager = Predictor(args.weights, device="cpu", flip_tta=tta, runtime="torch")
        network = eager._loaded.network  # noqa: SLF001 - the benchmark times the bare network on purpose
        onnx = predictor._onnx  # noqa: SLF001
        shape = load_scan(path).shape
        loaded = predictor._loaded  # noqa: SLF001
        prepared = prepare_input(load_scan(path).grey_frame(0), loaded.input_size, loaded.in_channels, (), loaded.preprocessing)
        batch = torch.from_numpy(prepared.array[np.newaxis])
        if tta:
            batch = torch.cat((batch, batch.flip(3)))
        batch_cl = batch.contiguous(memory_format=torch.channels_last)

        def end_to_end(which: Predictor = predictor) -> None:
            scan = load_scan(path)
            which.predict(scan.grey_frame(0))

        def bare_torch() -> None:
            with torch.inference_mode():
                network(batch_cl)

        def bare_onnx() -> None:
            onnx(batch.numpy())

        key = "flip_tta" if tta else "single"
        e2e = _median_ms(end_to_end, args.runs)
        fwd = _median_ms(bare_onnx if onnx is not None else bare_torch, args.runs)
        results[key] = {
            "runtime": predictor.runtime_name, "end_to_end_ms": round(e2e, 2), "forward_ms": round(fwd, 2),
            "ratio": round(e2e / fwd, 2),
            "end_to_end_ms_torch": round(_median_ms(lambda: end_to_end(eager), args.runs), 2),
            "forward_ms_torch_channels_last": round(_median_ms(bare_torch, args.runs), 2),
        }
        network_plain = network.to(memory_format=torch.contiguous_format)

        def bare_plain() -> None:
            with torch.inference_mode():
                network_plain(batch.contiguous())

        results[key]["forward_ms_torch_contiguous"] = round(_median_ms(bare_plain, args.runs), 2)  # type: ignore[index]
        network.to(memory_format=torch.channels_last)
        results[key]["forward_ms_torchscript_frozen"] = round(_median_ms(_frozen(network, batch_cl), args.runs), 2)  # type: ignore[index]
    results["monai_attention_unet_256"] = _monai_reference(args.runs)
    if results["monai_attention_unet_256"] is not None:
        # The bar: our end-to-end predict no slower than a textbook eager MONAI forward at 256 x 256.
        results["end_to_end_over_monai"] = round(
            results["single"]["end_to_end_ms"] / results["monai_attention_unet_256"]["forward_ms"], 3)  # type: ignore[index]
    results["source_shape"] = list(shape)
    results["model_id"] = predictor.model_id
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
