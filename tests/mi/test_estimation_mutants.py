"""Known answers for the parts of companion/mi/estimation.py that the end-to-end tests of
test_estimation.py cannot see (found by `make mutation`): which bound each name reads out, the
argument checks at their boundaries, the standardisation, the input conversion and the default
critics' sizes.
"""

import inspect

import pytest
import torch

from companion.mi import (
    ConcatCritic,
    EncoderCritic,
    SeparableCritic,
    StaircaseConfig,
    dv_lower_bound,
    estimate,
    infonce_lower_bound,
    jsd_nwj_lower_bound,
    nwj_lower_bound,
    smile_lower_bound,
)
from companion.mi.estimation import (
    _as_batch,
    _bound_value,
    _check_args,
    _default_critic,
    _reset_parameters,
    _standardise,
)


def _scores() -> torch.Tensor:
    """(8, 8) scores with a large diagonal, so that SMILE's clip at tau = 5 matters."""
    g = torch.Generator().manual_seed(0)
    return torch.randn(8, 8, generator=g) + 9.0 * torch.eye(8)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("infonce", infonce_lower_bound),
        ("nwj", nwj_lower_bound),
        ("jsd", jsd_nwj_lower_bound),
        ("smile", lambda s: smile_lower_bound(s, 5.0)),
        ("dv", dv_lower_bound),
        ("mine", dv_lower_bound),  # MINE reports the DV value
    ],
)
def test_each_name_reads_out_its_own_bound(name, expected):
    scores = _scores()
    bounds = (infonce_lower_bound, nwj_lower_bound, jsd_nwj_lower_bound, dv_lower_bound)
    assert len({round(f(scores).estimate.item(), 4) for f in bounds}) == 4  # they differ here
    assert _bound_value(name, scores).estimate.item() == pytest.approx(
        expected(scores).estimate.item(), rel=1e-6
    )


def test_smile_clips_at_five():
    scores = _scores()
    scores[0, 1] = scores[2, 3] = 5.8  # off-diagonal scores between the two clips
    read = _bound_value("smile", scores).estimate.item()
    assert read == pytest.approx(smile_lower_bound(scores, 5.0).estimate.item(), rel=1e-6)
    assert read != pytest.approx(smile_lower_bound(scores, 6.0).estimate.item(), rel=1e-4)


def test_argument_checks_at_their_boundaries():
    assert _check_args(4, "infonce", steps=1, batch_size=2, held_out=0.5) == 2  # smallest valid
    assert _check_args(10, "infonce", 1, batch_size=5, held_out=0.5) == 5  # exactly enough
    assert _check_args(4, "infonce", 1, batch_size=4, held_out=0.0) == 0  # evaluate on train
    with pytest.raises(ValueError, match="steps >= 1 and batch_size >= 2, got 0 and 128"):
        _check_args(1000, "infonce", 0, 128, 0.2)
    with pytest.raises(ValueError, match="got 1 and 1"):
        _check_args(1000, "infonce", 1, 1, 0.2)
    with pytest.raises(ValueError, match="leave 2 to train and 8 to evaluate"):
        _check_args(10, "infonce", 1, batch_size=5, held_out=0.8)
    with pytest.raises(ValueError, match=r"pass more\s+pairs"):
        _check_args(10, "infonce", 1, batch_size=6, held_out=0.5)


def test_standardise_per_feature_for_vectors_and_once_for_images():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(400, 2, generator=g) * torch.tensor([0.1, 30.0]) + torch.tensor([5.0, -7.0])
    train = torch.arange(300)
    z = _standardise(x, train)[train]
    assert torch.allclose(z.mean(0), torch.zeros(2), atol=1e-5)
    assert torch.allclose(z.std(0), torch.ones(2), atol=1e-5)  # also the column of std 0.1
    images = torch.randn(50, 1, 4, 4, generator=g) * 3.0 + 2.0
    images[:, :, 0] += 10.0  # one row of pixels brighter: one mean for all pixels keeps it
    w = _standardise(images, torch.arange(50))
    assert w.mean().item() == pytest.approx(0.0, abs=1e-5)
    assert w.std().item() == pytest.approx(1.0, abs=1e-5)
    assert (w[:, :, 0].mean() - w[:, :, 1:].mean()).item() > 1.0


