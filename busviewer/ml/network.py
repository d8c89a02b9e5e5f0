"""Attention U-Net (Oktay et al. 2018) with a normal/benign/malignant head on the bottleneck, in MONAI's block layout."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from busviewer.core.constants import CLASS_NAMES, DEFAULT_CHANNELS
from busviewer.ml.blocks import AttentionBlock, ConvBlock, Convolution, UpConv


class _DecoderLevel(nn.Module):
    """Upsample the coarser features, gate the skip connection with them, and merge."""

    def __init__(self, skip_channels: int, coarse_channels: int, dropout: float, norm: str) -> None:
        super().__init__()
        self.upconv = UpConv(coarse_channels, skip_channels, kernel_size=3, strides=2, norm=norm)
        self.attention = AttentionBlock(f_int=max(skip_channels // 2, 1), f_g=skip_channels, f_l=skip_channels, norm=norm)
        self.merge = ConvBlock(2 * skip_channels, skip_channels, dropout=dropout, norm=norm)

    def forward(self, coarse: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        up = self.upconv(coarse)
        if up.shape[-2:] != skip.shape[-2:]:
            up = F.interpolate(up, size=skip.shape[-2:], mode="bilinear", align_corners=False)
        gated = self.attention(g=up, x=skip)
        out: torch.Tensor = self.merge(torch.cat((gated, up), dim=1))
        return out


class AttentionUNetClassifier(nn.Module):
    """Attention U-Net for a lesion mask, with a classification head on the bottleneck.

    The blocks are MONAI's (``busviewer.ml.blocks`` restates them with the same parameter names). The
    encoder downsamples with strided convolutions as MONAI's ``AttentionUnet`` does; every skip
    connection passes an additive attention gate driven by the decoder. The class head pools the
    bottleneck twice: globally, and weighted by the network's own coarse lesion probability, so the
    class call looks where the mask looks (the multi-task coupling).

    Parameters
    ----------
    in_channels
        Input channels: 1 for grey ultrasound, or 1 + ``GUIDANCE_CHANNELS`` for a network that also takes
        click and box prompts (all-zero guidance is the automatic proposal).
    channels
        Feature channels per level, finest first; ``len(channels) - 1`` downsamplings.
    num_classes
        Outputs of the class head.
    dropout
        Dropout in the decoder blocks and before the class head.
    norm
        ``batch``, ``instance`` or ``group`` normalisation in every block (see ``blocks.NORMS``).

    Returns
    -------
    forward(x) returns (mask_logits [N, 1, H, W], class_logits [N, num_classes]).
    """

    def __init__(
        self,
        in_channels: int = 1,
        channels: Sequence[int] = DEFAULT_CHANNELS,
        num_classes: int = len(CLASS_NAMES),
        dropout: float = 0.1,
        norm: str = "batch",
    ) -> None:
        super().__init__()
        if len(channels) < 2:
            raise ValueError("channels needs at least two levels")
        self.channels = tuple(int(c) for c in channels)
        self.in_channels = int(in_channels)
        self.norm = norm
        self.encoders = nn.ModuleList(
            [ConvBlock(in_channels, self.channels[0], norm=norm)]
            + [
                ConvBlock(self.channels[i - 1], self.channels[i], strides=2, norm=norm)
                for i in range(1, len(self.channels))
            ]
        )
        self.decoders = nn.ModuleList(
            [
                _DecoderLevel(self.channels[i - 1], self.channels[i], dropout, norm)
                for i in range(len(self.channels) - 1, 0, -1)
            ]
        )
        self.mask_head = Convolution(self.channels[0], 1, kernel_size=1, conv_only=True)
        self.coarse_mask = nn.Conv2d(self.channels[-1], 1, kernel_size=1)
        self.class_head = nn.Sequential(
            nn.Dropout(dropout * 3),
            nn.Linear(2 * self.channels[-1], num_classes),
        )

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mask_logits, class_logits, _ = self.forward_with_features(x)
        return mask_logits, class_logits

    def forward_with_features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``forward`` plus the globally pooled bottleneck, [N, channels[-1]]: what the scan looked like
        to the network, compared with the training scans to flag unfamiliar input."""
        skips: list[torch.Tensor] = []
        feats = x
        for encoder in self.encoders:
            feats = encoder(feats)
            skips.append(feats)
        bottleneck = skips.pop()
        class_logits = self._classify(bottleneck)
        pooled = bottleneck.mean(dim=(2, 3))
        feats = bottleneck
        for decoder, skip in zip(self.decoders, reversed(skips), strict=True):
            feats = decoder(feats, skip)
        mask_logits: torch.Tensor = self.mask_head(feats)
        return mask_logits, class_logits, pooled

    def _classify(self, bottleneck: torch.Tensor) -> torch.Tensor:
        weight = torch.sigmoid(self.coarse_mask(bottleneck))
        global_pool = bottleneck.mean(dim=(2, 3))
        lesion_pool = (bottleneck * weight).sum(dim=(2, 3)) / (weight.sum(dim=(2, 3)) + 1e-3)
        logits: torch.Tensor = self.class_head(torch.cat((global_pool, lesion_pool), dim=1))
        return logits


def build_network(
    channels: Sequence[int] = DEFAULT_CHANNELS, dropout: float = 0.1, in_channels: int = 1, norm: str = "batch"
) -> AttentionUNetClassifier:
    """Build a busviewer network: one grey channel, or grey plus guidance channels (``in_channels=4``)."""
    return AttentionUNetClassifier(in_channels=in_channels, channels=channels, dropout=dropout, norm=norm)


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
