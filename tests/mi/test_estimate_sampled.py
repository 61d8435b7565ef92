"""``estimate_sampled``: MI from a sampler of fresh pairs, against known answers."""

import math
import statistics
import warnings

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


class _Bilinear(torch.nn.Module):
    """``T(x, y) = w x y^T``; remembers the score matrices it gives without gradient."""

    def __init__(self) -> None:
        super().__init__()
        self.w = torch.nn.Parameter(torch.tensor(1.0))
        self.read = []

    def forward(self, x, y):
        scores = self.w * x @ y.T  # (N, N)
        if not torch.is_grad_enabled():
            self.read.append(scores.clone())
        return scores


def test_read_out_is_the_mean_and_standard_error_over_the_evaluation_batches():
    net = _Bilinear()
    result = estimate_sampled(gaussian_sampler(0), net, steps=1, batch_size=2, eval_batches=2,
                              eval_size=2)  # fmt: skip
    values = [dv_lower_bound(s).estimate.item() for s in net.read]
    assert len(values) == result.eval_batches == 2 and values[0] != values[1]
    assert result.nats == pytest.approx(sum(values) / 2, rel=1e-6)
    assert result.stderr == pytest.approx(statistics.stdev(values) / math.sqrt(2), rel=1e-5)
    assert result.bound == "mine" and result.batch_size == 2
    assert result.curve.dtype == torch.float64 and result.curve.shape == (1,)


def test_one_evaluation_batch_has_no_stderr_and_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch warns on the std of a single value
        result = estimate_sampled(gaussian_sampler(0), _Bilinear(), steps=1, eval_batches=1)
    assert result.eval_batches == 1 and math.isnan(result.stderr)


def test_default_learning_rate_is_poole_et_als():
    net = _Bilinear()
    estimate_sampled(gaussian_sampler(0), net, steps=1, eval_batches=1)
    assert abs(net.w.item() - 1.0) == pytest.approx(5e-4, rel=1e-3)  # Adam's first step: lr


def test_smallest_allowed_arguments_and_the_refusal_of_no_evaluation():
    result = estimate_sampled(gaussian_sampler(0), _Bilinear(), steps=1, batch_size=2,
                              eval_batches=1, eval_size=2)  # fmt: skip
    assert result.curve.shape == (1,) and result.eval_batches == 1
    with pytest.raises(ValueError, match="eval_batches=0"):
        estimate_sampled(gaussian_sampler(0), _Bilinear(), steps=1, eval_batches=0)
    with pytest.raises(ValueError, match="eval_size=1"):
        estimate_sampled(gaussian_sampler(0), _Bilinear(), steps=1, eval_size=1)
