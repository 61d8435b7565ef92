"""The Poole et al. staircase runner: companion/mi/staircase.py (smoke preset)."""

import math

import pytest
import torch

from companion.mi import (
    ESTIMATORS,
    GaussianPairs,
    StaircaseConfig,
    cube,
    run_staircase,
    staircase_table,
)


@pytest.fixture(scope="module")
def smoke_result():
    return run_staircase(StaircaseConfig.smoke())


def test_paper_preset_is_poole_protocol():
    cfg = StaircaseConfig.paper()
    assert (cfg.dim, cfg.batch_size, cfg.lr, cfg.steps_per_level) == (20, 64, 5e-4, 4000)
    assert cfg.levels == (2.0, 4.0, 6.0, 8.0, 10.0)
    assert (cfg.hidden, cfg.layers, cfg.embed) == (256, 2, 32)


def test_smoke_run_records_every_estimator_every_step(smoke_result):
    cfg = smoke_result.config
    n_steps = len(cfg.levels) * cfg.steps_per_level
    assert set(smoke_result.estimates) == set(ESTIMATORS)
    for series in smoke_result.estimates.values():
        assert series.shape == (n_steps,) and bool(torch.isfinite(series).all())
    assert bool((smoke_result.estimates["infonce"] <= torch.log(torch.tensor(64.0))).all())
    bce = smoke_result.jsd_bce
    assert bce.shape == (n_steps,) and bool((bce <= 0).all())


def test_subset_runs_reproduce_the_full_run(smoke_result):
    cfg = smoke_result.config.with_overrides({"estimators": ("mine", "ba")})
    subset = run_staircase(cfg)
    for name in ("mine", "ba"):
        torch.testing.assert_close(subset.estimates[name], smoke_result.estimates[name])


def test_concat_critic_runs():
    cfg = StaircaseConfig.smoke().with_overrides(
        {"critic": "concat", "steps_per_level": 3, "estimators": ("infonce", "jsd")}
    )
    result = run_staircase(cfg)
    assert result.estimates["jsd"].shape == (6,)


def test_table_has_one_row_per_estimator_and_level(smoke_result):
    rows = staircase_table(smoke_result)
    assert len(rows) == len(ESTIMATORS) * 2
    row = rows[0]
    assert row["mse"] == pytest.approx(row["bias"] ** 2 + row["variance"])
    series = smoke_result.estimates[row["estimator"]][10:20]
    assert row["mean"] == pytest.approx(series.mean().item())
    assert row["median"] == pytest.approx(series.median().item())


def test_bad_config_raises():
    with pytest.raises(ValueError, match="unknown or empty estimators"):
        run_staircase(StaircaseConfig.smoke().with_overrides({"estimators": ("cpc",)}))
    with pytest.raises(ValueError, match="batch_size must be >= 2"):
        run_staircase(StaircaseConfig.smoke().with_overrides({"batch_size": 1}))
    with pytest.raises(ValueError, match="fraction must be in"):
        staircase_table(None, fraction=0.0)


class UniformPairs:
    """A sampler outside the Gaussian family: x uniform on [0, 1]^2, y = x + uniform noise.

    Each coordinate: y = x + u with u ~ U(0, a); I(x; y) = h(y) - h(u) with h(u) = log a and,
    for a <= 1, h(y) = a / 2 (trapezoid density). Solving a / 2 - log a = m for a gives m nats.
    """

    dim_x = dim_y = 2
    entropy_x = None  # BA needs H(X) of a density it models as Gaussian: not offered

    def __init__(self):
        self.calls = []

    @staticmethod
    def width(mi_per_dim: float) -> float:
        low, high = 1e-12, 1.0  # a / 2 - log a decreases in a on (0, 1]
        for _ in range(100):
            mid = (low + high) / 2
            low, high = (mid, high) if mid / 2 - math.log(mid) > mi_per_dim else (low, mid)
        return (low + high) / 2

    def __call__(self, mi, n, generator):
        self.calls.append((mi, n))
        a = self.width(mi / 2)
        x = torch.rand(n, 2, generator=generator)
        return x, x + a * torch.rand(n, 2, generator=generator)


def test_uniform_sampler_width_gives_the_requested_mi():
    a = UniformPairs.width(1.5)
    assert a / 2 - math.log(a) == pytest.approx(1.5)


def test_run_staircase_accepts_a_custom_sampler():
    sampler = UniformPairs()
    cfg = StaircaseConfig.smoke().with_overrides(
        {"estimators": ("infonce", "nwj"), "levels": (1.0, 3.0), "steps_per_level": 5}
    )
    result = run_staircase(cfg, sampler=sampler)
    assert [mi for mi, _ in sampler.calls] == [1.0] * 5 + [3.0] * 5
    assert {n for _, n in sampler.calls} == {cfg.batch_size}
    assert result.sampler is sampler and result.true_mi.tolist() == [1.0] * 5 + [3.0] * 5
    assert all(bool(torch.isfinite(v).all()) for v in result.estimates.values())
    with pytest.raises(ValueError, match="needs H\\(X\\) in closed form"):
        run_staircase(cfg.with_overrides({"estimators": ("ba",)}), sampler=sampler)


def test_default_sampler_reproduces_the_equal_correlation_gaussians(smoke_result):
    cfg = smoke_result.config.with_overrides({"estimators": ("nwj",)})
    explicit = run_staircase(cfg, sampler=GaussianPairs(cfg.dim))
    torch.testing.assert_close(explicit.estimates["nwj"], smoke_result.estimates["nwj"])


def test_per_coordinate_and_cubic_samplers_run_with_ba():
    cfg = StaircaseConfig.smoke().with_overrides(
        {"estimators": ("ba", "smile"), "steps_per_level": 4, "dim": 3}
    )
    for sampler in (GaussianPairs(3, shares=(1.0, 2.0, 3.0)), GaussianPairs(3, transform=cube)):
        result = run_staircase(cfg, sampler=sampler)
        assert result.estimates["ba"].shape == (8,)
