"""Tests for companion.mi.variational: BA bounds with categorical, Gaussian, Laplace posteriors."""

import math

import pytest
import torch
import torch.nn.functional as F

from companion.losses import latent_regression_l1
from companion.mi.variational import (
    ba_gap,
    categorical_ba_lower_bound,
    categorical_log_likelihood,
    discrete_ba_lower_bound,
    discrete_mi,
    gaussian_ba_lower_bound,
    gaussian_log_likelihood,
    laplace_ba_lower_bound,
    laplace_log_likelihood,
    uniform_entropy,
)


def random_joint(k: int, m: int, gen: torch.Generator) -> torch.Tensor:
    joint = torch.rand(k, m, generator=gen, dtype=torch.float64) ** 3  # peaked: sizeable MI
    return joint / joint.sum()


def test_discrete_mi_known_answers():
    assert discrete_mi(torch.eye(10) / 10) == pytest.approx(math.log(10))
    assert discrete_mi(torch.full((3, 5), 1 / 15, dtype=torch.float64)) == pytest.approx(
        0.0, abs=1e-12
    )
    # binary symmetric channel with flip 0.1: log 2 - H_b(0.1)
    joint = torch.tensor([[0.45, 0.05], [0.05, 0.45]])
    h_b = -(0.1 * math.log(0.1) + 0.9 * math.log(0.9))
    assert discrete_mi(joint) == pytest.approx(math.log(2) - h_b, abs=1e-6)


def test_ba_bound_never_exceeds_true_mi_and_gap_is_expected_kl():
    gen = torch.Generator().manual_seed(0)
    for _ in range(200):
        joint = random_joint(4, 6, gen)
        q = torch.rand(4, 6, generator=gen, dtype=torch.float64)
        q = q / q.sum(0)
        mi, bound = discrete_mi(joint), discrete_ba_lower_bound(joint, q)
        assert bound <= mi + 1e-12
        assert mi - bound == pytest.approx(ba_gap(joint, q), abs=1e-9)


def test_ba_bound_is_tight_at_the_true_posterior():
    gen = torch.Generator().manual_seed(1)
    for _ in range(20):
        joint = random_joint(5, 7, gen)
        posterior = joint / joint.sum(0)
        assert discrete_ba_lower_bound(joint, posterior) == pytest.approx(discrete_mi(joint))
        assert ba_gap(joint, posterior) == pytest.approx(0.0, abs=1e-12)


def test_categorical_bound_from_samples_matches_the_table():
    # Monte Carlo: draw (c, x) pairs, score them with the exact posterior's logits.
    gen = torch.Generator().manual_seed(2)
    joint = random_joint(10, 12, gen)
    idx = torch.multinomial(joint.flatten(), 200_000, replacement=True, generator=gen)
    c, x = idx // 12, idx % 12  # (N,), (N,)
    logits = (joint / joint.sum(0)).T.log()[x]  # (N, 10): log p(c | x)
    h_c = -(joint.sum(1) * joint.sum(1).log()).sum().item()
    estimate = categorical_ba_lower_bound(logits, c, entropy_c=h_c).estimate.item()
    assert estimate == pytest.approx(discrete_mi(joint), abs=0.01)  # MC error ~ 0.003
    # a uniform prior's default entropy is log K, and a blind q gives 0
    blind = categorical_ba_lower_bound(torch.zeros(8, 10), torch.arange(8)).estimate
    assert blind.item() == pytest.approx(0.0, abs=1e-6)


def test_gaussian_posterior_with_learned_variance_is_tight_on_a_gaussian_channel():
    # c ~ N(0, 1), x = g c + n, n ~ N(0, 1): posterior N(g x / (1 + g^2), 1 / (1 + g^2)).
    gen = torch.Generator().manual_seed(3)
    g = 2.0
    c = torch.randn(100_000, 1, generator=gen, dtype=torch.float64)
    x = g * c + torch.randn(c.shape, generator=gen, dtype=torch.float64)
    mu, log_var = g * x / (1 + g**2), torch.full_like(x, -math.log(1 + g**2))
    h_c = 0.5 * math.log(2 * math.pi * math.e)
    tight = gaussian_ba_lower_bound(c, mu, log_var, h_c).estimate.item()
    assert tight == pytest.approx(0.5 * math.log(1 + g**2), abs=0.01)
    unit = gaussian_ba_lower_bound(c, mu, 0.0, h_c).estimate.item()  # L2 with fixed variance
    assert unit < tight - 0.2


