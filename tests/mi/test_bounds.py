"""Known answers for the MI bounds (no training): companion/mi/bounds.py."""

import math

import pytest
import torch

from companion.mi import (
    MINE,
    Bound,
    ba_lower_bound,
    dv_lower_bound,
    gaussian_mi,
    gaussian_optimal_critic,
    infonce_lower_bound,
    jsd_lower_bound,
    jsd_nwj_lower_bound,
    mine_lower_bound,
    nwj_lower_bound,
    rho_from_mi,
    sample_correlated_gaussian,
    shuffle_pairs,
    smile_lower_bound,
)

LOG4 = math.log(4.0)


def random_scores(seed: int, n: int = 16, scale: float = 5.0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return scale * torch.randn(n, n, generator=g, dtype=torch.float64)


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("scale", [0.1, 3.0, 100.0])
def test_infonce_never_exceeds_log_k(seed, scale):
    scores = random_scores(seed, n=8 + seed, scale=scale)
    assert infonce_lower_bound(scores).estimate <= math.log(scores.shape[0]) + 1e-12


def test_infonce_reaches_log_k_for_perfect_scores():
    estimate = infonce_lower_bound(1e3 * torch.eye(32, dtype=torch.float64)).estimate
    assert estimate.item() == pytest.approx(math.log(32), abs=1e-9)


@pytest.mark.parametrize("seed", range(20))
def test_dv_at_least_nwj_on_the_same_scores(seed):
    scores = random_scores(seed, scale=2.0)
    assert dv_lower_bound(scores).estimate >= nwj_lower_bound(scores).estimate - 1e-12


def test_dv_equals_nwj_when_partition_is_e():
    # log m = m / e exactly at m = e: constant scores 1 give E_q[exp T] = e.
    scores = torch.ones(6, 6, dtype=torch.float64)
    assert dv_lower_bound(scores).estimate.item() == pytest.approx(0.0, abs=1e-12)
    assert nwj_lower_bound(scores).estimate.item() == pytest.approx(0.0, abs=1e-12)


def test_losses_are_minus_estimates():
    scores = random_scores(0)
    for fn in (infonce_lower_bound, nwj_lower_bound, dv_lower_bound, jsd_lower_bound):
        bound = fn(scores)
        assert bound.loss.item() == pytest.approx(-bound.estimate.item())
    for bound in (smile_lower_bound(scores), jsd_nwj_lower_bound(scores)):
        assert bound.loss.item() == pytest.approx(-bound.estimate.item())


def test_jsd_constant_critic_gives_minus_log4_in_both_forms():
    assert jsd_lower_bound(torch.zeros(7, 7)).estimate.item() == pytest.approx(-LOG4, abs=1e-6)
    vec = jsd_lower_bound(torch.zeros(7), torch.zeros(3)).estimate
    assert vec.item() == pytest.approx(-LOG4, abs=1e-6)


def test_jsd_matrix_form_matches_vector_form():
    scores = random_scores(1, n=5)
    off = scores[~torch.eye(5, dtype=torch.bool)]
    matrix = jsd_lower_bound(scores).estimate
    vector = jsd_lower_bound(scores.diagonal(), off).estimate
    assert matrix.item() == pytest.approx(vector.item(), abs=1e-12)


@pytest.mark.parametrize("seed", range(10))
def test_jsd_lies_between_minus_log4_and_zero_for_separating_critics(seed):
    scores = random_scores(seed)
    estimate = jsd_lower_bound(scores).estimate.item()
    assert estimate <= 0.0
    perfect = 50.0 * (2 * torch.eye(6, dtype=torch.float64) - 1)  # +50 on joint, -50 elsewhere
    assert jsd_lower_bound(perfect).estimate.item() == pytest.approx(0.0, abs=1e-12)


def test_jsd_is_binary_cross_entropy_sum_of_two_means():
    g = torch.Generator().manual_seed(0)
    pos, neg = torch.randn(9, generator=g), torch.randn(9, generator=g)
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    expected = -(bce(pos, torch.ones(9)) + bce(neg, torch.zeros(9)))
    assert jsd_lower_bound(pos, neg).estimate.item() == pytest.approx(expected.item(), abs=1e-6)


def test_smile_without_clipping_is_dv_and_clipping_lowers_partition():
    scores = random_scores(2, scale=10.0)
    assert smile_lower_bound(scores, tau=None).estimate.item() == pytest.approx(
        dv_lower_bound(scores).estimate.item(), abs=1e-12
    )
    # clipping caps exp(T) of large off-diagonal scores: the partition shrinks, the value grows
    assert smile_lower_bound(scores, tau=1.0).estimate > dv_lower_bound(scores).estimate


def _grad(fn, scores):
    scores = scores.clone().requires_grad_(True)
    fn(scores).backward()
    return scores.grad


@pytest.mark.parametrize("fn", [smile_lower_bound, jsd_nwj_lower_bound])
def test_smile_and_jsd_readout_take_the_jsd_gradient(fn):
    scores = random_scores(3)
    got = _grad(lambda s: fn(s).loss, scores)
    want = _grad(lambda s: jsd_lower_bound(s).loss, scores)
    torch.testing.assert_close(got, want)


def test_mine_with_zero_decay_has_the_dv_gradient():
    scores = random_scores(4)
    got = _grad(lambda s: mine_lower_bound(s, torch.tensor(3.0), decay=0.0).loss, scores)
    want = _grad(lambda s: dv_lower_bound(s).loss, scores)
    torch.testing.assert_close(got, want)


def test_mine_gradient_divides_by_the_moving_average():
    scores = random_scores(5, n=4, scale=1.0)
    log_ema, decay = torch.tensor(0.7, dtype=torch.float64), 0.9
    bound = mine_lower_bound(scores, log_ema, decay)
    new_log_ema = bound.state
    off = ~torch.eye(4, dtype=torch.bool)
    batch_partition = scores[off].exp().mean()
    expected_ema = decay * math.exp(0.7) + (1 - decay) * batch_partition.item()
    assert new_log_ema.exp().item() == pytest.approx(expected_ema)
    grad = _grad(lambda s: mine_lower_bound(s, log_ema, decay).loss, scores)
    want = torch.zeros(4, 4, dtype=torch.float64)
    want[~off] = -1.0 / 4  # d(-joint mean)/dT_ii
    want[off] = scores[off].exp() / (12 * expected_ema)  # E_q[exp(T) dT] / EMA
    torch.testing.assert_close(grad, want)
    assert bound.estimate.item() == pytest.approx(dv_lower_bound(scores).estimate.item())


def test_mine_module_keeps_state_in_a_buffer():
    mine = MINE(decay=0.5)
    assert torch.isnan(mine.log_ema_partition)
    mine(torch.zeros(3, 3))
    assert mine.log_ema_partition.item() == pytest.approx(0.0)
    mine(torch.ones(3, 3))  # EMA of partitions 1 and e
    assert mine.log_ema_partition.exp().item() == pytest.approx(0.5 + 0.5 * math.e)
    assert "log_ema_partition" in mine.state_dict()


def test_ba_bound_adds_entropy_to_mean_log_density():
    log_q = torch.tensor([[-1.0, 5.0], [7.0, -2.0]])
    assert ba_lower_bound(log_q, 2.0).estimate.item() == pytest.approx(0.5)
    assert ba_lower_bound(log_q.diagonal(), 2.0).estimate.item() == pytest.approx(0.5)


# Measured over seeds 0-4 with N = 1024, d = 20 and the optimal critic: |NWJ - 2| and |DV - 2|
# at most 0.072 nats; |InfoNCE - min(I, log N)| at most 0.088 (I = 2) and 0.098 (I = 12).
@pytest.mark.parametrize("seed", range(3))
def test_optimal_gaussian_critic_gives_nwj_close_to_true_mi(seed):
    dim, n, mi = 20, 1024, 2.0
    rho = rho_from_mi(mi, dim)
    x, y = sample_correlated_gaussian(n, dim, rho, torch.Generator().manual_seed(seed))
    scores = gaussian_optimal_critic(x.double(), y.double(), rho)
    assert abs(nwj_lower_bound(scores + 1.0).estimate.item() - mi) < 0.25
    assert abs(dv_lower_bound(scores).estimate.item() - mi) < 0.25


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("mi", [2.0, 12.0])
def test_optimal_gaussian_critic_gives_infonce_close_to_min_of_mi_and_log_k(seed, mi):
    dim, n = 20, 1024
    rho = rho_from_mi(mi, dim)
    x, y = sample_correlated_gaussian(n, dim, rho, torch.Generator().manual_seed(seed))
    estimate = infonce_lower_bound(gaussian_optimal_critic(x.double(), y.double(), rho)).estimate
    assert abs(estimate.item() - min(mi, math.log(n))) < 0.2
    assert gaussian_mi(rho, dim) == pytest.approx(mi)


def test_shuffle_pairs_is_a_derangement_of_x():
    g = torch.Generator().manual_seed(0)
    for n in (2, 3, 10, 64):
        z, x = torch.arange(n), torch.arange(n) * 10
        z_neg, x_neg = shuffle_pairs(z, x, g)
        assert torch.equal(z_neg, z)
        assert bool((x_neg != 10 * z).all())  # no joint pair survives
        assert torch.equal(x_neg.sort().values, x)  # every x used once


def test_shuffle_pairs_is_reproducible_and_keeps_trailing_dims():
    x = torch.randn(6, 3, 4, 4)
    a = shuffle_pairs(torch.zeros(6, 8), x, torch.Generator().manual_seed(1))[1]
    b = shuffle_pairs(torch.zeros(6, 8), x, torch.Generator().manual_seed(1))[1]
    assert torch.equal(a, b) and a.shape == x.shape


@pytest.mark.parametrize(
    "fn", [infonce_lower_bound, nwj_lower_bound, dv_lower_bound, smile_lower_bound]
)
def test_non_square_scores_are_rejected(fn):
    with pytest.raises(ValueError, match=r"square \(N, N\) score matrix"):
        fn(torch.zeros(3, 4))
    with pytest.raises(ValueError, match="N >= 2"):
        fn(torch.zeros(1, 1))
    with pytest.raises(TypeError, match="must be a torch.Tensor"):
        fn([[0.0, 1.0], [1.0, 0.0]])


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="decay must be in"):
        mine_lower_bound(torch.zeros(3, 3), None, decay=1.0)
    with pytest.raises(ValueError, match="decay must be in"):
        MINE(decay=-0.1)
    with pytest.raises(ValueError, match="tau must be positive"):
        smile_lower_bound(torch.zeros(3, 3), tau=0.0)
    with pytest.raises(ValueError, match="scores_marginal must be a non-empty"):
        jsd_lower_bound(torch.zeros(3), torch.zeros(3, 3))
    with pytest.raises(TypeError, match="scores_joint must be a torch.Tensor"):
        jsd_lower_bound([0.0], torch.zeros(3))
    with pytest.raises(ValueError, match="log_q must be"):
        ba_lower_bound(torch.zeros(2, 2, 2), 1.0)
    with pytest.raises(TypeError, match="log_q must be a torch.Tensor"):
        ba_lower_bound(1.0, 1.0)
    with pytest.raises(ValueError, match="share the batch size"):
        shuffle_pairs(torch.zeros(3), torch.zeros(4))
    with pytest.raises(ValueError, match="at least 2 samples"):
        shuffle_pairs(torch.zeros(1), torch.zeros(1))


