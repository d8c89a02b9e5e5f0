"""Joint loss: Dice + BCE for the lesion mask, label-smoothed cross-entropy for the class."""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from monai.losses import DiceLoss


class JointLoss(nn.Module):
    """Segmentation loss plus ``class_weight`` times the classification loss.

    Dice is per image (MONAI ``DiceLoss`` with sigmoid); on an empty true mask it rewards an empty
    prediction, which teaches normal scans to stay clean.
    """

    def __init__(
        self,
        class_weight: float = 0.4,
        label_smoothing: float = 0.05,
        per_class_weights: torch.Tensor | None = None,
    ) -> None:
        super().__init__()
        self.dice = DiceLoss(sigmoid=True, smooth_nr=1.0, smooth_dr=1.0)
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
        seg = self.dice(mask_logits, mask) + F.binary_cross_entropy_with_logits(mask_logits, mask)
        cls = F.cross_entropy(
            class_logits, label, weight=self.per_class_weights, label_smoothing=self.label_smoothing
        )
        total = seg + self.class_weight * cls
        return total, {"seg_loss": float(seg.detach()), "cls_loss": float(cls.detach())}