def test_gaussian_variance_floor_bounds_the_likelihood():
    c = torch.zeros(3, 2)
    ll = gaussian_log_likelihood(c, c, torch.full((3, 2), -50.0), min_std=0.1)
    expected = -2 * (math.log(0.1) + 0.5 * math.log(2 * math.pi))
    assert torch.allclose(ll, torch.full((3,), expected))


def test_l2_latent_loss_is_the_gaussian_case():
    gen = torch.Generator().manual_seed(4)
    c, mu = torch.randn(16, 3, generator=gen), torch.randn(16, 3, generator=gen)
    nll = -gaussian_log_likelihood(c, mu, 0.0)
    assert torch.allclose(nll, 0.5 * (c - mu).square().sum(1) + 1.5 * math.log(2 * math.pi))


def test_l1_latent_loss_is_the_laplace_case_value_and_gradient():
    gen = torch.Generator().manual_seed(5)
    c = torch.randn(32, 8, generator=gen)
    b = 0.7
    nll = -laplace_log_likelihood(c, torch.zeros_like(c), math.log(b))
    assert torch.allclose(nll, (c.abs() / b + math.log(2 * b)).sum(1), atol=1e-5)
    mu_1 = torch.randn(32, 8, generator=gen, requires_grad=True)
    mu_2 = mu_1.detach().clone().requires_grad_(True)
    (-laplace_log_likelihood(c, mu_1, math.log(b)).mean()).backward()
    latent_regression_l1(mu_2, c).backward()  # mean over N * D entries
    assert torch.allclose(mu_1.grad, mu_2.grad * 8 / b, atol=1e-6)  # proportional: D / b


def test_laplace_bound_uses_the_uniform_entropy():
    c = torch.zeros(4, 2)
    bound = laplace_ba_lower_bound(c, c, 0.0, uniform_entropy(-1, 1, 2))
    assert bound.estimate.item() == pytest.approx(0.0, abs=1e-6)
    assert bound.loss.item() == pytest.approx(-bound.estimate.item())


def test_categorical_log_likelihood_matches_cross_entropy():
    gen = torch.Generator().manual_seed(6)
    logits, c = torch.randn(9, 10, generator=gen), torch.randint(0, 10, (9,), generator=gen)
    ll = categorical_log_likelihood(logits, c)
    assert torch.allclose(-ll.mean(), F.cross_entropy(logits, c))


def test_errors():
    with pytest.raises(ValueError, match="categories must lie"):
        categorical_log_likelihood(torch.zeros(2, 3), torch.tensor([0, 3]))
    with pytest.raises(ValueError, match="expected logits"):
        categorical_log_likelihood(torch.zeros(2, 3), torch.tensor([0]))
    with pytest.raises(ValueError, match="same shape"):
        gaussian_log_likelihood(torch.zeros(2, 3), torch.zeros(2, 2))
    with pytest.raises(TypeError, match="must be tensors"):
        laplace_log_likelihood([0.0], torch.zeros(1, 1))
    with pytest.raises(ValueError, match="min_std"):
        gaussian_log_likelihood(torch.zeros(1, 1), torch.zeros(1, 1), min_std=0.0)
    with pytest.raises(ValueError, match="min_scale"):
        laplace_log_likelihood(torch.zeros(1, 1), torch.zeros(1, 1), min_scale=-1.0)
    with pytest.raises(ValueError, match="high > low"):
        uniform_entropy(1.0, -1.0)
    with pytest.raises(ValueError, match="joint probability table"):
        discrete_mi(torch.ones(2, 2))
    with pytest.raises(ValueError, match="each column"):
        discrete_ba_lower_bound(torch.eye(2) / 2, torch.ones(2, 2))
    with pytest.raises(ValueError, match="joint's shape"):
        discrete_ba_lower_bound(torch.eye(2) / 2, torch.ones(3, 2) / 3)
