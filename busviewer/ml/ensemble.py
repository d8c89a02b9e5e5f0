"""Several trained Attention U-Nets run as one network whose outputs are the members' mean logits."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn as nn

from busviewer.ml.network import AttentionUNetClassifier


class AttentionUNetEnsemble(nn.Module):
    """Average the mask and class logits of independently trained members.

    Members trained from different starts or schedules err on different scans; their mean is the
    better and better-calibrated proposal (measured in ``models/README.md``). The module has the
    same inputs and outputs as one member, so inference, Grad-CAM and fine-tuning treat it alike.

    Parameters
    ----------
    members
        Networks with equal channel layouts (their state dicts are stored side by side).
    """

    def __init__(self, members: Sequence[AttentionUNetClassifier]) -> None:
        super().__init__()
        if len(members) < 2:
            raise ValueError("an ensemble needs at least two members")
        layouts = {member.channels for member in members}
        if len(layouts) != 1:
            raise ValueError("ensemble members must share one channel layout")
        self.members = nn.ModuleList(members)
        self.channels = members[0].channels

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mask_logits, class_logits, _ = self.forward_with_features(x)
        return mask_logits, class_logits

    def forward_with_features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Mean logits, and every member's pooled bottleneck side by side."""
        outputs = [member.forward_with_features(x) for member in self.members]
        mask_logits = torch.stack([mask for mask, _, _ in outputs]).mean(dim=0)
        class_logits = torch.stack([classes for _, classes, _ in outputs]).mean(dim=0)
        features = torch.cat([pooled for _, _, pooled in outputs], dim=1)
        return mask_logits, class_logits, features


def members_of(network: nn.Module) -> list[AttentionUNetClassifier]:
    """The single networks inside ``network`` (itself when it is one)."""
    if isinstance(network, AttentionUNetEnsemble):
        return [m for m in network.members if isinstance(m, AttentionUNetClassifier)]
    if isinstance(network, AttentionUNetClassifier):
        return [network]
    raise TypeError(f"not a busviewer network: {type(network).__name__}")
