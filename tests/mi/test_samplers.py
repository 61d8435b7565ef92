"""Samplers with known MI: companion/mi/samplers.py."""

import math

import pytest
import torch

from companion.mi import (
    GaussianPairs,
    PairSampler,
    cube,
    gaussian_entropy,
    gaussian_mi,
    gaussian_pmi,
    rho_from_mi,
    sample_correlated_gaussian,
)


def test_equal_shares_draw_the_classic_correlated_gaussian():
    sampler = GaussianPairs(5)
    a = sampler(3.0, 7, torch.Generator().manual_seed(2))
    b = sample_correlated_gaussian(7, 5, rho_from_mi(3.0, 5), torch.Generator().manual_seed(2))
    torch.testing.assert_close(a, b)
    assert isinstance(sampler, PairSampler)
    assert sampler.entropy_x == pytest.approx(gaussian_entropy(5))


@pytest.mark.parametrize("shares", [(1.0, 0.0, 3.0), (0.2, 0.3, 0.5)])
def test_per_coordinate_shares_add_up_to_the_requested_mi(shares):
    sampler = GaussianPairs(3, shares=shares)
    rhos = sampler.correlations(4.0)
    assert sum(gaussian_mi(r, 1) for r in rhos) == pytest.approx(4.0)
    assert rhos[1] == pytest.approx(0.0) if shares[1] == 0 else rhos[1] > 0
    assert sum(sampler.shares) == pytest.approx(1.0)


def test_per_coordinate_correlations_are_the_sampled_ones():
    sampler = GaussianPairs(3, shares=(1.0, 2.0, 5.0))
    x, y = sampler(3.0, 40_000, torch.Generator().manual_seed(0))
    empirical = [torch.corrcoef(torch.stack([x[:, d], y[:, d]]))[0, 1].item() for d in range(3)]
    for got, want in zip(empirical, sampler.correlations(3.0)):
        assert got == pytest.approx(want, abs=0.01)  # s.e. of a correlation <= 0.005 here


def test_invertible_map_keeps_the_mi():
    # The cube is applied after the Gaussian draw, so inverting it recovers the Gaussian pair,
    # whose mean PMI is the MI: the map changes the inputs, not the information.
    gen_a, gen_b = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    x, y = GaussianPairs(4, transform=cube)(2.0, 5_000, gen_a)
    x0, y0 = GaussianPairs(4)(2.0, 5_000, gen_b)
    torch.testing.assert_close(y.sign() * y.abs().pow(1 / 3), y0, rtol=1e-4, atol=1e-4)
    pmi = gaussian_pmi(x.double()[:2000], y0.double()[:2000], rho_from_mi(2.0, 4))
    assert pmi.diagonal().mean().item() == pytest.approx(2.0, abs=0.1)
    kurtosis = ((y - y.mean()) / y.std()).pow(4).mean().item()
    assert kurtosis > 10 > ((y0 - y0.mean()) / y0.std()).pow(4).mean().item()


def test_bad_sampler_arguments_raise():
    with pytest.raises(ValueError, match="dim must be a positive int"):
        GaussianPairs(0)
    with pytest.raises(ValueError, match="shares must be 3 non-negative weights"):
        GaussianPairs(3, shares=(1.0, 2.0))
    with pytest.raises(ValueError, match="shares must be 2 non-negative weights"):
        GaussianPairs(2, shares=(1.0, -1.0))
    with pytest.raises(ValueError, match="mi must be >= 0"):
        GaussianPairs(2).correlations(-1.0)
    assert math.isfinite(GaussianPairs(2).entropy_x)


def test_sampler_argument_checks_at_their_boundaries():
    assert GaussianPairs(1).dim_x == 1  # the smallest dimension
    for bad in (2.5, True):  # a float, and a bool (an int subclass), are not a dimension
        with pytest.raises(ValueError, match="dim must be a positive int"):
            GaussianPairs(bad)
    with pytest.raises(ValueError, match="non-negative weights with a positive sum"):
        GaussianPairs(2, shares=(-1.0, 2.0))  # a negative share, though the sum is positive
    with pytest.raises(ValueError, match="non-negative weights with a positive sum"):
        GaussianPairs(2, shares=(0.0, 0.0))
    assert GaussianPairs(2).correlations(0.0) == [0.0, 0.0]  # zero MI is allowed
    assert GaussianPairs(2).correlations(0.5) == pytest.approx([math.sqrt(-math.expm1(-0.5))] * 2)


def test_equal_shares_split_the_mi_evenly():
    rho = math.sqrt(1.0 - math.exp(-2.0 * 2.0 / 4))  # each of 4 coordinates carries 2 / 4 nats
    assert GaussianPairs(4).correlations(2.0) == pytest.approx([rho] * 4, rel=1e-12)


def test_shares_draw_the_documented_formula_in_double_precision():
    shares = (1.0, 2.0, 5.0)
    x, y = GaussianPairs(3, shares=shares)(3.0, 500, torch.Generator().manual_seed(0))
    g = torch.Generator().manual_seed(0)
    x0, eps = torch.randn(500, 3, generator=g), torch.randn(500, 3, generator=g)
    rho = torch.tensor([math.sqrt(-math.expm1(-2.0 * 3.0 * w / 8)) for w in shares],
                       dtype=torch.float64)  # fmt: skip
    expected = (rho * x0.double() + torch.sqrt(1.0 - rho**2) * eps.double()).float()
    assert torch.equal(x, x0) and torch.equal(y, expected)
    # equal shares given explicitly draw the pairs of shares=None (up to rounding)
    a = GaussianPairs(3, shares=(1.0, 1.0, 1.0))(2.0, 50, torch.Generator().manual_seed(1))
    b = GaussianPairs(3)(2.0, 50, torch.Generator().manual_seed(1))
    torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-6)
