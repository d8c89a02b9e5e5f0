"""Our restated blocks are MONAI's: same parameter names, same outputs, same Dice loss."""

from __future__ import annotations

import pytest
import torch

monai_attention = pytest.importorskip("monai.networks.nets.attentionunet", reason="MONAI is not installed")


def test_attention_unet_blocks_match_monai() -> None:
    from busviewer.ml.blocks import AttentionBlock, ConvBlock, UpConv

    torch.manual_seed(0)
    pairs = [
        (ConvBlock(3, 8, strides=2, dropout=0.0), monai_attention.ConvBlock(2, 3, 8, strides=2, dropout=0.0), (torch.randn(2, 3, 17, 20),)),
        (UpConv(8, 4), monai_attention.UpConv(2, 8, 4, kernel_size=3, strides=2), (torch.randn(2, 8, 9, 10),)),
        (AttentionBlock(f_int=2, f_g=4, f_l=4), monai_attention.AttentionBlock(2, f_int=2, f_g=4, f_l=4),
         (torch.randn(2, 4, 12, 12), torch.randn(2, 4, 12, 12))),
    ]
    for ours, theirs, inputs in pairs:
        assert list(ours.state_dict()) == list(theirs.state_dict())
        theirs.load_state_dict(ours.state_dict())
        ours.eval()
        theirs.eval()
        with torch.no_grad():
            assert torch.allclose(ours(*inputs), theirs(*inputs), atol=1e-6)


def test_soft_dice_matches_monai_dice_loss() -> None:
    from monai.losses import DiceLoss

    from busviewer.ml.losses import soft_dice_loss

    torch.manual_seed(0)
    logits = torch.randn(4, 1, 16, 16)
    target = (torch.rand(4, 1, 16, 16) > 0.5).float()
    target[0] = 0
    expected = DiceLoss(sigmoid=True, smooth_nr=1.0, smooth_dr=1.0)(logits, target)
    assert torch.allclose(soft_dice_loss(logits, target), expected, atol=1e-6)
