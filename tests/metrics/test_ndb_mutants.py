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
