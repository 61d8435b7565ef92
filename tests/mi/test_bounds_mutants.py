"""What tests/mi/test_bounds.py left open in companion/mi/bounds.py (found by `make mutation`).

Defaults (MINE's decay 0.99, SMILE's tau 5), the exact ends of the argument checks, the loss of
every calling form, clipping from both sides, dtypes and devices kept from the inputs (``meta``
tensors stand in for an accelerator), and the error messages naming the argument.
"""

import math

import pytest
import torch

from companion.mi import (
    MINE,
    ba_lower_bound,
    dv_lower_bound,
    infonce_lower_bound,
    jsd_lower_bound,
    jsd_nwj_lower_bound,
    mine_lower_bound,
    nwj_lower_bound,
    pair_scores,
    smile_lower_bound,
)

LOG4 = math.log(4.0)


def _scores(seed: int = 0, n: int = 6, scale: float = 3.0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return scale * torch.randn(n, n, generator=g, dtype=torch.float64)


def test_errors_name_the_argument_and_what_was_passed():
    with pytest.raises(TypeError, match="^scores must be a torch.Tensor, got list$"):
        nwj_lower_bound([[0.0, 1.0], [1.0, 0.0]])
    with pytest.raises(ValueError, match=r"^scores must be a square \(N, N\) score matrix"):
        infonce_lower_bound(torch.zeros(2, 3))
    with pytest.raises(TypeError, match="^scores_marginal must be a torch.Tensor, got list$"):
        jsd_lower_bound(torch.zeros(3), [0.0])
    with pytest.raises(TypeError, match="^log_q must be a torch.Tensor, got float$"):
        ba_lower_bound(1.0, 0.5)
    with pytest.raises(ValueError, match=r"^log_q must be a square \(N, N\) score matrix"):
        ba_lower_bound(torch.zeros(2, 3), 0.5)


def test_smallest_inputs_are_accepted():
    """One pair is enough for the vector forms; a 2 x 2 matrix for the matrix forms."""
    one = jsd_lower_bound(torch.zeros(1), torch.zeros(1))
    assert one.estimate.item() == pytest.approx(-LOG4)
    assert ba_lower_bound(torch.tensor([-1.0]), 1.5).estimate.item() == pytest.approx(0.5)
    assert dv_lower_bound(torch.zeros(2, 2)).estimate.item() == pytest.approx(0.0)
    with pytest.raises(ValueError, match="N >= 2"):
        dv_lower_bound(torch.zeros(1, 1))
    with pytest.raises(ValueError, match="non-empty"):
        jsd_lower_bound(torch.zeros(0), torch.zeros(2))
    with pytest.raises(ValueError, match=r"got shape \(0,\)"):
        ba_lower_bound(torch.zeros(0), 1.0)


def test_vector_forms_return_minus_the_estimate_as_loss():
    g = torch.Generator().manual_seed(1)
    t, t_m = torch.randn(5, generator=g), torch.randn(7, generator=g)
    bound = jsd_lower_bound(t, t_m)
    assert torch.equal(bound.loss, -bound.estimate)
    bound = ba_lower_bound(t, 2.0)
    assert torch.equal(bound.loss, -bound.estimate)


def test_jsd_nwj_reads_nwj_at_scores_plus_one():
    # the JSD-optimal critic is the PMI; NWJ's optimum is 1 + PMI (Poole et al. 2019, Sec. 2.3)
    scores = _scores(2)
    value = jsd_nwj_lower_bound(scores).estimate
    assert value.item() == pytest.approx(nwj_lower_bound(scores + 1).estimate.item(), abs=1e-12)
    zeros = torch.zeros(4, 4, dtype=torch.float64)
    assert jsd_nwj_lower_bound(zeros).estimate.item() == pytest.approx(0.0, abs=1e-12)
    # eye + 1: positives 2, negatives 1, so 2 - exp(1 - 1) = 1
    assert jsd_nwj_lower_bound(torch.eye(4)).estimate.item() == pytest.approx(1.0)


def test_smile_clips_from_both_sides_at_tau_five_by_default():
    # positives score 0, negatives -10: clipped at -tau = -5, so the partition is exp(-5)
    scores = torch.full((4, 4), -10.0, dtype=torch.float64).fill_diagonal_(0.0)
    assert smile_lower_bound(scores).estimate.item() == pytest.approx(5.0)
    assert smile_lower_bound(scores, tau=2.0).estimate.item() == pytest.approx(2.0)
    assert smile_lower_bound(scores, tau=None).estimate.item() == pytest.approx(10.0)
    # negatives above +tau are clipped down: 0 - log exp(5)
    high = torch.full((4, 4), 10.0, dtype=torch.float64).fill_diagonal_(0.0)
    assert smile_lower_bound(high).estimate.item() == pytest.approx(-5.0)
    assert smile_lower_bound(high, tau=6.0).estimate.item() == pytest.approx(-6.0)


def test_mine_default_decay_is_the_papers_0_99():
    scores, previous = _scores(3), torch.tensor(0.5, dtype=torch.float64)
    bound = mine_lower_bound(scores, previous)
    bound_99 = mine_lower_bound(scores, previous, 0.99)
    new, new_99 = bound.state, bound_99.state
    assert torch.equal(new, new_99) and torch.equal(bound.loss, bound_99.loss)
    batch = dv_lower_bound(scores).estimate - scores.diagonal().mean()  # -log of the partition
    expected = math.log(0.99 * math.exp(0.5) + 0.01 * math.exp(-batch.item()))
    assert new.item() == pytest.approx(expected, rel=1e-12)
    assert MINE().decay == 0.99


def test_mine_decay_range_is_zero_included_one_excluded():
    assert MINE(decay=0.0).decay == 0.0
    mine_lower_bound(_scores(), torch.tensor(0.0), decay=0.0)
    for bad in (1.0, 1.5, -0.1):
        with pytest.raises(ValueError, match="decay must be in"):
            MINE(decay=bad)
        with pytest.raises(ValueError, match="decay must be in"):
            mine_lower_bound(_scores(), None, decay=bad)


def test_mine_state_keeps_its_dtype():
    # the returned moving average has the scores' dtype, the module's buffer keeps its own
    new = mine_lower_bound(_scores().float(), torch.tensor(0.5, dtype=torch.float64), 0.9).state
    assert new.dtype == torch.float32
    mine = MINE(0.9)  # a float32 buffer
    mine(_scores())  # float64 scores
    mine(_scores(1))
    assert mine.log_ema_partition.dtype == torch.float32
    assert torch.isfinite(mine.log_ema_partition)


@pytest.mark.parametrize(
    "bound", [nwj_lower_bound, dv_lower_bound, jsd_lower_bound, smile_lower_bound]
)
def test_masks_are_made_on_the_scores_device(bound):
    scores = torch.randn(4, 4, device="meta")
    assert bound(scores).estimate.device.type == "meta"
    assert mine_lower_bound(scores, None).estimate.device.type == "meta"


def _bilinear(u: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return u @ y.T  # (N, N): S(u_i, y_j) at [i, j]


def test_pair_scores_shuffle_is_the_critics_matrix_and_the_default():
    g = torch.Generator().manual_seed(0)
    u, y = torch.randn(4, 2, generator=g), torch.randn(4, 2, generator=g)
    assert torch.equal(pair_scores(_bilinear, u, y), u @ y.T)
    assert torch.equal(pair_scores(_bilinear, u, y, "shuffle", torch.zeros(4, 2)), u @ y.T)


def test_pair_scores_fresh_keeps_the_joint_diagonal_and_scores_fresh_draws_off_it():
    g = torch.Generator().manual_seed(0)
    u, y, fresh = (torch.randn(3, 2, generator=g) for _ in range(3))
    scores = pair_scores(_bilinear, u, y, "fresh", fresh)
    expected = fresh @ y.T
    expected.diagonal().copy_((u * y).sum(1))
    assert torch.equal(scores, expected)
    meta = torch.zeros(3, 2, device="meta")  # an accelerator's stand-in: the mask follows
    assert pair_scores(_bilinear, meta, meta, "fresh", meta).device.type == "meta"


def test_pair_scores_refuses_other_marginals_and_fresh_without_draws():
    u = torch.zeros(3, 2)
    message = r"^marginal must be 'shuffle' or 'fresh' \(with u_fresh\), got 'other'$"
    with pytest.raises(ValueError, match=message):
        pair_scores(_bilinear, u, u, "other", u)  # refused even with fresh draws
    with pytest.raises(ValueError, match="got 'fresh'"):
        pair_scores(_bilinear, u, u, "fresh")
