"""Joint loss: Dice + BCE for the lesion mask, label-smoothed cross-entropy for the class."""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F


class JointLoss(nn.Module):
    """Segmentation loss plus ``class_weight`` times the classification loss.

    Dice is per image with smoothing 1 (as MONAI's ``DiceLoss(sigmoid=True, smooth_nr=1, smooth_dr=1)``);
    on an empty true mask it rewards an empty prediction, which teaches normal scans to stay clean.
    """

    def __init__(
        self,
        class_weight: float = 0.4,
        label_smoothing: float = 0.05,
        per_class_weights: torch.Tensor | None = None,
    ) -> None:
        super().__init__()
        self.class_weight = class_weight
        self.label_smoothing = label_smoothing
        self.register_buffer("per_class_weights", per_class_weights)

    def forward(
        self,
        mask_logits: torch.Tensor,
        class_logits: torch.Tensor,
        mask: torch.Tensor,
        label: torch.Tensor,
    ) -> tuple[torch.Tensor, dict[str, float]]:
        seg = soft_dice_loss(mask_logits, mask) + F.binary_cross_entropy_with_logits(mask_logits, mask)
        if bool((label >= 0).any()):
            # Cases without a reader's class (label -1) train the outline only.
            cls = F.cross_entropy(
                class_logits, label, weight=self.per_class_weights, label_smoothing=self.label_smoothing,
                ignore_index=-1,
            )
        else:
            cls = class_logits.sum() * 0.0
        total = seg + self.class_weight * cls
        return total, {"seg_loss": float(seg.detach()), "cls_loss": float(cls.detach())}


def soft_dice_loss(logits: torch.Tensor, target: torch.Tensor, smooth: float = 1.0) -> torch.Tensor:
    """1 - soft Dice per image over (C, H, W), averaged over the batch."""
    prob = torch.sigmoid(logits)
    dims = tuple(range(1, prob.dim()))
    intersection = (prob * target).sum(dim=dims)
    total = prob.sum(dim=dims) + target.sum(dim=dims)
    return (1.0 - (2.0 * intersection + smooth) / (total + smooth)).mean()
