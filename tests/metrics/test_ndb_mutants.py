"""Known answers for NDB's per-bin test, which the mutation run found unpinned.

The existing tests check which bins differ in clear-cut cases; a wrong standard error or a
wrong p-value constant gives the same verdicts there. Here the verdict is probed at a
significance level just above and just below the p-value computed independently (the
textbook two-proportion z-test with ``statistics.NormalDist``), which pins the p-value to
within 1%.
"""

import math
from statistics import NormalDist

import numpy as np
import pytest

from companion.metrics.ndb import different_bins


def _textbook_p(k1: int, n1: int, k2: int, n2: int) -> float:
    pooled = (k1 + k2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z = abs(k1 / n1 - k2 / n2) / se
    return 2 * (1 - NormalDist().cdf(z))


@pytest.mark.parametrize(
    "ref, test",
    [
        ([50, 50], [30, 70]),  # equal sizes: p = 0.0039
        ([50, 50], [90, 210]),  # unequal sizes weigh 1/n1 and 1/n2 differently: p = 0.00028
        ([12, 88], [20, 80]),  # near the usual 5% level: p = 0.11
    ],
)
def test_different_bins_p_value_matches_the_textbook_z_test(ref, test):
    ref, test = np.array(ref), np.array(test)
    p = _textbook_p(ref[0], ref.sum(), test[0], test.sum())
    assert different_bins(ref, test, alpha=p * 1.01).tolist() == [True, True]
    assert different_bins(ref, test, alpha=p * 0.99).tolist() == [False, False]


def test_the_significance_boundary_is_strict_and_empty_bins_never_differ():
    z = abs(50 / 100 - 30 / 100) / math.sqrt(0.4 * 0.6 * (2 / 100))
    p = math.erfc(z / math.sqrt(2))
    ref, test = np.array([50, 50]), np.array([30, 70])
    # bin 0's p-value exactly (bin 1's |0.5 - 0.7| rounds differently in floating point)
    assert not different_bins(ref, test, alpha=p)[0]  # p < alpha, strictly
    assert different_bins(ref, test, alpha=np.nextafter(p, 1))[0]
    # a bin empty in both sets has z = 0 (p = 1): not different even at alpha = 0.9
    assert different_bins(np.array([50, 50, 0]), np.array([50, 50, 0]), 0.9).tolist() == [
        False,
        False,
        False,
    ]


class _FakeKMeans:
    """k-means replaced by fixed labels and centres (centre i = [i, 0]); records its settings."""

    made: list = []

    def __init__(self, **kwargs):
        _FakeKMeans.made.append(kwargs)
        self.k = kwargs["n_clusters"]

    def fit_predict(self, x):
        self.cluster_centers_ = np.stack([np.arange(self.k), np.zeros(self.k)], 1).astype(float)
        return self.labels


@pytest.fixture
def fake_kmeans(monkeypatch):
    import sklearn.cluster

    _FakeKMeans.made = []
    monkeypatch.setattr(sklearn.cluster, "KMeans", _FakeKMeans)
    return _FakeKMeans


def test_fit_runs_kmeans_once_with_its_settings_and_keeps_empty_bins(fake_kmeans):
    from companion.metrics.ndb import NDB

    fake_kmeans.labels = np.array([1, 1, 0, 1, 0])  # bin 2 gets nothing
    ndb = NDB(k=3, seed=4, max_iter=7).fit(np.zeros((5, 2)))
    assert fake_kmeans.made == [{"n_clusters": 3, "n_init": 1, "max_iter": 7, "random_state": 4}]
    assert ndb.reference_counts.tolist() == [3, 2, 0]
    assert ndb.centres[:, 0].tolist() == [1.0, 0.0, 2.0]


def test_bins_of_equal_size_keep_their_order(fake_kmeans):
    from companion.metrics.ndb import NDB

    fake_kmeans.labels = np.repeat(np.arange(24), [2, 1, 2, 2, 1, 2, 1, 1, 2, 2, 1, 2] * 2)
    ndb = NDB(k=24).fit(np.zeros((len(fake_kmeans.labels), 2)))
    big = [i for i in range(24) if i % 12 in (0, 2, 3, 5, 8, 9, 11)]
    small = [i for i in range(24) if i not in big]
    assert ndb.centres[:, 0].tolist() == [float(i) for i in big + small]


def test_ndb_defaults_and_argument_checks():
    from companion.metrics.ndb import NDB

    ndb = NDB()
    assert (ndb.k, ndb.alpha, ndb.seed, ndb.max_iter) == (50, 0.05, 0, 100)
    assert ndb.centres is None and ndb.reference_counts is None
    for alpha in (0.0, 1.0):
        with pytest.raises(ValueError) as info:
            NDB(k=2, alpha=alpha)
        assert str(info.value) == f"alpha must be in (0, 1), got {alpha}"
    with pytest.raises(RuntimeError) as info:
        ndb.assign(np.zeros((2, 2)))
    assert str(info.value) == "NDB.assign called before fit(reference)"
    with pytest.raises(ValueError) as info:
        NDB(k=4).fit(np.zeros((3, 2)))
    assert str(info.value) == (
        "NDB needs at least k=4 reference samples, got 3; lower k (the paper keeps >= 10 "
        "samples per bin)"
    )
    for call, what in ((NDB(k=2).fit, "reference"), (NDB(k=2).fit(np.eye(2)).assign, "samples")):
        with pytest.raises(ValueError) as info:
            call(np.zeros(5))
        assert str(info.value) == f"expected {what} of shape (N, ...), got (5,)"


def test_as_many_reference_samples_as_bins_and_any_input_kind():
    import torch

    from companion.metrics.ndb import NDB

    points = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    ndb = NDB(k=3).fit(points)  # N == k is enough
    as_tensor = torch.tensor(points, requires_grad=True)  # detached, not refused
    assert sorted(ndb.assign(as_tensor).tolist()) == [0, 1, 2]
    # nearest centre, not the farthest: a point near (10, 0) goes to that centre's bin
    near = ndb.assign(np.array([[9.0, 1.0], [1.0, 9.0]]))
    assert ndb.centres[near[0]].tolist() == [10.0, 0.0]
    assert ndb.centres[near[1]].tolist() == [0.0, 10.0]


def test_a_score_uses_the_ndb_alpha_and_records_each_bin():
    from companion.metrics.ndb import NDB

    reference = np.repeat(np.array([[0.0], [10.0]]), [60, 40], axis=0)
    ndb = NDB(k=2, alpha=0.5).fit(reference)
    samples = np.repeat(np.array([[0.0], [10.0]]), [55, 45], axis=0)
    record = ndb.score(samples).to_dict()
    # p = 0.47 for 0.60 vs 0.55: different at alpha 0.5, not at the default 0.05
    assert record["different"] == [True, True] and record["ndb"] == 2
    assert record["ndb_fraction"] == 1.0
    assert record["reference_proportions"] == [0.6, 0.4]
    assert record["sample_proportions"] == [0.55, 0.45]
    half = NDB(k=4, alpha=0.5).fit(np.repeat(np.arange(4.0)[:, None], 25, axis=0))
    unequal = np.repeat(np.arange(4.0)[:, None], [25, 25, 10, 40], axis=0)
    assert half.score(unequal).to_dict()["ndb_fraction"] == 0.5
