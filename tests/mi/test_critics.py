"""Critic networks: companion/mi/critics.py."""

import math

import pytest
import torch

from companion.mi import (
    ConcatCritic,
    GaussianPosteriorCritic,
    SeparableCritic,
    gaussian_optimal_critic,
    gaussian_pmi,
    mlp,
)


@pytest.fixture
def xy():
    g = torch.Generator().manual_seed(0)
    return torch.randn(5, 3, generator=g), torch.randn(5, 4, generator=g)


@pytest.mark.parametrize("cls", [SeparableCritic, ConcatCritic, GaussianPosteriorCritic])
def test_critics_return_pair_matrices_whose_diagonal_is_score_pairs(cls, xy):
    x, y = xy
    if cls is GaussianPosteriorCritic:
        critic, y = cls(3, 4, hidden=8), y
    else:
        critic = cls(3, 4, hidden=8)
    scores = critic(x, y[:4]) if cls is not GaussianPosteriorCritic else critic(x, y)
    if cls is not GaussianPosteriorCritic:
        assert scores.shape == (5, 4)
    full = critic(x, y)
    torch.testing.assert_close(full.diagonal(), critic.score_pairs(x, y))


def test_separable_critic_is_an_inner_product_of_embeddings(xy):
    x, y = xy
    critic = SeparableCritic(3, 4, hidden=8, embed=6)
    torch.testing.assert_close(critic(x, y), critic.g(x) @ critic.h(y).T)


def test_concat_critic_scores_each_concatenated_pair(xy):
    x, y = xy
    critic = ConcatCritic(3, 4, hidden=8)
    scores = critic(x, y)
    assert scores[1, 3].item() == pytest.approx(critic.f(torch.cat([x[1], y[3]])).item(), abs=1e-6)


@pytest.mark.parametrize("cls", [SeparableCritic, ConcatCritic])
def test_ensemble_critics_are_independent(cls, xy):
    x, y = xy
    critic = cls(3, 4, hidden=8, num_critics=3)
    scores = critic(x, y)
    assert scores.shape == (3, 5, 5)
    scores[1].sum().backward()
    for p in critic.parameters():
        assert p.grad[0].abs().max() == 0 and p.grad[2].abs().max() == 0
        assert p.grad[1].abs().max() > 0
    assert critic.score_pairs(x, y).shape == (3, 5)


def test_gaussian_posterior_is_a_normalised_density():
    q = GaussianPosteriorCritic(2, 1, hidden=4)
    with torch.no_grad():
        for p in q.mean.parameters():
            p.zero_()
    x = torch.tensor([[0.5, -1.0]])
    expected = torch.distributions.Normal(0.0, 1.0).log_prob(x).sum()
    assert q(x, torch.zeros(1, 1)).item() == pytest.approx(expected.item(), abs=1e-6)
    with torch.no_grad():
        q.log_var.fill_(math.log(4.0))
    expected = torch.distributions.Normal(0.0, 2.0).log_prob(x).sum()
    assert q.score_pairs(x, torch.zeros(1, 1)).item() == pytest.approx(expected.item(), abs=1e-6)


def test_gaussian_optimal_critic_is_the_pmi(xy):
    x, _ = xy
    y = 0.5 * x + 0.1
    torch.testing.assert_close(gaussian_optimal_critic(x, y, 0.5), gaussian_pmi(x, y, 0.5))


def test_mlp_depth_and_errors():
    assert len(mlp(3, 8, 2, layers=2)) == 5  # Linear, ReLU, Linear, ReLU, Linear
    assert len(mlp(3, 8, 2, layers=0)) == 1
    with pytest.raises(ValueError, match="mlp sizes must be positive"):
        mlp(0, 8, 2)


def test_wrong_shapes_raise(xy):
    x, y = xy
    with pytest.raises(ValueError, match=r"expected x of shape \(N, 3\)"):
        SeparableCritic(3, 4, hidden=8)(y, x)
    with pytest.raises(ValueError, match=r"expected x of shape \(N, 3\)"):
        ConcatCritic(3, 4, hidden=8)(x[None], y)
