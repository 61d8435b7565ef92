"""What tests/mi/test_variational.py left open in companion/mi/variational.py (`make mutation`).

Defaults (unit variance and scale, U(-1, 1) codes), arguments passed through by the BA wrappers,
the ends of the argument checks, tables given as lists (computed in float64 all the same),
a posterior with zeros in it, dtypes and devices taken from the means, and the error messages.
"""

import math
import warnings

import pytest
import torch

from companion.mi import (
    ba_gap,
    categorical_log_likelihood,
    discrete_ba_lower_bound,
    discrete_mi,
    gaussian_ba_lower_bound,
    gaussian_log_likelihood,
    laplace_ba_lower_bound,
    laplace_log_likelihood,
    uniform_entropy,
)

LOG_2PI = math.log(2 * math.pi)


def _pair(seed=0, n=3, d=2):
    g = torch.Generator().manual_seed(seed)
    return (
        torch.randn(n, d, generator=g, dtype=torch.float64),
        torch.randn(n, d, generator=g, dtype=torch.float64),
    )


def test_unit_variance_and_unit_scale_by_default():
    c, mu = _pair()
    expected = -0.5 * ((c - mu).square() + LOG_2PI).sum(1)
    assert torch.allclose(gaussian_log_likelihood(c, mu), expected, rtol=1e-12, atol=0)
    expected = -((c - mu).abs() + math.log(2)).sum(1)
    assert torch.allclose(laplace_log_likelihood(c, mu), expected, rtol=1e-12, atol=0)


def test_fixed_variance_and_scale_are_used_at_the_means_precision():
    c, mu = _pair()
    var, b = 0.3, 0.7
    expected = -0.5 * ((c - mu).square() / var + math.log(var) + LOG_2PI).sum(1)
    got = gaussian_log_likelihood(c, mu, math.log(var))
    assert got.dtype == torch.float64
    assert torch.allclose(got, expected, rtol=1e-14, atol=0)  # float32 log_var would be 1e-8 off
    expected = -((c - mu).abs() / b + math.log(2 * b)).sum(1)
    got = laplace_log_likelihood(c, mu, math.log(b))
    assert torch.allclose(got, expected, rtol=1e-14, atol=0)


def test_log_likelihoods_stay_on_the_means_device():
    c, mu = torch.zeros(3, 2, device="meta"), torch.zeros(3, 2, device="meta")
    assert gaussian_log_likelihood(c, mu, 0.5).device.type == "meta"
    assert laplace_log_likelihood(c, mu, 0.5).device.type == "meta"


def test_ba_wrappers_pass_scale_and_floor_through():
    c, mu = _pair(1)
    tiny = torch.full_like(mu, -20.0)  # far below any floor
    for min_std in (1e-2, 0.5):
        bound = gaussian_ba_lower_bound(c, mu, tiny, 1.0, min_std=min_std)
        ll = gaussian_log_likelihood(c, mu, tiny, min_std=min_std)
        assert bound.estimate.item() == pytest.approx(ll.mean().item() + 1.0, rel=1e-12)
    for log_scale, min_scale in ((0.0, 1e-2), (math.log(3.0), 1e-2), (-20.0, 0.5)):
        bound = laplace_ba_lower_bound(c, mu, log_scale, 1.0, min_scale=min_scale)
        ll = laplace_log_likelihood(c, mu, log_scale, min_scale=min_scale)
        assert bound.estimate.item() == pytest.approx(ll.mean().item() + 1.0, rel=1e-12)
    loose = gaussian_ba_lower_bound(c, mu, tiny, 0.0, min_std=0.5).estimate
    assert loose != gaussian_ba_lower_bound(c, mu, tiny, 0.0).estimate
    wide = laplace_ba_lower_bound(c, mu, math.log(3.0), 0.0).estimate
    assert wide != laplace_ba_lower_bound(c, mu, 0.0, 0.0).estimate


def test_floors_must_be_positive():
    c, mu = _pair()
    with pytest.raises(ValueError, match="min_std must be > 0, got 0"):
        gaussian_log_likelihood(c, mu, min_std=0)
    with pytest.raises(ValueError, match="min_scale must be > 0, got 0"):
        laplace_log_likelihood(c, mu, min_scale=0)


def test_errors_name_the_function_and_the_types():
    c, mu = _pair()
    for fn in (gaussian_log_likelihood, laplace_log_likelihood):
        name = fn.__name__
        with pytest.raises(TypeError, match=f"^{name}: .* got list, Tensor$"):
            fn([0.0], mu)
        with pytest.raises(TypeError, match=f"^{name}: .* got Tensor, list$"):
            fn(c, [0.0])
        with pytest.raises(ValueError, match=f"^{name}: expected codes and means"):
            fn(c, mu[:2])


def test_categorical_softmax_is_over_the_categories_without_warnings():
    logits = torch.tensor([[0.0, math.log(3.0)], [1.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no implicit-dimension deprecation
        ll = categorical_log_likelihood(logits, torch.tensor([1, 0]))
    assert ll.tolist() == pytest.approx([math.log(0.75), math.log(0.5)])


def test_uniform_entropy_defaults_to_one_u_minus_one_one_code():
    assert uniform_entropy() == pytest.approx(math.log(2.0))
    assert uniform_entropy(0.0, 0.5, dim=3) == pytest.approx(3 * math.log(0.5))
    for low, high, dim in ((1.0, 1.0, 1), (0.0, 1.0, 0)):
        with pytest.raises(ValueError, match="need high > low and dim >= 1"):
            uniform_entropy(low, high, dim)


def test_tables_given_as_lists_are_computed_in_float64():
    joint = [[0.25, 0.0], [0.0, 0.75]]  # c = x, with p = (1/4, 3/4)
    entropy = -(0.25 * math.log(0.25) + 0.75 * math.log(0.75))
    assert discrete_mi(joint) == pytest.approx(entropy, rel=1e-15)
    q = [[0.9, 0.1], [0.1, 0.9]]  # right 90% of the time
    expected = entropy + 0.25 * math.log(0.9) + 0.75 * math.log(0.9)
    assert discrete_ba_lower_bound(joint, q) == pytest.approx(expected, rel=1e-15)
    assert ba_gap(joint, q) == pytest.approx(-math.log(0.9), rel=1e-15)


def test_a_posterior_with_zeros_is_a_distribution():
    joint = torch.eye(2, dtype=torch.float64) / 2
    exact = torch.eye(2, dtype=torch.float64)  # q(c | x) puts all its mass on c = x
    assert discrete_ba_lower_bound(joint, exact) == pytest.approx(math.log(2))
    assert ba_gap(joint, exact) == 0.0


def test_joint_and_posterior_checks():
    for bad in ([0.5, 0.5], [[0.5, 0.5], [0.5, 0.5]], [[1.5, -0.5], [0.0, 0.0]]):
        with pytest.raises(ValueError, match="expected a joint probability table"):
            discrete_mi(bad)
    joint = torch.full((2, 2), 0.25, dtype=torch.float64)
    with pytest.raises(
        ValueError,
        match=r"^each column q\[:, x\] must be a distribution over c \(non-negative, summing to "
        r"1\); normalise with q / q.sum\(0\)$",
    ):
        discrete_ba_lower_bound(joint, torch.full((2, 2), 0.4, dtype=torch.float64))
