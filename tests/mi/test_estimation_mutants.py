"""Known answers for the parts of companion/mi/estimation.py that the end-to-end tests of
test_estimation.py cannot see (found by `make mutation`): which bound each name reads out, the
argument checks at their boundaries, the standardisation, the input conversion and the default
critics' sizes.
"""

import inspect
import math
import statistics
import warnings

import pytest
import torch
from torch import nn

from companion.mi import (
    MINE,
    ConcatCritic,
    EncoderCritic,
    SeparableCritic,
    StaircaseConfig,
    dv_lower_bound,
    estimate,
    estimation,
    infonce_lower_bound,
    jsd_nwj_lower_bound,
    nwj_lower_bound,
    smile_lower_bound,
)
from companion.mi.critics import mlp
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


class _Recorder(nn.Module):
    """A critic ``T(x, y) = w x . y + b`` that remembers what it saw and where it was moved.

    ``b`` enters only the first training batch, so after that it receives no gradient.
    """

    def __init__(self) -> None:
        super().__init__()
        self.w, self.b = nn.Parameter(torch.tensor(1.0)), nn.Parameter(torch.tensor(0.0))
        self.train_rows, self.eval_scores, self.moved_to, self.calls = [], [], [], 0

    def to(self, *args, **kwargs):
        self.moved_to.append(args[0] if args else kwargs.get("device"))
        return super().to(*args, **kwargs)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        scores = self.w * x @ y.T  # (N, N)
        if self.training:
            self.train_rows += x[:, 0].tolist()
            self.calls += 1
            if self.calls == 1:
                scores = scores + self.b * torch.eye(len(x))
        else:
            self.eval_rows = getattr(self, "eval_rows", []) + x[:, 0].tolist()
            self.eval_scores.append(scores.detach().clone())
        return scores


def _ids(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.arange(n, dtype=torch.float32).unsqueeze(1)  # (n, 1): each row its own value
    return x, x.clone()


def test_held_out_pairs_never_train_the_critic():
    critic = _Recorder()
    estimate(*_ids(20), critic=critic, steps=20, batch_size=5, held_out=0.5)
    train, held = set(critic.train_rows), set(critic.eval_rows)
    assert len(held) == 10 and len(train) <= 10 and not train & held


def test_nats_and_stderr_are_the_mean_and_standard_error_over_held_out_batches():
    critic = _Recorder()
    result = estimate(*_ids(40), critic=critic, steps=1, batch_size=10, held_out=0.5)
    values = [infonce_lower_bound(s).estimate.item() for s in critic.eval_scores]
    assert len(values) == result.eval_batches == 2 and values[0] != values[1]
    assert result.nats == pytest.approx(math.fsum(values) / 2, rel=1e-12)
    assert result.stderr == pytest.approx(statistics.stdev(values) / math.sqrt(2), rel=1e-9)


def test_one_held_out_batch_has_no_stderr_and_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch warns on the std of a single value
        result = estimate(*_ids(20), critic=_Recorder(), steps=1, batch_size=10, held_out=0.5)
    assert result.eval_batches == 1 and math.isnan(result.stderr)


def test_adam_gets_the_learning_rate_and_skips_parameters_without_gradient():
    critic = _Recorder()
    estimate(*_ids(20), critic=critic, steps=3, batch_size=5, lr=0.1, held_out=0.5)
    # Adam's first step moves a parameter by lr; b has a gradient only in the first step, so a
    # zeroed (instead of absent) gradient would let its momentum move it twice more
    assert abs(critic.b.item()) == pytest.approx(0.1, rel=1e-4)
    assert critic.moved_to == ["cpu"]  # the critic trains on `device`


def test_every_batch_and_mines_average_go_to_the_device(monkeypatch):
    # Without an accelerator the moves are no-ops; a spy on Tensor.to checks that each names
    # the caller's device (and that the inputs are first brought to the CPU as float32).
    device, calls = torch.device("cpu"), []
    real_to = torch.Tensor.to

    def spy(self, *args, **kwargs):
        calls.append(args)
        return real_to(self, *args, **kwargs)

    monkeypatch.setattr(torch.Tensor, "to", spy)
    moved = []

    class SpiedMINE(MINE):
        def to(self, *args, **kwargs):
            moved.append(args[0])
            return super().to(*args, **kwargs)

    monkeypatch.setattr(estimation, "MINE", SpiedMINE)
    estimate(*_ids(40), critic=_Recorder(), steps=3, batch_size=10, held_out=0.5,
             bound="mine", device=device)  # fmt: skip
    assert ("cpu", torch.float32) in calls
    assert sum(1 for args in calls if args and args[0] is device) == 2 * 3 + 2 * 2
    assert moved == [device]


def test_defaults_reach_the_critic_and_the_loop(monkeypatch):
    seen = {}

    def tiny_critic(x, y, kind, embed, hidden):
        seen.update(embed=embed, hidden=hidden, kind=kind)
        return SeparableCritic(1, 1, hidden=2, embed=2)

    def spy_reset(module, generator):
        seen["seed"] = generator.initial_seed()
        return reset(module, generator)

    reset = estimation._reset_parameters
    monkeypatch.setattr(estimation, "_default_critic", tiny_critic)
    monkeypatch.setattr(estimation, "_reset_parameters", spy_reset)
    result = estimate(*_ids(10), batch_size=2)
    assert seen == {"embed": 32, "hidden": 256, "kind": "separable", "seed": 0}
    assert len(result.curve) == 1000


def test_reset_parameters_seeds_ensemble_layers_from_the_generator():
    net = mlp(3, 8, 2, num_critics=4)
    _reset_parameters(net, torch.Generator().manual_seed(0))
    first = [p.clone() for p in net.parameters()]
    torch.manual_seed(123)  # the global RNG must not matter
    _reset_parameters(net, torch.Generator().manual_seed(0))
    assert all(torch.equal(a, b) for a, b in zip(first, net.parameters()))


def test_image_encoders_get_the_asked_hidden_width():
    images, y = torch.zeros(4, 1, 8, 8), torch.zeros(4, 5)
    enc = _default_critic(images, y, "separable", embed=7, hidden=11).encoder_x
    assert enc.net[6].out_features == 11 and enc.net[8].out_features == 7
