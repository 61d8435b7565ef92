"""The staircase figure (companion.viz.staircase_panels): every curve inside its own axes.

Regression test for a figure whose panels shared one y-range taken from the last panel
(-1.5 to 0.2 nats), so that the 0-13-nat estimates of the others were drawn off-axes.
"""

import matplotlib
import pytest
import torch

from companion.viz import estimator_name, staircase_panels

matplotlib.use("Agg")


def known_series():
    truth = torch.tensor([2.0] * 50 + [6.0] * 50 + [10.0] * 50, dtype=torch.float64)
    noise = torch.randn(150, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    return truth, {
        "tracks": truth - 0.5 + 0.1 * noise,  # near the truth
        "capped": truth.clamp(max=4.16) - 0.2,  # InfoNCE-like ceiling
        "small": -1.386 + 0.6 * truth / 10 + 0.01 * noise,  # JSD-like, in [-1.4, -0.7]
        "wild": truth + 30.0 * noise,  # high variance, far outside the truth's range
    }


def test_every_series_and_the_truth_lie_inside_their_panel():
    truth, series = known_series()
    grid = staircase_panels(truth, series, window=10, ceiling=4.16)
    for name, values in series.items():
        low, high = grid.axes_dict[name].get_ylim()
        windows = values.view(-1, 10)  # (15, 10)
        assert low <= float(windows.quantile(0.1, dim=1).min()) <= high, name
        assert low <= float(windows.quantile(0.9, dim=1).max()) <= high, name
        assert low <= float(truth.min()) and float(truth.max()) <= high, name
        drawn = [line for line in grid.axes_dict[name].get_lines() if line.get_label() == "true MI"]
        assert len(drawn) == 1


def test_panels_do_not_share_one_y_range():
    truth, series = known_series()
    grid = staircase_panels(truth, series, window=10)
    ranges = {name: grid.axes_dict[name].get_ylim() for name in series}
    assert ranges["wild"][1] - ranges["wild"][0] > 5 * (ranges["tracks"][1] - ranges["tracks"][0])
    assert len({tuple(round(v, 6) for v in r) for r in ranges.values()}) == len(series)


def test_floor_cuts_a_diverging_band_and_says_so():
    truth, series = known_series()
    diverging = {"mine": truth - torch.linspace(0, 200, 150, dtype=torch.float64)}
    grid = staircase_panels(truth, diverging, window=10, floor=-12.0)
    ax = grid.axes_dict["mine"]
    low, high = ax.get_ylim()
    assert -14.0 < low < -12.0 and high >= 10.0  # the truth stays readable
    assert any("continues below" in t.get_text() for t in ax.texts)


def test_lengths_must_match():
    truth, _ = known_series()
    with pytest.raises(ValueError, match="has 3 steps but true_mi has 150"):
        staircase_panels(truth, {"short": torch.zeros(3)})
    with pytest.raises(ValueError, match="window must be >= 1"):
        staircase_panels(truth, {"a": truth}, window=0)


def test_panels_are_titled_with_the_estimators_names():
    truth, series = known_series()
    named = {"infonce": series["capped"], "jsd": series["small"], "own": series["tracks"]}
    grid = staircase_panels(truth, named, window=10)
    titles = {key: grid.axes_dict[key].get_title() for key in named}
    assert titles == {"infonce": "InfoNCE", "jsd": "JSD read-out", "own": "own"}
    assert estimator_name("dv") == "DV" and estimator_name("ba") == "BA"
