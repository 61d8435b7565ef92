"""Known answers for style pre-training's terms: Gram matrices, the Gram style distance, the
triplet loss with its margin, the latent L2 penalty and the perceptual MSE (companion/losses.py).
"""

import pytest
import torch

from companion.losses import (
    code_l2_penalty,
    gram_matrix,
    gram_style_distance,
    pairwise_gram_style_distance,
    perceptual_mse,
    style_vectors,
    triplet_margin_loss,
)


def test_gram_matrix_matches_a_hand_computation():
    # Two channels over 2 pixels: F = [[1, 2], [3, 4]]; F F^T = [[5, 11], [11, 25]]; / (C H W) = 4.
    f = torch.tensor([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 2, 1, 2)
    assert gram_matrix(f)[0].tolist() == [[1.25, 2.75], [2.75, 6.25]]


def test_gram_matrix_is_symmetric_psd_and_blind_to_pixel_order():
    f = torch.randn(3, 4, 5, 5, generator=torch.Generator().manual_seed(0))
    g = gram_matrix(f)
    assert torch.allclose(g, g.transpose(1, 2))
    assert torch.linalg.eigvalsh(g).min() > -1e-6
    shuffled = f.flatten(2)[:, :, torch.randperm(25)].reshape(3, 4, 5, 5)  # style, not layout
    assert torch.allclose(gram_matrix(shuffled), g, atol=1e-6)


def test_style_distance_known_values():
    x = [torch.ones(1, 2, 2, 2), torch.ones(1, 1, 4, 4)]
    y = [torch.zeros(1, 2, 2, 2), 2 * torch.ones(1, 1, 4, 4)]
    # layer 1: every Gram entry 1/2 vs 0 -> mean 1/4; layer 2: 1 vs 4 -> 9
    assert gram_style_distance(x, y).tolist() == [9.25]
    assert gram_style_distance(x, x).tolist() == [0.0]


def test_pairwise_distance_agrees_with_the_direct_one_and_style_vectors():
    gen = torch.Generator().manual_seed(1)
    x = [torch.randn(3, 4, 6, 6, generator=gen), torch.randn(3, 8, 3, 3, generator=gen)]
    y = [torch.randn(2, 4, 6, 6, generator=gen), torch.randn(2, 8, 3, 3, generator=gen)]
    pair = pairwise_gram_style_distance(x, y)
    assert pair.shape == (3, 2)
    for j in range(2):
        direct = gram_style_distance(x, [f[j : j + 1].expand_as(g) for f, g in zip(y, x)])
        assert torch.allclose(pair[:, j], direct, rtol=1e-4, atol=1e-6)
    assert style_vectors(x).shape == (3, 4 * 4 + 8 * 8)


def test_style_distance_refuses_different_layer_counts():
    with pytest.raises(ValueError, match="got 1 and 2 layers"):
        gram_style_distance([torch.ones(1, 1, 1, 1)], [torch.ones(1, 1, 1, 1)] * 2)


def test_triplet_loss_values_margin_and_hinge():
    z_a = torch.zeros(2, 2)
    z_p = torch.tensor([[0.1, 0.0], [0.0, 0.0]])
    z_n = torch.tensor([[0.2, 0.0], [1.0, 0.0]])
    # first: 0.01 - 0.04 + 0.1 = 0.07; second: 0 - 1 + 0.1 < 0 -> 0; mean 0.035
    assert triplet_margin_loss(z_a, z_p, z_n).item() == pytest.approx(0.035)
    assert triplet_margin_loss(z_a, z_p, z_n, margin=0.0).item() == 0.0
    assert triplet_margin_loss(z_a, z_n, z_p, margin=0.0).item() == pytest.approx(0.515)  # 0.03, 1


def test_triplet_loss_depends_on_differences_not_on_where_the_anchor_is():
    # a shift of all three codes leaves every distance, hence the loss, unchanged
    z_a = torch.zeros(2, 2)
    z_p = torch.tensor([[0.1, 0.0], [0.0, 0.0]])
    z_n = torch.tensor([[0.2, 0.0], [1.0, 0.0]])
    shift = torch.tensor([[3.0, -2.0]])
    shifted = triplet_margin_loss(z_a + shift, z_p + shift, z_n + shift)
    assert shifted.item() == pytest.approx(0.035)


def test_triplet_loss_pulls_positives_in_and_pushes_negatives_out():
    z_a = torch.zeros(1, 2)
    z_p = torch.tensor([[0.5, 0.0]], requires_grad=True)
    z_n = torch.tensor([[0.4, 0.0]], requires_grad=True)
    triplet_margin_loss(z_a, z_p, z_n).backward()
    assert z_p.grad[0, 0] > 0 and z_n.grad[0, 0] < 0  # descent moves z_p to 0, z_n away


def test_code_l2_penalty_is_the_mean_square_per_batch():
    assert code_l2_penalty(torch.full((2, 8), 2.0)).item() == 4.0
    assert code_l2_penalty(torch.ones(3, 2), torch.full((3, 2), 3.0)).item() == 10.0


def test_perceptual_mse_weights_and_scale():
    x = [torch.ones(1, 1, 2, 2), torch.ones(1, 2, 1, 1)]
    y = [torch.zeros(1, 1, 2, 2), torch.zeros(1, 2, 1, 1)]
    # scale 0.1: each layer's mean square 0.01; weights 1/4 and 1/2
    assert perceptual_mse(x, y, (0.25, 0.5)).item() == pytest.approx(0.0075)
    with pytest.raises(ValueError, match="2 weights"):
        perceptual_mse(x[:1], y[:1], (0.25, 0.5))


def test_perceptual_mse_is_zero_for_equal_features_and_depends_on_differences():
    x = [torch.full((1, 1, 2, 2), 3.0)]
    assert perceptual_mse(x, x, (1.0,)).item() == 0.0
    # features 3 and 1: (0.1 * 2)^2 = 0.04, whatever their sum or ratio
    assert perceptual_mse(x, [torch.ones(1, 1, 2, 2)], (1.0,)).item() == pytest.approx(0.04)
