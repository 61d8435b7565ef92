"""Chapter 3's exercise checkers: companion/exercises/segan.py.

Each checker accepts the package's answer and an independent one, and names each listed mistake.
"""

import pytest
import torch
import torch.nn.functional as F

from companion.exercises import check_segan_jsd_loss, check_segan_pairs
from companion.losses import scale_gradient
from companion.mi import jsd_lower_bound, shuffle_pairs


def _segan_loss(T, b_hat_1, b_hat_2, z_1, lambda_mi):
    b_1, b_2 = scale_gradient(b_hat_1, lambda_mi), scale_gradient(b_hat_2, lambda_mi)
    return jsd_lower_bound(T(b_1, z_1), T(b_2, z_1)).loss


def test_references_and_independent_solutions_pass(capsys):
    check_segan_pairs(lambda G, a, z_1, z_2: (z_1, G(a, z_1), z_1, G(a, z_2)))

    def pairs_from_one_pass(G, a, z_1, z_2):  # both codes through G in one batch of 2N
        b_hat = G(torch.cat([a, a]), torch.cat([z_1, z_2]))  # (2N, ...)
        b_hat_1, b_hat_2 = b_hat.chunk(2)
        return z_1, b_hat_1, z_1.clone(), b_hat_2

    check_segan_pairs(pairs_from_one_pass)
    check_segan_jsd_loss(_segan_loss)

    def loss_in_two_halves(T, b_hat_1, b_hat_2, z_1, lambda_mi):
        t_joint = T(scale_gradient(b_hat_1, lambda_mi), z_1)
        t_marginal = T(scale_gradient(b_hat_2, lambda_mi), z_1)
        return F.softplus(-t_joint).mean() + F.softplus(t_marginal).mean()

    check_segan_jsd_loss(loss_in_two_halves)
    out = capsys.readouterr().out
    for name in ("segan_pairs", "segan_jsd_loss"):
        assert out.count(f"check_{name}: correct on") == 2


_SHUFFLES = torch.Generator().manual_seed(0)


def _random_shuffle(G, a, z_1, z_2):  # a permutation of the codes may keep a row in place
    perm = torch.randperm(len(z_1), generator=_SHUFFLES)
    return z_1, G(a, z_1), z_1[perm], G(a, z_1)


def _all_pairs(G, a, z_1, z_2):
    n = len(z_1)
    b_hat = G(a, z_1)
    rows, cols = (~torch.eye(n, dtype=torch.bool)).nonzero(as_tuple=True)
    return z_1, b_hat, z_1[rows], b_hat[cols]


def _no_grad_second_pass(G, a, z_1, z_2):
    with torch.no_grad():
        b_hat_2 = G(a, z_2)
    return z_1, G(a, z_1), z_1, b_hat_2


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (lambda G, a, z_1, z_2: (z_1, G(a, z_1), z_2, G(a, z_2)), "a positive pair"),
        (_random_shuffle, "permutation that can leave a row in place"),
        (lambda G, a, z_1, z_2: (z_1, G(a, z_1), z_1, G(a, z_1).roll(1, 0)), "another input"),
        (lambda G, a, z_1, z_2: (z_1, G(a, z_1), z_1, G(a.roll(1, 0), z_2)), "another input"),
        (lambda G, a, z_1, z_2: (z_1, G(a, z_1), *shuffle_pairs(z_1, G(a, z_1))), "another input"),
        (lambda G, a, z_1, z_2: (z_1, G(a, z_1), z_2, G(a, z_1)), "keeps the positive's code"),
        (
            lambda G, a, z_1, z_2: (z_1, G(a, z_1), z_1, G(a, torch.randn_like(z_1))),
            "without new random draws",
        ),
        (lambda G, a, z_1, z_2: (z_1, G(a, z_1), z_1, G(a, z_2).detach()), "without a gradient"),
        (_no_grad_second_pass, "without a gradient"),
        (_all_pairs, "one negative per positive"),
        (lambda G, a, z_1, z_2: (G(a, z_1), z_1, G(a, z_2), z_1), "in this order"),
        (lambda G, a, z_1, z_2: (z_2, G(a, z_2), z_2, G(a, z_1)), "the positives are"),
        (lambda G, a, z_1, z_2: (z_1, G(a, z_2), z_1, G(a, z_1)), "the positives are"),
        (lambda G, a, z_1, z_2: (z_1, G(a, z_1)), "return four tensors"),
    ],
)
def test_pair_mistakes_are_diagnosed(fn, match):
    with pytest.raises(AssertionError, match=match):
        check_segan_pairs(fn)


def _reversed(T, b_hat_1, b_hat_2, z_1, lambda_mi):
    return _segan_loss(T, b_hat_1, b_hat_2, z_1, -lambda_mi)


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (lambda T, b_1, b_2, z_1, lam: _segan_loss(T, b_1, b_2, z_1, 1.0), "unscaled"),
        (lambda T, b_1, b_2, z_1, lam: lam * _segan_loss(T, b_1, b_2, z_1, 1.0), "multiplied"),
        (lambda T, b_1, b_2, z_1, lam: lam * _segan_loss(T, b_1, b_2, z_1, lam), "twice"),
        (
            lambda T, b_1, b_2, z_1, lam: _segan_loss(T, b_1.detach(), b_2.detach(), z_1, lam),
            "no gradient reaches G",
        ),
        (_reversed, "gradient reversal"),
        (lambda T, b_1, b_2, z_1, lam: -_segan_loss(T, b_1, b_2, z_1, lam), "sign is flipped"),
        (
            lambda T, b_1, b_2, z_1, lam: (
                jsd_lower_bound(T(scale_gradient(b_1, lam), z_1), T(b_2, z_1)).loss
            ),
            "only the positive image is scaled",
        ),
        (
            lambda T, b_1, b_2, z_1, lam: (
                jsd_lower_bound(T(scale_gradient(b_1, lam), z_1), T(b_2.detach(), z_1)).loss
            ),
            "negative image is detached",
        ),
        (lambda T, b_1, b_2, z_1, lam: float(_segan_loss(T, b_1, b_2, z_1, lam)), "0-d tensor"),
        (lambda T, b_1, b_2, z_1, lam: T(b_1, z_1), "0-d tensor"),
        (lambda T, b_1, b_2, z_1, lam: _segan_loss(T, b_1, b_2, z_1, lam) * 1.1, "the value"),
        (lambda T, b_1, b_2, z_1, lam: T(z_1, b_1).mean(), "raised RuntimeError"),
    ],
)
@pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad")
def test_segan_loss_mistakes_are_diagnosed(fn, match):
    with pytest.raises(AssertionError, match=match):
        check_segan_jsd_loss(fn)


def test_stubs_in_place_edits_and_non_callables():
    def stub(*args):
        raise NotImplementedError("write it")

    for checker in (check_segan_pairs, check_segan_jsd_loss):
        with pytest.raises(NotImplementedError, match="write it"):
            checker(stub)
        with pytest.raises(TypeError, match="expects a function"):
            checker("not a function")

    def in_place_pairs(G, a, z_1, z_2):
        z_2.zero_()
        return z_1, G(a, z_1), z_1, G(a, z_2)

    with pytest.raises(AssertionError, match="modified its input in place"):
        check_segan_pairs(in_place_pairs)
