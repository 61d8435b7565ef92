"""What tests/mi/test_gaussian.py left open in companion/mi/gaussian.py (found by `make mutation`).

Defaults (one coordinate pair), the exact ends of every range check (rho = -1 and 1 excluded,
n = 1 and MI 0 included), argument types (a bool or a float is not a dimension), the error
messages, and the dtype and device of what is returned.
"""

import math

import pytest
import torch

from companion.mi import (
    gaussian_mi,
    gaussian_pmi,
    mi_staircase,
    rho_from_mi,
    sample_correlated_gaussian,
)


def test_one_coordinate_pair_by_default():
    assert gaussian_mi(0.6) == pytest.approx(-0.5 * math.log(0.64))
    assert gaussian_mi(torch.tensor(0.6)).item() == pytest.approx(-0.5 * math.log(0.64))
    assert rho_from_mi(-0.5 * math.log(0.64)) == pytest.approx(0.6)
    assert rho_from_mi(torch.tensor(-0.5 * math.log(0.64))).item() == pytest.approx(0.6)


@pytest.mark.parametrize("dim", [True, 2.0, 0, -1])
def test_dimension_must_be_a_positive_int(dim):
    with pytest.raises(ValueError, match=f"^dim must be a positive int, got {dim!r}$"):
        gaussian_mi(0.5, dim)
    with pytest.raises(ValueError, match="dim must be a positive int"):
        sample_correlated_gaussian(4, dim, 0.5)


@pytest.mark.parametrize("rho", [-1.0, 1.0, -1.5, 1.5])
def test_rho_range_excludes_both_ends(rho):
    with pytest.raises(ValueError, match=r"^rho must lie in \(-1, 1\), got"):
        gaussian_mi(rho)
    with pytest.raises(
        ValueError, match=r"^rho must lie in \(-1, 1\); \|rho\| = 1 gives infinite MI$"
    ):
        gaussian_mi(torch.tensor([0.0, rho]))
    with pytest.raises(ValueError, match=rf"^rho must lie in \(-1, 1\), got {rho!r}$"):
        sample_correlated_gaussian(4, 2, rho)
    x = sample_correlated_gaussian(4, 2, -0.99)[0]  # just inside is fine
    assert x.shape == (4, 2)


def test_negative_mi_is_rejected_with_its_message():
    assert rho_from_mi(0.0) == 0.0
    assert rho_from_mi(torch.zeros(3)).tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="^mi must be >= 0 nats$"):
        rho_from_mi(torch.tensor([1.0, -0.1]))
    with pytest.raises(ValueError, match="^mi must be >= 0 nats, got -0.1$"):
        rho_from_mi(-0.1)


@pytest.mark.parametrize("n", [True, 0, 2.0])
def test_sample_size_must_be_a_positive_int(n):
    with pytest.raises(ValueError, match=f"^n must be a positive int, got {n!r}$"):
        sample_correlated_gaussian(n, 2, 0.5)


def test_samples_take_the_requested_dtype_and_device():
    x, y = sample_correlated_gaussian(1, 3, 0.5)  # a single pair is a sample too
    assert x.shape == y.shape == (1, 3) and x.dtype == torch.float32
    x, y = sample_correlated_gaussian(5, 2, 0.5, dtype=torch.float64)
    assert x.dtype == y.dtype == torch.float64
    # float64 samples carry float64 noise, not float32 draws promoted
    noise = y - 0.5 * x  # sqrt(1 - rho^2) eps: float32-representable if eps were float32
    assert (noise - noise.float().double()).abs().max() > 1e-10
    x, y = sample_correlated_gaussian(5, 2, 0.5, device="meta")
    assert x.device.type == y.device.type == "meta"


def test_pmi_rejects_inputs_that_are_not_two_dimensional():
    for x, y in [(torch.zeros(3), torch.zeros(3, 2)), (torch.zeros(3, 2), torch.zeros(3))]:
        with pytest.raises(ValueError, match="must be \\(N, D\\) and \\(M, D\\)"):
            gaussian_pmi(x, y, 0.5)


def test_staircase_accepts_zero_and_fractional_levels_and_one_step():
    assert mi_staircase((0.0, 0.5), steps=1).tolist() == [0.0, 0.5]
    curve = mi_staircase((0.1,), steps=2)
    assert curve.dtype == torch.float64
    assert curve[0].item() == 0.1  # exactly, not float32's 0.10000000149
    with pytest.raises(ValueError, match="steps must be >= 1, got 0"):
        mi_staircase((1.0,), steps=0)
    with pytest.raises(ValueError, match="levels must be a non-empty tuple"):
        mi_staircase((1.0, -0.5))
