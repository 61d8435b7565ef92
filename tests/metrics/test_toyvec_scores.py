"""``toyvec_scores`` on translators whose answers are known: identity, an oracle, noise."""

import math

import pytest
import torch

from companion.data import TOYVEC_MODES, ToyVectors
from companion.metrics import toyvec_scores

TEST = ToyVectors(split="test", size=400)


def _oracle(a, z):
    """Keeps the content; the code picks B's mode (by the signs of z) and its jitter."""
    content = TEST.probe(a, "b")["content"]
    modes = torch.as_tensor(TOYVEC_MODES["b"])  # (+1,+1), (+1,-1), (-1,+1), (-1,-1)
    mode = (z[:, 0] < 0).long() * 2 + (z[:, 1] < 0).long()
    return TEST.render(content, modes[mode] + 0.15 * z, "b")


def test_identity_keeps_content_has_no_diversity_and_is_not_real():
    s = toyvec_scores(lambda a, z: a, TEST, 2)
    assert s["diversity"] == 0 and s["modes"] == 1
    assert abs(s["content_r2"] - 1) < 1e-6 and s["residual"] > 0.1


def test_an_oracle_translator_scores_like_the_data():
    s = toyvec_scores(_oracle, TEST, 2)
    assert s["residual"] < 1e-6 and s["content_r2"] > 0.999
    assert s["consistency"] < 1e-3  # one code, one style, for every source
    # the same 10 codes for all sources: diversity and modes near the data's
    assert 0.7 < s["diversity"] < 1.3
    assert 2.5 <= s["modes"] <= 4 and 4 * (1 - 0.75**10) < 3.78


def test_outputs_that_ignore_the_source_lose_the_content():
    fixed = TEST.batch([0])["b"]
    s = toyvec_scores(lambda a, z: fixed.expand(a.shape[0], -1, -1, -1), TEST, 2)
    assert s["content_r2"] < 0.05 and s["diversity"] == 0
    assert math.isnan(s["consistency"]) or s["consistency"] >= 0


def test_pairwise_l1_averages_over_ordered_pairs_of_distinct_items():
    from companion.metrics.toyvec import _pairwise_l1

    x = torch.tensor([[[0.0, 2.0], [1.0, 2.0], [3.0, 2.0]]])  # (1, K=3, C=2)
    # |differences| per coordinate: pairs (0, 1) 0.5, (0, 2) 1.5, (1, 2) 1.0; both orders: 6
    assert _pairwise_l1(x).tolist() == [6.0 / 6]


def test_linear_r2_of_a_known_fit():
    from companion.metrics.toyvec import _linear_r2

    x = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], dtype=torch.float64)
    y = torch.stack([10 + x[:, 0] + torch.tensor([0.5, -0.5, -0.5, 0.5]), 3 * x[:, 1] - 5], 1)
    # column 0: the affine fit leaves residuals +-0.5 (sum of squares 1) around total variation
    # 1 + 1 = 2 (the mean is 10.5); column 1 is fitted exactly (total variation 9)
    assert _linear_r2(x, y) == pytest.approx(1 - 1.0 / (2.0 + 9.0), abs=1e-12)
