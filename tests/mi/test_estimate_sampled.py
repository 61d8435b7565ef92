"""``estimate_sampled``: MI from a sampler of fresh pairs, against known answers."""

import math

import pytest
import torch

from companion.mi import (
    SeparableCritic,
    dv_lower_bound,
    estimate_sampled,
    mine_lower_bound,
)

TRUE_MI = 0.5 * math.log(1 + 1 / 0.25)  # y = x + 0.5 noise, x ~ N(0, 1): 0.805 nats


def gaussian_sampler(seed, noise=0.5, independent=False):
    g = torch.Generator().manual_seed(seed)

    def draw(n):
        x = torch.randn(n, 1, generator=g)
        other = torch.randn(n, 1, generator=g) if independent else x
        return x, other + noise * torch.randn(n, 1, generator=g)

    return draw


def critic(seed):
    torch.manual_seed(seed)
    return SeparableCritic(1, 1, hidden=32, embed=8)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_correlated_gaussians_are_estimated_from_below(seed):
    result = estimate_sampled(gaussian_sampler(seed), critic(seed), steps=300, lr=3e-3)
    # measured 0.72 / 0.65 / 0.73 for seeds 0-2; a lower bound, so not far above the truth
    assert TRUE_MI - 0.25 < result.nats < TRUE_MI + 0.05
    assert result.curve.shape == (300,) and result.eval_batches == 4


def test_independent_pairs_give_about_zero():
    draw = gaussian_sampler(0, independent=True)
    result = estimate_sampled(draw, critic(0), steps=300, lr=3e-3)
    assert abs(result.nats) < 0.02


def test_infonce_reads_out_at_most_log_batch():
    # y = x nearly exactly: I is large, but InfoNCE on 16 pairs can show at most log 16
    draw = gaussian_sampler(0, noise=1e-3)
    result = estimate_sampled(draw, critic(0), steps=200, bound="infonce", lr=3e-3, eval_size=16)
    assert 2.0 < result.nats <= math.log(16) + 1e-6  # measured 2.34; log 16 = 2.77


def test_it_is_the_explicit_mine_loop():
    """The same numbers as the loop Chapter 6.1 writes out: MINE's EMA, then DV read-outs."""
    draw = gaussian_sampler(3)
    result = estimate_sampled(draw, critic(3), steps=20, lr=3e-3, eval_batches=2)

    draw, net = gaussian_sampler(3), critic(3)
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    state, curve = None, []
    for _ in range(20):
        bound = mine_lower_bound(net(*draw(128)), state, 0.99)
        state = bound.state
        opt.zero_grad()
        bound.loss.backward()
        opt.step()
        curve.append(bound.estimate.item())
    with torch.no_grad():
        held = [dv_lower_bound(net(*draw(256))).estimate.item() for _ in range(2)]
    assert result.curve.tolist() == pytest.approx(curve, abs=1e-6)
    assert result.nats == pytest.approx(sum(held) / 2, abs=1e-6)


def test_bad_arguments_are_refused():
    draw = gaussian_sampler(0)
    with pytest.raises(ValueError, match="unknown bound"):
        estimate_sampled(draw, critic(0), steps=1, bound="tuba")
    with pytest.raises(ValueError, match="steps"):
        estimate_sampled(draw, critic(0), steps=0)
    with pytest.raises(ValueError, match="2 pairs"):
        estimate_sampled(draw, critic(0), steps=1, batch_size=1)
