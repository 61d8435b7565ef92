"""What tests/mi/test_staircase.py left open in companion/mi/staircase.py (`make mutation`).

- The batches have the MI the staircase claims: per-coordinate correlation rho_from_mi(mi, D),
  standard normal marginals, fresh noise on every row and step.
- The config reaches the critics (widths, depth, learning rate, SMILE's tau, MINE's decay
  and its moving average carried across steps), and critics start from nn.Linear's range.
- staircase_table's statistics on a hand-made record, and the presets.
"""

import dataclasses
import math
import time

import pytest
import torch

from companion.mi import (
    ConcatCritic,
    GaussianPosteriorCritic,
    SeparableCritic,
    StaircaseConfig,
    StaircaseResult,
    mi_staircase,
    rho_from_mi,
    run_staircase,
    staircase_table,
)
from companion.mi.critics import EnsembleLinear
from companion.mi.staircase import _score_bound


def _smoke(**overrides) -> StaircaseConfig:
    return StaircaseConfig.smoke().with_overrides(overrides)


@pytest.fixture
def ba_calls(monkeypatch):
    """Every (critic, x, y) the BA estimator's critic is called with."""
    calls = []
    real = GaussianPosteriorCritic.score_pairs

    def score_pairs(self, x, y):
        calls.append((self, x.clone(), y.clone()))
        return real(self, x, y)

    monkeypatch.setattr(GaussianPosteriorCritic, "score_pairs", score_pairs)
    return calls


def test_batches_have_the_staircases_mi(ba_calls):
    cfg = _smoke(estimators=("ba",))
    result = run_staircase(cfg)
    assert torch.equal(result.true_mi, mi_staircase(cfg.levels, cfg.steps_per_level))
    assert len(ba_calls) == len(result.true_mi)
    x = torch.stack([c[1] for c in ba_calls])  # (S, N, D)
    y = torch.stack([c[2] for c in ba_calls])
    assert not torch.equal(x[0], x[1])  # a fresh batch every step
    for level, mi in enumerate(cfg.levels):
        steps = slice(level * cfg.steps_per_level, (level + 1) * cfg.steps_per_level)
        xs, ys = x[steps].reshape(-1, cfg.dim), y[steps].reshape(-1, cfg.dim)  # (S' N, D)
        rho = rho_from_mi(mi, cfg.dim)  # 0.43 and 0.57 over 20 dimensions
        corr = ((xs * ys).mean(0) / (xs.std(0) * ys.std(0))).mean().item()
        # 25,600 pairs per level: standard error of corr ~ 0.005, of var(y) ~ 0.009
        assert corr == pytest.approx(rho, abs=0.02), (mi, corr, rho)
        assert ys.var(0).mean().item() == pytest.approx(1.0, abs=0.04)
        residual = y[steps] - rho * x[steps]  # (S', N, D): the noise, new on every row
        assert (residual.std(dim=1) > 0.5).all()


def test_critic_follows_the_config(ba_calls, monkeypatch):
    separable = []
    real = SeparableCritic.forward

    def forward(self, x, y):
        separable.append(self)
        return real(self, x, y)

    monkeypatch.setattr(SeparableCritic, "forward", forward)
    cfg = _smoke(estimators=("infonce", "ba"), hidden=12, embed=5, layers=1, steps_per_level=1)
    run_staircase(cfg)
    critic = separable[0]
    widths = [m.weight.shape[1:] for m in critic.g.modules() if isinstance(m, EnsembleLinear)]
    assert widths == [(cfg.dim, 12), (12, 5)]
    ensemble = [m for m in critic.modules() if isinstance(m, EnsembleLinear)]
    _assert_linear_init([(m.weight, m.bias, m.weight.shape[1]) for m in ensemble])
    ba = ba_calls[0][0]
    linears = [m for m in ba.mean.modules() if isinstance(m, torch.nn.Linear)]
    assert [m.out_features for m in linears] == [12, cfg.dim]
    _assert_linear_init([(m.weight, m.bias, m.in_features) for m in linears])


def test_concat_critic_follows_the_config(monkeypatch):
    seen = []
    real = ConcatCritic.forward

    def forward(self, x, y):
        seen.append(self)
        return real(self, x, y)

    monkeypatch.setattr(ConcatCritic, "forward", forward)
    cfg = _smoke(estimators=("nwj",), critic="concat", hidden=6, layers=1, steps_per_level=1)
    run_staircase(cfg)
    layers = [m for m in seen[0].f.modules() if isinstance(m, EnsembleLinear)]
    assert [m.weight.shape[1:] for m in layers] == [(2 * cfg.dim, 6), (6, 1)]


def _assert_linear_init(layers):
    """Weights and biases drawn from nn.Linear's U(-1/sqrt(in), 1/sqrt(in)), both signs."""
    for i in (0, 1):  # weights, then biases, pooled over the layers in units of the bound
        pooled = torch.cat([p[i].detach().flatten() * math.sqrt(p[2]) for p in layers])
        assert pooled.abs().max() <= 1.01  # one Adam step of 5e-4 may cross the bound
        assert pooled.min() < -0.3 and pooled.max() > 0.3


def test_learning_rate_reaches_the_optimizer(ba_calls):
    run_staircase(_smoke(estimators=("ba",), steps_per_level=2, lr=0.0))
    assert torch.equal(ba_calls[-1][0].log_var.detach(), torch.zeros(20))  # never moved
    run_staircase(_smoke(estimators=("ba",), steps_per_level=1, lr=0.1))
    # Adam's first steps move each parameter by about lr (the default lr would move 1e-3)
    assert ba_calls[-1][0].log_var.detach().abs().mean() > 0.05


