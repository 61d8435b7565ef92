"""The Poole et al. staircase runner: companion/mi/staircase.py (smoke preset)."""

import pytest
import torch

from companion.mi import ESTIMATORS, StaircaseConfig, run_staircase, staircase_table


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


def test_bad_config_raises():
    with pytest.raises(ValueError, match="unknown or empty estimators"):
        run_staircase(StaircaseConfig.smoke().with_overrides({"estimators": ("cpc",)}))
    with pytest.raises(ValueError, match="batch_size must be >= 2"):
        run_staircase(StaircaseConfig.smoke().with_overrides({"batch_size": 1}))
    with pytest.raises(ValueError, match="fraction must be in"):
        staircase_table(None, fraction=0.0)
