"""MONAI's Attention U-Net building blocks, re-stated with identical module names and parameters.

Why not import them: ``import monai`` pulls in its transforms, data and app packages (about 2-4 s here on
top of torch), which the app pays before its first proposal and the CLI before every run. These blocks
reproduce ``monai.networks.nets.attentionunet`` (ConvBlock, UpConv, AttentionBlock) and
``monai.networks.blocks.Convolution`` for 2D, so state dicts are interchangeable; a test checks that
outputs match MONAI's own blocks when MONAI is installed.
"""

from __future__ import annotations

import torch
import torch.nn as nn

#: Normalisation layers a network may use; "batch" is MONAI's default, "instance" and "group" are
#: per-image and so do not carry the training sites' intensity statistics into inference.
NORMS = ("batch", "instance", "group")


def make_norm(kind: str, channels: int) -> nn.Module:
    """A 2D normalisation layer of ``kind`` for ``channels`` feature maps."""
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "instance":
        return nn.InstanceNorm2d(channels, affine=True)
    if kind == "group":
        groups = next(g for g in (8, 4, 2, 1) if channels % g == 0)
        return nn.GroupNorm(groups, channels)
    raise ValueError(f"unknown normalisation {kind!r}; choose one of {', '.join(NORMS)}")


class ADN(nn.Sequential):
    """Norm, dropout, activation in MONAI's "NDA" order (child names N, D, A as in MONAI)."""

    def __init__(self, channels: int, dropout: float, norm: str = "batch") -> None:
        super().__init__()
        self.add_module("N", make_norm(norm, channels))
        self.add_module("D", nn.Dropout(dropout))
        self.add_module("A", nn.ReLU())


class Convolution(nn.Sequential):
    """Convolution (or transposed convolution) followed by ADN unless ``conv_only``.

    Padding keeps the size for odd kernels; a stride-2 transposed convolution doubles it exactly.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 3,
        strides: int = 1,
        dropout: float = 0.0,
        conv_only: bool = False,
        is_transposed: bool = False,
        norm: str = "batch",
    ) -> None:
        super().__init__()
        padding = (kernel_size - 1) // 2
        conv: nn.Module
        if is_transposed:
            conv = nn.ConvTranspose2d(
                in_channels, out_channels, kernel_size, stride=strides, padding=padding, output_padding=strides - 1
            )
        else:
            conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride=strides, padding=padding)
        self.add_module("conv", conv)
        if not conv_only:
            self.add_module("adn", ADN(out_channels, dropout, norm))


class ConvBlock(nn.Module):
    """Two 3x3 convolutions with BatchNorm and ReLU; the first may stride to downsample."""

    def __init__(
        self, in_channels: int, out_channels: int, strides: int = 1, dropout: float = 0.0, norm: str = "batch"
    ) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            Convolution(in_channels, out_channels, strides=strides, dropout=dropout, norm=norm),
            Convolution(out_channels, out_channels, dropout=dropout, norm=norm),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.conv(x)
        return out


class UpConv(nn.Module):
    """Stride-2 transposed convolution with BatchNorm and ReLU."""

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: int = 3, strides: int = 2, norm: str = "batch"
    ) -> None:
        super().__init__()
        self.up = Convolution(
            in_channels, out_channels, kernel_size=kernel_size, strides=strides, is_transposed=True, norm=norm
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.up(x)
        return out


class AttentionBlock(nn.Module):
    """Additive attention gate (Oktay et al. 2018): the decoder signal ``g`` weights the skip features ``x``."""

    def __init__(self, f_int: int, f_g: int, f_l: int, norm: str = "batch") -> None:
        super().__init__()
        self.W_g = nn.Sequential(Convolution(f_g, f_int, kernel_size=1, conv_only=True), make_norm(norm, f_int))
        self.W_x = nn.Sequential(Convolution(f_l, f_int, kernel_size=1, conv_only=True), make_norm(norm, f_int))
        # One gate channel: per-image normalisation would erase its level, so it keeps BatchNorm.
        self.psi = nn.Sequential(Convolution(f_int, 1, kernel_size=1, conv_only=True), nn.BatchNorm2d(1), nn.Sigmoid())
        self.relu = nn.ReLU()

    def forward(self, g: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        psi: torch.Tensor = self.psi(self.relu(self.W_g(g) + self.W_x(x)))
        return x * psi