def test_smile_tau_and_mine_decay_reach_their_bounds():
    runs = {tau: run_staircase(_smoke(estimators=("smile",), smile_tau=tau)) for tau in (1e-3, 50)}
    # the critic trains on JSD gradients whatever tau is; only the read-out is clipped
    assert not torch.equal(runs[1e-3].estimates["smile"], runs[50].estimates["smile"])
    decays = {d: run_staircase(_smoke(estimators=("mine",), mine_decay=d)) for d in (0.0, 0.5)}
    default = run_staircase(_smoke(estimators=("mine",)))  # 0.99
    # the moving average is carried from step to step: decay 0 (no memory) trains differently
    assert not torch.equal(decays[0.0].estimates["mine"], decays[0.5].estimates["mine"])
    assert not torch.equal(decays[0.5].estimates["mine"], default.estimates["mine"])


def test_result_records_its_dtype_and_time():
    start = time.perf_counter()
    result = run_staircase(_smoke(estimators=("jsd",), steps_per_level=2))
    elapsed = time.perf_counter() - start
    assert result.estimates["jsd"].dtype == result.jsd_bce.dtype == torch.float64
    assert 0 < result.seconds <= elapsed


def test_batch_of_two_is_enough_and_critics_are_named():
    run_staircase(_smoke(estimators=("nwj",), batch_size=2, steps_per_level=1))
    with pytest.raises(ValueError, match="^critic must be 'separable' or 'concat', got 'mlp'$"):
        run_staircase(dataclasses.replace(StaircaseConfig.smoke(), critic="mlp"))


def test_presets_differ_from_the_paper_only_where_stated():
    paper = StaircaseConfig.paper()
    assert StaircaseConfig.cpu() == paper.with_overrides({"steps_per_level": 400})
    smoke = paper.with_overrides(
        {"steps_per_level": 20, "hidden": 32, "embed": 8, "levels": (2.0, 4.0)}
    )
    assert StaircaseConfig.smoke() == smoke


def _record(series: list[float], levels=(2.0, 4.0), steps=4) -> StaircaseResult:
    cfg = _smoke(levels=levels, steps_per_level=steps, estimators=("nwj",))
    true_mi = mi_staircase(levels, steps)
    estimates = {"nwj": torch.tensor(series, dtype=torch.float64)}
    return StaircaseResult(true_mi, estimates, None, cfg, 0.0)


def test_table_statistics_on_a_known_record():
    record = _record([0.0, 1.0, 2.0, 3.0, 5.0, 5.0, 3.0, 3.0])
    rows = staircase_table(record)  # the last half of each level: (2, 3) and (3, 3)
    assert [r["true_mi"] for r in rows] == [2.0, 4.0]
    assert [r["estimator"] for r in rows] == ["nwj", "nwj"]
    assert [r["mean"] for r in rows] == [2.5, 3.0]
    assert [r["bias"] for r in rows] == [0.5, -1.0]
    assert [r["variance"] for r in rows] == [0.25, 0.0]  # population variance
    assert [r["mse"] for r in rows] == [0.5, 1.0]
    whole = staircase_table(record, fraction=1.0)  # every step
    assert [r["mean"] for r in whole] == [1.5, 4.0]
    assert whole[0]["variance"] == 1.25 and whole[0]["mse"] == 0.25 + 1.25
    last = staircase_table(record, fraction=0.1)  # at least the last step
    assert [r["mean"] for r in last] == [3.0, 3.0]
    for bad in (0.0, 1.5):
        with pytest.raises(ValueError, match=r"fraction must be in \(0, 1\]"):
            staircase_table(record, fraction=bad)


def test_score_bound_names_an_estimator_it_has_no_bound_for():
    with pytest.raises(NotImplementedError, match="^no score bound for estimator 'ba'$"):
        _score_bound("ba", torch.zeros(2, 2), _smoke(), {})


class _NoEntropy:
    """A sampler that does not declare entropy_x at all."""

    dim_x = dim_y = 2

    def __call__(self, mi, n, generator):
        x = torch.randn(n, 2, generator=generator)
        return x, x


def test_ba_needs_a_sampler_with_a_known_entropy():
    message = r"has entropy_x = None; drop 'ba' from cfg.estimators$"
    with pytest.raises(ValueError, match=message):  # not an AttributeError
        run_staircase(_smoke(estimators=("ba",)), sampler=_NoEntropy())


def test_critics_and_batches_go_to_the_device(monkeypatch):
    # Without an accelerator the moves are no-ops; spies check that each names the device.
    device, calls, moved = torch.device("cpu"), [], []
    real_to, real_module_to = torch.Tensor.to, torch.nn.ModuleList.to

    def tensor_to(self, *args, **kwargs):
        calls.append(args)
        return real_to(self, *args, **kwargs)

    def module_to(self, *args, **kwargs):
        moved.append(args[0])
        return real_module_to(self, *args, **kwargs)

    monkeypatch.setattr(torch.Tensor, "to", tensor_to)
    monkeypatch.setattr(torch.nn.ModuleList, "to", module_to)
    run_staircase(_smoke(estimators=("nwj",), steps_per_level=1), device=device)  # 2 steps
    assert moved == [device]
    assert sum(1 for args in calls if args and args[0] is device) == 2 * 2  # x and y per step