def test_every_bound_returns_the_same_type():
    scores = random_scores(6, n=6, scale=1.0)
    log_q = torch.full((6,), -1.0, dtype=torch.float64)
    bounds = [
        infonce_lower_bound(scores),
        nwj_lower_bound(scores),
        dv_lower_bound(scores),
        mine_lower_bound(scores, None),
        jsd_lower_bound(scores),
        jsd_lower_bound(scores.diagonal(), scores[0, 1:]),
        jsd_nwj_lower_bound(scores),
        smile_lower_bound(scores),
        ba_lower_bound(log_q, 2.0),
        MINE()(scores),
    ]
    for bound in bounds:
        assert type(bound) is Bound
        assert bound.estimate.shape == () and bound.loss.shape == ()
    stateful = [b for b in bounds if b.state is not None]
    assert len(stateful) == 2  # the two MINE calls, and only those


def test_mine_state_chains_from_step_to_step():
    scores = torch.zeros(4, 4, dtype=torch.float64)
    first = mine_lower_bound(scores, None, decay=0.5)  # EMA starts at the batch partition, 1
    second = mine_lower_bound(scores + 2.0, first.state, decay=0.5)
    expected = math.log(0.5 * 1.0 + 0.5 * math.exp(2.0))
    assert second.state.item() == pytest.approx(expected)
    assert not second.state.requires_grad


def test_jsd_bound_is_not_in_mi_units_but_its_readout_is():
    # Optimal critic at I = 4 nats in 20 dimensions: the JSD objective stays in
    # [-2 log 2, 0] while the NWJ read-out of the same critic is close to 4 nats.
    rho = rho_from_mi(4.0, 20)
    x, y = sample_correlated_gaussian(256, 20, rho, torch.Generator().manual_seed(0))
    pmi = gaussian_optimal_critic(x.double(), y.double(), rho)
    jsd = jsd_lower_bound(pmi).estimate.item()
    assert -2 * math.log(2) < jsd < 0
    assert jsd_nwj_lower_bound(pmi).estimate.item() == pytest.approx(4.0, abs=0.5)