def test_inputs_become_float32_and_single_channel_images():
    batch = _as_batch(torch.zeros(5, 3, dtype=torch.float64), "x")
    assert batch.dtype == torch.float32 and batch.shape == (5, 3)
    assert _as_batch(torch.zeros(5, 6, 7), "x").shape == (5, 1, 6, 7)
    assert _as_batch([1.0, 2.0], "x").shape == (2, 1)


def test_errors_name_the_argument_and_the_lengths():
    good, bad = torch.zeros(10, 3), torch.zeros(10, 3)
    bad[0, 0] = float("nan")
    with pytest.raises(ValueError, match="^x contains NaN"):
        estimate(bad, good, steps=1, batch_size=2)
    with pytest.raises(ValueError, match="^y contains NaN"):
        estimate(good, bad, steps=1, batch_size=2)
    with pytest.raises(ValueError, match="got 10 and 12"):
        estimate(good, torch.zeros(12, 3), steps=1, batch_size=2)
    with pytest.raises(ValueError, match=r"^y must be"):
        estimate(good, torch.zeros(10, 1, 1, 1, 1), steps=1, batch_size=2)


def test_defaults_are_poole_et_al_protocol():
    paper = StaircaseConfig.paper()
    params = inspect.signature(estimate).parameters
    assert params["lr"].default == paper.lr
    assert params["hidden"].default == paper.hidden
    assert params["embed"].default == paper.embed
    assert params["seed"].default == 0 and params["steps"].default == 1000


def test_default_critics_have_the_asked_sizes():
    x, y = torch.zeros(4, 3), torch.zeros(4, 5)
    sep = _default_critic(x, y, "separable", embed=7, hidden=11)
    assert isinstance(sep, SeparableCritic)
    assert sep(x, y).shape == (4, 4)
    widths = [m.out_features for m in sep.g.modules() if isinstance(m, torch.nn.Linear)]
    assert widths and widths[0] == 11 and widths[-1] == 7
    cat = _default_critic(x, y, "concat", embed=7, hidden=11)
    assert isinstance(cat, ConcatCritic)
    widths = [m.out_features for m in cat.f.modules() if isinstance(m, torch.nn.Linear)]
    assert widths and widths[0] == 11
    images = torch.zeros(4, 1, 8, 8)
    enc = _default_critic(images, y, "separable", embed=7, hidden=11)
    assert isinstance(enc, EncoderCritic)
    assert enc.encoder_x(images).shape == (4, 7) and enc.encoder_y(y).shape == (4, 7)
    assert enc(images, y).shape == (4, 4)
    enc_cat = _default_critic(images, y, "concat", embed=7, hidden=11)
    assert enc_cat(images, y).shape == (4, 4)


def test_reset_parameters_draws_symmetric_uniform_weights_and_biases_from_the_generator():
    net = torch.nn.Sequential(torch.nn.Linear(100, 200), torch.nn.Linear(200, 3))
    _reset_parameters(net, torch.Generator().manual_seed(0))
    first = [p.clone() for p in net.parameters()]
    bias = net[0].bias
    assert bias.min() < -0.05 and bias.max() > 0.05 and bias.abs().max() <= 0.1  # U(-0.1, 0.1)
    torch.manual_seed(123)  # the global RNG must not matter
    _reset_parameters(net, torch.Generator().manual_seed(0))
    assert all(torch.equal(a, b) for a, b in zip(first, net.parameters()))


def test_held_out_zero_evaluates_on_every_full_training_batch():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(40, 2, generator=g)
    result = estimate(x, x + 0.1 * torch.randn(40, 2, generator=g), steps=2, batch_size=8,
                      held_out=0.0, hidden=8, embed=4)  # fmt: skip
    assert result.eval_batches == 5 and result.batch_size == 8
    assert result.curve.dtype == torch.float64 and result.curve.shape == (2,)


def test_mine_trains_with_its_bias_corrected_gradient_not_dv():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(200, 2, generator=g)
    y = x + 0.5 * torch.randn(200, 2, generator=g)
    kwargs = dict(steps=5, batch_size=32, hidden=16, embed=4, seed=3)
    mine, dv = estimate(x, y, bound="mine", **kwargs), estimate(x, y, bound="dv", **kwargs)
    assert mine.curve[0] == dv.curve[0]  # same critic, same first batch
    assert not torch.equal(mine.curve[1:], dv.curve[1:])  # different updates afterwards
