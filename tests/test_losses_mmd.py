"""Tests for companion.losses.mmd2 and median_bandwidth (known answers)."""

import math

import pytest
import torch

from companion.losses import median_bandwidth, mmd2


def test_closed_form_of_two_point_sets():
    # x = {0, 0}, y = {1, 1} in 1-D, s = 1: k_xx = k_yy = 1 (off-diagonal), k_xy = exp(-1/2)
    x, y = torch.zeros(2, 1), torch.ones(2, 1)
    assert mmd2(x, y, bandwidth=1.0).item() == pytest.approx(2 - 2 * math.exp(-0.5))


def test_same_distribution_scatters_around_zero_and_a_shift_is_detected():
    g = torch.Generator().manual_seed(0)
    y = torch.randn(400, 2, generator=g)
    same = [mmd2(torch.randn(400, 2, generator=g), y).item() for _ in range(5)]
    assert max(abs(v) for v in same) < 0.01
    assert min(same) < 0 or max(same) > 0  # unbiased: not forced to be >= 0
    shifted = mmd2(torch.randn(400, 2, generator=g) + 1.0, y).item()
    assert shifted > 0.1
    # symmetric in its arguments for a fixed bandwidth
    x = torch.randn(50, 2, generator=g)
    assert mmd2(x, y, 1.0).item() == pytest.approx(mmd2(y, x, 1.0).item())
    # differentiable: a generator can descend it
    x.requires_grad_(True)
    mmd2(x, y, 1.0).backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_median_bandwidth_and_errors():
    assert median_bandwidth(torch.tensor([[0.0, 0.0], [3.0, 4.0]])) == pytest.approx(5.0)
    with pytest.raises(ValueError, match="at least 2 samples"):
        mmd2(torch.zeros(1, 2), torch.zeros(5, 2))
    with pytest.raises(ValueError, match="bandwidth must be positive"):
        mmd2(torch.randn(3, 2), torch.zeros(5, 2))
