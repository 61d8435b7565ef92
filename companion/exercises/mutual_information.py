"""Chapter 1's checkers: the NWJ and InfoNCE bounds computed from a critic's score matrix.

The convention is that of :mod:`companion.mi`: ``scores`` is (N, N) with ``S_ij = T(x_i, y_j)``,
joint pairs on the diagonal and product-of-marginals pairs off it; a bound is a 0-d tensor in nats.

Example:
    >>> from companion.mi import infonce_lower_bound
    >>> check_infonce_lower_bound(lambda s: infonce_lower_bound(s).estimate)  # doctest: +ELLIPSIS
    check_infonce_lower_bound: correct on 8 score matrices ...
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor

from companion.exercises._common import close, report
from companion.mi.bounds import infonce_lower_bound, nwj_lower_bound
from companion.mi.critics import gaussian_optimal_critic
from companion.mi.gaussian import rho_from_mi, sample_correlated_gaussian

__all__ = ["check_infonce_lower_bound", "check_nwj_lower_bound"]

ScoreFn = Callable[[Tensor], object]


def _score_cases() -> list[tuple[str, Tensor]]:
    """Known score matrices (float64): special values, random and a Gaussian optimal critic."""
    gen = torch.Generator().manual_seed(0)
    rho = rho_from_mi(2.0, 5)
    x, y = sample_correlated_gaussian(12, 5, rho, gen, dtype=torch.float64)
    return [
        ("zeros (4, 4)", torch.zeros(4, 4, dtype=torch.float64)),
        ("constant 2 (5, 5)", torch.full((5, 5), 2.0, dtype=torch.float64)),
        ("10 * identity (6, 6)", 10.0 * torch.eye(6, dtype=torch.float64)),
        ("random (3, 3)", torch.randn(3, 3, generator=gen, dtype=torch.float64)),
        ("random (8, 8)", torch.randn(8, 8, generator=gen, dtype=torch.float64)),
        ("3 * random (16, 16)", 3.0 * torch.randn(16, 16, generator=gen, dtype=torch.float64)),
        ("upper triangular ones (5, 5)", torch.ones(5, 5, dtype=torch.float64).triu()),
        ("Gaussian optimal critic (12, 12)", gaussian_optimal_critic(x, y, rho)),
    ]


def _to_float(value: object, fn_name: str, case: str) -> float:
    estimate = getattr(value, "estimate", value)  # accept a Bound as well as a number
    if isinstance(estimate, Tensor):
        if estimate.numel() != 1:
            raise AssertionError(
                f"{fn_name} returned a tensor of shape {tuple(estimate.shape)} on {case}; "
                "it must return one number (a 0-d tensor): did you forget a .mean()?"
            )
        return float(estimate.detach())
    if isinstance(estimate, (int, float)):
        return float(estimate)
    raise AssertionError(
        f"{fn_name} returned {type(value).__name__} on {case}; return a 0-d torch.Tensor"
    )


def _off(scores: Tensor) -> Tensor:
    return scores[~torch.eye(scores.shape[0], dtype=torch.bool)]


def _log_mean_exp_off(s: Tensor) -> Tensor:
    return torch.logsumexp(_off(s), 0) - math.log(_off(s).numel())


def _nwj_mistakes() -> list[tuple[str, Callable[[Tensor], Tensor]]]:
    """Frequent wrong answers for NWJ, each with the diagnosis shown to the student."""
    return [
        (
            "you computed the Donsker-Varadhan bound (log of the mean of exp(T)); NWJ has no "
            "log: subtract the mean of exp(T - 1) itself",
            lambda s: s.diagonal().mean() - _log_mean_exp_off(s),
        ),
        (
            "the marginal term uses exp(T) instead of exp(T - 1): NWJ is "
            "E_joint[T] - E_marginal[exp(T - 1)]",
            lambda s: s.diagonal().mean() - _off(s).exp().mean(),
        ),
        (
            "the marginal term averages over all N^2 entries; the diagonal holds joint pairs, "
            "so average exp(T - 1) over the N(N - 1) off-diagonal entries only",
            lambda s: s.diagonal().mean() - (s - 1).exp().mean(),
        ),
        (
            "the sign is flipped: return the bound E_joint[T] - E_marginal[exp(T - 1)], "
            "not the loss",
            lambda s: -nwj_lower_bound(s).estimate,
        ),
        (
            "the joint term averages all entries; use the diagonal (joint pairs) only",
            lambda s: s.mean() - _off(s - 1).exp().mean(),
        ),
    ]


def _infonce_mistakes() -> list[tuple[str, Callable[[Tensor], Tensor]]]:
    """Frequent wrong answers for InfoNCE, each with the diagnosis shown to the student."""

    def log_softmax_diagonal(s: Tensor, dim: int = 1) -> Tensor:
        return s.diagonal() - torch.logsumexp(s, dim=dim)  # (N,)

    def without_positive(s: Tensor) -> Tensor:
        masked = s.masked_fill(torch.eye(s.shape[0], dtype=torch.bool), float("-inf"))
        return math.log(s.shape[0]) + (s.diagonal() - torch.logsumexp(masked, 1)).mean()

    return [
        (
            "the + log K term is missing: InfoNCE = log K + mean_i [S_ii - logsumexp_j S_ij] "
            "(K = N, the batch size)",
            lambda s: log_softmax_diagonal(s).mean(),
        ),
        (
            "you normalised over columns (dim=0): that is also a valid bound (x's as "
            "negatives), but this exercise asks for rows: for each x_i, a softmax over y_j "
            "(dim=1)",
            lambda s: math.log(s.shape[0]) + log_softmax_diagonal(s, dim=0).mean(),
        ),
        (
            "the denominator must include the positive pair itself: logsumexp over all j, "
            "j = i included",
            without_positive,
        ),
        (
            "the sign is flipped: return the bound, not the loss",
            lambda s: -infonce_lower_bound(s).estimate,
        ),
        (
            "you summed over i instead of averaging: use .mean() over the N rows",
            lambda s: math.log(s.shape[0]) + log_softmax_diagonal(s).sum(),
        ),
        (
            "log K uses the number of negatives K - 1; the bound's K counts the positive "
            "too, so use log N",
            lambda s: math.log(s.shape[0] - 1) + log_softmax_diagonal(s).mean(),
        ),
    ]


def _check(
    fn: ScoreFn,
    name: str,
    reference: Callable[[Tensor], Tensor],
    mistakes: list[tuple[str, Callable[[Tensor], Tensor]]],
    formula: str,
) -> None:
    if not callable(fn):
        raise TypeError(f"{name} expects a function of a score matrix, got {type(fn).__name__}")
    fn_name = getattr(fn, "__name__", "your function")
    cases = _score_cases()
    got, want, errors = [], [], []
    for case, scores in cases:
        original = scores.clone()
        try:
            value = fn(scores)
        except NotImplementedError:
            raise
        except Exception as err:  # the student's bug: report it with the input that caused it
            raise AssertionError(
                f"{fn_name} raised {type(err).__name__}: {err} on the {case} score matrix"
            ) from err
        if not torch.equal(scores, original):
            raise AssertionError(
                f"{fn_name} modified its input in place on {case}; work on a copy "
                "(avoid in-place ops such as fill_diagonal_ on the scores)"
            )
        got.append(_to_float(value, fn_name, case))
        want.append(float(reference(scores)))
        errors.append(abs(got[-1] - want[-1]))
    wrong = [i for i, (g, w) in enumerate(zip(got, want)) if not close(g, w)]
    if wrong:
        for diagnosis, mistake in mistakes:
            if all(close(g, float(mistake(s))) for g, (_, s) in zip(got, cases)):
                raise AssertionError(f"{fn_name} is not the expected bound: {diagnosis}.")
        i = wrong[0]
        raise AssertionError(
            f"{fn_name} disagrees with the reference on {len(wrong)} of {len(cases)} score "
            f"matrices; first: {cases[i][0]}: got {got[i]:.6f}, expected {want[i]:.6f}. "
            f"Recall: {formula}"
        )
    _check_gradient(fn, fn_name, reference, cases[-1][1])
    report(
        f"{name}: correct on {len(cases)} score matrices "
        f"(max error {max(errors):.1e}), and differentiable"
    )


def _check_gradient(
    fn: ScoreFn, fn_name: str, reference: Callable[[Tensor], Tensor], scores: Tensor
) -> None:
    mine = scores.clone().requires_grad_(True)
    value = fn(mine)
    value = getattr(value, "estimate", value)
    if not isinstance(value, Tensor) or value.grad_fn is None:
        raise AssertionError(
            f"{fn_name} returns a value without a gradient: a critic could not be trained "
            "with it. Keep everything in torch (no .item(), numpy or torch.no_grad())"
        )
    (grad,) = torch.autograd.grad(value, mine)
    ref = scores.clone().requires_grad_(True)
    (grad_ref,) = torch.autograd.grad(reference(ref), ref)
    if not torch.allclose(grad, grad_ref, atol=1e-6, rtol=1e-5):
        raise AssertionError(
            f"{fn_name} has the right value but the wrong gradient (largest difference "
            f"{(grad - grad_ref).abs().max():.2e}); did you detach part of it?"
        )


def check_nwj_lower_bound(fn: ScoreFn) -> None:
    """Check a student's NWJ bound ``fn(scores) -> 0-d tensor`` against the reference.

    The convention is that of :func:`companion.mi.nwj_lower_bound`: ``scores`` is (N, N) with
    joint pairs on the diagonal, and the bound is ``mean_i S_ii - mean_{i != j} exp(S_ij - 1)``
    in nats.

    Args:
        fn: the student's function; it may return a 0-d tensor, a float or a ``Bound``.

    Raises:
        AssertionError: with a diagnosis, if a value or the gradient disagrees.
        TypeError: if ``fn`` is not callable.

    Example:
        >>> from companion.mi import nwj_lower_bound
        >>> check_nwj_lower_bound(nwj_lower_bound)  # doctest: +ELLIPSIS
        check_nwj_lower_bound: correct on 8 score matrices ...
    """
    _check(
        fn,
        "check_nwj_lower_bound",
        lambda s: nwj_lower_bound(s).estimate,
        _nwj_mistakes(),
        "NWJ = mean of the diagonal - mean over i != j of exp(S_ij - 1)",
    )


def check_infonce_lower_bound(fn: ScoreFn) -> None:
    """Check a student's InfoNCE bound ``fn(scores) -> 0-d tensor`` against the reference.

    The convention is that of :func:`companion.mi.infonce_lower_bound`: ``scores`` is (N, N)
    with ``S_ij = T(x_i, y_j)``; the bound is ``log N + mean_i [S_ii - logsumexp_j S_ij]``
    in nats (a softmax over each row).

    Args:
        fn: the student's function; it may return a 0-d tensor, a float or a ``Bound``.

    Raises:
        AssertionError: with a diagnosis, if a value or the gradient disagrees.
        TypeError: if ``fn`` is not callable.

    Example:
        >>> from companion.mi import infonce_lower_bound
        >>> check_infonce_lower_bound(infonce_lower_bound)  # doctest: +ELLIPSIS
        check_infonce_lower_bound: correct on 8 score matrices ...
    """
    _check(
        fn,
        "check_infonce_lower_bound",
        lambda s: infonce_lower_bound(s).estimate,
        _infonce_mistakes(),
        "InfoNCE = log N + mean over rows i of (S_ii - logsumexp_j S_ij)",
    )
