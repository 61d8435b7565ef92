"""One-call MI estimation: companion/mi/estimation.py.

Tolerances were measured on 8 seeds (data seeds 100-107, estimator seeds 0-7) of the setting
below, D = 2, rho = 0.8, I = 1.022 nats, 2000 pairs, 300 steps, hidden 64:
errors of InfoNCE -0.106 ... +0.090, of NWJ -0.122 ... +0.074 (sd about 0.07); images
(a tanh of a linear map of x to 8 x 8 pixels, which keeps I) -0.151 ... -0.018 on 5 seeds.
The tests allow 0.25 nats for vectors and 0.3 for images: about twice the worst seed.
"""

import math

import numpy as np
import pytest
import torch
from torch import nn

from companion.mi import (
    BOUNDS,
    MIEstimate,
    estimate,
    gaussian_mi,
    sample_correlated_gaussian,
)

TRUE_MI = gaussian_mi(0.8, 2)  # 1.0217 nats


def pairs(seed: int, n: int = 2000):
    return sample_correlated_gaussian(n, 2, 0.8, torch.Generator().manual_seed(100 + seed))


@pytest.mark.parametrize("bound,seed", [("infonce", 0), ("infonce", 1), ("nwj", 2)])
def test_estimate_recovers_a_known_gaussian_mi(bound, seed):
    x, y = pairs(seed)
    result = estimate(x, y, bound=bound, steps=300, hidden=64, seed=seed)
    assert abs(result.nats - TRUE_MI) < 0.25, result


def test_estimate_recovers_the_mi_of_images_with_the_conv_critic():
    x, y = pairs(0)
    weight = torch.randn(64, 2, generator=torch.Generator().manual_seed(123))
    images = torch.tanh(x @ weight.T).view(-1, 1, 8, 8)  # injective in x: I unchanged
    result = estimate(images, y, steps=300, hidden=64, seed=0)
    assert abs(result.nats - TRUE_MI) < 0.3, result


def test_independent_arrays_give_about_zero():
    g = torch.Generator().manual_seed(5)
    x, y = torch.randn(2000, 3, generator=g), torch.randn(2000, 3, generator=g)
    result = estimate(x, y, steps=200, hidden=32)
    assert abs(result.nats) < 0.15, result


def test_infonce_estimate_never_exceeds_log_batch():
    # y = x exactly: infinite MI, InfoNCE reports at most log N.
    x = torch.randn(1000, 2, generator=torch.Generator().manual_seed(0))
    result = estimate(x, x.clone(), batch_size=32, steps=200, hidden=32)
    assert result.nats <= math.log(32) + 1e-6
    assert result.nats > 1.5  # far above zero (2.35 measured): the critic did learn
    assert bool((result.curve <= math.log(32) + 1e-6).all())


def test_result_is_a_small_frozen_dataclass_and_reproducible():
    x, y = pairs(3, n=600)
    a = estimate(x.numpy(), y.numpy(), steps=20, batch_size=64, hidden=16, seed=4)
    b = estimate(x, y, steps=20, batch_size=64, hidden=16, seed=4)
    assert isinstance(a, MIEstimate) and a.curve.shape == (20,)
    assert a.nats == b.nats and torch.equal(a.curve, b.curve)
    assert float(a) == a.nats and a.eval_batches == 120 // 64
    with pytest.raises(AttributeError):
        a.nats = 0.0
    assert "nats=" in repr(a) and "curve" not in repr(a)


@pytest.mark.parametrize("bound", BOUNDS)
@pytest.mark.parametrize("critic", ["separable", "concat"])
def test_every_bound_and_critic_runs(bound, critic):
    x, y = pairs(4, n=300)
    result = estimate(x[:, 0], y, bound=bound, critic=critic, steps=3, batch_size=16, hidden=8)
    assert result.bound == bound and math.isfinite(result.nats)


def test_mixed_images_and_vectors_and_a_custom_critic():
    g = torch.Generator().manual_seed(1)
    images, y = torch.randn(200, 8, 8, generator=g), torch.randn(200, 3, generator=g)
    assert math.isfinite(estimate(images, y, steps=2, batch_size=16, hidden=8).nats)

    class Bilinear(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.zeros(64, 3))

        def forward(self, a, b):
            return a.flatten(1) @ self.w @ b.T  # (N, N)

    critic = Bilinear()
    result = estimate(images, y, critic=critic, steps=2, batch_size=16)
    assert critic.w.abs().sum() > 0  # the given module was trained in place
    assert math.isfinite(result.nats)


def test_bad_inputs_raise_clear_errors():
    x = np.zeros((100, 2))
    with pytest.raises(ValueError, match="unknown bound"):
        estimate(x, x, bound="cpc")
    with pytest.raises(ValueError, match="critic must be 'separable', 'concat'"):
        estimate(x, x, critic="bilinear", batch_size=8, steps=1)
    with pytest.raises(ValueError, match="same number of pairs"):
        estimate(x, x[:50])
    with pytest.raises(ValueError, match="fewer than batch_size=128"):
        estimate(x, x)
    with pytest.raises(ValueError, match="must be \\(N,\\), \\(N, D\\)"):
        estimate(np.zeros((10, 1, 1, 2, 2)), np.zeros((10, 1)))
    with pytest.raises(ValueError, match="NaN or infinite"):
        estimate(np.full((10, 1), np.nan), np.zeros((10, 1)))
    with pytest.raises(ValueError, match="held_out must be in"):
        estimate(x, x, held_out=1.0)
