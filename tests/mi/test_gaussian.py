"""Closed-form MI of correlated Gaussians: companion/mi/gaussian.py."""

import math

import pytest
import torch

from companion.mi import (
    gaussian_entropy,
    gaussian_mi,
    gaussian_pmi,
    mi_staircase,
    rho_from_mi,
    sample_correlated_gaussian,
)


def test_gaussian_mi_known_values():
    assert gaussian_mi(0.0, 5) == 0.0
    assert gaussian_mi(0.5, 1) == pytest.approx(-0.5 * math.log(0.75))
    assert gaussian_mi(0.5, 20) == pytest.approx(-10 * math.log(0.75))
    rho = torch.tensor([0.0, 0.5])
    torch.testing.assert_close(gaussian_mi(rho, 2), torch.tensor([0.0, -math.log(0.75)]))


@pytest.mark.parametrize("mi", [0.0, 2.0, 4.0, 6.0, 8.0, 10.0])
def test_rho_from_mi_inverts_gaussian_mi(mi):
    rho = rho_from_mi(mi, 20)
    assert 0.0 <= rho < 1.0
    assert gaussian_mi(rho, 20) == pytest.approx(mi, abs=1e-9)
    as_tensor = rho_from_mi(torch.tensor(mi, dtype=torch.float64), 20)
    assert as_tensor.item() == pytest.approx(rho)


def test_entropy_of_standard_normal():
    assert gaussian_entropy(1) == pytest.approx(0.5 * math.log(2 * math.pi * math.e))
    assert gaussian_entropy(3, var=2.0) == pytest.approx(1.5 * math.log(4 * math.pi * math.e))


def test_samples_have_the_requested_correlation_and_are_reproducible():
    x, y = sample_correlated_gaussian(20000, 3, 0.7, torch.Generator().manual_seed(0))
    corr = (x * y).mean(0) / (x.std(0) * y.std(0))
    # std of a correlation estimate at n = 20000 is (1 - rho^2) / sqrt(n) = 0.0036
    torch.testing.assert_close(corr, torch.full((3,), 0.7), atol=0.02, rtol=0)
    torch.testing.assert_close(y.std(0), torch.ones(3), atol=0.03, rtol=0)
    again = sample_correlated_gaussian(20000, 3, 0.7, torch.Generator().manual_seed(0))
    assert torch.equal(x, again[0]) and torch.equal(y, again[1])


def test_pmi_averages_to_mi_on_joint_pairs_and_exp_pmi_to_one_on_marginals():
    rho, dim = 0.6, 2
    x, y = sample_correlated_gaussian(2000, dim, rho, torch.Generator().manual_seed(1))
    pmi = gaussian_pmi(x.double(), y.double(), rho)  # (2000, 2000)
    assert pmi.diagonal().mean().item() == pytest.approx(gaussian_mi(rho, dim), abs=0.05)
    off = ~torch.eye(2000, dtype=torch.bool)
    assert pmi[off].exp().mean().item() == pytest.approx(1.0, abs=0.05)


def test_pmi_matches_log_density_ratio():
    rho = 0.3
    x, y = torch.tensor([[0.4]]), torch.tensor([[-1.2]])
    normal = torch.distributions.Normal(0.0, 1.0)
    cond = torch.distributions.Normal(rho * x, math.sqrt(1 - rho**2))
    expected = cond.log_prob(y) - normal.log_prob(y)
    torch.testing.assert_close(gaussian_pmi(x, y, rho), expected.reshape(1, 1))


def test_mi_staircase_follows_poole_protocol():
    steps = mi_staircase()
    assert steps.shape == (20000,)
    assert steps[0] == 2.0 and steps[3999] == 2.0 and steps[4000] == 4.0 and steps[-1] == 10.0


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="rho must lie in"):
        gaussian_mi(1.0)
    with pytest.raises(ValueError, match="rho must lie in"):
        gaussian_mi(torch.tensor([0.2, -1.0]))
    with pytest.raises(ValueError, match="dim must be a positive int"):
        gaussian_mi(0.5, 0)
    with pytest.raises(ValueError, match="mi must be >= 0"):
        rho_from_mi(-1.0)
    with pytest.raises(ValueError, match="n must be a positive int"):
        sample_correlated_gaussian(0, 2, 0.5)
    with pytest.raises(ValueError, match="var must be positive"):
        gaussian_entropy(1, var=0.0)
    with pytest.raises(ValueError, match="same D"):
        gaussian_pmi(torch.zeros(2, 3), torch.zeros(2, 4), 0.5)
    with pytest.raises(ValueError, match="levels must be"):
        mi_staircase(())
    with pytest.raises(ValueError, match="steps must be"):
        mi_staircase((2.0,), steps=0)
