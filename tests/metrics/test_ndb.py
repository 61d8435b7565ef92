import numpy as np
import pytest
import torch

from companion.metrics.ndb import NDB, bin_jsd, different_bins


def test_same_distribution_gives_about_alpha_k():
    # Under the null each bin's z-test fires with probability ~alpha, so NDB ~ alpha * k = 1.
    # Measured with k-means fitted on the reference (2-D N(0, I), 1000 vs 1000, 40 seeds):
    # mean 0.63 (std 0.80); with bins fitted on a third, independent sample: 0.88. Bins fitted on
    # the reference make its own proportions less noisy, hence a little below alpha * k.
    k, alpha = 20, 0.05
    values = []
    for seed in range(20):
        g = torch.Generator().manual_seed(seed)
        ref, test = torch.randn(1000, 2, generator=g), torch.randn(1000, 2, generator=g)
        result = NDB(k=k, alpha=alpha, seed=seed).fit(ref).score(test)
        values.append(result.ndb)
        assert result.jsd < 0.02
    assert 0.3 * alpha * k <= np.mean(values) <= 1.5 * alpha * k


def test_disjoint_distributions_give_k():
    g = torch.Generator().manual_seed(0)
    ref = torch.randn(1000, 2, generator=g)
    result = NDB(k=10, seed=0).fit(ref).score(torch.randn(1000, 2, generator=g) + 100.0)
    assert result.ndb == 10
    assert result.jsd > 0.5  # all mass in one bin of ~10%: JSD close to log 2 = 0.693


def test_result_records_protocol_and_is_seeded():
    g = torch.Generator().manual_seed(1)
    ref, test = torch.randn(300, 3, 4, 4, generator=g), torch.randn(200, 3, 4, 4, generator=g)
    r1 = NDB(k=8, alpha=0.01, seed=3).fit(ref).score(test).to_dict()
    r2 = NDB(k=8, alpha=0.01, seed=3).fit(ref).score(test).to_dict()
    assert r1 == r2
    assert (r1["k"], r1["alpha"], r1["seed"], r1["n_reference"], r1["n_samples"]) == (
        8,
        0.01,
        3,
        300,
        200,
    )
    assert r1["ndb_fraction"] == r1["ndb"] / 8
    props = r1["reference_proportions"]
    assert props == sorted(props, reverse=True) and sum(props) == pytest.approx(1)


def test_collapsed_generator_is_caught():
    g = torch.Generator().manual_seed(2)
    ref = torch.randn(1000, 2, generator=g)
    collapsed = torch.zeros(500, 2) + 0.01 * torch.randn(500, 2, generator=g)
    assert NDB(k=10, seed=0).fit(ref).score(collapsed).ndb >= 8


def test_bin_jsd_known_values():
    p = np.array([0.5, 0.5])
    assert bin_jsd(p, p) == 0.0
    assert bin_jsd(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(np.log(2))


def test_different_bins_empty_bins_do_not_differ():
    assert different_bins(np.array([10, 0]), np.array([10, 0])).tolist() == [False, False]


def test_errors():
    with pytest.raises(ValueError, match="k >= 2"):
        NDB(k=1)
    with pytest.raises(ValueError, match="alpha must be in"):
        NDB(alpha=1.5)
    with pytest.raises(ValueError, match="at least k=10 reference samples, got 5"):
        NDB(k=10).fit(torch.zeros(5, 2))
    with pytest.raises(RuntimeError, match="before fit"):
        NDB(k=2).score(torch.zeros(5, 2))
    ndb = NDB(k=2).fit(torch.randn(20, 2, generator=torch.Generator().manual_seed(0)))
    with pytest.raises(ValueError, match="3 dimensions, the reference had 2"):
        ndb.score(torch.zeros(5, 3))
