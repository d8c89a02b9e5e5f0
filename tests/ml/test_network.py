"""The Attention U-Net with its class head, tested tiny on CPU."""

from __future__ import annotations

import torch

from busviewer.core.constants import CLASS_NAMES
from busviewer.ml.network import build_network, count_parameters
from tests.ml.conftest import TINY_CHANNELS


def test_output_shapes_for_odd_and_square_inputs() -> None:
    net = build_network(channels=TINY_CHANNELS).eval()
    for size in ((64, 64), (60, 76)):
        mask, cls = net(torch.zeros(2, 1, *size))
        assert mask.shape == (2, 1, *size)
        assert cls.shape == (2, len(CLASS_NAMES))


def test_pinned_parameter_counts() -> None:
    # Pinned so an accidental architecture change is noticed (the shipped weights would stop loading).
    assert count_parameters(build_network(channels=TINY_CHANNELS)) == 8625
    assert count_parameters(build_network()) == 2_186_249


def test_gradients_reach_every_attention_gate_and_the_class_head() -> None:
    torch.manual_seed(0)
    net = build_network(channels=TINY_CHANNELS)
    mask, cls = net(torch.randn(2, 1, 64, 64))
    (mask.mean() + cls.mean()).backward()
    for decoder in net.decoders:
        grads = [p.grad for p in decoder.attention.parameters()]
        assert all(g is not None and g.abs().sum() > 0 for g in grads)
    assert net.class_head[-1].weight.grad.abs().sum() > 0
    assert net.coarse_mask.weight.grad.abs().sum() > 0


def test_loss_falls_on_a_tiny_synthetic_set() -> None:
    from busviewer.ml.losses import JointLoss

    torch.manual_seed(0)
    net = build_network(channels=TINY_CHANNELS)
    images = torch.randn(8, 1, 64, 64)
    masks = torch.zeros(8, 1, 64, 64)
    masks[:, :, 20:40, 24:44] = 1
    images = images - 2 * masks
    labels = torch.tensor([0, 1, 2, 1, 0, 1, 2, 1])
    criterion = JointLoss()
    optimiser = torch.optim.AdamW(net.parameters(), lr=1e-2)
    losses = []
    for _ in range(30):
        mask_logits, class_logits = net(images)
        loss, _ = criterion(mask_logits, class_logits, masks, labels)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(float(loss.detach()))
    assert losses[-1] < 0.6 * losses[0]
