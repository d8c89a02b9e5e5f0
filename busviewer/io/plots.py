"""Figures written to PNG with matplotlib's Agg backend: training curves, confusion matrix, reliability diagram."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from busviewer.core.atomic import atomic_write_with


def _save(fig: Any, path: Path) -> None:
    atomic_write_with(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png", bbox_inches="tight"))
    plt.close(fig)


def plot_training_history(history: Sequence[dict[str, float]], path: Path) -> None:
    """Loss and validation Dice/IoU/accuracy per epoch."""
    epochs = [h["epoch"] for h in history]
    fig, (ax_loss, ax_val) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(epochs, [h["train_loss"] for h in history], label="total")
    ax_loss.plot(epochs, [h["seg_loss"] for h in history], label="mask (Dice+BCE)")
    ax_loss.plot(epochs, [h["cls_loss"] for h in history], label="class (CE)")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_title("training loss")
    ax_loss.legend()
    for key, label in (("val_dice", "Dice"), ("val_iou", "IoU"), ("val_accuracy", "accuracy")):
        ax_val.plot(epochs, [h[key] for h in history], label=label)
    ax_val.set_ylim(0, 1)
    ax_val.set_xlabel("epoch")
    ax_val.set_title("validation (network resolution)")
    ax_val.legend()
    _save(fig, path)


def plot_confusion_matrix(matrix: np.ndarray, classes: Sequence[str], path: Path) -> None:
    """Counts with true class on rows."""
    fig, ax = plt.subplots(figsize=(4.5, 4))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(classes)), classes)
    ax.set_yticks(range(len(classes)), classes)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    top = matrix.max() if matrix.size else 0
    for (i, j), value in np.ndenumerate(matrix):
        ax.text(j, i, str(value), ha="center", va="center", color="white" if value > top / 2 else "black")
    ax.set_title("confusion matrix")
    _save(fig, path)


def plot_reliability(bins: Sequence[tuple[float, float, int]], ece: float, path: Path) -> None:
    """Accuracy against confidence of the top class, with the diagonal of perfect calibration."""
    fig, ax = plt.subplots(figsize=(4.5, 4))
    ax.plot([0, 1], [0, 1], "--", color="grey")
    if bins:
        conf, acc, count = zip(*bins, strict=True)
        ax.scatter(conf, acc, s=[10 + 3 * c for c in count])
        ax.plot(conf, acc)
    ax.set_xlabel("confidence")
    ax.set_ylabel("accuracy")
    ax.set_title(f"reliability (ECE {ece:.3f})")
    _save(fig, path)


def plot_case_panels(rows: Sequence[dict[str, Any]], title: str, path: Path) -> None:
    """One row per case: image | truth | prediction | Grad-CAM."""
    n = max(len(rows), 1)
    fig, axes = plt.subplots(n, 4, figsize=(12, 3 * n), squeeze=False)
    for r, row in enumerate(rows):
        panels = (("image", row["image"], "gray"), ("truth", row["truth"], "gray"),
                  ("prediction", row["prediction"], "gray"), ("Grad-CAM", row["cam"], "jet"))
        for c, (name, data, cmap) in enumerate(panels):
            ax = axes[r][c]
            if name == "Grad-CAM":
                ax.imshow(row["image"], cmap="gray")
                ax.imshow(data, cmap=cmap, alpha=0.45)
            else:
                ax.imshow(data, cmap=cmap)
            ax.set_title(row["caption"] if c == 0 else name, fontsize=8)
            ax.axis("off")
    fig.suptitle(title)
    _save(fig, path)


def write_heatmap_png(path: Path, grey: np.ndarray, heat: np.ndarray, alpha: float = 0.45) -> None:
    """The grey frame with a jet-coloured heat map blended over it, at source size."""
    import cv2

    from busviewer.core.atomic import atomic_write_bytes

    base = cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR).astype(np.float32)
    colour = cv2.applyColorMap(np.clip(heat * 255, 0, 255).astype(np.uint8), cv2.COLORMAP_JET).astype(np.float32)
    blend = np.clip(base * (1 - alpha) + colour * alpha, 0, 255).astype(np.uint8)
    ok, encoded = cv2.imencode(".png", blend)
    if not ok:
        raise OSError("PNG encoding failed")
    atomic_write_bytes(path, encoded.tobytes())
